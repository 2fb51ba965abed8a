// Two clustered nodes (crm.socket.SocketClusterNodeTest): A owns the database and gets the webhooks, the clients sit
// on B. Whatever the domain publishes on A reaches B's sockets through B's bridge; rooms, typing and statuses cross too.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, api, ask, client, closeAll, connected, ctx, fromPhone, inboundText, mark, next, phone, record, sleep, waitForSignal,
} from "./crm.mjs";

const A = ctx.url;
const B = ctx.urlB;
const { crowd, agentQ, supervisor, admin } = agents;

test("200 clients on node B each receive the conversation:new_message of a webhook posted to node A, once", async () => {
  const sockets = [];
  try {
    for (let i = 0; i < 200; i += 50) {
      const batch = Array.from({ length: 50 }, () => client(crowd, {}, B));
      sockets.push(...batch);
      await Promise.all(batch.map(connected));
    }
    mark("on-b"); // the JUnit test checks presence on node A meanwhile
    await waitForSignal("presence-checked");
    const p = phone();
    const counts = sockets.map((s) => record(s, "conversation:new_message", fromPhone(p)));
    const all = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p), 15_000));
    const started = Date.now();
    await inboundText(p, "Nodo Cruzado", "hola desde A", A);
    const events = await Promise.all(all);
    console.log(`# 200 clients on B received the event within ${Date.now() - started} ms of the webhook on A`);
    assert.equal(new Set(events.map((e) => e.conversationId)).size, 1);
    assert.deepEqual(events[0].customer, { phoneNumber: p, firstName: "Nodo", lastName: "Cruzado" });
    await sleep(300);
    assert.deepEqual(counts.map((c) => c.length), Array(200).fill(1));
  } finally {
    closeAll(sockets);
  }
});

test("across nodes: joining on B, an assignment made on A, typing on B and statuses from B reach the right sockets", async () => {
  const q = client(agentQ, {}, B);
  const adm = client(admin, {}, B);
  const sup = client(supervisor, {}, A);
  const sockets = [q, adm, sup];
  try {
    await Promise.all(sockets.map(connected));
    const p = phone();
    const seen = next(q, "conversation:new_message", fromPhone(p, "¿me ayudan?"));
    await inboundText(p, "Ana Nodos", "¿me ayudan?", A);
    const { conversationId } = await seen;
    assert.deepEqual(await ask(q, "join:conversation", { conversationId }), { success: true, conversationId });
    assert.deepEqual(await ask(sup, "join:conversation", { conversationId }), { success: true, conversationId });

    // assigned through node A's API: the assignee and the admin, both on B, are told
    const ofThis = (x) => x.conversationId === conversationId;
    const assigned = [q, adm].map((s) => next(s, "conversation:assigned", ofThis));
    const res = await api("POST", `/conversations/${conversationId}/assign`, supervisor, { agentId: agentQ.id }, A);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const e of await Promise.all(assigned)) {
      assert.deepEqual(e, { conversationId, assignedAgent: { id: agentQ.id, firstName: agentQ.firstName, lastName: agentQ.lastName },
        assignedBy: supervisor.id });
    }

    // typing on B reaches the supervisor's socket in the room on A, not the typist
    const typing = next(sup, "agent:typing", ofThis);
    const echoed = record(q, "agent:typing");
    assert.equal((await ask(q, "agent:typing", { conversationId, isTyping: true })).success, true);
    assert.deepEqual(await typing, { conversationId, agentId: agentQ.id, isTyping: true });

    // q's own status, set on B: announced by B's bridge to its sockets and through the bus to A's, each told once
    const busyQ = (x) => x.agentId === agentQ.id && x.status === "busy";
    const statusCounts = [q, adm, sup].map((s) => record(s, "agent:status_change", busyQ));
    const told = [q, adm, sup].map((s) => next(s, "agent:status_change", busyQ));
    assert.deepEqual(await ask(q, "agent:status", { status: "busy" }), { success: true, status: "busy" });
    await Promise.all(told);
    assert.equal((await api("GET", `/agents/${agentQ.id}`, admin, undefined, A)).body.agent.status, "busy");

    // a message sent through node B (its sandbox simulates the statuses there) updates the room on A
    const updates = record(sup, "message:status_update");
    const sent = await api("POST", `/conversations/${conversationId}/messages`, agentQ, { content: "Claro, dime" }, B);
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const messageId = sent.body.message._id;
    await next(sup, "message:status_update", (u) => u.messageId === messageId && u.status === "read");
    assert.ok(updates.some((u) => u.messageId === messageId && u.status === "delivered"), JSON.stringify(updates));
    assert.deepEqual(echoed, []);
    assert.deepEqual(statusCounts.map((c) => c.length), [1, 1, 1]);
  } finally {
    closeAll(sockets);
  }
});
