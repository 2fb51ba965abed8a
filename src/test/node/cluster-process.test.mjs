// `scripts/cluster 2` as a user starts it, with nginx (docs/deploy/nginx.conf) in front (crm.cluster.ClusterProcessTest).
// Node n1 = B owns the database, node n2 = A. The JUnit test runs one scenario per node process (SCENARIO) and
// hands over, in CRM_TEST, urlA, urlB, lb (nginx, when there is one) and urlC (a node started later) beside the agents.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  agents, api, ask, client, closeAll, connected, ctx, fromPhone, inboundText, mark, next, phone, record, sleep, waitForSignal,
} from "./crm.mjs";

const { urlA, urlB, lb } = ctx;
const scenario = (name, fn) => test(name, { skip: process.env.SCENARIO !== name }, fn);
const node = (socket) => socket.io.engine.id.slice(0, socket.io.engine.id.indexOf("."));

/** Polls `probe` (async) every 50 ms until it returns true; fails after `ms`. */
async function until(what, probe, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A connected client of `agent` through `url` whose Engine.IO session is on node `wanted` (n1, n2). */
async function clientOn(wanted, agent, opts, url) {
  for (let i = 0; i < 8; i++) {
    const s = client(agent, opts, url);
    await connected(s);
    if (node(s) === wanted) return s;
    s.close();
  }
  throw new Error(`no session on ${wanted} through ${url} in 8 handshakes`);
}

scenario("webhook-a", async () => {
  const s = client(agents.watcher, {}, urlB);
  try {
    await connected(s);
    assert.equal(node(s), "n1", "connected to B (n1)");
    const p = phone();
    const seen = next(s, "conversation:new_message", fromPhone(p, "hola desde A"));
    await inboundText(p, "Ana Nodo", "hola desde A", urlA);
    const e = await seen;
    assert.deepEqual(e.customer, { phoneNumber: p, firstName: "Ana", lastName: "Nodo" });
  } finally {
    s.close();
  }
});

scenario("presence", async () => {
  const { present, admin } = agents;
  const statusOnA = async () => {
    const res = await api("GET", `/agents/${present.id}`, admin, undefined, urlA);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.agent.status;
  };
  const onlineListOnA = async () => {
    const res = await api("GET", "/agents?status=online&limit=100", admin, undefined, urlA);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.agents.map((a) => a._id ?? a.id);
  };
  assert.equal(await statusOnA(), "offline");
  const s = client(present, {}, urlB);
  await connected(s);
  assert.equal(node(s), "n1", "the agent's only socket is on B (n1)");
  await until("node A's REST to show the agent online", async () => (await statusOnA()) === "online");
  assert.ok((await onlineListOnA()).includes(present.id), "in node A's list of online agents");
  s.close();
  await until("node A's REST to show the agent offline", async () => (await statusOnA()) === "offline");
  assert.ok(!(await onlineListOnA()).includes(present.id));
});

scenario("polling", async () => {
  const { poller } = agents;
  const polling = { transports: ["polling"] };
  // one session on each node, both through nginx: every poll and POST of each must reach its own node
  const sockets = [await clientOn("n1", poller, polling, lb), await clientOn("n2", poller, polling, lb)];
  try {
    const ids = sockets.map((s) => s.io.engine.id);
    const drops = sockets.map((s) => record(s, "disconnect"));
    const polls = sockets.map((s) => {
      const count = { n: 0 };
      s.io.engine.transport.on("pollComplete", () => count.n++);
      return count;
    });
    const conversationId = "0123456789abcdef01234567";
    for (let i = 0; i < 25; i++) {
      for (const s of sockets) {
        assert.deepEqual(await ask(s, "leave:conversation", { conversationId }), { success: true, conversationId });
      }
    }
    // an event produced on the other node of each (a webhook posted to A and one to B) reaches both
    for (const url of [urlA, urlB]) {
      const p = phone();
      const seen = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p)));
      await inboundText(p, "Paula Sondeo", "por sondeo", url);
      await Promise.all(seen);
    }
    sockets.forEach((s, i) => {
      assert.equal(s.io.engine.transport.name, "polling");
      assert.equal(s.io.engine.id, ids[i], "the same Engine.IO session all along");
      assert.deepEqual(drops[i], [], "never disconnected");
      assert.ok(polls[i].n >= 25, `${polls[i].n} polls completed on ${ids[i]}`);
    });
    console.log(`# polls completed: ${polls.map((p, i) => `${ids[i].slice(0, 3)} ${p.n}`).join(", ")}`);
  } finally {
    closeAll(sockets);
  }
});

scenario("node-loss", async () => {
  // the clients' own reconnection, as the app has it (defaults but a shorter first delay): one upgraded to WebSocket,
  // one polling only, whose next poll after the kill carries A's sid (nginx passes it to B, the backup: 400)
  const reconnecting = { reconnection: true, reconnectionDelay: 300 };
  const ws = await clientOn("n2", agents.survivor, { ...reconnecting, transports: ["polling", "websocket"] }, lb);
  const polling = await clientOn("n2", agents.survivor, { ...reconnecting, transports: ["polling"] }, lb);
  const sockets = [ws, polling];
  try {
    if (ws.io.engine.transport.name !== "websocket") await next(ws.io.engine, "upgrade", () => true);
    const gone = sockets.map((s) => next(s, "disconnect", () => true, 60_000));
    const back = sockets.map((s) => next(s.io, "reconnect", () => true, 60_000));
    const droppedAt = [];
    gone.forEach((g, i) => g.then(() => (droppedAt[i] = Date.now()), () => {}));
    mark(`on-a ${sockets.map((s) => s.io.engine.id).join(" ")}`);
    // A is killed (the signal comes right after, maybe before B has noticed)
    await waitForSignal("killed", 60_000);
    for (const reason of await Promise.all(gone)) {
      assert.ok(["transport close", "transport error", "ping timeout"].includes(reason), `disconnected with ${reason}`);
    }
    await Promise.all(back);
    await Promise.all(sockets.map(connected));
    sockets.forEach((s, i) => {
      console.log(`# ${s.io.engine.transport.name} client back on ${node(s)} ${Date.now() - droppedAt[i]} ms after the drop (recovered: ${s.recovered})`);
      assert.equal(node(s), "n1", "back on B (n1), the live node");
    });
    const p = phone();
    const seen = sockets.map((s) => next(s, "conversation:new_message", fromPhone(p, "después")));
    await inboundText(p, "Sara Sobreviviente", "después", lb);
    await Promise.all(seen);
  } finally {
    closeAll(sockets);
  }
});

scenario("rejoin", async () => {
  const s = client(agents.watcher, {}, ctx.urlC);
  try {
    await connected(s);
    assert.equal(node(s), "n2", "on the node that joined again");
    const p = phone();
    const seen = next(s, "conversation:new_message", fromPhone(p, "de vuelta"));
    await inboundText(p, "Rita Regreso", "de vuelta", urlB);
    await seen;
  } finally {
    s.close();
  }
});
