// Driver of scripts/bench console: the built-in agent console (served at / by the server) in headless Chromium, logged
// in as the admin on the inbox with one conversation open, while signed WhatsApp webhooks arrive at a steady rate from
// K customers; beside it, in this process, a plain socket.io-client logged in as the same admin: the same run's
// reference (the event reaching a client at all, without a page to update).
//
//   node load.mjs --url http://127.0.0.1:PORT --secret APP_SECRET --email E --password P [--customers 20] [--rate 5]
//     [--seconds 60] [--warmup 10] [--phone-number-id ID]
//
// What the user feels, per message, from the webhook POST (Date.now(): one clock, one machine):
//   socket     the reference client's conversation:new_message
//   inbox      the message's text on its inbox row (a MutationObserver in the page)
//   open       the message in the open conversation (only the open customer's messages)
// and what the console costs: its first load (the login page usable, bytes over the wire), and the REST requests it
// made while the webhooks came (per minute, the busiest 60 s, against the per-agent rate limit of 100 a minute).
// Warm-up messages (the first --warmup seconds, at the same rate) are not counted. Every message must arrive: the
// counts are printed as arrived/sent.
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { io } from "socket.io-client";
import { textWebhook, signature } from "../lib/whatsapp.mjs";

const { values: o } = parseArgs({
  options: {
    url: { type: "string" }, secret: { type: "string" }, email: { type: "string" }, password: { type: "string" },
    customers: { type: "string", default: "20" }, rate: { type: "string", default: "5" },
    seconds: { type: "string", default: "60" }, warmup: { type: "string", default: "10" },
    "phone-number-id": { type: "string", default: "100000000000000" },
  },
});
const url = o.url.replace(/\/+$/, "");
const customers = Number(o.customers), rate = Number(o.rate), seconds = Number(o.seconds), warmup = Number(o.warmup);
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const run = Date.now().toString(36);
const phones = Array.from({ length: customers }, (_, i) => "52199" + String(Date.now() % 100000).padStart(5, "0") + String(i).padStart(3, "0"));

async function webhook(from, text, n) {
  const body = textWebhook({ from, name: "Cliente " + from.slice(-3), wamid: `wamid.BENCH${run}${n}`, text,
    phoneNumberId: o["phone-number-id"] });
  const res = await fetch(url + "/webhooks/whatsapp", {
    method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature(o.secret, body) }, body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error("webhook answered " + res.status);
}

const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const fmt = (x) => (Number.isFinite(x) ? String(Math.round(x)) : "-");

// ---- the reference: a plain socket.io-client, as the admin
const login = await (await fetch(url + "/api/v2/auth/login", {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: o.email, password: o.password }),
})).json();
if (!login.token) throw new Error("cannot log in: " + JSON.stringify(login));
const socketAt = new Map(); // text -> ms
const ref = io(url, { auth: { token: login.token }, transports: ["websocket"] });
ref.on("conversation:new_message", (d) => { if (d?.message?.content) socketAt.set(d.message.content, Date.now()); });
await new Promise((resolve, reject) => { ref.once("connect", resolve); ref.once("connect_error", reject); });

// ---- the console
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ARGS });
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(30_000);
const requests = []; // ms of each REST request the page made
page.on("request", (r) => { if (r.url().includes("/api/v2/")) requests.push(Date.now()); });
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));

const loadStart = Date.now();
await page.goto(url + "/");
await page.getByTestId("login-submit").waitFor();
const loadMs = Date.now() - loadStart;
const bytes = await page.evaluate(() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
  .reduce((n, e) => n + (e.transferSize || 0), 0));
const files = await page.evaluate(() => performance.getEntriesByType("resource").length + 1);
await page.getByTestId("login-email").fill(o.email);
await page.getByTestId("login-password").fill(o.password);
await page.getByTestId("login-submit").click();
await page.getByTestId("inbox-list").waitFor();
await page.getByTestId("inbox-filter-scope").selectOption("all");

// the first customer writes; their conversation is opened and stays open
await webhook(phones[0], `open ${run}`, "open");
const firstRow = page.getByTestId("inbox-row").filter({ has: page.getByTestId("inbox-row-last").filter({ hasText: `open ${run}` }) });
await firstRow.click();
await page.getByTestId("message-list").getByText(`open ${run}`).waitFor();

// when each text first shows on an inbox row and in the open conversation (page clock = Date.now() of this machine)
await page.evaluate(() => {
  window.__inbox = {}; window.__open = {};
  const scan = () => {
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-testid=inbox-row-last]")) {
      const t = el.textContent; if (t && !(t in window.__inbox)) window.__inbox[t] = now;
    }
    for (const el of document.querySelectorAll("[data-testid=message-list] [data-testid=message] .text")) {
      const t = el.textContent; if (t && !(t in window.__open)) window.__open[t] = now;
    }
  };
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
});

// ---- the stream: `rate` webhooks a second, customers in turn, for warmup + seconds
const sent = []; // {text, at, open, counted}
const total = Math.round((warmup + seconds) * rate);
const startedAt = Date.now();
let failures = 0;
const inflight = [];
for (let n = 0; n < total; n++) {
  const due = startedAt + (n * 1000) / rate;
  const wait = due - Date.now();
  if (wait > 0) await sleep(wait);
  const c = n % customers;
  const text = `m${n} ${run}`;
  const at = Date.now();
  sent.push({ text, at, open: c === 0, counted: n >= warmup * rate });
  inflight.push(webhook(phones[c], text, n).catch(() => { failures++; }));
}
await Promise.all(inflight);
const sendEnd = Date.now();
// stragglers: until every counted message is on its row and in the reference, or 15 s
const counted = sent.filter((s) => s.counted);
for (let i = 0; i < 150; i++) {
  const inbox = await page.evaluate(() => window.__inbox);
  if (counted.every((s) => s.text in inbox && socketAt.has(s.text))) break;
  await sleep(100);
}
const inboxAt = await page.evaluate(() => window.__inbox);
const openAt = await page.evaluate(() => window.__open);

const lat = (map, list) => list.filter((s) => map[s.text] !== undefined).map((s) => map[s.text] - s.at);
const socketMap = Object.fromEntries(socketAt);
const openList = counted.filter((s) => s.open);
const rows = [
  ["socket.io-client (reference)", lat(socketMap, counted), counted.length],
  ["console inbox row", lat(inboxAt, counted), counted.length],
  ["console open conversation", lat(openAt, openList), openList.length],
];
const window0 = startedAt + warmup * 1000;
const inWindow = requests.filter((t) => t >= window0 && t <= sendEnd);
let busiest = 0;
for (let i = 0, j = 0; j < inWindow.length; j++) {
  while (inWindow[j] - inWindow[i] > 60_000) i++;
  busiest = Math.max(busiest, j - i + 1);
}
const minutes = Math.max(1e-9, (sendEnd - window0) / 60_000);

console.log(`console load: login page usable after ${loadMs} ms, ${files} files, ${Math.round(bytes / 1024)} KiB over the wire`);
console.log(`stream: ${counted.length} counted webhooks (${rate}/s from ${customers} customers, ${seconds} s after ${warmup} s of warm-up); webhook failures ${failures}`);
console.log("from the webhook POST to ...                 arrived      p50 ms   p99 ms   max ms");
for (const [name, xs, of] of rows) {
  console.log(`${name.padEnd(44)} ${`${xs.length}/${of}`.padStart(9)} ${fmt(pct(xs, 50)).padStart(8)} ${fmt(pct(xs, 99)).padStart(8)} ${fmt(Math.max(...xs)).padStart(8)}`);
}
console.log(`console REST requests while the stream ran: ${(inWindow.length / minutes).toFixed(1)}/min on average, ${busiest} in the busiest 60 s (per-agent limit: RATE_LIMIT_DEFAULT, 100/min by default)`);
if (errors.length) console.log("page errors: " + errors.slice(0, 3).join(" | "));
ref.close();
await browser.close();
const lost = rows.some(([, xs, of]) => xs.length !== of) || failures > 0;
process.exit(lost ? 1 : 0);
