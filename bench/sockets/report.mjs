// The table of scripts/bench sockets, from the JSON lines load.mjs appended: node report.mjs results.jsonl
// Rows whose label is "reference" are the socket.io server; every other row gets its p50/p99 as a ratio of the
// reference row with the same number of clients (below 1 = faster than the reference), except the webhook scenario,
// which the reference has no counterpart for (no database, no WhatsApp): its ratio is left out.
// Measured passes come in cycles (each server once per cycle, on the same set of live servers; several rounds are
// several sets): every figure is the median over the measured passes, and the ratio is the median of each cycle's
// ratio (ours and the reference's of the same cycle, so a slow spell of the machine counts against both); a second
// table gives every cycle's ratios, so the spread shows.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// Warm-up passes (--pass warm-up) precede the measured passes on the same servers: latency and CPU come from the
// measured passes, memory per connection from the first warm-up pass of that server and scenario in that round.
const all = readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l))
  .map((r) => ({ round: 1, cycle: 1, ...r }));
const same = (a, b) => a.label === b.label && a.scenario === b.scenario && a.clients === b.clients;
const measured = all.filter((r) => r.pass !== "warm-up").map((r) => {
  const warm = all.find((w) => w.pass === "warm-up" && same(w, r) && w.round === r.round);
  return warm ? { ...r, memory: warm.memory } : r;
});
const median = (xs) => {
  const a = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (!a.length) return NaN;
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};
const refOf = (r) => measured.find((x) => x.label === "reference" && x.clients === r.clients && x.round === r.round
  && x.cycle === r.cycle);
const ratioOf = (r, k) => {
  if (r.scenario === "webhook") return NaN;
  const ref = refOf(r);
  return ref && ref[k] > 0 ? r[k] / ref[k] : NaN;
};

const sioVersion = createRequire(import.meta.url)("socket.io/package.json").version;
const name = (r) => (r.label === "reference" ? `socket.io ${sioVersion} (node ${process.versions.node})`
  : r.scenario === "typing" ? `${r.label} agent:typing, no db write`
  : r.scenario === "webhook" ? `${r.label} webhook POST -> conversation:new_message`
  : `${r.label} agent:status, announced then stored`);
const fixed = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
const kib = (b) => (b == null || !Number.isFinite(b) ? "n/a" : (b / 1024).toFixed(1));

// one group per (clients, server, scenario), in the order of their first round
const groups = [];
for (const r of measured) {
  const g = groups.find((x) => same(x[0], r));
  if (g) g.push(r); else groups.push([r]);
}
const cycles = [...new Set(measured.map((r) => `${r.round}.${r.cycle}`))];
const head = ["clients", "server", "passes", "p50 ms", "p99 ms", "max ms", "delivered/expected", "cpu µs/deliv",
  "client µs/event", "jit ms", "connect s",
  "heap KiB/conn", "rss KiB/conn", "p50 x ref", "p99 x ref"];
const table = [head];
for (const g of groups) {
  const r = g[0];
  const own = r.label === "reference";
  const m = (f) => median(g.map(f));
  // the webhook's own answer (200 once its body is stored durably), the first part of its latency
  const label = r.scenario === "webhook" ? `${name(r)} (200 after p50 ${fixed(m((x) => x.ackP50))} ms)` : name(r);
  table.push([String(r.clients), label, String(g.length), fixed(m((x) => x.p50)), fixed(m((x) => x.p99)), fixed(m((x) => x.max)),
    `${g.reduce((a, x) => a + x.delivered, 0)}/${g.reduce((a, x) => a + x.expected, 0)}`, fixed(m((x) => x.cpuUsPerDelivery), 1),
    fixed(m((x) => x.clientCpuUsPerEvent ?? NaN), 1), fixed(m((x) => x.serverJitMs ?? NaN), 0),
    fixed(m((x) => x.connectMs / 1000)), kib(m((x) => x.memory?.heapPerConn)), kib(m((x) => x.memory?.rssPerConn)),
    own || r.scenario === "webhook" ? "-" : fixed(m((x) => ratioOf(x, "p50"))),
    own || r.scenario === "webhook" ? "-" : fixed(m((x) => ratioOf(x, "p99")))]);
}
print(table);

if (cycles.length > 1) {
  console.log(`\nevery cycle, as round.cycle (p50 x ref / p99 x ref; the reference's own p50 in ms):`);
  const per = [["clients", "server", ...cycles]];
  for (const g of groups) {
    const r = g[0];
    per.push([String(r.clients), name(r), ...cycles.map((k) => {
      const x = g.find((y) => `${y.round}.${y.cycle}` === k);
      if (!x) return "-";
      if (r.scenario === "webhook") return `${fixed(x.p50)} / ${fixed(x.p99)} ms`;
      return r.label === "reference" ? fixed(x.p50) : `${fixed(ratioOf(x, "p50"))} / ${fixed(ratioOf(x, "p99"))}`;
    })]);
  }
  print(per);
}

function print(rows) {
  const width = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((c, i) => (i === 1 ? c.padEnd(width[i]) : c.padStart(width[i]))).join("  "));
}
