// Connection state recovery across two clustered nodes (crm.socket.SocketRecoveryClusterNodeTest). The agent's client
// reaches node A through a TCP proxy standing in for a load balancer; its connection is cut and the balancer sends
// it to node B. B finds where the session is kept (A), A hands it over: same id, rooms, every event published while
// the client was away (on A and on B), in order, once; then live events through B.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, api, ask, client, closeAll, connected, ctx, fromPhone, inboundText, mark, next, phone, proxy, reconnect,
  recordWithOffsets, waitForSignal,
} from "./crm.mjs";

const A = ctx.url;
const B = ctx.urlB;
const { agentX, agentY, supervisor } = agents;

test("a client cut off node A comes back through node B recovered, with what it missed on both nodes", async () => {
  const balancer = await proxy(A);
  const x = client(agentX, {}, balancer.url);
  const witness = client(supervisor, {}, A); // connected to A all along: the order A delivered in
  const onB = client(agentY, {}, B);
  const sockets = [x, witness, onB];
  try {
    await Promise.all(sockets.map(connected));
    const p = phone();
    const told = [x, witness].map((s) => next(s, "conversation:new_message", fromPhone(p)));
    await inboundText(p, "Nico Nodos", "hola", A);
    const [{ conversationId }] = await Promise.all(told);
    const assigned = next(x, "conversation:assigned", (e) => e.conversationId === conversationId);
    const res = await api("POST", `/conversations/${conversationId}/assign`, supervisor, { agentId: agentX.id }, A);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await assigned;
    for (const s of [x, witness]) assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    const id = x.id;

    // the network path to A fails; the balancer now sends new connections to B
    const gone = next(x, "disconnect", () => true);
    balancer.to(B);
    balancer.cut();
    const reason = await gone;
    assert.ok(["transport close", "transport error"].includes(reason), `dropped with ${reason}`); // a FIN or a reset
    mark(`dropped ${x._pid}`);
    await waitForSignal("kept"); // the JUnit test saw A share where the session is kept

    const mine = fromPhone(p);
    const got = recordWithOffsets(x, "conversation:new_message", mine);
    const reference = recordWithOffsets(witness, "conversation:new_message", mine);
    // published on A, on B, on A: each reaches the witness on A, and the session kept on A
    for (const [text, url] of [["uno", A], ["dos", B], ["tres", A]]) {
      const seen = next(witness, "conversation:new_message", fromPhone(p, text));
      await inboundText(p, "Nico Nodos", text, url);
      await seen;
    }

    const atConnect = new Promise((resolve) => x.once("connect", () => resolve(got.length)));
    await reconnect(x);
    assert.equal(await atConnect, 3, "the missed events come before connect");
    assert.equal(x.recovered, true);
    assert.equal(x.id, id, "the same socket id, on another node");
    const summary = (list) => list.map(({ data, offset }) => ({ content: data.message.content, offset }));
    assert.deepEqual(summary(got), summary(reference), "in the witness's order, with the same offsets");
    assert.deepEqual(got.map((e) => e.data.message.content).sort(), ["dos", "tres", "uno"]);

    // rooms restored on B: typing from the witness on A reaches x in the conversation's room
    const typing = next(x, "agent:typing", (t) => t.conversationId === conversationId);
    assert.equal((await ask(witness, "agent:typing", { conversationId, isTyping: false })).success, true);
    assert.deepEqual(await typing, { conversationId, agentId: supervisor.id, isTyping: false });

    // live through B, once (A still forwards what reaches the old socket; B writes each offset once)
    for (const [text, url] of [["cuatro", A], ["cinco", B]]) {
      const live = [x, witness].map((s) => next(s, "conversation:new_message", fromPhone(p, text)));
      await inboundText(p, "Nico Nodos", text, url);
      await Promise.all(live);
    }
    assert.deepEqual(summary(got), summary(reference));
    assert.equal(new Set(got.map((e) => e.offset)).size, 5);

    // someone else presenting the pid on B (where it now lives) gets a new socket and nothing of it
    const other = client(agentY, { auth: { token: agentY.token, pid: x._pid, offset: x._lastOffset } }, B);
    sockets.push(other);
    const before = [];
    let open = false;
    other.once("connect", () => {
      open = true;
    });
    other.onAny((event) => {
      if (!open) before.push(event);
    });
    await connected(other);
    assert.equal(other.recovered, false);
    assert.notEqual(other.id, id);
    assert.deepEqual(before, []);
  } finally {
    closeAll(sockets);
    balancer.close();
  }
});
