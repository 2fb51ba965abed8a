// Load client of scripts/bench sockets: C socket.io-client 4 clients (WebSocket only, auth.token) spread over worker
// processes, one driver client that triggers N broadcasts, each client's receive time minus the driver's send time.
// The same run against the CRM server and against reference-server.mjs; only the server differs.
//
//   node load.mjs --url http://127.0.0.1:PORT --token JWT [--clients 1000] [--broadcasts 50] [--warmup auto|W]
//     [--interval 200] [--workers W] [--server java:PID|node:PID] [--label NAME] [--pass NAME] [--out results.jsonl]
//     [--prime 2000] [--round R] [--cycle K] [--verbose]
//     [--scenario status|typing --conversation ID] [--scenario webhook --secret APP_SECRET --customers 4]
//     [--urls URL1,URL2,...]
//
// Scenarios: status = the driver emits agent:status {status: busy|online} (alternating); every client gets
// agent:status_change. typing = every client joins conversation ID, the driver emits agent:typing {conversationId,
// isTyping: true|false}; every other socket in the room gets agent:typing (the CRM: no database write on this path).
// webhook = the driver POSTs a signed WhatsApp Cloud API webhook (X-Hub-Signature-256: HMAC-SHA256 of the raw body
// with the app secret) to /webhooks/whatsapp, one inbound text message with a unique wamid whose text names the pass
// and the broadcast, from one of K customers in turn (their conversations are opened by the priming); every client
// (the token must be an admin's: admins get new messages of unassigned conversations) gets conversation:new_message.
// The latency runs from the POST to each receipt: stored durably, processed, published, delivered; "ack" is the
// webhook's 200.
// Clock: process.hrtime (CLOCK_MONOTONIC, one clock for every process of the machine), relative to a base the driver
// hands to the workers. A receipt is matched to the first broadcast not yet matched for that client that carries
// the same alternating value and was sent before it arrived. Warm-up: W broadcasts that are not counted (auto =
// 100,000 deliveries, 10 to 100 broadcasts), then a wait until the server's CPU is idle, then the N measured ones.
// With --server: the server's memory (/proc/PID VmRSS, and the heap after a full GC: java = jcmd GC.run +
// GC.heap_info, node = the reference's bench:memory event) with only the driver connected and again with all C
// clients, and its CPU time (user + system, /proc/PID/stat) over the measured broadcasts per delivery.
// Cluster (scripts/bench cluster): --urls lists the nodes, client k connects to node k mod N (the driver and the
// webhooks go to --url); --server may list every node's process (java:PID,java:PID,...), whose CPU, JIT and memory are
// summed. Latency is then also reported per node and split into the clients on --url's node ("same": the trigger's
// node) and those on the others ("cross": the event crossed the cluster's event bus).
import { fork, execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { readFileSync, readdirSync, appendFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { io } from "socket.io-client";
import { textWebhook, signature } from "../lib/whatsapp.mjs";

const SCENARIOS = {
  status: { trigger: "agent:status", event: "agent:status_change", key: "status", values: ["busy", "online"],
    payload: (v) => ({ status: v }) },
  typing: { trigger: "agent:typing", event: "agent:typing", key: "isTyping", values: [true, false],
    payload: (v, conversationId) => ({ conversationId, isTyping: v }) },
  // values are the broadcasts' numbers, read back from the message text "bench <pass id> #<number>" (-1: not this pass's)
  webhook: { event: "conversation:new_message", http: true },
};
/** The broadcast a receipt is of: the alternating value's index, or for webhook the number in the message text. */
const valueOf = (sc, e, pass) => {
  if (!sc.http) return sc.values.indexOf(e?.[sc.key]);
  const m = /^bench (\S+) #(\d+)$/.exec(e?.message?.content ?? "");
  return m && m[1] === pass ? Number(m[2]) : -1;
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.env.BENCH_WORKER === "1") worker();
else main().catch((e) => { console.error(e); process.exit(1); });

// ------------------------------------------------------------------------------------------------------------ worker

function worker() {
  let base = 0n;
  let recording = false;
  let received = 0;
  let disconnects = 0;
  let usage = null;
  const clients = [];
  const now = () => Number(process.hrtime.bigint() - base) / 1e6;

  async function connect({ url, urls, first, token, n, concurrency, scenario, conversation, passId }) {
    const sc = SCENARIOS[scenario];
    let next = 0;
    let ok = 0;
    let failed = 0;
    let joinFailed = 0;
    const errors = {};
    async function lane() {
      while (next < n) {
        // the k-th client of the whole load connects to node k mod N
        const node = urls?.length ? (first + next) % urls.length : 0;
        next++;
        const c = { s: [], t: [], node };
        const socket = io(urls?.length ? urls[node] : url, { transports: ["websocket"], auth: { token }, reconnection: false,
          forceNew: true, timeout: 60_000 });
        socket.on(sc.event, (e) => {
          if (!recording) return;
          c.t.push(now());
          c.s.push(valueOf(sc, e, passId));
          received++;
        });
        socket.on("disconnect", () => { if (recording) disconnects++; });
        c.socket = socket;
        const up = await new Promise((resolve) => {
          socket.once("connect", () => resolve(true));
          socket.once("connect_error", (err) => {
            errors[err.message] = (errors[err.message] || 0) + 1;
            resolve(false);
          });
        });
        if (!up) { failed++; socket.close(); continue; }
        if (conversation) {
          const reply = await socket.timeout(60_000).emitWithAck("join:conversation", { conversationId: conversation })
            .catch((err) => ({ success: false, error: err.message }));
          if (!reply?.success) joinFailed++;
        }
        ok++;
        clients.push(c);
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
    return { ok, failed, joinFailed, errors };
  }

  // the driver is gone (stopped, killed): so are its clients
  process.on("disconnect", () => process.exit(0));
  process.on("message", async (m) => {
    if (m.type === "connect") {
      base = BigInt(m.base);
      process.send({ type: "connected", ...(await connect(m)) });
    } else if (m.type === "record") {
      recording = true;
      usage = process.resourceUsage();
      process.send({ type: "recording" });
    } else if (m.type === "count") {
      process.send({ type: "count", received });
    } else if (m.type === "report") {
      recording = false;
      // what receiving cost this process since recording began: CPU, and how often it slept (voluntary switches)
      const u = process.resourceUsage();
      const cost = { cpuUs: u.userCPUTime + u.systemCPUTime - usage.userCPUTime - usage.systemCPUTime,
        sysUs: u.systemCPUTime - usage.systemCPUTime,
        sleeps: u.voluntaryContextSwitches - usage.voluntaryContextSwitches,
        preempted: u.involuntaryContextSwitches - usage.involuntaryContextSwitches, received };
      process.send({ type: "receipts", disconnects, cost, clients: clients.map((c) => ({ s: c.s, t: c.t, node: c.node })) });
    } else if (m.type === "close") {
      for (const c of clients) c.socket.close();
      setTimeout(() => process.exit(0), 100);
    }
  });
}

/** Sends a message to a worker and resolves with its next answer of the given type. */
function ask(w, message, answer) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m.type !== answer) return;
      w.off("message", on);
      resolve(m);
    };
    w.on("message", on);
    w.send(message);
  });
}

// -------------------------------------------------------------------------------------------------------------- main

async function main() {
  const { values: o } = parseArgs({
    options: {
      url: { type: "string" }, token: { type: "string" }, clients: { type: "string", default: "1000" },
      broadcasts: { type: "string", default: "50" }, warmup: { type: "string", default: "auto" },
      interval: { type: "string", default: "200" }, workers: { type: "string" }, server: { type: "string" },
      label: { type: "string", default: "server" }, out: { type: "string" }, scenario: { type: "string", default: "status" },
      conversation: { type: "string" }, concurrency: { type: "string", default: "50" },
      verbose: { type: "boolean", default: false }, pass: { type: "string", default: "measured" },
      prime: { type: "string", default: "2000" }, round: { type: "string", default: "1" },
      cycle: { type: "string", default: "1" }, secret: { type: "string", default: "bench-app-secret" },
      customers: { type: "string", default: "4" }, urls: { type: "string" },
    },
  });
  if (!o.url || !o.token) throw new Error("--url and --token are required");
  const C = Number(o.clients);
  const urls = o.urls ? o.urls.split(",").filter(Boolean) : null;
  // the server processes: one, or every node of a cluster (CPU, JIT and memory are summed)
  const servers = (o.server ?? "").split(",").filter(Boolean).map((s) => ({ kind: s.split(":")[0], pid: s.split(":")[1] }));
  const N = Number(o.broadcasts);
  // warm-up: 100,000 deliveries (10 to 100 broadcasts), which a fresh JVM needs before its JIT stops competing
  const warmup = o.warmup === "auto" ? Math.min(100, Math.max(10, Math.ceil(100_000 / C))) : Number(o.warmup);
  const interval = Number(o.interval);
  const W = Math.max(1, Math.min(C, Number(o.workers || Math.min(8, Math.ceil(C / 1000)))));
  const sc = SCENARIOS[o.scenario];
  if (!sc) throw new Error(`unknown scenario ${o.scenario}`);
  if (o.scenario === "typing" && !o.conversation) throw new Error("--scenario typing needs --conversation");
  // webhook: each broadcast is a signed POST, answered once the body is stored durably (the "ack")
  const passId = randomBytes(6).toString("hex");
  const webhooks = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let wamids = 0;
  const webhookBody = (text, i) => {
    const customer = (i % Math.max(1, Number(o.customers))) + 1;
    return textWebhook({ from: `52999300000${customer}`, name: `Bench ${customer}`, wamid: `wamid.BENCH${passId}.${wamids++}`, text });
  };
  /** Posts a prepared body; calls sent() just before the bytes go, resolves with the status (0 on a network error). */
  const postWebhook = (body, sent = () => {}) => new Promise((resolve) => {
    const sig = signature(o.secret, body);
    const req = http.request(`${o.url}/webhooks/whatsapp`, { method: "POST", agent: webhooks, headers: {
      "Content-Type": "application/json", "Content-Length": body.length, "X-Hub-Signature-256": sig } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", () => resolve(0));
    req.setTimeout(30_000, () => req.destroy());
    sent();
    req.end(body);
  });
  /** One trigger of the scenario, acknowledged (priming). */
  const trigger = (k) => (sc.http ? postWebhook(webhookBody(`bench-prime ${passId} #${k}`, k))
    : driver.timeout(20_000).emitWithAck(sc.trigger, sc.payload(sc.values[k % 2], o.conversation)).catch(() => {}));
  const base = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - base) / 1e6;
  const log = (s) => console.error(`[${o.label} ${C}${o.pass === "measured" ? "" : ` ${o.pass}`}] ${s}`);

  const driver = io(o.url, { transports: ["websocket"], auth: { token: o.token }, reconnection: false, forceNew: true,
    timeout: 20_000 });
  await new Promise((resolve, reject) => {
    driver.once("connect", resolve);
    driver.once("connect_error", (e) => reject(new Error(`driver cannot connect: ${e.message}`)));
  });
  if (o.conversation) {
    const r = await driver.timeout(20_000).emitWithAck("join:conversation", { conversationId: o.conversation });
    if (!r?.success) throw new Error(`driver cannot join ${o.conversation}: ${JSON.stringify(r)}`);
  }
  // priming: with only the driver connected, P triggers (8 in flight, each acked) so that the server's JIT has compiled
  // the trigger's own path (for the CRM's agent:status: the bus, the database write and its driver) and not only the
  // fan-out, which the warm-up broadcasts exercise C times each; a server in service has run both many times
  const P = Number(o.prime);
  let primed = 0;
  await Promise.all(Array.from({ length: Math.min(8, P) }, async () => {
    while (primed < P) await trigger(primed++);
  }));
  // a known starting value: the first counted broadcast must change it (the CRM announces changes only); for webhook,
  // every customer's conversation exists before the first counted broadcast (the first message opens it)
  if (sc.http) await Promise.all(Array.from({ length: Math.max(1, Number(o.customers)) }, (_, k) => trigger(k)));
  else await trigger(1);
  await sleep(500);

  const memory = async () => {
    if (!servers.length) return null;
    let heap = 0;
    for (const { kind, pid } of servers) {
      if (kind === "java") {
        await promisify(execFile)("jcmd", [pid, "GC.run"]);
        const { stdout } = await promisify(execFile)("jcmd", [pid, "GC.heap_info"]);
        // every generation's "total ..K, used ..K" (G1: one heap line; Parallel, Serial: young and old), not Metaspace
        heap += [...stdout.matchAll(/total \d+K, used (\d+)K/g)].reduce((a, m) => a + Number(m[1]) * 1024, 0);
      } else {
        heap += (await driver.timeout(30_000).emitWithAck("bench:memory")).heapUsed;
      }
    }
    await sleep(300);
    const rss = servers.reduce((a, { pid }) =>
      a + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024, 0);
    return { rss, heap };
  };
  const before = await memory();
  // the server's CPU time (user + system, every thread), from /proc/PID/stat
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  const cpuMs = (which = [11, 12]) => { // [11] user, [12] system
    if (!servers.length) return NaN;
    return servers.reduce((sum, { pid }) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return sum + (which.reduce((a, i) => a + Number(f[i]), 0) * 1000) / ticks;
    }, 0);
  };

  // a JVM's JIT compiler threads' CPU time (ms): while they work, they take the server's core from its event loops
  const jitMs = () => {
    if (!servers.some((s) => s.kind === "java")) return NaN;
    let ms = 0;
    for (const { pid } of servers.filter((s) => s.kind === "java")) for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (!/^C[12] CompilerThre/.test(readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8"))) continue;
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        ms += ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
      } catch { /* the thread ended */ }
    }
    return ms;
  };

  const self = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: W }, () => fork(self, [], { env: { ...process.env, BENCH_WORKER: "1" } }));
  const connectStart = now();
  const share = (i) => Math.floor(C / W) + (i < C % W ? 1 : 0);
  const firstOf = (i) => Array.from({ length: i }, (_, k) => share(k)).reduce((a, x) => a + x, 0);
  const conn = await Promise.all(workers.map((w, i) => ask(w, { type: "connect", url: o.url, urls, first: firstOf(i), token: o.token,
    n: share(i), concurrency: Number(o.concurrency), base: base.toString(), scenario: o.scenario,
    conversation: o.conversation, passId }, "connected")));
  const connectMs = now() - connectStart;
  const connected = conn.reduce((a, c) => a + c.ok, 0);
  const errors = {};
  for (const c of conn) for (const [k, v] of Object.entries(c.errors)) errors[k] = (errors[k] || 0) + v;
  log(`${connected}/${C} connected in ${(connectMs / 1000).toFixed(2)} s with ${W} worker processes`
    + (Object.keys(errors).length ? `; errors ${JSON.stringify(errors)}` : "")
    + (conn.some((c) => c.joinFailed) ? `; join failed ${conn.reduce((a, c) => a + c.joinFailed, 0)}` : ""));
  await sleep(1000);
  const after = await memory();

  await Promise.all(workers.map((w) => ask(w, { type: "record" }, "recording")));
  const B = warmup + N;
  const sent = new Array(B);
  const value = new Array(B);
  const ackMs = [];
  let ackFailed = 0;
  const start = now() + 50;
  const cpuStart = cpuMs();
  const sysStart = cpuMs([12]);
  let quietMs = 0;
  let cpuMeasured = cpuStart;
  // how noisy the machine is: what every process but the servers, the driver and its workers used meanwhile
  const procMs = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
    } catch { return 0; }
  };
  const machineMs = () => { // [busy, total] of every core, from /proc/stat (user .. steal)
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, x) => a + x, 0);
    return [((total - f[3] - f[4]) * 1000) / ticks, (total * 1000) / ticks];
  };
  const ours = () => procMs(process.pid) + workers.reduce((a, w) => a + procMs(w.pid), 0) + cpuMs();
  let machineMeasured = machineMs();
  let oursMeasured = ours();
  let jitMeasured = jitMs();
  let sysMeasured = sysStart;
  let offset = 0;
  for (let i = 0; i < B; i++) {
    if (i === warmup && servers.length) {
      // after the warm-up broadcasts, wait until the server's CPU is idle (a JIT compiling what the connections and
      // the warm-up made hot), so that the measured broadcasts compare servers, not compilers at work
      const q0 = now();
      for (let last = cpuMs(); now() - q0 < 60_000;) {
        await sleep(500);
        const c = cpuMs();
        if (c - last <= 25 * servers.length) break; // 5% of a core per server process
        last = c;
      }
      quietMs = now() - q0;
      offset += quietMs;
      cpuMeasured = cpuMs();
      machineMeasured = machineMs();
      oursMeasured = ours();
      sysMeasured = cpuMs([12]);
      jitMeasured = jitMs();
    }
    const wait = start + offset + i * interval - now();
    if (wait > 0) await sleep(wait);
    if (sc.http) {
      value[i] = i;
      const body = webhookBody(`bench ${passId} #${i}`, i);
      postWebhook(body, () => { sent[i] = now(); }).then((status) => {
        if (status === 200) { if (i >= warmup) ackMs.push(now() - sent[i]); } else ackFailed++;
      });
      continue;
    }
    value[i] = i % 2;
    sent[i] = now();
    driver.timeout(30_000).emit(sc.trigger, sc.payload(sc.values[i % 2], o.conversation), (err, r) => {
      if (!err && r?.success !== false) { if (i >= warmup) ackMs.push(now() - sent[i]); } else ackFailed++;
    });
  }
  const deadline = now() + 30_000;
  for (;;) {
    await sleep(250);
    const counts = await Promise.all(workers.map((w) => ask(w, { type: "count" }, "count")));
    if (counts.reduce((a, c) => a + c.received, 0) >= connected * B || now() > deadline) break;
  }
  const machineEnd = machineMs();
  const othersShare = Math.max(0, machineEnd[0] - machineMeasured[0] - (ours() - oursMeasured))
    / Math.max(1, machineEnd[1] - machineMeasured[1]);
  const serverCpu = cpuMs() - cpuMeasured;
  const serverSys = cpuMs([12]) - sysMeasured;
  const serverJit = jitMs() - jitMeasured;
  const reports = await Promise.all(workers.map((w) => ask(w, { type: "report" }, "receipts")));
  for (const w of workers) w.send({ type: "close" });
  driver.close();
  webhooks.destroy();

  const lat = [];
  const byNode = (urls ?? [o.url]).map(() => []);
  const perBroadcast = Array.from({ length: B }, () => []);
  let stray = 0;
  let matched = 0;
  let disconnects = 0;
  // webhook receipts name their broadcast (each number once, in any order: messages of different customers are
  // processed concurrently, so one may overtake another); a stray one is of no measured broadcast (another pass's,
  // a priming message processed late), a second copy of one, or one that arrived before it was sent
  const strays = { other: 0, duplicate: 0, early: 0, outOfOrder: 0 };
  for (const r of reports) {
    disconnects += r.disconnects;
    for (const c of r.clients) {
      let j = 0;
      const seen = new Set();
      for (let k = 0; k < c.t.length; k++) {
        let m = j;
        if (sc.http) {
          m = c.s[k];
          if (!(m >= 0 && m < B)) { stray++; strays.other++; continue; }
          if (seen.has(m)) { stray++; strays.duplicate++; continue; }
          seen.add(m);
          if (m < j) strays.outOfOrder++; // counted, not stray
        } else {
          while (m < B && value[m] !== c.s[k]) m++;
        }
        if (m >= B || sent[m] > c.t[k]) { stray++; if (m < B) strays.early++; continue; }
        if (m >= warmup) {
          lat.push(c.t[k] - sent[m]);
          byNode[c.node ?? 0].push(c.t[k] - sent[m]);
          matched++;
        }
        if (o.verbose) perBroadcast[m].push(c.t[k] - sent[m]);
        j = Math.max(j, m + 1);
      }
    }
  }
  lat.sort((a, b) => a - b);
  // the clients' side of it (every broadcast they recorded, warm-up ones too): CPU per event received, and how many
  // events each sleep of a client process was woken for
  const client = reports.reduce((a, r) => ({ cpuUs: a.cpuUs + r.cost.cpuUs, sysUs: a.sysUs + r.cost.sysUs,
    sleeps: a.sleeps + r.cost.sleeps, preempted: a.preempted + r.cost.preempted, received: a.received + r.cost.received }),
  { cpuUs: 0, sysUs: 0, sleeps: 0, preempted: 0, received: 0 });
  if (o.verbose) {
    for (let i = 0; i < B; i++) {
      const a = perBroadcast[i].sort((x, y) => x - y);
      const q = (p) => a[Math.max(0, Math.min(a.length - 1, Math.ceil(p * a.length) - 1))]?.toFixed(1);
      log(`broadcast ${i}: ${a.length} received, first ${q(0)} p50 ${q(0.5)} p99 ${q(0.99)} last ${q(1)} ms`);
    }
  }
  ackMs.sort((a, b) => a - b);
  const pct = (p, a = lat) => (a.length ? a[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)] : NaN);
  // per node, and the trigger's node ("same", the node of --url) against the others ("cross")
  const home = urls ? urls.indexOf(o.url) : 0;
  const summary = (a) => {
    a.sort((x, y) => x - y);
    return { delivered: a.length, p50: pct(0.5, a), p99: pct(0.99, a), max: a.length ? a[a.length - 1] : NaN };
  };
  const nodes = byNode.map((a, i) => ({ url: (urls ?? [o.url])[i], ...summary(a) }));
  const same = summary(home >= 0 ? [...byNode[home]] : []);
  const cross = summary(byNode.filter((_, i) => i !== home).flat());
  const perConn = (k) => (before && after ? (after[k] - before[k]) / Math.max(1, connected) : null);
  const result = {
    label: o.label, pass: o.pass, round: Number(o.round), cycle: Number(o.cycle), scenario: o.scenario, clients: C,
    connected, workers: W, connectMs, broadcasts: N, warmup, interval,
    delivered: lat.length, expected: C * N, stray, strays, disconnects, acked: ackMs.length, ackFailed, ackP50: pct(0.5, ackMs),
    p50: pct(0.5), p99: pct(0.99), max: lat.length ? lat[lat.length - 1] : NaN,
    nodes, same, cross, othersCpuShare: othersShare,
    quietMs, serverCpuMs: serverCpu, serverSysMs: serverSys, serverJitMs: serverJit,
    cpuUsPerDelivery: (serverCpu * 1000) / Math.max(1, matched),
    clientCpuUsPerEvent: client.cpuUs / Math.max(1, client.received),
    clientEventsPerWake: client.received / Math.max(1, client.sleeps), clientPreempted: client.preempted,
    memory: { before, after, rssPerConn: perConn("rss"), heapPerConn: perConn("heap") },
  };
  const kb = (b) => (b == null ? "n/a" : `${(b / 1024).toFixed(1)} KiB`);
  log(`p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, max ${result.max.toFixed(2)} ms; `
    + `delivered ${result.delivered}/${result.expected}; `
    + `driver's ack p50 ${result.ackP50.toFixed(2)} ms (${ackMs.length}/${N}); server CPU ${result.cpuUsPerDelivery.toFixed(1)} µs per delivery (`
    + `${Math.round((100 * serverSys) / serverCpu)}% system, after ${(quietMs / 1000).toFixed(1)} s for the server to go idle`
    + (Number.isFinite(serverJit) ? `; JIT compilers ${Math.round(serverJit)} ms` : "") + "); "
    + `other processes on the machine: ${Math.round(100 * othersShare)}% of its cores; `
    + `clients: ${result.clientCpuUsPerEvent.toFixed(1)} µs CPU per event (${Math.round((100 * client.sysUs) / Math.max(1, client.cpuUs))}% `
    + `system), ${result.clientEventsPerWake.toFixed(1)} events `
    + `per wake-up, preempted ${client.preempted} times; `
    + `per connection: heap ${kb(result.memory.heapPerConn)}, `
    + `rss ${kb(result.memory.rssPerConn)}` + (stray ? `; ${stray} unmatched receipts ${JSON.stringify(strays)}` : "")
    + (strays.outOfOrder ? `; ${strays.outOfOrder} receipts after a later broadcast's` : "")
    + (urls && urls.length > 1 ? `; clients on the trigger's node: p50 ${same.p50?.toFixed(2)} ms, p99 ${same.p99?.toFixed(2)} ms`
      + ` (${same.delivered}), on the other nodes: p50 ${cross.p50?.toFixed(2)} ms, p99 ${cross.p99?.toFixed(2)} ms (${cross.delivered})` : "")
    + (disconnects ? `; ${disconnects} disconnects` : ""));
  if (o.out) appendFileSync(o.out, JSON.stringify(result) + "\n");
  setTimeout(() => process.exit(0), 200);
}
