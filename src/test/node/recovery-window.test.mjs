// Past SOCKET_RECOVERY_WINDOW_MS (crm.socket.SocketRecoveryNodeTest, a short window): the client that comes back is a
// new socket (recovered false, a new id) and is given nothing of what it missed; the app reloads, as before recovery.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, client, closeAll, connected, dropTransport, fromPhone, inboundText, mark, next, phone, reconnect, waitForSignal,
} from "./crm.mjs";

const { agentX, supervisor } = agents;

test("a client back after the recovery window is a new socket and is given nothing it missed", async () => {
  const x = client(agentX);
  const witness = client(supervisor);
  try {
    await Promise.all([x, witness].map(connected));
    const p = phone();
    const first = [x, witness].map((s) => next(s, "conversation:new_message", fromPhone(p, "antes")));
    await inboundText(p, "Vera Ventana", "antes");
    await Promise.all(first);
    const id = x.id;
    const pid = x._pid;

    await dropTransport(x);
    const seen = next(witness, "conversation:new_message", fromPhone(p, "mientras"));
    await inboundText(p, "Vera Ventana", "mientras");
    await seen;
    mark(`dropped ${pid}`); // the JUnit test waits until the server let the session go
    await waitForSignal("expired");

    const before = [];
    let open = false;
    x.once("connect", () => {
      open = true;
    });
    x.onAny((event) => {
      if (!open) before.push(event);
    });
    await reconnect(x);
    assert.equal(x.recovered, false);
    assert.notEqual(x.id, id);
    assert.notEqual(x._pid, pid, "a new private session id");
    assert.deepEqual(before, []);

    // a new socket works as any: the next message reaches it
    const after = next(x, "conversation:new_message", fromPhone(p, "después"));
    await inboundText(p, "Vera Ventana", "después");
    assert.equal((await after).message.content, "después");
  } finally {
    closeAll([x, witness]);
  }
});
