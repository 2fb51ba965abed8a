package crm.bench;

import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code scripts/bench ingest}: posts signed webhooks, one distinct text message each, at a fixed concurrency to a
 * running server; prints sustained messages/s, p50/p99 of the webhook response time, and how many messages the server
 * stored against how many were sent (read from GET /api/v2/whatsapp/stats once processing has caught up), the time the
 * backlog took to drain and the end-to-end rate; then, as the same run's reference, the same webhooks with a bad
 * signature (the server's HTTP path and signature check alone, nothing stored).
 *
 * <p>{@code --url} may list several nodes of one cluster (comma-separated, {@code scripts/bench cluster}): webhook i
 * goes to node i mod N, login and stats to the first. While sending, the backlog (answered 200 but not yet in the
 * inbox) is sampled every second from the stats, so the output says whether processing kept up or fell behind.
 * {@code --pids} (the servers' process ids, comma-separated) adds their CPU time per message over sending and drain;
 * {@code --json FILE} appends the figures as one JSON line.
 */
public final class IngestBench {
  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = options(args);
    String url = opt.getOrDefault("url", "http://127.0.0.1:5000");
    int messages = Integer.parseInt(opt.getOrDefault("messages", "20000"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "2000"));
    int concurrency = Integer.parseInt(opt.getOrDefault("concurrency", "32"));
    int customers = Integer.parseInt(opt.getOrDefault("customers", "1000"));
    String secret = opt.getOrDefault("secret", System.getenv().getOrDefault("WHATSAPP_APP_SECRET", ""));
    String email = opt.getOrDefault("admin-email", System.getenv().getOrDefault("CRM_ADMIN_EMAIL", "admin@crm.local"));
    String password = opt.getOrDefault("admin-password", System.getenv().getOrDefault("CRM_ADMIN_PASSWORD", ""));
    if (secret.isEmpty() || password.isEmpty()) {
      System.err.println("need --secret (WHATSAPP_APP_SECRET) and --admin-password (CRM_ADMIN_PASSWORD)");
      System.exit(64);
    }
    List<URI> nodes = Arrays.stream(url.split(",")).map(String::trim).filter(u -> !u.isEmpty()).map(URI::create).toList();
    List<Long> pids = Arrays.stream(opt.getOrDefault("pids", "").split(",")).map(String::trim).filter(p -> !p.isEmpty())
        .map(Long::parseLong).toList();
    URI base = nodes.get(0);
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(concurrency));
    // one pool per node (host and port); the webhooks go to the nodes in turn, about concurrency / N in flight at each
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    try {
      String token = client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", password))
          .await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
      long before = stats(client, token).getLong("inboundMessages");
      String run = Long.toString(System.currentTimeMillis(), 36);
      System.out.printf("ingest: %d messages (+%d warm-up) from %d customers, concurrency %d, to %s%n",
          messages, warmup, customers, concurrency, nodes.size() == 1 ? url : nodes.size() + " nodes in turn (" + url + ")");
      // bodies and signatures are made before the clock starts: the load generator shares the machine with the server
      send(vertx, http, nodes, webhooks(secret, "w" + run, warmup, customers), concurrency, new long[warmup], new AtomicLong())
          .await(10, TimeUnit.MINUTES);
      List<Webhook> measured = webhooks(secret, "m" + run, messages, customers);
      long[] latencies = new long[messages];
      // processing must not have fallen behind during the warm-up: the backlog is measured from the measured part alone
      long primed = before + warmup;
      for (long t0 = System.nanoTime(); stats(client, token).getLong("inboundMessages") < primed
          && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60); ) {
        Thread.sleep(200);
      }
      long[] cpuStart = cpu(pids);
      long[] machineStart = machine();
      long selfStart = cpu(List.of(ProcessHandle.current().pid()))[0];
      AtomicLong answered = new AtomicLong();
      List<long[]> backlog = new ArrayList<>(); // {ms since start, answered 200, stored of this part}
      long start = System.nanoTime();
      long sampler = vertx.setPeriodic(1000, id -> {
        long ms = (System.nanoTime() - start) / 1_000_000;
        long acked = answered.get();
        client.get("/api/v2/whatsapp/stats").putHeader("Authorization", "Bearer " + token).send().onSuccess(res -> {
          Long inbound = res.statusCode() == 200 ? res.bodyAsJsonObject().getLong("inboundMessages") : null;
          if (inbound != null) synchronized (backlog) { backlog.add(new long[] {ms, acked, inbound - primed}); }
        });
      });
      int failures = send(vertx, http, nodes, measured, concurrency, latencies, answered).await(30, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - start) / 1e9;
      vertx.cancelTimer(sampler);
      Arrays.sort(latencies);
      System.out.printf("sent %d webhooks in %.2f s: %.0f messages/s sustained%n", messages, seconds, messages / seconds);
      System.out.printf("webhook response time: p50 %.1f ms, p99 %.1f ms, max %.1f ms; non-200 answers: %d%n",
          latencies[messages / 2] / 1e6, latencies[(int) Math.min(messages - 1, Math.ceil(messages * 0.99) - 1)] / 1e6,
          latencies[messages - 1] / 1e6, failures);
      long expected = before + warmup + messages;
      long drainStart = System.nanoTime();
      long stored = stats(client, token).getLong("inboundMessages");
      long lastChange = System.nanoTime();
      while (stored < expected && System.nanoTime() - lastChange < TimeUnit.SECONDS.toNanos(30)) {
        Thread.sleep(200);
        long now = stats(client, token).getLong("inboundMessages");
        if (now != stored) lastChange = System.nanoTime();
        stored = now;
      }
      double drain = (System.nanoTime() - drainStart) / 1e9;
      long[] cpuEnd = cpu(pids);
      long[] machineEnd = machine();
      long self = cpu(List.of(ProcessHandle.current().pid()))[0] - selfStart;
      System.out.printf("stored %d of %d messages sent (%s); processing caught up %.1f s after the last webhook%n",
          stored - before, (long) warmup + messages, stored == expected ? "equal" : "MISMATCH", drain);
      // what the user feels: a message counts once it is in the inbox, so the rate runs until the backlog is drained
      System.out.printf("end to end: %.0f messages/s processed (acked %.0f/s; %.1f s of sending + %.1f s of drain)%n",
          messages / (seconds + drain), messages / seconds, seconds, drain);
      JsonObject growth = backlog(backlog, messages / seconds, concurrency);
      System.out.printf("backlog (answered 200, not yet in the inbox) while sending: %s; %s%n",
          growth.getString("samples"), growth.getString("verdict"));
      JsonArray cpuMs = new JsonArray();
      double noise = Double.NaN;
      if (!pids.isEmpty()) {
        long total = 0;
        StringBuilder each = new StringBuilder();
        for (int i = 0; i < pids.size(); i++) {
          long ms = cpuEnd[i] - cpuStart[i];
          total += ms;
          cpuMs.add(ms);
          each.append(i == 0 ? "" : ", ").append("node ").append(i + 1).append(' ').append(String.format("%.1f s", ms / 1e3));
        }
        System.out.printf("servers' CPU over sending and drain: %.0f µs per message (%s; %.1f s of CPU in %.1f s)%n",
            total * 1e3 / messages, each, total / 1e3, seconds + drain);
        // how noisy the machine was: what every other process used (the machine's busy time less the servers' and ours)
        double capacity = (machineEnd[1] - machineStart[1]);
        double others = capacity <= 0 ? Double.NaN : Math.max(0, (machineEnd[0] - machineStart[0]) - total - self) / capacity;
        System.out.printf("the machine meanwhile: this load generator %.1f s of CPU, other processes %.0f%% of its %d cores%n",
            self / 1e3, 100 * others, Runtime.getRuntime().availableProcessors());
        noise = others;
      }
      // the reference, same run, same server, now idle: the same webhooks refused at the signature check (HTTP, body
      // and HMAC; nothing stored): what the server's HTTP path alone can take at this concurrency
      List<Webhook> forged = new ArrayList<>();
      for (Webhook w : measured) forged.add(new Webhook(w.body(), "sha256=" + "0".repeat(64)));
      long[] refLatencies = new long[messages];
      long refStart = System.nanoTime();
      int accepted = messages - send(vertx, http, nodes, forged, concurrency, refLatencies, new AtomicLong())
          .await(30, TimeUnit.MINUTES);
      double refSeconds = (System.nanoTime() - refStart) / 1e9;
      Arrays.sort(refLatencies);
      System.out.printf("reference (same run): the same webhooks with a bad signature, refused before storage: %.0f/s, p50 %.1f ms,"
          + " p99 %.1f ms%s%n", messages / refSeconds, refLatencies[messages / 2] / 1e6, p99(refLatencies) / 1e6,
          accepted == 0 ? "" : " (" + accepted + " were NOT refused)");
      if (opt.containsKey("json")) {
        JsonObject row = new JsonObject().put("label", opt.getOrDefault("label", url)).put("nodes", nodes.size())
            .put("messages", messages).put("warmup", warmup).put("concurrency", concurrency)
            .put("ackedPerSec", messages / seconds).put("processedPerSec", messages / (seconds + drain))
            .put("sendSeconds", seconds).put("drainSeconds", drain)
            .put("p50Ms", latencies[messages / 2] / 1e6).put("p99Ms", p99(latencies) / 1e6)
            .put("maxMs", latencies[messages - 1] / 1e6).put("failures", failures)
            .put("stored", stored - before).put("expected", (long) warmup + messages).put("backlog", growth)
            .put("cpuMs", cpuMs).put("benchCpuMs", self)
            .put("cpuUsPerMessage", cpuMs.isEmpty() ? null
                : cpuMs.stream().mapToLong(o -> ((Number) o).longValue()).sum() * 1e3 / messages)
            .put("othersCpuShare", Double.isNaN(noise) ? null : noise)
            .put("refPerSec", messages / refSeconds).put("refP50Ms", refLatencies[messages / 2] / 1e6)
            .put("refP99Ms", p99(refLatencies) / 1e6).put("refNotRefused", accepted);
        Files.writeString(Path.of(opt.get("json")), row.encode() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      System.exit(stored == expected && failures == 0 && accepted == 0 ? 0 : 1);
    } finally {
      vertx.close();
    }
  }

  private static long p99(long[] sorted) {
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
  }

  /**
   * Whether the backlog grew while sending: its samples (seconds, messages answered but not yet in the inbox) and the
   * slope of a least-squares line through them. It grew when it rose by more than 5% of the acked rate (processing
   * fell behind the answers) and ended above twice the concurrency (what is in flight at any moment).
   */
  static JsonObject backlog(List<long[]> samples, double ackedPerSec, int concurrency) {
    List<long[]> s;
    synchronized (samples) { s = new ArrayList<>(samples); }
    JsonObject out = new JsonObject();
    if (s.size() < 2) return out.put("samples", "too few samples").put("verdict", "not measured").put("grew", (Boolean) null);
    double n = s.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
    long max = 0;
    StringBuilder text = new StringBuilder();
    int step = Math.max(1, s.size() / 8); // at most about 8 samples printed
    for (int i = 0; i < s.size(); i++) {
      double x = s.get(i)[0] / 1e3;
      long y = Math.max(0, s.get(i)[1] - s.get(i)[2]);
      sx += x; sy += y; sxx += x * x; sxy += x * y;
      max = Math.max(max, y);
      if (i % step == 0 || i == s.size() - 1) text.append(text.length() == 0 ? "" : ", ").append(String.format("%.0f s %d", x, y));
    }
    double slope = (n * sxy - sx * sy) / Math.max(1e-9, n * sxx - sx * sx);
    long last = Math.max(0, s.get(s.size() - 1)[1] - s.get(s.size() - 1)[2]);
    boolean grew = slope > 0.05 * ackedPerSec && last > 2L * concurrency;
    return out.put("samples", text.toString()).put("max", max).put("last", last).put("slopePerSec", slope).put("grew", grew)
        .put("verdict", grew ? String.format("GREW by %.0f messages/s (processing fell behind the answers)", slope)
            : String.format("steady (%+.0f messages/s, at most %d waiting)", slope, max));
  }

  /** Each process's CPU time (user + system, ms) from /proc/PID/stat; -1 when unreadable. */
  private static long[] cpu(List<Long> pids) {
    long[] out = new long[pids.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pids.get(i) + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        out[i] = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000 / 100; // USER_HZ is 100 on Linux
      } catch (IOException | RuntimeException e) {
        out[i] = -1;
      }
    }
    return out;
  }

  /** The machine's busy and total CPU time (ms, every core) from the first line of /proc/stat; zeros when unreadable. */
  private static long[] machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]); // user .. steal, not guest (counted in user)
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {(total - idle) * 10, total * 10}; // USER_HZ 100
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  private static JsonObject stats(WebClient client, String token) throws Exception {
    return client.get("/api/v2/whatsapp/stats").putHeader("Authorization", "Bearer " + token).send()
        .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  /** A signed webhook, ready to post. */
  private record Webhook(Buffer body, String signature) {}

  /** {@code n} webhooks of one text message each, distinct wamids, {@code customers} senders in turn. */
  private static List<Webhook> webhooks(String secret, String prefix, int n, int customers) {
    List<Webhook> out = new ArrayList<>(n);
    long now = Instant.now().getEpochSecond();
    for (int i = 0; i < n; i++) {
      String from = "5255" + String.format("%08d", i % customers);
      byte[] body = WebhookPayloads.text("100000000000000", from, "Cliente " + (i % customers), "wamid.BENCH" + prefix + "." + i,
          "mensaje " + i + " ✓", now).encode().getBytes(StandardCharsets.UTF_8);
      out.add(new Webhook(Buffer.buffer(body), WebhookSignature.sign(secret, body)));
    }
    return out;
  }

  /**
   * Posts the webhooks with {@code concurrency} in flight, webhook i to node i mod N; records each latency and counts the
   * 200 answers in {@code answered}; returns the non-200 count.
   */
  private static Future<Integer> send(Vertx vertx, HttpClient http, List<URI> nodes, List<Webhook> hooks, int concurrency,
                                      long[] latencies, AtomicLong answered) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(concurrency);
    Promise<Integer> done = Promise.promise();
    for (int w = 0; w < concurrency; w++) {
      vertx.runOnContext(v -> loop(http, nodes, hooks, latencies, answered, next, failures, () -> {
        if (running.decrementAndGet() == 0) done.complete(failures.get());
      }));
    }
    return done.future();
  }

  private static void loop(HttpClient http, List<URI> nodes, List<Webhook> hooks, long[] latencies, AtomicLong answered,
                           AtomicInteger next, AtomicInteger failures, Runnable finished) {
    int i = next.getAndIncrement();
    if (i >= hooks.size()) {
      finished.run();
      return;
    }
    Webhook hook = hooks.get(i);
    URI node = nodes.get(i % nodes.size());
    long t0 = System.nanoTime();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(node.getHost()).setPort(node.getPort())
            .setURI("/webhooks/whatsapp")
            .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", hook.signature()))
        .compose(req -> req.send(hook.body()).compose(res -> res.body().map(b -> res.statusCode())))
        .onComplete(ar -> {
          latencies[i] = System.nanoTime() - t0;
          if (ar.failed() || ar.result() != 200) failures.incrementAndGet();
          else answered.incrementAndGet();
          loop(http, nodes, hooks, latencies, answered, next, failures, finished);
        });
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --option value, got " + args[i]);
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }
}
