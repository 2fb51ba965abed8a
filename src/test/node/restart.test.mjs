// Reconnection after a server restart (crm.socket.SocketRestartNodeTest): the server stops and starts again on the
// same port and data directory; the clients (reconnection on, as the Angular app has it) come back by themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { agents, ask, client, connected, fromPhone, inboundText, mark, next, phone } from "./crm.mjs";

const reconnecting = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500, randomizationFactor: 0 };

test("websocket and polling clients reconnect by themselves after a server restart and receive events again", async () => {
  const sockets = [
    client(agents.agent, { ...reconnecting, transports: ["websocket"] }),
    client(agents.agent, { ...reconnecting, transports: ["polling"] }),
    client(agents.admin, reconnecting), // polling, then upgraded
  ];
  try {
    await Promise.all(sockets.map(connected));
    const p = phone();
    const before = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p, "antes")));
    await inboundText(p, "Rosa Reinicio", "antes");
    const [{ conversationId }] = await Promise.all(before);
    for (const s of sockets) {
      assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    }
    const dropped = sockets.map((s) => next(s, "disconnect", () => true, 30_000));
    const back = sockets.map((s) => next(s.io, "reconnect", () => true, 30_000));
    const ids = sockets.map((s) => s.id);
    mark("connected");

    const reasons = await Promise.all(dropped);
    for (const reason of reasons) {
      assert.ok(["transport close", "transport error", "ping timeout"].includes(reason), `disconnected with ${reason}: no reconnection`);
    }
    await Promise.all(back);
    await Promise.all(sockets.map(connected));
    sockets.forEach((s, i) => assert.notEqual(s.id, ids[i], "a new session"));

    // the restarted server has the same data: the conversation is there to join, the tokens still valid
    for (const s of sockets) {
      assert.deepEqual(await ask(s, "join:conversation", { conversationId }), { success: true, conversationId });
    }
    const after = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p, "después")));
    await inboundText(p, "Rosa Reinicio", "después");
    for (const e of await Promise.all(after)) assert.equal(e.conversationId, conversationId);
  } finally {
    for (const s of sockets) s.close();
  }
});
