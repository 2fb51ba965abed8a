// The socket bridge seen through the real socket.io-client 4, on one node that crm.socket.SocketBridgeNodeTest started
// (agents: admin, supervisor, agentA, agentB, agentC for the crowd, agentD to deactivate). Events come from what
// production does: signed WhatsApp webhooks, REST calls, the sandbox sender's simulated statuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, api, ask, assertNone, ctx, client, closeAll, connect, connected, fromPhone, inboundText, next, phone, record, sleep,
} from "./crm.mjs";

const { admin, supervisor, agentA, agentB, agentC, agentD } = agents;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** A new conversation (a new customer writes); resolves with its id, as seen by `socket`. */
async function newConversation(socket, name = "Nueva Cliente", text = "hola") {
  const p = phone();
  const seen = next(socket, "conversation:new_message", fromPhone(p, text));
  await inboundText(p, name, text);
  const e = await seen;
  return { conversationId: e.conversationId, phone: p };
}

async function assign(conversationId, agent, by = supervisor) {
  const res = await api("POST", `/conversations/${conversationId}/assign`, by, { agentId: agent.id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function until(what, condition, ms = 10_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function refusedWith(ack, code) {
  assert.equal(ack?.success, false, JSON.stringify(ack));
  assert.equal(ack.error?.code, code, JSON.stringify(ack));
  assert.equal(typeof ack.error.message, "string");
}

test("join:conversation and leave:conversation are acknowledged; another agent's conversation and malformed payloads are refused; the connection stays usable", async () => {
  const sockets = await connect(agentA, agentB, admin);
  const [a, b, adm] = sockets;
  try {
    const { conversationId } = await newConversation(a);
    assert.deepEqual(await ask(a, "join:conversation", { conversationId }), { success: true, conversationId });
    assert.deepEqual(await ask(a, "leave:conversation", { conversationId }), { success: true, conversationId });
    // unassigned: every agent may join it; assigned to agent A, agent B may not
    assert.deepEqual(await ask(b, "join:conversation", { conversationId }), { success: true, conversationId });
    assert.deepEqual(await ask(b, "leave:conversation", { conversationId }), { success: true, conversationId });
    await assign(conversationId, agentA);
    refusedWith(await ask(b, "join:conversation", { conversationId }), "CONVERSATION_NOT_FOUND");
    refusedWith(await ask(b, "join:conversation", { conversationId: "0123456789abcdef01234567" }), "CONVERSATION_NOT_FOUND");
    assert.deepEqual(await ask(a, "join:conversation", { conversationId }), { success: true, conversationId });
    assert.deepEqual(await ask(adm, "join:conversation", { conversationId }), { success: true, conversationId });

    for (const args of [[], [null], ["text"], [42], [[conversationId]], [{}], [{ conversationId: 42 }],
      [{ conversationId: "not-an-id" }], [{ conversationId: { $ne: null } }]]) {
      refusedWith(await ask(b, "join:conversation", ...args), "VALIDATION_FAILED");
      refusedWith(await ask(b, "leave:conversation", ...args), "VALIDATION_FAILED");
    }
    // payloads nested deeper than JSON_MAX_DEPTH (32) are refused naming where, on every event (issue 14)
    let deep = { conversationId };
    for (let i = 0; i < 40; i++) deep = { k: deep };
    for (const event of ["join:conversation", "leave:conversation", "agent:typing", "agent:status"]) {
      const ack = await ask(b, event, { conversationId, isTyping: true, status: "busy", extra: deep });
      refusedWith(ack, "VALIDATION_FAILED");
      assert.match(ack.error.field, /^\[0\]\.extra\.k\.k/, JSON.stringify(ack));
    }
    // events nobody handles, with and without arguments or binary data, are ignored
    b.emit("no:such:event");
    b.emit("no:such:event", { conversationId }, Buffer.from([1, 2, 3]));
    b.emit("join:conversation"); // no ack wanted: nothing to answer
    b.emit("agent:status", "busy");
    // ... and the connection still works
    assert.equal(b.connected, true);
    const { conversationId: other } = await newConversation(b);
    assert.deepEqual(await ask(b, "join:conversation", { conversationId: other }), { success: true, conversationId: other });
    assert.equal(b.connected, true);
  } finally {
    closeAll(sockets);
  }
});

test("conversation:new_message from a signed webhook has the spec's payload; unassigned it reaches every agent, assigned only the assignee, supervisors, admins and the room", async () => {
  const sockets = await connect(agentA, agentB, supervisor, admin, agentC);
  const [a, b, sup, adm, c] = sockets;
  try {
    const p = phone();
    const first = [a, b, sup, adm, c].map((s) => next(s, "conversation:new_message", fromPhone(p, "Necesito ayuda")));
    await inboundText(p, "Juan Pérez", "Necesito ayuda");
    const events = await Promise.all(first);
    const e = events[0];
    for (const other of events) assert.deepEqual(other, e);
    assert.deepEqual(Object.keys(e).sort(), ["conversationId", "customer", "message"]);
    assert.match(e.conversationId, /^[0-9a-f]{24}$/);
    assert.deepEqual(e.customer, { phoneNumber: p, firstName: "Juan", lastName: "Pérez" });
    const m = e.message;
    for (const key of ["id", "content", "type", "direction", "timestamp", "status"]) assert.ok(key in m, `message.${key} in ${JSON.stringify(m)}`);
    for (const key of Object.keys(m)) {
      assert.ok(["id", "_id", "content", "type", "direction", "timestamp", "status", "whatsappMessageId", "attachments", "location",
        "metadata", "agent"].includes(key), `message.${key} is not in the spec`);
    }
    assert.match(m.id, /^[0-9a-f]{24}$/);
    assert.equal(m.content, "Necesito ayuda");
    assert.equal(m.type, "text");
    assert.equal(m.direction, "inbound");
    assert.match(m.timestamp, ISO);
    assert.equal(typeof m.status, "string");
    const { conversationId } = e;

    // agent B had joined the room while it was open to everyone; the assignment to agent A takes B out of it
    assert.deepEqual(await ask(b, "join:conversation", { conversationId }), { success: true, conversationId });
    const ofThis = (x) => x.conversationId === conversationId;
    // taken from the unassigned queue every agent saw: every agent is told (their lists drop it)
    const assignedSeen = [a, b, c, sup, adm].map((s) => next(s, "conversation:assigned", ofThis));
    await assign(conversationId, agentA);
    const expected = {
      conversationId,
      assignedAgent: { id: agentA.id, firstName: agentA.firstName, lastName: agentA.lastName },
      assignedBy: supervisor.id,
    };
    for (const got of await Promise.all(assignedSeen)) assert.deepEqual(got, expected);

    const second = [a, sup, adm].map((s) => next(s, "conversation:new_message", fromPhone(p, "¿Siguen ahí?")));
    const toB = record(b, "conversation:new_message", fromPhone(p));
    const toC = record(c, "conversation:new_message", fromPhone(p));
    await inboundText(p, "Juan Pérez", "¿Siguen ahí?");
    for (const got of await Promise.all(second)) assert.equal(got.conversationId, conversationId);
    await assertNone("plain agents other than the assignee (B had joined the room before) get nothing", toB, toC);
  } finally {
    closeAll(sockets);
  }
});

test("an agent's reply reaches the others who watch as conversation:new_message (outbound, with the agent), and the agent's other sessions, never the sockets of the session that sent it", async () => {
  const login = await fetch(ctx.url + "/api/v2/auth/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: agentA.email, password: agentA.password }) }).then((r) => r.json());
  const agentAOnPhone = { ...agentA, token: login.token }; // another login: another session of the same agent
  const sockets = await connect(agentA, agentA, supervisor, admin, agentB, agentAOnPhone);
  const [a1, a2, sup, adm, b, phoneA] = sockets;
  try {
    const { conversationId } = await newConversation(sup, "Rosa Réplica", "¿me ayudan?");
    await assign(conversationId, agentA);
    const mine = (x) => x.conversationId === conversationId && x.message?.direction === "outbound";
    const toStaff = [sup, adm, phoneA].map((s) => next(s, "conversation:new_message", mine));
    const toSender = record(a1, "conversation:new_message", mine);
    const toSendersOtherTab = record(a2, "conversation:new_message", mine);
    const toB = record(b, "conversation:new_message", mine);
    const sent = await api("POST", `/conversations/${conversationId}/messages`, agentA, { content: "Claro, dígame 🙂" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    for (const e of await Promise.all(toStaff)) {
      assert.equal(e.message.id, sent.body.message._id);
      assert.equal(e.message.content, "Claro, dígame 🙂");
      assert.deepEqual(e.message.agent, { _id: agentA.id, firstName: agentA.firstName, lastName: agentA.lastName });
      assert.ok(!("senderAgentId" in e) && !("senderSessionId" in e), "the routing hints are not sent");
    }
    await assertNone("the sending session has it in the answer (both its sockets); B cannot see A's conversation",
      toSender, toSendersOtherTab, toB);
  } finally {
    closeAll(sockets);
  }
});

test("conversation:updated: an agent who saw it unassigned learns it was assigned to someone else; the assignee learns of the assistant's toggle and of a hand-off; an agent who cannot see it gets nothing", async () => {
  const sockets = await connect(agentA, agentB, supervisor, admin);
  const [a, b, sup, adm] = sockets;
  try {
    const { conversationId } = await newConversation(a);
    const ofThis = (x) => x.conversationId === conversationId;
    const KEYS = ["assignedAgentId", "conversationId", "isAIEnabled", "status", "updatedAt"];

    // open and unassigned: agents A and B both see it; the supervisor gives it to B
    const assigned = [a, b, sup, adm].map((s) => next(s, "conversation:updated", ofThis));
    await assign(conversationId, agentB);
    const events = await Promise.all(assigned);
    for (const e of events) assert.deepEqual(e, events[0]);
    assert.deepEqual(Object.keys(events[0]).sort(), KEYS);
    assert.equal(events[0].status, "assigned");
    assert.equal(events[0].assignedAgentId, agentB.id);
    assert.equal(events[0].isAIEnabled, false);
    assert.match(events[0].updatedAt, ISO);

    // now B's: the supervisor turns the assistant on; B is told, A (who no longer sees it) is not
    const toA = record(a, "conversation:updated", ofThis);
    const toggled = [b, sup].map((s) => next(s, "conversation:updated", (x) => ofThis(x) && x.isAIEnabled === true));
    const on = await api("PUT", `/conversations/${conversationId}/ai`, supervisor, { enabled: true });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    for (const e of await Promise.all(toggled)) {
      assert.deepEqual(e.assignedAgentId, agentB.id);
      assert.equal(e.status, "assigned");
      assert.ok(Date.parse(e.updatedAt) >= Date.parse(events[0].updatedAt), JSON.stringify(e));
    }
    // B asks for a person (REST hand-off): the assistant is off and the event says why
    const handed = [b, sup].map((s) => next(s, "conversation:updated", (x) => ofThis(x) && x.handoff));
    const off = await api("POST", `/conversations/${conversationId}/handoff`, agentB, { reason: "Quiere hablar con una persona" });
    assert.equal(off.status, 200, JSON.stringify(off.body));
    for (const e of await Promise.all(handed)) {
      assert.equal(e.isAIEnabled, false);
      assert.equal(e.handoff.reason, "Quiere hablar con una persona");
      assert.match(e.handoff.at, ISO);
    }
    await assertNone("an agent who cannot see the conversation", toA);

    // reopened unassigned: every agent sees it again, so A is told too, and B (it was B's)
    const reopened = [a, b].map((s) => next(s, "conversation:updated", (x) => ofThis(x) && x.status === "open"));
    const open = await api("PUT", `/conversations/${conversationId}/status`, supervisor, { status: "open" });
    assert.equal(open.status, 200, JSON.stringify(open.body));
    for (const e of await Promise.all(reopened)) assert.equal(e.assignedAgentId, null);
  } finally {
    closeAll(sockets);
  }
});

test("customer:typing (sandbox: POST /whatsapp/sandbox/typing plays the customer) reaches the room and the assignee with the spec's payload, nobody else", async () => {
  const sockets = await connect(agentA, agentB, supervisor);
  const [a, b, sup] = sockets;
  try {
    const { conversationId, phone: customerPhone } = await newConversation(a);
    await assign(conversationId, agentA);
    assert.deepEqual(await ask(sup, "join:conversation", { conversationId }), { success: true, conversationId });
    const ofThis = (x) => x.conversationId === conversationId;
    const seen = [a, sup].map((s) => next(s, "customer:typing", ofThis));
    const toB = record(b, "customer:typing", ofThis);
    const res = await api("POST", "/whatsapp/sandbox/typing", agentA, { conversationId, isTyping: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const e of await Promise.all(seen)) assert.deepEqual(e, { conversationId, customerPhone, isTyping: true });
    const stopped = next(a, "customer:typing", (x) => ofThis(x) && x.isTyping === false);
    assert.equal((await api("POST", "/whatsapp/sandbox/typing", supervisor, { conversationId, isTyping: false })).status, 200);
    await stopped;
    await assertNone("an agent who neither is in the room nor holds the conversation", toB);
  } finally {
    closeAll(sockets);
  }
});

test("message:status_update reaches the sockets in the conversation room, with the spec's payload", async () => {
  const sockets = await connect(agentA, agentA, supervisor);
  const [inRoom, notInRoom, sup] = sockets;
  try {
    const { conversationId } = await newConversation(inRoom);
    assert.deepEqual(await ask(inRoom, "join:conversation", { conversationId }), { success: true, conversationId });
    const updates = record(inRoom, "message:status_update");
    const elsewhere = [record(notInRoom, "message:status_update"), record(sup, "message:status_update")];
    // sent through the sandbox: it answers sent and simulates delivered, then read
    const sent = await api("POST", `/conversations/${conversationId}/messages`, agentA, { content: "Hola, ¿en qué te ayudo?" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const messageId = sent.body.message._id;
    await until("read", () => updates.some((u) => u.messageId === messageId && u.status === "read"));
    const mine = updates.filter((u) => u.messageId === messageId);
    for (const u of mine) {
      assert.deepEqual(Object.keys(u).sort(), ["messageId", "status", "timestamp"]);
      assert.match(u.timestamp, ISO);
    }
    assert.deepEqual(mine.map((u) => u.status).filter((s) => s !== "sent"), ["delivered", "read"]);
    await assertNone("sockets outside the room", ...elsewhere);
  } finally {
    closeAll(sockets);
  }
});

test("agent:status is acknowledged and announced to everyone as agent:status_change", async () => {
  const sockets = await connect(agentA, agentB, supervisor);
  const [a, b, sup] = sockets;
  try {
    const busy = (x) => x.agentId === agentA.id && x.status === "busy";
    const seen = [a, b, sup].map((s) => next(s, "agent:status_change", busy));
    const counts = [a, b, sup].map((s) => record(s, "agent:status_change", busy));
    assert.deepEqual(await ask(a, "agent:status", { status: "busy" }), { success: true, status: "busy" });
    const events = await Promise.all(seen);
    for (const e of events) {
      assert.deepEqual(Object.keys(e).sort(), ["agentId", "lastSeen", "status"]);
      assert.match(e.lastSeen, ISO);
    }
    // the ack comes once it is stored, with the lastSeen every socket was told
    const stored = await api("GET", `/agents/${agentA.id}`, admin);
    assert.equal(stored.body.agent.status, "busy");
    assert.equal(Date.parse(stored.body.agent.lastSeen), Date.parse(events[0].lastSeen));
    await sleep(300); // announced by the bridge, not again when the bus brings it back
    assert.deepEqual(counts.map((c) => c.length), [1, 1, 1]);
    for (const bad of [[{ status: "sleeping" }], [{}], ["busy"], []]) {
      refusedWith(await ask(a, "agent:status", ...bad), "VALIDATION_FAILED");
    }
    const back = next(b, "agent:status_change", (x) => x.agentId === agentA.id && x.status === "online");
    assert.deepEqual(await ask(a, "agent:status", { status: "online" }), { success: true, status: "online" });
    await back;
  } finally {
    closeAll(sockets);
  }
});

test("agent:typing reaches the other sockets in the room, not the sender nor sockets outside it", async () => {
  const sockets = await connect(agentA, agentA, supervisor, admin, agentB);
  const [sender, sameAgent, sup, adm, b] = sockets;
  try {
    const { conversationId } = await newConversation(sender);
    for (const s of [sender, sameAgent, sup]) {
      assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    }
    const got = [sameAgent, sup].map((s) => next(s, "agent:typing", (x) => x.conversationId === conversationId));
    const echoed = record(sender, "agent:typing");
    const outside = [record(adm, "agent:typing"), record(b, "agent:typing")];
    const ack = await ask(sender, "agent:typing", { conversationId, isTyping: true });
    assert.equal(ack.success, true, JSON.stringify(ack));
    for (const e of await Promise.all(got)) assert.deepEqual(e, { conversationId, agentId: agentA.id, isTyping: true });
    await assertNone("the sender and sockets outside the room", echoed, ...outside);
    // stopping: the same fan-out; nothing to show on WhatsApp, so the ack says no indicator was sent
    const stopped = [sameAgent, sup].map((s) => next(s, "agent:typing", (x) => x.conversationId === conversationId));
    assert.deepEqual(await ask(sender, "agent:typing", { conversationId, isTyping: false }),
      { success: true, whatsappIndicator: false });
    for (const e of await Promise.all(stopped)) assert.deepEqual(e, { conversationId, agentId: agentA.id, isTyping: false });

    refusedWith(await ask(b, "agent:typing", { conversationId, isTyping: true }), "CONVERSATION_NOT_FOUND"); // not joined
    refusedWith(await ask(sender, "agent:typing", { conversationId, isTyping: "yes" }), "VALIDATION_FAILED");
    refusedWith(await ask(sender, "agent:typing", { isTyping: false }), "VALIDATION_FAILED");
  } finally {
    closeAll(sockets);
  }
});

test("200 connected clients each receive the conversation:new_message of one signed webhook, once", async () => {
  const crowd = [];
  try {
    for (let i = 0; i < 200; i += 50) { // in batches: 200 handshakes at once only measure the machine
      const batch = Array.from({ length: 50 }, () => client(agentC));
      crowd.push(...batch);
      await Promise.all(batch.map(connected));
    }
    const p = phone();
    const counts = crowd.map((s) => record(s, "conversation:new_message", fromPhone(p)));
    const all = crowd.map((s) => next(s, "conversation:new_message", fromPhone(p), 15_000));
    const started = Date.now();
    await inboundText(p, "Multitud Prueba", "¿Hay alguien?");
    const events = await Promise.all(all);
    console.log(`# 200 clients received the event within ${Date.now() - started} ms of the webhook`);
    assert.equal(new Set(events.map((e) => e.conversationId)).size, 1);
    await sleep(300);
    assert.deepEqual(counts.map((c) => c.length), Array(200).fill(1));
  } finally {
    closeAll(crowd);
  }
});

test("a deactivated agent's sockets are disconnected and the token no longer connects", async () => {
  const d1 = client(agentD);
  const d2 = client(agentD, { transports: ["polling"] });
  const [other] = await connect(agentA);
  try {
    await Promise.all([connected(d1), connected(d2)]);
    const gone = [d1, d2].map((s) => next(s, "disconnect"));
    const otherGone = record(other, "disconnect");
    const res = await api("POST", `/agents/${agentD.id}/deactivate`, admin);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await Promise.all(gone), ["io server disconnect", "io server disconnect"]);
    const again = client(agentD);
    const err = await connected(again).then(() => null, (e) => e);
    again.close();
    assert.ok(err, "connected with a deactivated agent's token");
    assert.match(err.data?.code ?? "", /^AUTH_/, err.message);
    await assertNone("another agent stays connected", otherGone);
    assert.equal(other.connected, true);
  } finally {
    closeAll([d1, d2, other]);
  }
});
