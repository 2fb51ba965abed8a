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
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scripts/bench ingest}: posts signed webhooks, one distinct text message each, at a fixed concurrency to a
 * running server; prints sustained messages/s, p50/p99 of the webhook response time, and how many messages the server
 * stored against how many were sent (read from GET /api/v2/whatsapp/stats once processing has caught up), the time the
 * backlog took to drain and the end-to-end rate; then, as the same run's reference, the same webhooks with a bad
 * signature (the server's HTTP path and signature check alone, nothing stored).
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
    URI base = URI.create(url);
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(concurrency));
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
        .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(concurrency));
    try {
      String token = client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", password))
          .await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
      long before = stats(client, token).getLong("inboundMessages");
      String run = Long.toString(System.currentTimeMillis(), 36);
      System.out.printf("ingest: %d messages (+%d warm-up) from %d customers, concurrency %d, to %s%n",
          messages, warmup, customers, concurrency, url);
      // bodies and signatures are made before the clock starts: the load generator shares the machine with the server
      send(vertx, http, webhooks(secret, "w" + run, warmup, customers), concurrency, new long[warmup]).await(10, TimeUnit.MINUTES);
      List<Webhook> measured = webhooks(secret, "m" + run, messages, customers);
      long[] latencies = new long[messages];
      long start = System.nanoTime();
      int failures = send(vertx, http, measured, concurrency, latencies).await(30, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - start) / 1e9;
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
      System.out.printf("stored %d of %d messages sent (%s); processing caught up %.1f s after the last webhook%n",
          stored - before, (long) warmup + messages, stored == expected ? "equal" : "MISMATCH", drain);
      // what the user feels: a message counts once it is in the inbox, so the rate runs until the backlog is drained
      System.out.printf("end to end: %.0f messages/s processed (acked %.0f/s; %.1f s of sending + %.1f s of drain)%n",
          messages / (seconds + drain), messages / seconds, seconds, drain);
      // the reference, same run, same server, now idle: the same webhooks refused at the signature check (HTTP, body
      // and HMAC; nothing stored): what the server's HTTP path alone can take at this concurrency
      List<Webhook> forged = new ArrayList<>();
      for (Webhook w : measured) forged.add(new Webhook(w.body(), "sha256=" + "0".repeat(64)));
      long[] refLatencies = new long[messages];
      long refStart = System.nanoTime();
      int accepted = messages - send(vertx, http, forged, concurrency, refLatencies).await(30, TimeUnit.MINUTES);
      double refSeconds = (System.nanoTime() - refStart) / 1e9;
      Arrays.sort(refLatencies);
      System.out.printf("reference (same run): the same webhooks with a bad signature, refused before storage: %.0f/s, p50 %.1f ms,"
          + " p99 %.1f ms%s%n", messages / refSeconds, refLatencies[messages / 2] / 1e6,
          refLatencies[(int) Math.min(messages - 1, Math.ceil(messages * 0.99) - 1)] / 1e6,
          accepted == 0 ? "" : " (" + accepted + " were NOT refused)");
      System.exit(stored == expected && failures == 0 && accepted == 0 ? 0 : 1);
    } finally {
      vertx.close();
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

  /** Posts the webhooks with {@code concurrency} in flight; records each latency; returns the non-200 count. */
  private static Future<Integer> send(Vertx vertx, HttpClient http, List<Webhook> hooks, int concurrency, long[] latencies) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(concurrency);
    Promise<Integer> done = Promise.promise();
    for (int w = 0; w < concurrency; w++) {
      vertx.runOnContext(v -> loop(http, hooks, latencies, next, failures, () -> {
        if (running.decrementAndGet() == 0) done.complete(failures.get());
      }));
    }
    return done.future();
  }

  private static void loop(HttpClient http, List<Webhook> hooks, long[] latencies, AtomicInteger next, AtomicInteger failures,
                           Runnable finished) {
    int i = next.getAndIncrement();
    if (i >= hooks.size()) {
      finished.run();
      return;
    }
    Webhook hook = hooks.get(i);
    long t0 = System.nanoTime();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/webhooks/whatsapp")
            .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", hook.signature()))
        .compose(req -> req.send(hook.body()).compose(res -> res.body().map(b -> res.statusCode())))
        .onComplete(ar -> {
          latencies[i] = System.nanoTime() - t0;
          if (ar.failed() || ar.result() != 200) failures.incrementAndGet();
          loop(http, hooks, latencies, next, failures, finished);
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
