// The table of scripts/bench sockets, from the JSON lines load.mjs appended: node report.mjs results.jsonl
// Rows whose label is "reference" are the socket.io server; every other row gets its p50/p99 as a ratio of the
// reference row with the same number of clients (below 1 = faster than the reference).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// A warm-up pass (--pass warm-up, on the fresh server) precedes each measured pass on the same server: latency and CPU
// come from the measured pass, memory per connection from the warm-up pass (RSS grows only once in a process).
const all = readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const rows = all.filter((r) => r.pass !== "warm-up").map((r) => {
  // the first warm-up pass of that server (each server runs once per C and scenario; rows are appended in order)
  const warm = all.find((w) => w.pass === "warm-up" && w.label === r.label && w.scenario === r.scenario && w.clients === r.clients);
  return warm ? { ...r, memory: warm.memory } : r;
});
const sioVersion = createRequire(import.meta.url)("socket.io/package.json").version;
const name = (r) => (r.label === "reference" ? `socket.io ${sioVersion} (node ${process.versions.node})`
  : r.scenario === "typing" ? `${r.label} agent:typing, no db write` : `${r.label} agent:status, db write`);
const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : "n/a");
const kib = (b) => (b == null || !Number.isFinite(b) ? "n/a" : (b / 1024).toFixed(1));
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : "-");
const head = ["clients", "server", "p50 ms", "p99 ms", "max ms", "delivered/expected", "cpu µs/deliv", "connect s", "heap KiB/conn",
  "rss KiB/conn", "p50 x ref", "p99 x ref"];
const table = [head];
for (const r of rows) {
  const ref = rows.find((x) => x.label === "reference" && x.clients === r.clients);
  const own = r.label === "reference";
  table.push([String(r.clients), name(r), ms(r.p50), ms(r.p99), ms(r.max), `${r.delivered}/${r.expected}`, Number.isFinite(r.cpuUsPerDelivery) ? r.cpuUsPerDelivery.toFixed(1) : "n/a",
    (r.connectMs / 1000).toFixed(2), kib(r.memory?.heapPerConn), kib(r.memory?.rssPerConn),
    own || !ref ? "-" : ratio(r.p50, ref.p50), own || !ref ? "-" : ratio(r.p99, ref.p99)]);
}
const width = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) {
  console.log(row.map((c, i) => (i === 1 ? c.padEnd(width[i]) : c.padStart(width[i]))).join("  "));
}
