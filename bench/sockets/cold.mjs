// Cold start of scripts/bench sockets: C socket.io-client clients (WebSocket only, auth.token) connect, at most
// --concurrency at a time, to a server that has served no socket yet, and the time until all C are connected is
// taken. Run once per fresh server; the same run against the CRM server and against reference-server.mjs.
//
//   node cold.mjs --url http://127.0.0.1:PORT --token JWT --server java:PID|node:PID [--clients 1000]
//     [--concurrency 50] [--label NAME] [--run R] [--ready-ms MS] [--out results.jsonl]
//   node cold.mjs --report results.jsonl          (the table: one row per server, the median over the runs)
//
// Per handshake: from io() to its "connect" event (Engine.IO open, Socket.IO CONNECT with the token, the server's
// auth, the CONNECT answer). Memory per idle connection: the server's RSS (/proc/PID/status) and heap after a full GC
// (java: jcmd GC.run + GC.heap_info; node: GET /bench/memory of the reference) with no client, then again with all C
// connected and idle, the difference divided by C. The server's CPU time (user + system) and, for a JVM, its JIT
// compiler threads' CPU time over the connecting are reported too: on a cold JVM they are where the time goes.
import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs, promisify } from "node:util";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const { values: o } = parseArgs({
  options: {
    url: { type: "string" }, token: { type: "string" }, server: { type: "string" }, clients: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "50" }, label: { type: "string", default: "server" },
    run: { type: "string", default: "1" }, "ready-ms": { type: "string" }, out: { type: "string" }, report: { type: "string" },
  },
});
if (o.report) report(o.report);
else measure().catch((e) => { console.error(e); process.exit(1); });

async function measure() {
  if (!o.url || !o.token || !o.server) throw new Error("--url, --token and --server are required");
  const { io } = await import("socket.io-client");
  const C = Number(o.clients);
  const [kind, pid] = o.server.split(":");
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  const cpuMs = (path = `/proc/${pid}/stat`) => {
    const stat = readFileSync(path, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
  };
  const jitMs = () => {
    if (kind !== "java") return NaN;
    let ms = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        if (/^C[12] CompilerThre/.test(readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8"))) ms += cpuMs(`/proc/${pid}/task/${task}/stat`);
      } catch { /* the thread ended */ }
    }
    return ms;
  };
  const memory = async () => {
    let heap;
    if (kind === "java") {
      await promisify(execFile)("jcmd", [pid, "GC.run"]);
      const { stdout } = await promisify(execFile)("jcmd", [pid, "GC.heap_info"]);
      heap = [...stdout.matchAll(/total \d+K, used (\d+)K/g)].reduce((a, m) => a + Number(m[1]) * 1024, 0);
    } else {
      heap = (await (await fetch(`${o.url}/bench/memory`)).json()).heapUsed;
    }
    await sleep(300);
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) * 1024;
    return { rss, heap };
  };

  const before = await memory();
  const sockets = [];
  const handshakes = [];
  const errors = {};
  const cpu0 = cpuMs();
  const jit0 = jitMs();
  const t0 = performance.now();
  let next = 0;
  async function lane() {
    while (next < C) {
      next++;
      const started = performance.now();
      const socket = io(o.url, { transports: ["websocket"], auth: { token: o.token }, reconnection: false, forceNew: true,
        timeout: 60_000 });
      const up = await new Promise((resolve) => {
        socket.once("connect", () => resolve(true));
        socket.once("connect_error", (err) => { errors[err.message] = (errors[err.message] || 0) + 1; resolve(false); });
      });
      if (up) { handshakes.push(performance.now() - started); sockets.push(socket); } else socket.close();
    }
  }
  await Promise.all(Array.from({ length: Math.min(Number(o.concurrency), C) }, lane));
  const totalMs = performance.now() - t0;
  const serverCpuMs = cpuMs() - cpu0;
  const serverJitMs = jitMs() - jit0;
  await sleep(1000);
  const after = await memory();
  for (const s of sockets) s.close();

  handshakes.sort((a, b) => a - b);
  const pct = (p) => (handshakes.length ? handshakes[Math.min(handshakes.length - 1, Math.ceil(p * handshakes.length) - 1)] : NaN);
  const result = {
    label: o.label, kind, run: Number(o.run), clients: C, concurrency: Number(o.concurrency), connected: sockets.length,
    failed: C - sockets.length, errors, totalMs, p50: pct(0.5), p99: pct(0.99), max: pct(1), serverCpuMs, serverJitMs,
    readyMs: o["ready-ms"] ? Number(o["ready-ms"]) : null,
    memory: { before, after, rssPerConn: (after.rss - before.rss) / Math.max(1, sockets.length),
      heapPerConn: (after.heap - before.heap) / Math.max(1, sockets.length) },
  };
  console.error(`[${o.label} cold ${C}, run ${o.run}] ${sockets.length}/${C} connected in ${(totalMs / 1000).toFixed(2)} s, `
    + `handshake p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms; server CPU ${Math.round(serverCpuMs)} ms`
    + (kind === "java" ? ` (JIT compilers ${Math.round(serverJitMs)} ms)` : "")
    + `; per connection: rss ${(result.memory.rssPerConn / 1024).toFixed(1)} KiB, heap ${(result.memory.heapPerConn / 1024).toFixed(1)} KiB`
    + (Object.keys(errors).length ? `; errors ${JSON.stringify(errors)}` : ""));
  if (o.out) appendFileSync(o.out, JSON.stringify(result) + "\n");
  setTimeout(() => process.exit(0), 200);
}

function report(file) {
  const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const median = (xs) => {
    const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
    if (!a.length) return NaN;
    return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  };
  const sio = createRequire(import.meta.url)("socket.io/package.json").version;
  const fixed = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
  const kib = (b) => fixed(b / 1024);
  const mib = (b) => fixed(b / 1048576);
  const line = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(34) : String(c).padStart(c.length > 9 ? c.length : 9))).join(" "));
  line(["cold start (median of runs)", "clients", "runs", "all in s", "p50 ms", "p99 ms", "failed", "cpu ms", "jit ms",
    "rss/conn", "heap/conn", "rss MiB", "ready ms", "ratio"]);
  const byLabel = new Map();
  for (const r of rows) byLabel.set(`${r.label}|${r.clients}`, [...(byLabel.get(`${r.label}|${r.clients}`) || []), r]);
  const refs = new Map([...byLabel].filter(([k]) => k.startsWith("reference|")).map(([k, v]) => [k.split("|")[1], v]));
  for (const [key, rs] of byLabel) {
    const [label, clients] = key.split("|");
    const m = (f) => median(rs.map(f));
    const ref = refs.get(clients);
    // the ratio of the runs' totals, each run of ours against the reference of the same run (same state of the machine)
    const ratio = label === "reference" || !ref ? NaN
      : median(rs.map((r) => r.totalMs / (ref.find((x) => x.run === r.run)?.totalMs ?? NaN)));
    line([label === "reference" ? `socket.io ${sio} (node ${process.versions.node})` : label, clients, String(rs.length),
      fixed(m((r) => r.totalMs) / 1000, 2), fixed(m((r) => r.p50)), fixed(m((r) => r.p99)),
      String(rs.reduce((a, r) => a + r.failed, 0)), fixed(m((r) => r.serverCpuMs), 0), fixed(m((r) => r.serverJitMs), 0),
      `${kib(m((r) => r.memory.rssPerConn))} KiB`, `${kib(m((r) => r.memory.heapPerConn))} KiB`,
      `${mib(m((r) => r.memory.before.rss))}>${mib(m((r) => r.memory.after.rss))}`, fixed(m((r) => r.readyMs ?? NaN), 0),
      label === "reference" ? "" : fixed(ratio, 2)]);
  }
  console.log("all in s: from the first io() to the last client's connect; p50/p99: one handshake (io() to connect);"
    + " cpu/jit: the server's CPU time (JIT compiler threads: jit) while they connected; rss/heap per connection: after"
    + " minus before (heap after a full GC) over the clients; rss MiB: before>after; ready: process start to /ready (ours);"
    + " ratio: ours/reference all-in time, median of the runs' ratios");
}
