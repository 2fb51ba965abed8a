// The real socket.io-client 4 against the CRM server that crm.socket.SocketIoClientNodeTest started (default profile:
// tokens required, its test handlers installed on namespace "/": echo, ack, whoami, join, to-room, ask, bye).
// Run by `mvn verify`; by hand: SOCKET_URL=http://127.0.0.1:5000 SOCKET_TOKEN=... SOCKET_EXPIRED_TOKEN=... npm test
import { test } from "node:test";
import assert from "node:assert/strict";
import { io } from "socket.io-client";

const URL = process.env.SOCKET_URL;
const TOKEN = process.env.SOCKET_TOKEN;
const EXPIRED = process.env.SOCKET_EXPIRED_TOKEN;
if (!URL || !TOKEN || !EXPIRED) throw new Error("SOCKET_URL, SOCKET_TOKEN and SOCKET_EXPIRED_TOKEN are required");

function client(opts) {
  return io(URL, { reconnection: false, forceNew: true, timeout: 10_000, ackTimeout: 10_000, ...opts });
}

function connected(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
}

function refused(socket) {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected with a bad token")));
    socket.once("connect_error", resolve);
  });
}

function next(socket, event) {
  return new Promise((resolve) => socket.once(event, (...args) => resolve(args)));
}

/** Emits with an acknowledgement and resolves with all of its arguments. */
function ask(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(10_000).emit(event, ...args, (err, ...reply) => (err ? reject(err) : resolve(reply)));
  });
}

async function withClient(opts, body) {
  const socket = client(opts);
  try {
    await body(socket);
  } finally {
    socket.close();
  }
}

test("websocket only: connects with auth.token, the socket carries the agent", () =>
  withClient({ transports: ["websocket"], auth: { token: TOKEN } }, async (socket) => {
    await connected(socket);
    assert.equal(socket.io.engine.transport.name, "websocket");
    const [me, transport] = await ask(socket, "whoami");
    assert.equal(me.role, "admin");
    assert.ok(me.agentId);
    assert.equal(transport, "websocket");
    const back = next(socket, "echo-back");
    socket.emit("echo", { hello: "world" }, [1, 2, 3]);
    assert.deepEqual(await back, [{ hello: "world" }, [1, 2, 3]]);
  }));

test("polling only: events, acks and binary data over long-polling", () =>
  withClient({ transports: ["polling"], auth: { token: TOKEN } }, async (socket) => {
    await connected(socket);
    assert.equal(socket.io.engine.transport.name, "polling");
    const [, transport] = await ask(socket, "whoami");
    assert.equal(transport, "polling");
    const back = next(socket, "echo-back");
    socket.emit("echo", "text", Buffer.from([1, 2, 3, 250]), { nested: Buffer.from("é") });
    const [text, bytes, obj] = await back;
    assert.equal(text, "text");
    assert.deepEqual([...bytes], [1, 2, 3, 250]);
    assert.equal(Buffer.from(obj.nested).toString("utf8"), "é");
    // several emits in a row (they may share one POST) come back in order
    const seen = [];
    const all = new Promise((resolve) =>
      socket.on("echo-back", (n) => {
        seen.push(n);
        if (seen.length === 20) resolve();
      }));
    for (let i = 0; i < 20; i++) socket.emit("echo", i);
    await all;
    assert.deepEqual(seen, [...Array(20).keys()]);
  }));

test("polling then upgrade to websocket", () =>
  withClient({ auth: { token: TOKEN } }, async (socket) => {
    await connected(socket);
    if (socket.io.engine.transport.name !== "websocket") await next(socket.io.engine, "upgrade");
    assert.equal(socket.io.engine.transport.name, "websocket");
    const [, transport] = await ask(socket, "whoami");
    assert.equal(transport, "websocket");
    const [a, b] = await ask(socket, "ack", "after", "upgrade");
    assert.deepEqual([a, b], ["after", "upgrade"]);
  }));

test("a bad, missing or expired token is refused with connect_error and data.code", async () => {
  for (const [auth, code] of [
    [{ token: "garbage" }, "AUTH_TOKEN_INVALID"],
    [{}, "AUTH_TOKEN_INVALID"],
    [{ token: EXPIRED }, "AUTH_TOKEN_EXPIRED"],
  ]) {
    for (const transports of [["websocket"], ["polling"]]) {
      await withClient({ transports, auth }, async (socket) => {
        const err = await refused(socket);
        assert.equal(err.data?.code, code, `${JSON.stringify(auth)} over ${transports}: ${err.message}`);
        assert.ok(err.message);
      });
    }
  }
});

test("emit with ack both ways", () =>
  withClient({ auth: { token: TOKEN } }, async (socket) => {
    await connected(socket);
    assert.deepEqual(await ask(socket, "ack", 1, "2", { three: [true] }), [1, "2", { three: [true] }]);
    assert.deepEqual(await socket.timeout(10_000).emitWithAck("ack", "single"), "single");
    // the server asks, the client answers, the server reports what it got
    socket.on("question", (q, callback) => callback(`answer to ${q}`, 42));
    const answer = next(socket, "answer");
    socket.emit("ask", "life");
    assert.deepEqual(await answer, [["answer to life", 42]]);
  }));

test("rooms and a server-side disconnect", async () => {
  const a = client({ auth: { token: TOKEN } });
  const b = client({ transports: ["polling"], auth: { token: TOKEN } });
  try {
    await Promise.all([connected(a), connected(b)]);
    assert.deepEqual(await ask(a, "join", "agent:node"), ["joined"]);
    const news = next(a, "news");
    assert.deepEqual(await ask(b, "to-room", "agent:node", { n: 1 }), [1]);
    // a broadcast's last argument is its offset (connection state recovery), which the client keeps
    const [data, offset] = await news;
    assert.deepEqual(data, { n: 1 });
    assert.equal(offset, a._lastOffset);
    assert.equal(typeof a._pid, "string");
    const gone = next(b, "disconnect");
    b.emit("bye", false);
    const [reason] = await gone;
    assert.equal(reason, "io server disconnect");
  } finally {
    a.close();
    b.close();
  }
});
