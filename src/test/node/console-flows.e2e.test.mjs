// The agent console's flows beyond console.e2e.test.mjs, in headless Chromium (playwright-core); started by
// crm.console.ConsoleFlowsE2ETest (sandbox mode, a fake model, new conversations with the assistant off), which hands
// over CRM_TEST: {url, adminEmail, adminPassword, agentEmail, supervisorEmail, password (theirs), assistantText,
// screenshots, appSecret, phoneNumberId, agents: {admin, agent, supervisor}}. Every wait is Playwright's own (locators,
// waitForFunction) with a deadline; the DOM contract is the data-testid attributes. The tests run in this order in one
// browser, each in contexts of its own; the dashboard's counts include what the tests before it made.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ctx, agents, api, phone, inboundTexts } from "./crm.mjs";
import { CHROMIUM, ARGS, DESKTOP, PHONE, WAIT, tid, rowWith } from "./browser.mjs";

const ADMIN = { email: ctx.adminEmail, password: ctx.adminPassword };
const AGENT = { email: ctx.agentEmail, password: ctx.password };
const SUPERVISOR = { email: ctx.supervisorEmail, password: ctx.password };
// who handles a conversation, in either language
const WAITING = /Waiting for a person|Esperando a una persona/;
const ASSISTANT = /^(Assistant|Asistente)$/;
// a 1x1 PNG
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64");
mkdirSync(ctx.screenshots, { recursive: true });

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
after(() => browser.close());

/** A page in a fresh context (its own localStorage); uncaught errors are kept in page.errors. */
async function newPage(viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT);
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  return page;
}

async function done(page) {
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
  await page.context().close();
}

async function shot(page, name) {
  await page.screenshot({ path: join(ctx.screenshots, "flows-" + name + ".png"), fullPage: false });
}

async function login(page, who = ADMIN, url = ctx.url + "/") {
  await page.goto(url);
  await tid(page, "login-email").fill(who.email);
  await tid(page, "login-password").fill(who.password);
  await tid(page, "login-submit").click();
  await tid(page, "app").waitFor();
}

/** An agent's API identity ({token}) from a login through the API. */
async function apiLogin(who) {
  const res = await fetch(ctx.url + "/api/v2/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(who),
  });
  assert.equal(res.status, 200);
  return { token: (await res.json()).token };
}

/** The inbox row whose last message is `text`, once it shows; resolves with it and its conversation id. */
async function rowOf(page, text) {
  const row = rowWith(page, text);
  await row.waitFor();
  const id = await row.getAttribute("data-conversation-id");
  assert.ok(id, "the row carries its conversation id");
  return { row, id };
}

/** A new customer writes `text` while the page shows the inbox (it comes live); resolves as rowOf. */
async function newConversation(page, name, text) {
  await inboundTexts(phone(), name, [text]);
  return rowOf(page, text);
}

/**
 * A new customer writes `text` (`secondsAgo`), then the page logs in: the conversation is in the first inbox it
 * loads, or comes live just after; resolves as rowOf.
 */
async function loginWithNewConversation(page, name, text, secondsAgo = 0, who = ADMIN) {
  await inboundTexts(phone(), name, [text], secondsAgo);
  await login(page, who);
  return rowOf(page, text);
}

/** Opens the conversation by its row and waits until it shows `text`. */
async function open(page, row, id, text) {
  await row.getByRole("link").click();
  await page.locator(`[data-testid=conversation][data-conversation-id="${id}"]`).waitFor();
  await tid(page, "message").filter({ hasText: text }).first().waitFor();
}

async function conversation(id, who = agents.admin) {
  const res = await api("GET", "/conversations/" + id, who);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.conversation;
}

/** Every message of a conversation through the API, oldest first, walking back with `before`. */
async function allMessages(id) {
  let all = [], before;
  for (let page = 0; page < 50; page++) {
    const res = await api("GET", `/conversations/${id}/messages?limit=100${before ? "&before=" + before : ""}`, agents.admin);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    all = [...res.body.messages, ...all];
    if (!res.body.hasMore || res.body.messages.length === 0) return all;
    before = res.body.messages[0]._id;
  }
  throw new Error("more than 50 pages of messages");
}

/**
 * Waits until `check(get, arg)` resolves true, polling within the default deadline; it runs in the page (so it is
 * written out there), `get(path)` reads GET /api/v2<path> with the page's session (null unless 2xx).
 */
async function until(page, check, arg) {
  await page.waitForFunction(async ([check, arg]) => {
    const get = async (path) => {
      const res = await fetch("/api/v2" + path, { headers: { Authorization: "Bearer " + localStorage.getItem("whatsapp_crm_token") } });
      return res.ok ? res.json() : null;
    };
    return new Function("get", "arg", "return (" + check + ")(get, arg)")(get, arg);
  }, [check.toString(), arg], { polling: 100 });
}

/** Waits until the open conversation says the assistant handles it. */
const assistantHandles = (page) => page.waitForFunction(() =>
  /^(Assistant|Asistente)$/.test(document.querySelector("[data-testid=handler-label]").textContent));

/** An outbound message of `text` once it is read (sandbox: sent, delivered, read follow). */
const readOutbound = (page, text) =>
  page.locator("[data-testid=message][data-direction=outbound][data-status=read]").filter({ hasText: text });

const outbound = (page, text) => page.locator("[data-testid=message][data-direction=outbound]").filter({ hasText: text });

// ---------------------------------------------------------------------------------------------------------------

test("an attachment from the reply box goes through POST /upload and shows in the conversation as an image", async () => {
  const page = await newPage();
  const text = "Les mando la foto del medidor " + phone();
  const { row, id } = await loginWithNewConversation(page, "Marta Adjunto", text);
  await open(page, row, id, text);

  const caption = "Comprobante de pago " + id;
  await tid(page, "reply-text").fill(caption);
  await tid(page, "reply-attach").setInputFiles({ name: "comprobante.png", mimeType: "image/png", buffer: PNG });
  const upload = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v2/upload" && r.request().method() === "POST");
  await tid(page, "reply-send").click();
  const uploaded = await upload;
  assert.ok(uploaded.status() < 300, "upload answered " + uploaded.status());
  const { publicId } = await uploaded.json();
  assert.ok(publicId, "the upload has a publicId");

  const message = outbound(page, caption);
  await message.waitFor();
  const img = message.locator("img.attachment");
  await img.waitFor();
  // the browser could fetch it: an image that failed to load has no natural size
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout: WAIT });
  await readOutbound(page, caption).waitFor();

  const messageId = await message.getAttribute("data-message-id");
  const stored = (await allMessages(id)).find((m) => m._id === messageId);
  assert.ok(stored, "the message is stored");
  assert.equal(stored.type, "image");
  assert.equal(stored.content, caption);
  assert.equal(stored.attachments?.length, 1, JSON.stringify(stored));
  assert.equal(await tid(page, "reply-attach").evaluate((el) => el.files.length), 0, "the file input is cleared");
  await done(page);
});

test("24 h window closed (the customer wrote 25 h ago): the composer says so and offers the template form; hello_world goes out as a template", async () => {
  const page = await newPage();
  const text = "Mensaje de ayer " + phone();
  const { row, id } = await loginWithNewConversation(page, "Tomás Ventana", text, 25 * 3600);
  await open(page, row, id, text);

  const composer = page.locator(`[data-testid=conversation][data-conversation-id="${id}"] .composer`);
  await composer.getByRole("status").waitFor();
  assert.match(await composer.getByRole("status").textContent(), /24 h/);
  assert.ok(await tid(page, "reply-text").isDisabled(), "no free text outside the window");
  assert.ok(await tid(page, "reply-send").isDisabled());
  const picker = tid(page, "template-picker");
  await picker.waitFor({ state: "visible" }); // the template form is open
  // the sandbox's list (GET /whatsapp/templates); the message shows the template's body, as the customer reads it
  const hello = (await api("GET", "/whatsapp/templates", agents.admin)).body.templates.find((x) => x.name === "hello_world");
  await picker.selectOption({ label: "hello_world · en_US" });
  await tid(page, "template-body").filter({ hasText: hello.body }).waitFor();
  await shot(page, "template-1280x800");
  await page.locator("form:has([data-testid=template-picker])").getByRole("button").click();

  const sent = outbound(page, hello.body);
  await sent.waitFor();
  await readOutbound(page, hello.body).waitFor();
  const messageId = await sent.getAttribute("data-message-id");
  const stored = (await allMessages(id)).find((m) => m._id === messageId);
  assert.ok(stored, "the template message is stored");
  assert.equal(stored.type, "template");
  assert.equal(stored.templateName ?? stored.metadata?.templateName ?? stored.content, "hello_world", JSON.stringify(stored));
  // the server agrees the window is closed: free text is refused
  const refused = await api("POST", `/conversations/${id}/messages`, agents.admin, { type: "text", content: "hola" });
  assert.ok(refused.status >= 400, "free text outside the window answered " + refused.status);

  // the customer answers: the window opens again, live
  const answer = "Hola, sí sigo interesado " + id;
  await inboundTexts((await conversation(id)).customer.phoneNumber, "Tomás Ventana", [answer]);
  await tid(page, "message").filter({ hasText: answer }).waitFor();
  await page.waitForFunction(() => !document.querySelector("[data-testid=reply-text]").disabled);
  assert.equal(await composer.getByRole("status").count(), 0, "no notice while the window is open");
  await done(page);
});

test("assistant on, assign to me (an agent), resolve: who handles it follows on the inbox rows and in both consoles' conversation", async () => {
  const page = await newPage();
  const text = "Necesito hablar con alguien " + phone();
  const { row, id } = await loginWithNewConversation(page, "Rosa Manejo", text);
  const handlerOfRow = (page, id) => page.locator(`[data-testid=inbox-row][data-conversation-id="${id}"]`).getByTestId("inbox-row-handler");
  const handlerIs = (page, re) => page.waitForFunction(([src, id]) => {
    const re = new RegExp(src);
    const row = document.querySelector(`[data-testid=inbox-row][data-conversation-id="${id}"] [data-testid=inbox-row-handler]`);
    return re.test(document.querySelector("[data-testid=handler-label]").textContent) && (!row || re.test(row.textContent));
  }, [re.source, id]);
  assert.match(await handlerOfRow(page, id).textContent(), WAITING, "new conversations wait for a person (the assistant is off)");
  await open(page, row, id, text);
  assert.match(await tid(page, "handler-label").textContent(), WAITING);

  await tid(page, "ai-toggle").click();
  await handlerIs(page, ASSISTANT);
  assert.match(await handlerOfRow(page, id).textContent(), ASSISTANT);
  assert.equal(await tid(page, "ai-toggle").getAttribute("aria-pressed"), "true");
  assert.equal((await conversation(id)).isAIEnabled, true);

  // an agent takes it from their console
  const agentPage = await newPage();
  await login(agentPage, AGENT);
  await handlerOfRow(agentPage, id).waitFor();
  assert.match(await handlerOfRow(agentPage, id).textContent(), ASSISTANT);
  await open(agentPage, agentPage.locator(`[data-testid=inbox-row][data-conversation-id="${id}"]`), id, text);
  await tid(agentPage, "assign-me").click();
  const name = new RegExp(`${agents.agent.firstName} ${agents.agent.lastName}`);
  await handlerIs(agentPage, name);
  assert.ok(await tid(agentPage, "assign-me").isDisabled(), "already theirs");
  const assigned = await conversation(id);
  assert.equal(assigned.assignedAgent?._id ?? assigned.assignedAgent?.id, agents.agent.id, JSON.stringify(assigned.assignedAgent));
  assert.equal(assigned.status, "assigned");
  // the supervisor's console follows, live
  await handlerIs(page, name);
  await handlerOfRow(page, id).filter({ hasText: name }).waitFor();
  await shot(page, "handler-1280x800");

  await tid(agentPage, "resolve").click();
  await agentPage.waitForFunction(() => document.querySelector("[data-testid=resolve]").disabled);
  assert.equal((await conversation(id)).status, "resolved");
  await done(agentPage);
  await done(page);
});

/**
 * The first request that `match`es is sent to the server at once, but its answer reaches the page only on release()
 * (a slow network); later ones pass, counted in `later`.
 */
async function holdFirstAnswer(page, match) {
  let release, sent;
  const gate = new Promise((r) => { release = r; });
  const held = { later: 0, release, sent: new Promise((r) => { sent = r; }), stop: () => page.unroute(match) };
  let first = true;
  await page.route(match, async (route) => {
    if (!first) { held.later++; return route.continue(); }
    first = false;
    const response = await route.fetch();
    sent();
    await gate;
    await route.fulfill({ response });
  });
  return held;
}

test("answers sent before a change that arrive after it (the inbox list, the read mark of opening) do not undo it on the row", async () => {
  const page = await newPage();
  const text = "Una respuesta lenta " + phone();
  const { row: first, id } = await loginWithNewConversation(page, "Lento Lectura", text);
  const row = page.locator(`[data-testid=inbox-row][data-conversation-id="${id}"]`);
  const readMark = await holdFirstAnswer(page, (url) => /^\/api\/v2\/conversations\/[^/]+\/read$/.test(url.pathname));
  await open(page, first, id, text);
  await readMark.sent;
  const list = await holdFirstAnswer(page, (url) => url.pathname === "/api/v2/conversations");
  await tid(page, "inbox-filter-status").selectOption("open");
  await list.sent;
  // meanwhile the customer writes again (live), then the assistant is turned on here (neither reads the list again)
  const again = "Sigo esperando " + id;
  await inboundTexts((await conversation(id)).customer.phoneNumber, "Lento Lectura", [again]);
  await rowWith(page, again).waitFor();
  await tid(page, "ai-toggle").click();
  await assistantHandles(page);
  assert.match(await row.getByTestId("inbox-row-handler").textContent(), ASSISTANT);
  // the old answers land, one by one (each rebuilds the rows): the row keeps both changes
  for (const [what, held] of [["the read mark", readMark], ["the list", list]]) {
    await row.evaluate((el) => { el.__before = true; });
    held.release();
    await page.waitForFunction((id) => {
      const el = document.querySelector(`[data-testid=inbox-row][data-conversation-id="${id}"]`);
      return el && !el.__before;
    }, id);
    assert.match(await row.getByTestId("inbox-row-handler").textContent(), ASSISTANT, `after ${what}: still the assistant`);
    assert.equal(await row.getByTestId("inbox-row-last").textContent(), again, `after ${what}: still the last message`);
  }
  assert.equal(list.later, 0, "no other list read was made meanwhile (it would have replaced the held one)");
  await readMark.stop();
  await list.stop();
  await done(page);
});

test("the assistant answers (a fake model): a supervisor sees its recorded turn in the conversation, an agent sees no turns", async () => {
  const page = await newPage();
  const text = "¿A qué hora abren? " + phone();
  const { row, id } = await loginWithNewConversation(page, "Iván Turnos", text, 0, SUPERVISOR);
  const on = await api("PUT", `/conversations/${id}/ai`, agents.admin, { enabled: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  await open(page, row, id, text);
  await assistantHandles(page);

  const question = "¿Y los domingos? " + id;
  await inboundTexts((await conversation(id)).customer.phoneNumber, "Iván Turnos", [question]);
  await tid(page, "message").filter({ hasText: question }).waitFor();
  await outbound(page, ctx.assistantText).waitFor();
  // the turn is recorded once it is over, a moment after its answer went out
  await until(page, async (get, [id, text]) =>
    (await get("/assistant/turns?conversationId=" + id))?.turns.some((t) => t.reply === text), [id, ctx.assistantText]);

  const turns = tid(page, "turns");
  await turns.locator("summary").click();
  const turn = turns.locator("li.turn").filter({ hasText: ctx.assistantText });
  await turn.waitFor();
  await shot(page, "turns-1280x800");
  await done(page);

  // an agent sees the conversation, but not the turns (the API refuses them too)
  const agentPage = await newPage();
  await login(agentPage, AGENT);
  await agentPage.evaluate((id) => { location.hash = "#/c/" + id; }, id);
  await agentPage.locator(`[data-testid=conversation][data-conversation-id="${id}"]`).waitFor();
  const answer = outbound(agentPage, ctx.assistantText);
  await answer.waitFor();
  assert.match(await answer.locator(".sender").textContent(), ASSISTANT, "the answer says the assistant sent it");
  assert.equal(await tid(agentPage, "turns").count(), 0, "no turns section for an agent");
  const forbidden = await api("GET", "/assistant/turns?conversationId=" + id, await apiLogin(AGENT));
  assert.equal(forbidden.status, 403);
  await done(agentPage);
});

test("infinite scroll: of 120 messages only the newest page renders; scrolling up loads older pages through `before` to the first, in order, once each", async () => {
  const page = await newPage();
  await login(page);
  const from = phone();
  const texts = Array.from({ length: 120 }, (_, i) => `Mensaje ${String(i + 1).padStart(3, "0")} de ${from}`);
  // one webhook: stored in one write, numbered in this order (separate webhooks may be taken in any order)
  await inboundTexts(from, "Olga Historia", texts, 60);
  const { row, id } = await rowOf(page, texts[119]);
  await until(page, async (get, id) => { // all stored (they are counted before they are written)
    let n = 0, before = "";
    for (;;) {
      const body = await get(`/conversations/${id}/messages?limit=100${before}`);
      if (!body) return false;
      n += body.messages.length;
      if (!body.hasMore || body.messages.length === 0) return n === 120;
      before = "&before=" + body.messages[0]._id;
    }
  }, id);
  const stored = (await allMessages(id)).map((m) => m._id);
  assert.equal(stored.length, 120, "the API has all 120");

  const requests = [];
  page.on("request", (r) => {
    if (r.url().includes(`/conversations/${id}/messages`)) requests.push(new URL(r.url()).searchParams.get("before"));
  });
  await open(page, row, id, texts[119]);
  const list = tid(page, "message-list");
  const ids = () => list.locator("[data-testid=message]").evaluateAll((els) => els.map((e) => e.dataset.messageId));
  const first = await ids();
  assert.ok(first.length < 120 && first.length > 0, `only the newest page renders (${first.length})`);
  assert.deepEqual(first, stored.slice(120 - first.length), "the newest page, in order");
  assert.equal(await tid(page, "message").filter({ hasText: texts[0] }).count(), 0);

  for (let i = 0; i < 10 && (await tid(page, "message").filter({ hasText: texts[0] }).count()) === 0; i++) {
    const before = (await ids()).length;
    await list.evaluate((el) => { el.scrollTop = 0; });
    await page.waitForFunction(([n]) => document.querySelectorAll("[data-testid=message-list] [data-testid=message]").length > n, [before]);
    // the reader stays where they were: the older page is above, out of sight
    assert.ok(await list.evaluate((el) => el.scrollTop) > 0, "the list kept its place after loading older messages");
  }
  await tid(page, "message").filter({ hasText: texts[0] }).waitFor();
  const all = await ids();
  assert.equal(new Set(all).size, all.length, "no duplicates");
  assert.deepEqual(all, stored, "every message, in order");
  assert.equal(requests[0], null, "the first page has no cursor");
  assert.ok(requests.slice(1).every((b) => b && stored.includes(b)), "older pages go by `before`: " + requests);
  await done(page);
});

test("dashboard: the numbers are GET /analytics/dashboard's; response times and conversations over time as charts", async () => {
  const page = await newPage();
  await login(page);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v2/analytics/dashboard");
  await page.locator("a[data-nav=dashboard]").click();
  const d = await (await answered).json();
  await tid(page, "dashboard-numbers").waitFor();
  const numbers = await tid(page, "dashboard-numbers").locator(".num").evaluateAll((els) =>
    els.map((e) => [e.querySelector("dt").textContent, e.querySelector("dd").textContent]));
  const round = (v) => String(Math.round(v * 10) / 10);
  const expected = [d.conversations.total, d.conversations.open, d.conversations.assigned, d.conversations.resolved,
    d.messages.totalToday, round(d.messages.averageResponseTime), round(d.messages.responseRate) + " %", d.tickets.open,
    d.tickets.resolved, `${d.agents.online} / ${d.agents.total}`, d.agents.busy].map(String);
  assert.deepEqual(numbers.slice(0, expected.length).map(([, v]) => v), expected, JSON.stringify(numbers));
  // what the tests before made is counted (the rollups are folded within milliseconds; counts only grow)
  assert.ok(d.conversations.total >= 5, "the conversations made by the tests before: " + d.conversations.total);
  assert.ok(d.conversations.resolved >= 1, "the one resolved before: " + d.conversations.resolved);
  const now = await api("GET", "/analytics/dashboard", agents.admin);
  assert.equal(now.status, 200);
  assert.ok(now.body.conversations.total >= d.conversations.total && now.body.conversations.resolved >= d.conversations.resolved,
    JSON.stringify([now.body.conversations, d.conversations]));

  const charts = page.locator('[data-testid^="chart-"]');
  assert.ok(await charts.count() >= 2, "at least two charts");
  const overTime = page.locator('[data-testid="chart-conversations"], [data-testid="chart-messages"]');
  assert.equal(await overTime.count(), 1, "the conversations-over-time chart");
  const bars = async (chart) => chart.locator("rect").evaluateAll((rs) => rs.map((r) => r.querySelector("title").textContent));
  assert.deepEqual(await bars(overTime), d.charts.conversationsOverTime.map((p) => `${p.date}: ${p.count}`));
  assert.deepEqual(await bars(tid(page, "chart-response")),
    d.charts.responseTimesByHour.map((p) => `${p.hour}h: ${Math.round(p.averageTime * 10) / 10}`));
  const today = d.charts.conversationsOverTime.at(-1);
  assert.ok(today.count >= 1, "today's bar counts today's conversations");
  await shot(page, "dashboard-1280x800");
  await done(page);
});

// ---- keyboard, accessibility, sizes

/** What has the focus, in words (for messages). */
const focused = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el ? `${el.tagName.toLowerCase()}${el.dataset.testid ? "[" + el.dataset.testid + "]" : ""} ${(el.textContent || el.value || "").trim().slice(0, 30)}` : "none";
});

/** Whether the focused element shows it: an outline or a ring (box-shadow) of at least 2 px. */
const focusShown = (page) => page.evaluate(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return false;
  const s = getComputedStyle(el);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== "none");
});

/** Presses Tab until `predicate` (run in the page) holds for the focused element; each stop must show its focus. */
async function tabTo(page, predicate, arg, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    assert.ok(await focusShown(page), "the focus is visible on " + await focused(page));
    if (await page.evaluate(predicate, arg)) return;
  }
  throw new Error(`not reached with ${max} Tabs; the focus is on ${await focused(page)}`);
}

test("keyboard only: log in, reach a conversation in the inbox, open it, type a reply and send it with Enter; the focus is always visible", async () => {
  const page = await newPage();
  await page.addInitScript(() => {
    window.__pointer = 0;
    addEventListener("pointerdown", () => window.__pointer++, true);
  });
  await page.goto(ctx.url + "/");
  await tid(page, "login-email").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "login-email", "the email field has the focus");
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press("Tab");
  assert.ok(await focusShown(page), "the focus is visible on " + await focused(page));
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "login-password");
  const text = "Escribo sin ratón " + phone();
  await inboundTexts(phone(), "Teclado Pérez", [text]);
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press("Enter");
  const { id } = await rowOf(page, text);
  const onRow = (id) => !!document.activeElement.closest(`[data-testid=inbox-row][data-conversation-id="${id}"]`);
  await tabTo(page, onRow, id);
  // another customer writes meanwhile: the list is rebuilt, the focus stays on the row
  await newConversation(page, "Otra Persona", "Mientras tanto " + phone());
  assert.ok(await page.evaluate(onRow, id), "the focus stayed on the row; it is on " + await focused(page));
  await page.keyboard.press("Enter");
  await page.locator(`[data-testid=conversation][data-conversation-id="${id}"]`).waitFor();
  await tid(page, "message").filter({ hasText: text }).waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches("[data-testid=conversation] h2"));

  await tabTo(page, () => document.activeElement.dataset.testid === "reply-text");
  const reply = "Respuesta con el teclado " + id;
  await page.keyboard.type(reply);
  await page.keyboard.press("Enter");
  await outbound(page, reply).waitFor();
  assert.equal(await tid(page, "reply-text").inputValue(), "", "the box is emptied");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "reply-text", "ready for the next one");
  assert.ok((await allMessages(id)).some((m) => m.direction === "outbound" && m.content === reply), "the reply is stored");
  assert.equal(await page.evaluate(() => window.__pointer), 0, "no pointer was used");
  await done(page);
});

/**
 * The visible controls (inputs, selects, text areas, buttons, links, summaries) that have no accessible name, as
 * Chromium computes it (the accessibility tree through CDP): their outer HTML, cut short.
 */
async function unnamedControls(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await page.evaluate(() => {
      document.querySelectorAll("[data-a11y]").forEach((el) => el.removeAttribute("data-a11y"));
      let i = 0;
      for (const el of document.querySelectorAll("input, select, textarea, button, a[href], summary, [tabindex]:not([tabindex='-1'])")) {
        if (el.checkVisibility({ visibilityProperty: true })) el.setAttribute("data-a11y", String(i++));
      }
    });
    const { root } = await cdp.send("DOM.getDocument", { depth: 0 });
    const { nodeIds } = await cdp.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: "[data-a11y]" });
    assert.ok(nodeIds.length > 0, "controls to check");
    const missing = [];
    for (const nodeId of nodeIds) {
      const { nodes } = await cdp.send("Accessibility.getPartialAXTree", { nodeId, fetchRelatives: false });
      const name = nodes.find((n) => !n.ignored)?.name?.value ?? "";
      if (!String(name).trim()) missing.push((await cdp.send("DOM.getOuterHTML", { nodeId })).outerHTML.slice(0, 160));
    }
    return { checked: nodeIds.length, missing };
  } finally {
    await cdp.detach();
  }
}

test("accessibility: every visible control in login, inbox, conversation (with its ticket panel, template form and turns) and dashboard has an accessible name", async () => {
  const page = await newPage();
  await page.goto(ctx.url + "/");
  await tid(page, "login-email").waitFor();
  const views = { login: await unnamedControls(page) };
  const text = "Prueba de accesibilidad " + phone();
  const { row, id } = await loginWithNewConversation(page, "Alba Accesible", text);
  views.inbox = await unnamedControls(page);
  const conv = await conversation(id);
  const categories = (await api("GET", "/config/ticket-categories", agents.admin)).body.categories;
  const made = await api("POST", "/tickets", agents.admin, { customerId: conv.customerId, conversationId: id,
    subject: "Revisar accesibilidad " + id, description: "—", category: categories[0].id });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await open(page, row, id, text);
  await tid(page, "ticket-item").waitFor();
  await page.locator(".template-box summary").click();
  await tid(page, "template-picker").waitFor();
  await tid(page, "turns").locator("summary").click();
  views.conversation = await unnamedControls(page);

  await page.locator("a[data-nav=dashboard]").click();
  await tid(page, "dashboard-numbers").waitFor();
  views.dashboard = await unnamedControls(page);
  for (const [view, { checked, missing }] of Object.entries(views)) {
    assert.deepEqual(missing, [], `${view}: ${missing.length} of ${checked} controls have no accessible name`);
  }
  await done(page);
});

/** Elements that scroll sideways, and whether the page itself does (wider than the viewport). */
const overflow = (page) => page.evaluate(() => ({
  page: document.documentElement.scrollWidth - window.innerWidth,
  boxes: [...document.querySelectorAll("body *")].filter((el) => {
    const s = getComputedStyle(el);
    return ["auto", "scroll"].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.tagName !== "TEXTAREA";
  }).map((el) => el.tagName.toLowerCase() + "." + el.className),
}));

async function assertNoOverflow(page, view) {
  const o = await overflow(page);
  assert.ok(o.page <= 0, `${view}: the page is ${o.page} px wider than the viewport`);
  assert.deepEqual(o.boxes, [], `${view}: these scroll sideways`);
}

/** The element is on screen after scrolling to it, inside the viewport's width, and nothing covers its middle. */
async function assertReachable(page, locator, what) {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  assert.ok(box, what + " is laid out");
  const vw = page.viewportSize().width;
  assert.ok(box.x >= 0 && box.x + box.width <= vw + 0.5, `${what} is inside the viewport's width (${box.x}..${box.x + box.width} of ${vw})`);
  const hit = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!at && (el === at || el.contains(at) || (el.labels && [...el.labels].some((l) => l.contains(at))));
  });
  assert.ok(hit, what + " is not covered");
}

for (const [size, viewport] of [["1280x800", DESKTOP], ["phone", PHONE]]) {
  test(`${size}: login, inbox, conversation, ticket panel and dashboard fit the width; the main actions are reachable`, async () => {
    const page = await newPage(viewport);
    await page.goto(ctx.url + "/");
    await tid(page, "login-submit").waitFor();
    await assertNoOverflow(page, "login");
    await assertReachable(page, tid(page, "login-submit"), "login-submit");
    const text = `Probando la pantalla ${size} ` + phone();
    const { row, id } = await loginWithNewConversation(page, "Pía Pantalla", text);
    await assertNoOverflow(page, "inbox");
    await open(page, row, id, text);
    await assertNoOverflow(page, "conversation");
    for (const testid of ["reply-text", "reply-attach", "reply-send", "assign-me", "resolve", "ai-toggle", "handoff"]) {
      await assertReachable(page, tid(page, testid), testid);
    }
    // the main action works from here: a reply
    const reply = `Respuesta en ${size} ` + id;
    await tid(page, "reply-text").fill(reply);
    await tid(page, "reply-send").click();
    await outbound(page, reply).waitFor();
    await page.locator(".conv-head").scrollIntoViewIfNeeded();
    await shot(page, "conversation-" + size);

    // the ticket panel: create one, then its controls
    await assertReachable(page, tid(page, "ticket-new-title"), "ticket-new-title");
    await tid(page, "ticket-new-title").fill("Ticket en " + size + " " + id);
    await assertReachable(page, tid(page, "ticket-create"), "ticket-create");
    await tid(page, "ticket-create").click();
    await tid(page, "ticket-item").waitFor();
    for (const testid of ["ticket-status", "ticket-note-text", "ticket-note-add"]) await assertReachable(page, tid(page, testid), testid);
    await assertNoOverflow(page, "ticket panel");
    await shot(page, "ticket-" + size);

    if (viewport === PHONE) {
      // one pane at a time: back to the inbox
      const back = page.locator(".conv-head a.back");
      await assertReachable(page, back, "back");
      await back.click();
      await tid(page, "inbox-list").waitFor({ state: "visible" });
      assert.ok(!(await page.locator(`[data-testid=conversation]`).isVisible()), "the conversation pane gives way to the inbox");
    }
    await assertReachable(page, page.locator("a[data-nav=dashboard]"), "the dashboard tab");
    await page.locator("a[data-nav=dashboard]").click();
    await tid(page, "dashboard-numbers").waitFor();
    await tid(page, "chart-response").waitFor();
    await assertNoOverflow(page, "dashboard");
    await shot(page, "dashboard-" + size);
    await done(page);
  });
}

test("labels follow the active preset's language (Spanish, live, after loading one whose language is es); the language switch flips to English and back", async () => {
  const before = { assistant: (await api("GET", "/config/assistant", agents.admin)).body.config,
    categories: (await api("GET", "/config/ticket-categories", agents.admin)).body.categories };
  const english = await api("PUT", "/config/assistant", agents.admin, { language: "en" });
  assert.equal(english.status, 200, JSON.stringify(english.body));
  const page = await newPage();
  try {
    await login(page);
    const nav = page.locator("a[data-nav=inbox]");
    const labels = async () => [await nav.textContent(), await page.locator("a[data-nav=dashboard]").textContent(),
      await tid(page, "logout").textContent(), await page.evaluate(() => document.documentElement.lang)];
    assert.deepEqual(await labels(), ["Inbox", "Dashboard", "Log out", "en"]);

    const presets = (await api("GET", "/config/presets", agents.admin)).body.presets;
    assert.ok(presets.some((p) => p.id === "restaurant"), JSON.stringify(presets));
    const loaded = await api("POST", "/config/presets/load", agents.admin, { presetId: "restaurant" });
    assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
    assert.equal(loaded.body.appliedConfig.assistantConfig.language, "es");
    // no reload: config:updated brings the preset's language to the open console
    await page.waitForFunction(() => document.documentElement.lang === "es");
    assert.deepEqual(await labels(), ["Bandeja", "Panel", "Salir", "es"]);
    assert.equal(await tid(page, "login-submit").count(), 0);
    await shot(page, "spanish-1280x800");

    await tid(page, "lang").selectOption("en");
    await page.waitForFunction(() => document.documentElement.lang === "en");
    assert.deepEqual(await labels(), ["Inbox", "Dashboard", "Log out", "en"]);
    await page.reload(); // a choice is remembered in this browser
    await tid(page, "app").waitFor();
    assert.deepEqual(await labels(), ["Inbox", "Dashboard", "Log out", "en"]);
    await tid(page, "lang").selectOption(""); // Auto: the preset's again
    await page.waitForFunction(() => document.documentElement.lang === "es");
    assert.deepEqual(await labels(), ["Bandeja", "Panel", "Salir", "es"]);
    await done(page);
  } finally {
    const { language, assistantName, companyName, primaryServiceIssue, serviceType } = before.assistant;
    const restored = await api("PUT", "/config/assistant", agents.admin,
      { language, assistantName, companyName, primaryServiceIssue, serviceType });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal((await api("PUT", "/config/ticket-categories", agents.admin, { categories: before.categories })).status, 200);
  }
});
