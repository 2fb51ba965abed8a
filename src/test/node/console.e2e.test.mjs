// The built-in agent console (src/main/console, served at / by crm.console.ConsoleRoutes) in headless Chromium
// through playwright-core; started by crm.console.ConsoleE2ETest, which hands over CRM_TEST:
// {url, crossOriginUrl, adminEmail, adminPassword, screenshots, appSecret, phoneNumberId, agents}.
// Every wait is Playwright's own (locators, waitForFunction); the DOM contract is the data-testid attributes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ctx, agents, api, phone, inboundText } from "./crm.mjs";
import { browser, shot, login as signIn, PHONE, WAIT, tid, rowWith } from "./browser.mjs";

const login = (page, url = ctx.url + "/") => signIn(page, ctx.adminEmail, ctx.adminPassword, url);

/** Installs a recorder of every data-status an outbound message of `text` goes through, in order. */
async function recordStatuses(page, text) {
  await page.evaluate((text) => {
    window.__statuses = [];
    const seen = (el) => {
      const s = el.getAttribute("data-status");
      if (window.__statuses[window.__statuses.length - 1] !== s) window.__statuses.push(s);
    };
    const check = () => {
      for (const el of document.querySelectorAll('[data-testid=message][data-direction=outbound]')) {
        if (el.textContent.includes(text)) seen(el);
      }
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true,
      attributeFilter: ["data-status"] });
  }, text);
}

test("log in: a wrong password says so, the right one opens the console; screenshots at 1280x800", async () => {
  const page = await browser();
  await page.goto(ctx.url + "/");
  await tid(page, "login-email").waitFor();
  await shot(page, "login-1280x800");
  await tid(page, "login-email").fill(ctx.adminEmail);
  await tid(page, "login-password").fill("not-the-password");
  await tid(page, "login-submit").click();
  await tid(page, "login-error").waitFor({ state: "visible" });
  assert.ok((await tid(page, "login-error").textContent()).trim().length > 0, "the login error has a message");
  assert.equal(await tid(page, "app").count(), 0, "no console without a login");

  await tid(page, "login-password").fill(ctx.adminPassword);
  await tid(page, "login-submit").click();
  await tid(page, "app").waitFor();
  await tid(page, "inbox-list").waitFor();
  await tid(page, "agent-status").waitFor();
  await shot(page, "inbox-1280x800");
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});

test("a signed webhook shows up live in the inbox and in the open conversation; a reply's ticks go pending -> sent -> delivered -> read; a ticket is opened from the conversation", async () => {
  const page = await browser();
  await login(page);
  const from = phone();
  const first = "Hola, ¿tienen envío a Monterrey? " + from;
  await inboundText(from, "Lucía Webhook", first);

  // in the inbox without a reload
  const row = rowWith(page, first);
  await row.waitFor();
  assert.match(await row.getByTestId("inbox-row-name").textContent(), /Lucía Webhook|\d{6}/);
  assert.ok((await row.getByTestId("inbox-row-handler").textContent()).trim().length > 0, "the row says who handles it");
  const conversationId = await row.getAttribute("data-conversation-id");
  assert.ok(conversationId, "the row carries its conversation id");

  await row.click();
  const conversation = page.locator(`[data-testid=conversation][data-conversation-id="${conversationId}"]`);
  await conversation.waitFor();
  await tid(page, "message").filter({ hasText: first }).waitFor();
  assert.ok((await tid(page, "handler-label").textContent()).trim().length > 0, "the conversation says who handles it");

  // the next one lands in the open conversation, still without a reload
  const second = "¿Y cuánto cuesta? " + from;
  await inboundText(from, "Lucía Webhook", second);
  const inbound = tid(page, "message").filter({ hasText: second });
  await inbound.waitFor();
  assert.equal(await inbound.getAttribute("data-direction"), "inbound");
  await rowWith(page, second).waitFor();

  // a reply, and its delivery ticks advancing (sandbox: simulated sent -> delivered -> read)
  const reply = "Sí, enviamos a Monterrey en 48 h " + from;
  await recordStatuses(page, reply);
  await tid(page, "reply-text").fill(reply);
  await tid(page, "reply-send").click();
  const outbound = page.locator("[data-testid=message][data-direction=outbound]").filter({ hasText: reply });
  await outbound.waitFor();
  await page.locator("[data-testid=message][data-direction=outbound][data-status=read]").filter({ hasText: reply })
    .waitFor();
  await outbound.getByTestId("message-ticks").waitFor();
  const statuses = await page.evaluate(() => window.__statuses);
  const order = ["pending", "sent", "delivered", "read"];
  const ranks = statuses.map((s) => order.indexOf(s));
  assert.ok(ranks.every((r) => r >= 0), "only known statuses: " + statuses);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b), "the ticks only go forward: " + statuses);
  assert.equal(statuses.at(-1), "read");
  assert.ok(statuses.length >= 2, "the ticks were seen advancing, not only read: " + statuses);
  await shot(page, "conversation-1280x800");

  // a ticket from the conversation: created, then a note on it
  await tid(page, "ticket-panel").waitFor();
  const title = "Envío a Monterrey " + from;
  await tid(page, "ticket-new-title").fill(title);
  const category = tid(page, "ticket-new-category");
  const values = await category.locator("option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  if (values.length > 0) await category.selectOption(values[0]);
  await tid(page, "ticket-new-description").fill("La clienta pregunta por el envío.");
  await tid(page, "ticket-create").click();
  const item = tid(page, "ticket-item").filter({ hasText: title });
  await item.waitFor();
  const ticketId = await item.getAttribute("data-ticket-id");
  assert.ok(ticketId, "the ticket item carries its id");
  assert.ok((await item.getByTestId("ticket-status").first().evaluate((el) => el.value || el.textContent)).trim());
  const stored = await api("GET", "/tickets/" + ticketId, agents.admin);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  const ticket = stored.body.ticket ?? stored.body;
  assert.equal(ticket.subject ?? ticket.title, title);
  assert.equal(String(ticket.conversationId ?? ticket.conversation?._id ?? ticket.conversation), conversationId);

  await item.getByTestId("ticket-note-text").fill("Llamar mañana");
  await item.getByTestId("ticket-note-add").click();
  await tid(page, "ticket-item").filter({ hasText: "Llamar mañana" }).waitFor();
  await shot(page, "ticket-1280x800");

  // its status: in progress, then resolved with the summary the form asks for first
  const ticketStatus = item.getByTestId("ticket-status");
  await ticketStatus.selectOption("in_progress");
  const stored2 = async () => { const r = await api("GET", "/tickets/" + ticketId, agents.admin); return r.body.ticket ?? r.body; };
  await until(async () => (await stored2()).status === "in_progress", "the ticket in progress");
  await ticketStatus.selectOption("resolved");
  const summary = item.getByTestId("ticket-resolution");
  await summary.waitFor();
  assert.equal((await stored2()).status, "in_progress", "not resolved before its summary is given");
  await summary.fill("Se reprogramó el envío");
  await summary.press("Enter");
  await until(async () => (await stored2()).status === "resolved", "the ticket resolved");
  const resolved = await stored2();
  assert.equal(resolved.resolution?.summary, "Se reprogramó el envío", JSON.stringify(resolved.resolution));
  await page.waitForFunction((id) => document.querySelector(`[data-ticket-id="${id}"] [data-testid=ticket-status]`)?.value === "resolved", ticketId);

  // the agent status picker: busy, as the others see it through the API
  await tid(page, "agent-status").selectOption("busy");
  await until(async () => (await api("GET", "/auth/me", agents.admin)).body.agent?.status === "busy", "the admin busy");
  await tid(page, "agent-status").selectOption("online");
  await until(async () => (await api("GET", "/auth/me", agents.admin)).body.agent?.status === "online", "the admin online again");
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});

/** Polls `check` (an API read) until it holds, within the wait deadline. */
async function until(check, what) {
  const end = Date.now() + WAIT;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("a session that ends (revoked: its access and refresh tokens no longer work) sends the console back to the login page", async () => {
  const page = await browser();
  await login(page);
  await tid(page, "inbox-list").waitFor();
  const tokens = await page.evaluate(() => ({
    token: localStorage.getItem("whatsapp_crm_token"), refreshToken: localStorage.getItem("whatsapp_crm_refresh_token"),
  }));
  assert.ok(tokens.token && tokens.refreshToken, "the console keeps its tokens");
  const out = await api("POST", "/auth/logout", { token: tokens.token }, { refreshToken: tokens.refreshToken });
  assert.ok(out.status < 300, "logout answered " + out.status + " " + JSON.stringify(out.body));

  // the console's next call to the API (a change of the inbox filter) finds the session gone
  await tid(page, "inbox-filter-scope").selectOption("unassigned");
  await tid(page, "login-email").waitFor();
  assert.equal(await tid(page, "app").count(), 0, "the console is gone");
  assert.equal(await page.evaluate(() => localStorage.getItem("whatsapp_crm_token")), null, "the token is forgotten");
  await shot(page, "expired-1280x800");
});

test("cross-origin: served from another port with ?api=, the console logs in, gets live messages and replies; phone viewport", async () => {
  const page = await browser(PHONE);
  const origin = new URL(ctx.crossOriginUrl).origin;
  await login(page, ctx.crossOriginUrl);
  assert.equal(new URL(page.url()).origin, origin, "the page stays on the other origin");
  await shot(page, "inbox-phone");

  const from = phone();
  const text = "Hola desde otro origen " + from;
  await inboundText(from, "Pedro Cors", text);
  const row = rowWith(page, text);
  await row.waitFor();
  await row.click();
  await tid(page, "message").filter({ hasText: text }).waitFor();
  const reply = "Respuesta cruzada " + from;
  await tid(page, "reply-text").fill(reply);
  await tid(page, "reply-send").click();
  await page.locator("[data-testid=message][data-direction=outbound][data-status=read]").filter({ hasText: reply })
    .waitFor();
  await shot(page, "conversation-phone");
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});
