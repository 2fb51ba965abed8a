// The tables of scripts/bench cluster, from the files it left in DIR: node report.mjs DIR
//   run.json      the machine and the start time
//   health.jsonl  wrk on n1's /health (one node's ceiling, same run) and how busy the machine was before the servers started
//   ingest.jsonl  crm.bench.IngestBench --json: acked and processed messages/s, answer p50/p99, backlog, CPU, bad signatures
//   sockets.jsonl bench/sockets/load.mjs --out: conversation:new_message latency, all clients, on n1, on the other nodes
// Rows are labelled "plain" (one node, not clustered) or the cluster's size; the scaling table gives each cluster size
// as a ratio of the smallest one (normally 1 node), and that one as a ratio of the plain node.
import { readFileSync, existsSync } from "node:fs";

const dir = process.argv[2];
const lines = (f) => (existsSync(`${dir}/${f}`) ? readFileSync(`${dir}/${f}`, "utf8").split("\n").filter(Boolean)
  .map((l) => JSON.parse(l)) : []);
const run = existsSync(`${dir}/run.json`) ? JSON.parse(readFileSync(`${dir}/run.json`, "utf8")) : {};
const health = lines("health.jsonl");
const ingest = lines("ingest.jsonl");
const sockets = lines("sockets.jsonl").filter((r) => r.pass !== "warm-up");
const labels = [...new Set([...health, ...ingest, ...sockets].map((r) => String(r.label)))];
const f = (v, d = 0) => (v == null || !Number.isFinite(v) ? "n/a" : v.toFixed(d));
const print = (rows) => {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  "));
};
const rows = labels.map((label) => ({
  label, name: label === "plain" ? "1 plain" : label, n: label === "plain" ? 1 : Number(label),
  h: health.find((r) => String(r.label) === label),
  i: ingest.find((r) => String(r.label) === label),
  s: sockets.find((r) => String(r.label) === label),
}));

console.log(`\ncluster bench: ${run.machine ?? ""}, started ${run.started ?? "?"}; every node, the load generators and wrk share`
  + " these cores. \"1 plain\" = one node, not clustered (scripts/run); 1, 2, 3 = scripts/cluster N.");
console.log("\ningest: signed webhooks to every node in turn; processed = in the inbox (the stats' inbound count reached), not acked");
const pctOf = (x) => (x == null || !Number.isFinite(x) ? "n/a" : `${Math.round(100 * x)}%`);
print([["nodes", "busy before", "others during", "/health n1 req/s", "acked msg/s", "processed msg/s", "answer p50 ms", "p99 ms",
  "drain s", "backlog while sending", "cpu µs/msg", "cpu s per node", "bad-sig ref msg/s", "ref p99 ms", "stored"],
...rows.map(({ name, h, i }) => [name, h ? `${h.busyBefore}%` : "n/a", pctOf(i?.othersCpuShare), f(h?.rps), f(i?.ackedPerSec), f(i?.processedPerSec),
  f(i?.p50Ms, 1), f(i?.p99Ms, 1), f(i?.drainSeconds, 1),
  !i ? "n/a" : i.backlog?.grew == null ? "not measured"
    : i.backlog.grew ? `GREW ${f(i.backlog.slopePerSec)}/s` : `steady, max ${i.backlog.max}`,
  f(i?.cpuUsPerMessage), i?.cpuMs?.length ? i.cpuMs.map((x) => (x / 1000).toFixed(1)).join("/") : "n/a",
  f(i?.refPerSec), f(i?.refP99Ms, 1), i ? `${i.stored}/${i.expected}${i.failures ? `, ${i.failures} non-200` : ""}` : "n/a"])]);

console.log("\nsockets: a webhook POSTed to n1 -> conversation:new_message, timed from the POST; clients spread over the nodes in turn (ms)");
print([["nodes", "clients", "all p50", "all p99", "on n1 p50", "p99", "on others p50", "p99",
  "others - n1 p50", "p99", "delivered/expected", "200 p50", "cpu µs/deliv", "others during"],
...rows.map(({ name, n, s }) => [name, s ? s.connected : "n/a", f(s?.p50, 2), f(s?.p99, 2), f(s?.same?.p50, 2),
  f(s?.same?.p99, 2), n > 1 ? f(s?.cross?.p50, 2) : "-", n > 1 ? f(s?.cross?.p99, 2) : "-",
  n > 1 ? f(s?.cross?.p50 - s?.same?.p50, 2) : "-", n > 1 ? f(s?.cross?.p99 - s?.same?.p99, 2) : "-",
  s ? `${s.delivered}/${s.expected}` : "n/a", f(s?.ackP50, 2), f(s?.cpuUsPerDelivery, 1), pctOf(s?.othersCpuShare)])]);
console.log("(busy before: both cores' use over 2 s before the servers started; others during: what every process but the"
  + " servers and the load generators used of the cores while measured, i.e. the machine's other tenants)");

const plain = rows.find((r) => r.label === "plain");
const sized = rows.filter((r) => r.label !== "plain");
const first = sized[0];
if (first && (sized.length > 1 || plain)) {
  const r = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : "n/a");
  const measures = [
    ["processed msg/s", (x) => x.i?.processedPerSec],
    ["acked msg/s", (x) => x.i?.ackedPerSec],
    ["servers' CPU µs per message", (x) => x.i?.cpuUsPerMessage],
    ["bad-signature msg/s (reference)", (x) => x.i?.refPerSec],
    ["/health req/s on n1 (reference)", (x) => x.h?.rps],
    ["socket latency p50, all clients", (x) => x.s?.p50],
    ["socket latency p99, all clients", (x) => x.s?.p99],
    ["socket latency p50, clients on n1", (x) => x.s?.same?.p50],
    ["socket latency p99, clients on n1", (x) => x.s?.same?.p99],
    // against the smallest size's clients, all of which are on the webhook's node when it is 1 node
    ["socket latency p50, clients on other nodes", (x) => (x.n > 1 ? x.s?.cross?.p50 : x.s?.same?.p50)],
    ["socket latency p99, clients on other nodes", (x) => (x.n > 1 ? x.s?.cross?.p99 : x.s?.same?.p99)],
  ];
  const cols = [...(plain ? [[first, plain]] : []), ...sized.slice(1).map((x) => [x, first])];
  console.log(`\nscaling: ratios (throughput: above 1 = more; latency and CPU per message: above 1 = slower, costlier)`);
  print([["", ...cols.map(([a, b]) => `${a.name} / ${b.name}`)],
    ...measures.map(([name, get]) => [name, ...cols.map(([a, b]) => (name.includes("other nodes") && a.n === 1 ? "-" : r(get(a), get(b))))])]);
  if (first.n === 1) console.log(`("clients on other nodes" is against ${first.name} node's clients, all of which are on the webhook's node)`);
}
const cores = Number(/^(\d+) cores/.exec(run.machine ?? "")?.[1]) || "the";
const most = Math.max(...sized.map((x) => x.n), 1);
console.log(`\nAll nodes share the same ${cores} cores here, with the load generators and wrk: ${most} JVMs on ${cores} cores cannot `
  + "scale CPU-bound work, so a ratio below 1 is what the cluster costs (the clustered event bus that every event crosses "
  + "to every node, the reads, writes and commits the other nodes ask of n1's database, Hazelcast), not what it could "
  + "carry with a machine per node.");
