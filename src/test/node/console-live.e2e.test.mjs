// The console's live updates in headless Chromium (src/main/console through playwright-core), started by
// crm.console.ConsoleLiveE2ETest twice: CRM_TEST.mode "graph" (the fake Graph API: real WhatsApp credentials and a
// business account, so templates come from Meta's list) and "sandbox" (no credentials: the sandbox typing route; a fake
// model answers as the assistant). Two agents in two browsers see each other's changes without reloading: assignment,
// the assistant toggled, a hand-off; the template picker, the typing indicator and the assistant's label.
// Every wait is Playwright's own (locators, waitForFunction) with a deadline; the DOM contract is data-testid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ctx, agents, api, phone, inboundText, webhook, messagesWebhook } from "./crm.mjs";
import { browser, tid, shot, login, rowNamed } from "./browser.mjs";

const GRAPH = ctx.mode === "graph";
const SANDBOX = ctx.mode === "sandbox";
const { admin, agentA, agentB } = agents;

/** The open conversation's pane. */
const pane = (page, conversationId) => page.locator(`[data-testid=conversation][data-conversation-id="${conversationId}"]`);

/** The header's handler label once it is of this kind (agent, assistant, waiting): language-independent. */
const handler = (page, kind) => page.locator(`[data-testid=handler-label].${kind}`);

async function ok(res) {
  assert.ok(res.status >= 200 && res.status < 300, `${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * A new customer (named `name`, unique in the run) writes; the agent's page (inbox filtered as it is) shows the row;
 * resolves with its conversation id.
 */
async function customerWrites(page, name, text, epochSeconds) {
  await inboundText(phone(), name, text, ctx.url, epochSeconds);
  const row = rowNamed(page, name);
  await row.waitFor();
  return row.getAttribute("data-conversation-id");
}

async function open(page, name, conversationId) {
  await rowNamed(page, name).click();
  await pane(page, conversationId).waitFor();
}

let pageA, pageB; // agent A on the unassigned list, agent B on all (shared by the graph tests, in order)

test("assignment by the admin: agent A's unassigned list drops the row and agent B's header names B, live; the assistant toggled shows in B's browser", { skip: !GRAPH }, async () => {
  pageA = await browser();
  await login(pageA, agentA.email, agentA.password);
  await tid(pageA, "inbox-filter-scope").selectOption("unassigned");
  pageB = await browser();
  await login(pageB, agentB.email, agentB.password);

  const name = "Lucía Live";
  const conversationId = await customerWrites(pageA, name, "Quiero cambiar la dirección de mi pedido");
  await rowNamed(pageB, name).waitFor();
  await open(pageB, name, conversationId);
  await handler(pageB, "waiting").waitFor();

  await ok(await api("POST", `/conversations/${conversationId}/assign`, admin, { agentId: agentB.id }));
  await rowNamed(pageA, name).waitFor({ state: "detached" });
  await handler(pageB, "agent").filter({ hasText: agentB.firstName }).waitFor();
  await rowNamed(pageB, name).getByTestId("inbox-row-handler").filter({ hasText: agentB.firstName }).waitFor();

  // the admin turns the assistant on: B's toggle says so without a reload
  assert.equal(await tid(pageB, "ai-toggle").getAttribute("aria-pressed"), "false");
  await ok(await api("PUT", `/conversations/${conversationId}/ai`, admin, { enabled: true }));
  await pageB.locator("[data-testid=ai-toggle][aria-pressed=true]").waitFor();
  await shot(pageB, "live-assigned-agent-b");
  await shot(pageA, "live-unassigned-agent-a");
  assert.deepEqual([...pageA.errors, ...pageB.errors], [], "no uncaught errors in the pages");
});

test("hand to a person: B's button (from the keyboard) calls the REST route; A's row and B's header say waiting for a person, live", { skip: !GRAPH }, async () => {
  const name = "Mario Handoff";
  const conversationId = await customerWrites(pageA, name, "¿Me pasan con una persona?");
  await ok(await api("PUT", `/conversations/${conversationId}/ai`, admin, { enabled: true }));
  const rowA = rowNamed(pageA, name);
  await rowA.locator("[data-testid=inbox-row-handler].assistant").waitFor();

  await rowNamed(pageB, name).waitFor();
  await open(pageB, name, conversationId);
  await handler(pageB, "assistant").waitFor();
  const button = tid(pageB, "handoff");
  await pageB.locator("[data-testid=handoff]:not([disabled])").waitFor();
  await button.focus();
  await pageB.keyboard.press("Enter");

  await handler(pageB, "waiting").waitFor();
  await rowA.locator("[data-testid=inbox-row-handler].waiting").waitFor();
  const stored = (await ok(await api("GET", `/conversations/${conversationId}`, admin))).conversation;
  assert.equal(stored.isAIEnabled, false);
  assert.equal(stored.handoff?.by, agentB.id, JSON.stringify(stored.handoff));
  assert.ok(await pageB.locator("[data-testid=handoff][disabled]").count() === 1, "nothing left to hand off");
  await shot(pageA, "live-handoff-agent-a");
  assert.deepEqual([...pageA.errors, ...pageB.errors], [], "no uncaught errors in the pages");
});

test("24 h window closed: the template picker lists the approved templates from the Graph API with their parameters, and one is sent", { skip: !GRAPH }, async () => {
  const name = "Olga Plantilla";
  const dayAndAnHourAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
  const conversationId = await customerWrites(pageB, name, "Escribí hace más de un día", dayAndAnHourAgo);
  await open(pageB, name, conversationId);
  assert.equal(await tid(pageB, "reply-text").isDisabled(), true, "the 24 h window is closed");

  const picker = tid(pageB, "template-picker");
  await picker.waitFor();
  const labels = await picker.locator("option").allTextContents();
  assert.deepEqual(labels, ["appointment_reminder · en_US", "hello_world · en_US", "order_update · es"],
    "approved ones only, from every page of Meta's list");
  await picker.selectOption({ label: "order_update · es" });
  const params = tid(pageB, "template-param");
  await params.nth(2).waitFor();
  assert.equal(await params.count(), 3);
  for (const [i, v] of ["Olga", "ORD-2026-00456", "viernes 12"].entries()) await params.nth(i).fill(v);
  const filled = "Hola Olga, tu pedido ORD-2026-00456 va en camino y llega el viernes 12.";
  await tid(pageB, "template-body").filter({ hasText: filled }).waitFor();
  await picker.selectOption({ label: "hello_world · en_US" });
  assert.equal(await params.count(), 0, "hello_world takes no parameter");
  await picker.selectOption({ label: "order_update · es" });
  for (const [i, v] of ["Olga", "ORD-2026-00456", "viernes 12"].entries()) await params.nth(i).fill(v);
  await shot(pageB, "live-template-picker");
  await tid(pageB, "template-send").click();

  // sent through the (fake) Graph API: its wamid, status sent; crm.console.ConsoleLiveE2ETest checks what Meta got
  await pageB.locator("[data-testid=message][data-direction=outbound][data-status=sent]").filter({ hasText: filled }).waitFor();
  const messages = (await ok(await api("GET", `/conversations/${conversationId}/messages`, admin))).messages;
  const sent = messages.at(-1);
  assert.equal(sent.metadata?.templateName, "order_update", JSON.stringify(sent));
  assert.deepEqual(sent.metadata?.templateParams, ["Olga", "ORD-2026-00456", "viernes 12"]);
  assert.match(sent.whatsappMessageId ?? "", /^wamid\.HBgL/, "the fake Graph API's message id");
  assert.deepEqual(pageB.errors, [], "no uncaught errors in the page");
});

test("the customer's typing indicator (sandbox route) appears, disappears on isTyping false, and 10 s after the last event", { skip: !SANDBOX }, async () => {
  const page = await browser();
  await page.clock.install(); // time runs as usual; fastForward jumps it for the 10 s without events
  await login(page, agentA.email, agentA.password);
  const name = "Tere Teclea";
  const conversationId = await customerWrites(page, name, "Estoy escribiendo algo largo");
  await open(page, name, conversationId);
  const indicator = tid(page, "typing-indicator");
  assert.equal(await indicator.isHidden(), true);

  const typing = (isTyping) => api("POST", "/whatsapp/sandbox/typing", agentA, { conversationId, isTyping }).then(ok);
  await typing(true);
  await indicator.waitFor({ state: "visible" });
  await shot(page, "live-typing");
  await typing(false);
  await indicator.waitFor({ state: "hidden" });

  await typing(true);
  await indicator.waitFor({ state: "visible" });
  await page.clock.fastForward(11_000);
  await indicator.waitFor({ state: "hidden" });
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});

test("a reply sent by a colleague appears live, and the customer's reaction to it shows on it in place (message:updated)", { skip: !SANDBOX }, async () => {
  const page = await browser();
  await login(page, agentA.email, agentA.password);
  const name = "Rita Reacciona";
  const from = phone();
  await inboundText(from, name, "¿Me confirman el pedido?");
  const row = rowNamed(page, name);
  await row.waitFor();
  const conversationId = await row.getAttribute("data-conversation-id");
  await open(page, name, conversationId);
  // the admin answers from another client: agent A, watching, sees it arrive (conversation:new_message, outbound)
  const text = "Confirmado, sale mañana";
  const sent = await ok(await api("POST", `/conversations/${conversationId}/messages`, admin, { content: text }));
  const mine = page.locator(`[data-testid=message][data-message-id="${sent.message._id}"]`);
  await mine.filter({ hasText: text }).waitFor();
  assert.match(await mine.locator(".sender").textContent(), new RegExp(admin.firstName));
  await page.locator(`[data-testid=message][data-message-id="${sent.message._id}"][data-status=read]`).waitFor();
  const wamid = (await ok(await api("GET", `/conversations/${conversationId}/messages`, admin))).messages
    .find((m) => m._id === sent.message._id).whatsappMessageId;
  assert.ok(wamid, "the sandbox gave the reply its WhatsApp id");
  assert.equal(await mine.getByTestId("message-reaction").count(), 0);

  await webhook(messagesWebhook(from, name, [{ from, id: "wamid.REACT" + Date.now(), timestamp: String(Math.floor(Date.now() / 1000)),
    type: "reaction", reaction: { message_id: wamid, emoji: "👍" } }]));
  await mine.getByTestId("message-reaction").filter({ hasText: "👍" }).waitFor();
  assert.equal(await mine.getAttribute("data-status"), "read", "redrawn in place, its ticks kept");
  assert.equal(await page.locator(`[data-testid=message][data-message-id="${sent.message._id}"]`).count(), 1);
  await shot(page, "live-reaction");
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});

test("a reply sent in one tab shows at once on the inbox row there and, live, in the session's other tab (the server leaves that session out)", { skip: !SANDBOX }, async () => {
  const first = await browser();
  await login(first, agentA.email, agentA.password);
  const second = await first.context().newPage(); // the same browser: the same localStorage, the same session
  second.errors = [];
  second.on("pageerror", (e) => second.errors.push(String(e)));
  await second.goto(ctx.url + "/");
  await tid(second, "app").waitFor();
  const name = "Tomás Dostabs";
  await inboundText(phone(), name, "¿Hay talla M?");
  for (const page of [first, second]) await rowNamed(page, name).waitFor();
  const conversationId = await rowNamed(first, name).getAttribute("data-conversation-id");
  for (const page of [first, second]) await open(page, name, conversationId);

  const text = "Sí, hay talla M";
  await tid(first, "reply-text").fill(text);
  await tid(first, "reply-send").click();
  for (const page of [first, second]) {
    await page.locator("[data-testid=message][data-direction=outbound][data-status=read]").filter({ hasText: text }).waitFor();
    await rowNamed(page, name).getByTestId("inbox-row-last").filter({ hasText: text }).waitFor();
    assert.equal(await page.locator("[data-testid=message][data-direction=outbound]").filter({ hasText: text }).count(), 1, "once");
    assert.deepEqual(page.errors, [], "no uncaught errors in the page");
  }
});

test("an answer of the assistant arrives live labelled as the assistant's", { skip: !SANDBOX }, async () => {
  const page = await browser();
  await login(page, agentB.email, agentB.password);
  const from = phone();
  const name = "Pía Pregunta";
  await inboundText(from, name, "Hola, ¿a qué hora abren?");
  const row = rowNamed(page, name);
  await row.waitFor();
  const conversationId = await row.getAttribute("data-conversation-id");
  await open(page, name, conversationId);
  await handler(page, "assistant").waitFor();
  // what is on screen now (the first answer may be there already, from the history); then the customer writes again
  await page.locator("[data-testid=message]").first().waitFor();
  const before = await page.locator("[data-testid=message]").evaluateAll((els) => els.map((e) => e.dataset.messageId));
  await inboundText(from, name, "¿Y los domingos?");
  const handle = await page.waitForFunction((known) => [...document.querySelectorAll(
    "[data-testid=message][data-direction=outbound]")].find((e) => !known.includes(e.dataset.messageId)), before);
  const live = handle.asElement();
  const label = await live.$eval(".sender", (e) => e.textContent);
  const assistant = await handler(page, "assistant").textContent();
  assert.equal(label, assistant, "the live answer says who wrote it: the assistant");
  await shot(page, "live-assistant-answer");
  assert.deepEqual(page.errors, [], "no uncaught errors in the page");
});
