package crm.bench;

import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scripts/bench assistant}: the assistant's own cost per turn. This process serves, on {@code --fake-port}, a
 * fake OpenAI-compatible model (it answers every chat completion with a text after {@code --delay-ms}) and a fake Graph
 * API (it records when each reply reaches WhatsApp); the server under test points its {@code AI_BASE_URL} and
 * {@code WHATSAPP_API_URL} at it. Each round, {@code --conversations N} new customers each send one signed webhook at
 * once; a turn is timed from its webhook's POST to its reply arriving at the fake Graph API, and the overhead is that
 * minus the model's delay: everything our side adds (webhook intake, processing, the claim, the prompt, the send).
 * Prints turns/s, overhead p50/p99/max, and checks that every message got exactly one reply and the model was called
 * once per turn.
 */
public final class AssistantBench {
  private AssistantBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = IngestBench.options(args);
    String url = opt.getOrDefault("url", "http://127.0.0.1:5000");
    int fakePort = Integer.parseInt(opt.getOrDefault("fake-port", "0"));
    int conversations = Integer.parseInt(opt.getOrDefault("conversations", "200"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "3"));
    int warmup = Integer.parseInt(opt.getOrDefault("warmup", "200"));
    long delayMs = Long.parseLong(opt.getOrDefault("delay-ms", "500"));
    String secret = opt.getOrDefault("secret", System.getenv().getOrDefault("WHATSAPP_APP_SECRET", ""));
    if (secret.isEmpty() || fakePort == 0) {
      System.err.println("need --secret (WHATSAPP_APP_SECRET) and --fake-port");
      System.exit(64);
    }
    Vertx vertx = Vertx.vertx();
    Fake fake = new Fake(vertx, delayMs);
    fake.server.listen(fakePort, "127.0.0.1").await(10, TimeUnit.SECONDS);
    System.out.println("fake model and Graph API listening on " + fakePort);
    URI base = URI.create(url);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
        .setKeepAlive(true).setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(Math.max(conversations, warmup)));
    try {
      awaitReady(http);
      String password = opt.getOrDefault("admin-password", System.getenv().getOrDefault("CRM_ADMIN_PASSWORD", ""));
      if (!password.isEmpty()) {
        token = http.request(HttpMethod.POST, "/api/v2/auth/login").compose(req -> req.putHeader("Content-Type", "application/json")
                .send(new JsonObject().put("email", "admin@crm.local").put("password", password).encode()).compose(r -> r.body()))
            .await(30, TimeUnit.SECONDS).toJsonObject().getString("token");
      }
      String run = Long.toString(System.currentTimeMillis(), 36);
      System.out.printf("assistant: %d conversations at once per round, %d rounds (+%d warm-up), model delay %d ms, to %s%n",
          conversations, rounds, warmup, delayMs, url);
      round(vertx, http, fake, secret, "w" + run, warmup, 0, delayMs, false);
      boolean ok = true;
      for (int r = 1; r <= rounds; r++) ok &= round(vertx, http, fake, secret, "r" + r + run, conversations, r, delayMs, true);
      System.exit(ok ? 0 : 1);
    } finally {
      vertx.close();
    }
  }

  /** One round: n new customers write at once; waits for every reply, then a little more for any second one. */
  private static String token;

  /** Until the assistant has no conversation with an unanswered message (GET /assistant/status, pending). */
  private static void awaitNothingPending(HttpClient http, long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      JsonObject status = http.request(HttpMethod.GET, "/api/v2/assistant/status")
          .compose(req -> req.putHeader("Authorization", "Bearer " + token).send().compose(r -> r.body()))
          .await(30, TimeUnit.SECONDS).toJsonObject();
      if (status.getLong("pending", 1L) == 0) return;
      Thread.sleep(20);
    }
    System.out.println("  (the assistant still had unanswered messages at the deadline)");
  }

  /** The server's own record of the last n turns: event to turn (queuedMs) and turn to the model (beforeModelMs). */
  private static void turnPhases(HttpClient http, String token, int n) throws Exception {
    List<Long> queued = new ArrayList<>();
    List<Long> before = new ArrayList<>();
    int per = Math.min(100, n);
    int seen = 0;
    for (int page = 1; seen < n && page <= (n + per - 1) / per; page++) {
      int p = page;
      JsonObject res = http.request(HttpMethod.GET, "/api/v2/assistant/turns?limit=" + per + "&page=" + p)
          .compose(req -> req.putHeader("Authorization", "Bearer " + token).send().compose(r -> r.body()))
          .await(30, TimeUnit.SECONDS).toJsonObject();
      for (Object o : res.getJsonArray("turns", new JsonArray())) {
        if (seen++ >= n) break;
        JsonObject t = (JsonObject) o;
        if (t.getValue("queuedMs") instanceof Number q) queued.add(q.longValue());
        if (t.getValue("beforeModelMs") instanceof Number bm) before.add(bm.longValue());
      }
    }
    long[] q = queued.stream().mapToLong(x -> x * 1_000_000).sorted().toArray();
    long[] bm = before.stream().mapToLong(x -> x * 1_000_000).sorted().toArray();
    System.out.printf("  on the server: the message's event to its turn p50 %.0f ms, p99 %.0f ms; the turn to the model asked"
        + " p50 %.0f ms, p99 %.0f ms%n", pct(q, 0.5), pct(q, 0.99), pct(bm, 0.5), pct(bm, 0.99));
  }

  private static boolean round(Vertx vertx, HttpClient http, Fake fake, String secret, String prefix, int n, int roundNo,
                               long delayMs, boolean print) throws Exception {
    long now = Instant.now().getEpochSecond();
    List<String> phones = new ArrayList<>();
    List<Buffer> bodies = new ArrayList<>();
    List<String> signatures = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String phone = "5256" + String.format("%08d", roundNo * 100_000 + i); // new customers each round (a fresh server)
      phones.add(phone);
      String text = "Hola, ¿tienen envíos a domicilio? " + prefix + "." + i;
      texts.add(text);
      byte[] body = WebhookPayloads.text("100000000000000", phone, "Cliente " + i, "wamid.AB" + prefix + "." + i,
          text, now).encode().getBytes(StandardCharsets.UTF_8);
      bodies.add(Buffer.buffer(body));
      signatures.add(WebhookSignature.sign(secret, body));
    }
    int modelCallsBefore = fake.modelCalls.get();
    long[] posted = new long[n];
    AtomicInteger refused = new AtomicInteger();
    List<Future<Integer>> all = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      int idx = i;
      posted[i] = System.nanoTime();
      all.add(http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/webhooks/whatsapp")
              .putHeader("Content-Type", "application/json").putHeader("X-Hub-Signature-256", signatures.get(idx)))
          .compose(req -> req.send(bodies.get(idx)).compose(res -> res.body().map(b -> res.statusCode())))
          .onComplete(ar -> { if (ar.failed() || ar.result() != 200) refused.incrementAndGet(); }));
    }
    Future.join(all).await(2, TimeUnit.MINUTES);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + n * delayMs / 1000);
    while (phones.stream().anyMatch(p -> !fake.replies.containsKey(p)) && System.nanoTime() < deadline) Thread.sleep(20);
    long last = phones.stream().map(fake.replies::get).filter(l -> l != null).mapToLong(l -> l.get(0)).max().orElse(start);
    // a second reply to anyone would come from a turn still queued or running: wait until the server has none
    if (token != null) awaitNothingPending(http, deadline);
    else System.out.println("  (no --admin-password: cannot ask the server whether turns are still running; a late second reply may be missed)");
    long[] overhead = new long[n];
    long[] before = new long[n];
    long[] after = new long[n];
    int answered = 0;
    int doubled = 0;
    int split = 0;
    for (int i = 0; i < n; i++) {
      List<Long> got = fake.replies.get(phones.get(i));
      if (got == null) continue;
      answered++;
      if (got.size() > 1) doubled++;
      overhead[answered - 1] = got.get(0) - posted[i] - delayMs * 1_000_000;
      Long askedAt = fake.asked.get(texts.get(i));
      if (askedAt != null) {
        before[split] = askedAt - posted[i];
        after[split++] = got.get(0) - askedAt - delayMs * 1_000_000;
      }
    }
    int modelCalls = fake.modelCalls.get() - modelCallsBefore;
    if (!print) return true;
    long[] o = Arrays.copyOf(overhead, answered);
    Arrays.sort(o);
    double seconds = (last - start) / 1e9;
    System.out.printf("round %d: %d turns in %.2f s (%.0f turns/s); overhead beyond the model's %d ms: p50 %.1f ms, p99 %.1f ms,"
            + " max %.1f ms; replies: %d of %d messages answered, %d answered twice; model calls %d; webhooks refused %d%n",
        roundNo, answered, seconds, answered / seconds, delayMs, pct(o, 0.50), pct(o, 0.99), o.length == 0 ? 0 : o[o.length - 1] / 1e6,
        answered, n, doubled, modelCalls, refused.get());
    long[] b = Arrays.copyOf(before, split);
    long[] a = Arrays.copyOf(after, split);
    Arrays.sort(b);
    Arrays.sort(a);
    System.out.printf("  of it: webhook POST to the model asked p50 %.1f ms, p99 %.1f ms; the model's answer to the reply at the"
        + " Graph API p50 %.1f ms, p99 %.1f ms%n", pct(b, 0.50), pct(b, 0.99), pct(a, 0.50), pct(a, 0.99));
    if (token != null) turnPhases(http, token, n);
    return answered == n && doubled == 0 && modelCalls == n && refused.get() == 0;
  }

  private static double pct(long[] sorted, double q) {
    if (sorted.length == 0) return 0;
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)] / 1e6;
  }

  private static void awaitReady(HttpClient http) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      try {
        int status = http.request(HttpMethod.GET, "/ready").compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())))
            .await(2, TimeUnit.SECONDS);
        if (status == 200) return;
      } catch (Exception e) {
        // not yet listening
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the server did not become ready");
  }

  /** The fake model and the fake Graph API, on one port. */
  private static final class Fake {
    final HttpServer server;
    final AtomicInteger modelCalls = new AtomicInteger();
    final Map<String, List<Long>> replies = new ConcurrentHashMap<>();
    /** When the model was asked, by the message's text (each round's texts are distinct). */
    final Map<String, Long> asked = new ConcurrentHashMap<>();
    private final AtomicInteger wamids = new AtomicInteger();

    Fake(Vertx vertx, long delayMs) {
      server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
        if (req.method() == HttpMethod.POST && req.path().endsWith("/chat/completions")) {
          modelCalls.incrementAndGet();
          JsonArray msgs = body.toJsonObject().getJsonArray("messages", new JsonArray());
          if (!msgs.isEmpty()) asked.putIfAbsent(String.valueOf(msgs.getJsonObject(msgs.size() - 1).getValue("content")), System.nanoTime());
          vertx.setTimer(Math.max(1, delayMs), t -> json(req, completion(body.toJsonObject())));
        } else if (req.method() == HttpMethod.POST && req.path().endsWith("/messages")) {
          JsonObject msg = body.toJsonObject();
          String to = msg.getString("to");
          if (to != null && !"read".equals(msg.getString("status"))) {
            replies.computeIfAbsent(to, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
          }
          json(req, new JsonObject().put("messaging_product", "whatsapp")
              .put("contacts", new JsonArray().add(new JsonObject().put("input", to).put("wa_id", to)))
              .put("messages", new JsonArray().add(new JsonObject().put("id", "wamid.FAKE" + wamids.incrementAndGet()))));
        } else {
          req.response().setStatusCode(404).end();
        }
      }));
    }

    private static JsonObject completion(JsonObject request) {
      return new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion")
          .put("created", Instant.now().getEpochSecond()).put("model", request.getString("model", "bench"))
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
              .put("message", new JsonObject().put("role", "assistant")
                  .put("content", "¡Hola! Sí, enviamos a domicilio en 2 a 4 días hábiles."))))
          .put("usage", new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 16).put("total_tokens", 136));
    }

    private static void json(HttpServerRequest req, JsonObject body) {
      req.response().putHeader("Content-Type", "application/json").end(body.encode());
    }
  }
}
