// Helpers for the bridge scenarios (bridge, restart, cluster .test.mjs): the real socket.io-client 4, the REST API,
// signed WhatsApp webhooks, and signals from the JUnit test that started node (crm.support.NodeRunner).
// The JUnit test hands everything over in CRM_TEST (JSON): {url, urlB?, appSecret, phoneNumberId, agents: {name: {id, token, role}}}.
import assert from "node:assert/strict";
import { createHmac, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { io } from "socket.io-client";

if (!process.env.CRM_TEST) throw new Error("CRM_TEST (the JUnit test's context, JSON) is required");
export const ctx = JSON.parse(process.env.CRM_TEST);
export const agents = ctx.agents;

/** A new socket of this agent (default: websocket only, no reconnection). */
export function client(agent, opts = {}, url = ctx.url) {
  return io(url, {
    transports: ["websocket"], reconnection: false, forceNew: true, timeout: 10_000, ackTimeout: 10_000,
    auth: { token: agent.token }, ...opts,
  });
}

/** Resolves on connect, rejects on connect_error. */
export function connected(socket) {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}

/** Connects a socket of each agent given; resolves with the sockets, in order. */
export async function connect(...list) {
  const sockets = list.map((a) => client(a));
  await Promise.all(sockets.map(connected));
  return sockets;
}

export function closeAll(sockets) {
  for (const s of sockets) s.close();
}

/** The next event's first argument that satisfies `match` (default: any), within `ms`. */
export function next(socket, event, match = () => true, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} matching within ${ms} ms on ${socket.id ?? "the manager"}`));
    }, ms);
    function on(data) {
      if (!match(data)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(data);
    }
    socket.on(event, on);
  });
}

/** Records every `event` whose data satisfies `match`, from now on: an array that fills as they come. */
export function record(socket, event, match = () => true) {
  const seen = [];
  socket.on(event, (data) => {
    if (match(data)) seen.push(data);
  });
  return seen;
}

/** Emits with an acknowledgement; resolves with the (single) ack argument. */
export function ask(socket, event, ...args) {
  return socket.timeout(10_000).emitWithAck(event, ...args);
}

/** Gives in-flight events a moment, then asserts none of `recorders` saw one. */
export async function assertNone(what, ...recorders) {
  await sleep(300);
  for (const r of recorders) assert.deepEqual(r, [], what);
}

// ---- connection state recovery

/**
 * Records every `event` whose first argument satisfies `match`, with its offset (with connection state recovery the
 * server adds it as the last argument), from now on: an array of {data, offset} that fills as they come.
 */
export function recordWithOffsets(socket, event, match = () => true) {
  const seen = [];
  socket.on(event, (data, ...rest) => {
    if (match(data)) seen.push({ data, offset: rest[rest.length - 1] });
  });
  return seen;
}

/** Kills the socket's transport as a network drop would; resolves with the disconnect reason the client saw. */
export function dropTransport(socket) {
  const gone = next(socket, "disconnect", () => true);
  socket.io.engine.close();
  return gone;
}

/** Connects again (a client made with reconnection off); resolves on connect. */
export function reconnect(socket) {
  const back = connected(socket);
  socket.connect();
  return back;
}

/**
 * A TCP proxy standing in for a load balancer: new connections go to the current target (`to` changes it), `cut`
 * drops every connection through it (both ends, as a failed network path does).
 */
export async function proxy(target) {
  let to = new URL(target);
  const open = new Set();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(to.port), to.hostname);
    open.add(inbound);
    open.add(outbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      open.delete(inbound);
      open.delete(outbound);
    };
    for (const s of [inbound, outbound]) {
      s.on("error", end);
      s.on("close", end);
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    to(url) {
      to = new URL(url);
    },
    cut() {
      for (const s of [...open]) s.destroy();
    },
    close() {
      this.cut();
      server.close();
    },
  };
}

// ---- REST and webhooks

export async function api(method, path, agent, body, url = ctx.url) {
  const res = await fetch(url + "/api/v2" + path, {
    method,
    headers: { Authorization: `Bearer ${agent.token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => null);
  return { status: res.status, body: json };
}

/** A Mexican mobile number no other call returns (52 + 10 digits, canonical). */
export function phone() {
  return "5255" + String(randomInt(10_000_000, 99_999_999));
}

/** POSTs a WhatsApp webhook body to /webhooks/whatsapp, signed with the app secret as Meta does; asserts 200. */
export async function webhook(body, url = ctx.url) {
  const raw = JSON.stringify(body);
  const signature = "sha256=" + createHmac("sha256", ctx.appSecret).update(raw).digest("hex");
  const res = await fetch(url + "/webhooks/whatsapp", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": signature },
    body: raw,
  });
  assert.equal(res.status, 200, `webhook answered ${res.status}: ${await res.text()}`);
}

/**
 * One customer text message in Meta's format (crm.whatsapp.WebhookPayloads.text), sent by WhatsApp at `epochSeconds`
 * (default now; 25 h ago closes the customer's 24 h window); resolves with its wamid.
 */
export async function inboundText(from, profileName, text, url = ctx.url, epochSeconds = Math.floor(Date.now() / 1000)) {
  const secondsAgo = Math.max(0, Math.floor(Date.now() / 1000) - epochSeconds);
  return (await inboundTexts(from, profileName, [text], secondsAgo, url))[0];
}

/** Matches a conversation:new_message of this customer phone (and text, when given). */
export const fromPhone = (phoneNumber, content) => (e) =>
  e?.customer?.phoneNumber === phoneNumber && (content === undefined || e?.message?.content === content);

// ---- signals from the JUnit test

/** Prints a marker line for the JUnit test (NodeRunner.Running.awaitLine). */
export function mark(name) {
  console.log(`@@${name}`);
}

/** Waits until the JUnit test signals `name` (NodeRunner.Running.signal creates the file CONTROL_DIR/name). */
export async function waitForSignal(name, ms = 30_000) {
  const file = join(process.env.CONTROL_DIR, name);
  const until = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > until) throw new Error(`no signal ${name} from the JUnit test within ${ms} ms`);
    await sleep(20);
  }
}

export { sleep };

/**
 * Customer text messages in one webhook body (as Meta batches them), one second apart, the last `secondsAgo` seconds
 * old (a WhatsApp timestamp 25 h old closes the 24 h window); resolves with their wamids, in order.
 */
export async function inboundTexts(from, profileName, texts, secondsAgo = 0, url = ctx.url) {
  const last = Math.floor(Date.now() / 1000) - secondsAgo;
  const messages = texts.map((text, i) => ({
    from, id: "wamid.NODE" + randomInt(1e12) + randomInt(1e12), timestamp: String(last - (texts.length - 1 - i)),
    type: "text", text: { body: text },
  }));
  await webhook(messagesWebhook(from, profileName, messages), url);
  return messages.map((m) => m.id);
}

/** A webhook body in Meta's format carrying these `messages` (Cloud API message objects) of the customer `from`. */
export function messagesWebhook(from, profileName, messages) {
  return {
    object: "whatsapp_business_account",
    entry: [{
      id: "WABA_ID",
      changes: [{
        field: "messages",
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: "15550001111", phone_number_id: ctx.phoneNumberId },
          contacts: [{ profile: { name: profileName }, wa_id: from }],
          messages,
        },
      }],
    }],
  };
}
