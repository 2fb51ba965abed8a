package crm.bench;

import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scripts/bench ingest}: posts signed webhooks, one distinct text message each, at a fixed concurrency to a
 * running server; prints sustained messages/s, p50/p99 of the webhook response time, and how many messages the server
 * stored against how many were sent (read from GET /api/v2/whatsapp/stats once processing has caught up).
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
    try {
      String token = client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", email).put("password", password))
          .await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
      long before = stats(client, token).getLong("inboundMessages");
      String run = Long.toString(System.currentTimeMillis(), 36);
      System.out.printf("ingest: %d messages (+%d warm-up) from %d customers, concurrency %d, to %s%n",
          messages, warmup, customers, concurrency, url);
      send(vertx, client, secret, "w" + run, warmup, concurrency, customers, new long[warmup]).await(10, TimeUnit.MINUTES);
      long[] latencies = new long[messages];
      long start = System.nanoTime();
      int failures = send(vertx, client, secret, "m" + run, messages, concurrency, customers, latencies).await(30, TimeUnit.MINUTES);
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
      System.exit(stored == expected && failures == 0 ? 0 : 1);
    } finally {
      vertx.close();
    }
  }

  private static JsonObject stats(WebClient client, String token) throws Exception {
    return client.get("/api/v2/whatsapp/stats").putHeader("Authorization", "Bearer " + token).send()
        .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  /** Sends {@code n} webhooks with {@code concurrency} in flight; records each latency; returns the non-200 count. */
  private static Future<Integer> send(Vertx vertx, WebClient client, String secret, String prefix, int n, int concurrency,
                                      int customers, long[] latencies) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(concurrency);
    Promise<Integer> done = Promise.promise();
    for (int w = 0; w < concurrency; w++) {
      vertx.runOnContext(v -> loop(client, secret, prefix, n, customers, latencies, next, failures, () -> {
        if (running.decrementAndGet() == 0) done.complete(failures.get());
      }));
    }
    return done.future();
  }

  private static void loop(WebClient client, String secret, String prefix, int n, int customers, long[] latencies,
                           AtomicInteger next, AtomicInteger failures, Runnable finished) {
    int i = next.getAndIncrement();
    if (i >= n) {
      finished.run();
      return;
    }
    String from = "5255" + String.format("%08d", i % customers);
    byte[] body = WebhookPayloads.text("100000000000000", from, "Cliente " + (i % customers), "wamid.BENCH" + prefix + "." + i,
        "mensaje " + i + " ✓", Instant.now().getEpochSecond()).encode().getBytes(StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", WebhookSignature.sign(secret, body))
        .sendBuffer(Buffer.buffer(body))
        .onComplete(ar -> {
          latencies[i] = System.nanoTime() - t0;
          if (ar.failed() || ar.result().statusCode() != 200) failures.incrementAndGet();
          loop(client, secret, prefix, n, customers, latencies, next, failures, finished);
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
