// Connection state recovery on one node (crm.socket.SocketRecoveryNodeTest): socket.io-client 4 sends back its pid
// and the last offset it got; within SOCKET_RECOVERY_WINDOW_MS it is the same socket again, in its rooms, and gets
// what it missed, in order, once, before `connect`. Nobody else's token takes a session over.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, api, ask, client, closeAll, connected, ctx, dropTransport, fromPhone, inboundText, next, phone, reconnect,
  recordWithOffsets,
} from "./crm.mjs";

const { agentX, agentY, supervisor } = agents;

/** A conversation assigned to agentX, told to `sockets` (all must see it); resolves with its id and phone. */
async function assignedToX(...sockets) {
  const p = phone();
  const told = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p)));
  await inboundText(p, "Rita Recupera", "hola");
  const [{ conversationId }] = await Promise.all(told);
  const res = await api("POST", `/conversations/${conversationId}/assign`, supervisor, { agentId: agentX.id });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { p, conversationId };
}

/** Posts one customer message and waits until the witness (connected all along) got it: it was broadcast. */
async function produced(witness, p, text) {
  const seen = next(witness, "conversation:new_message", fromPhone(p, text));
  await inboundText(p, "Rita Recupera", text);
  await seen;
}

const summary = (list) => list.map(({ data, offset }) => ({ content: data.message.content, offset }));

test("a dropped websocket and a dropped polling client come back recovered: same id, rooms kept, what they missed in order once, then live", async () => {
  const ws = client(agentX);
  const polling = client(agentX, { transports: ["polling"] });
  const witness = client(supervisor);
  const sockets = [ws, polling, witness];
  try {
    await Promise.all(sockets.map(connected));
    assert.equal(ws.recovered, false);
    const { p, conversationId } = await assignedToX(ws, polling, witness);
    for (const s of sockets) assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    const ids = [ws.id, polling.id];

    for (const reason of await Promise.all([dropTransport(ws), dropTransport(polling)])) assert.equal(reason, "forced close");
    const mine = fromPhone(p);
    const got = [ws, polling].map((s) => recordWithOffsets(s, "conversation:new_message", mine));
    const reference = recordWithOffsets(witness, "conversation:new_message", mine);
    for (const text of ["uno", "dos", "tres"]) await produced(witness, p, text);

    // back: the missed events come before `connect` (socket.io-client hands them over first)
    const atConnect = [ws, polling].map((s, i) => new Promise((resolve) => s.once("connect", () => resolve(got[i].length))));
    await Promise.all([reconnect(ws), reconnect(polling)]);
    assert.deepEqual(await Promise.all(atConnect), [3, 3]);
    for (const [i, s] of [ws, polling].entries()) {
      assert.equal(s.recovered, true, `client ${i} recovered`);
      assert.equal(s.id, ids[i], "the same socket id");
      assert.deepEqual(summary(got[i]), summary(reference), "what the witness got live, in the same order, with the same offsets");
    }
    assert.deepEqual(reference.map((e) => e.data.message.content), ["uno", "dos", "tres"]);
    assert.ok(reference.every((e) => typeof e.offset === "string"), "every broadcast carries an offset");

    // rooms restored without joining again: typing in the conversation's room reaches both
    const typing = [ws, polling].map((s) => next(s, "agent:typing", (t) => t.conversationId === conversationId));
    assert.equal((await ask(witness, "agent:typing", { conversationId, isTyping: false })).success, true);
    for (const t of await Promise.all(typing)) assert.deepEqual(t, { conversationId, agentId: supervisor.id, isTyping: false });

    // live again: the next one arrives once, after the replayed ones
    const live = [ws, polling].map((s) => next(s, "conversation:new_message", fromPhone(p, "cuatro")));
    await produced(witness, p, "cuatro");
    await Promise.all(live);
    for (const list of got) {
      assert.deepEqual(summary(list), summary(reference));
      assert.deepEqual(list.map((e) => e.data.message.content), ["uno", "dos", "tres", "cuatro"]);
    }

    // the restored socket is recovered again after a second drop, from where it got to
    await dropTransport(ws);
    await produced(witness, p, "cinco");
    await reconnect(ws);
    assert.equal(ws.recovered, true);
    assert.equal(ws.id, ids[0]);
    assert.deepEqual(got[0].map((e) => e.data.message.content), ["uno", "dos", "tres", "cuatro", "cinco"]);
  } finally {
    closeAll(sockets);
  }
});

test("another agent, a forged pid, another login of the same agent and an expired token do not take a session over, and see none of it", async () => {
  const x = client(agentX);
  const witness = client(supervisor);
  const others = [];
  try {
    await Promise.all([x, witness].map(connected));
    const { p, conversationId } = await assignedToX(x, witness);
    for (const s of [x, witness]) assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    const pid = x._pid;
    const offset = x._lastOffset;
    const id = x.id;
    assert.equal(typeof pid, "string");
    assert.equal(typeof offset, "string");

    await dropTransport(x);
    const got = recordWithOffsets(x, "conversation:new_message", fromPhone(p));
    await produced(witness, p, "solo para X");

    const attempt = async (token, session) => {
      const s = client({ token }, { auth: { token, ...session } });
      others.push(s);
      // what is handed over before `connect` (a replay would be) is recorded
      const before = [];
      let open = false;
      s.once("connect", () => {
        open = true;
      });
      s.onAny((event) => {
        if (!open) before.push(event);
      });
      await connected(s);
      return { s, before };
    };
    for (const [what, token, session] of [
      ["another agent with X's pid and offset", agentY.token, { pid, offset }],
      ["X's token with a forged pid", agentX.token, { pid: "forged-private-id-0001", offset }],
      ["X's other login with X's pid", ctx.otherLoginX, { pid, offset }],
      ["X's pid without an offset, another agent", agentY.token, { pid }],
    ]) {
      const { s, before } = await attempt(token, session);
      assert.equal(s.recovered, false, what);
      assert.notEqual(s.id, id, what);
      assert.deepEqual(before, [], `${what}: nothing replayed`);
      s.close();
    }

    // an expired token of X's own session: refused, as any expired token
    const expired = client({ token: ctx.expiredX }, { auth: { token: ctx.expiredX, pid, offset } });
    others.push(expired);
    const seen = [];
    expired.onAny((event) => seen.push(event));
    const refusal = await connected(expired).then(() => null, (err) => err);
    assert.ok(refusal, "an expired token is refused");
    assert.equal(refusal.data.code, "AUTH_TOKEN_EXPIRED");
    assert.deepEqual(seen, []);

    // X itself, after all that: its session is intact
    await reconnect(x);
    assert.equal(x.recovered, true);
    assert.equal(x.id, id);
    assert.deepEqual(got.map((e) => e.data.message.content), ["solo para X"]);
  } finally {
    closeAll([x, witness, ...others]);
  }
});
