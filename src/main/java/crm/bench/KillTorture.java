package crm.bench;

import crm.storage.EmbeddedMongo;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code scripts/torture kill9}: the promise that a webhook answered 200 is never lost nor doubled, tried the hard way.
 * Each cycle starts the real server (a child JVM on the same data directory as the cycle before), sends signed webhooks
 * at a fixed concurrency (new messages, exact redeliveries of bodies already sent, statuses), kills the server with
 * SIGKILL at a random moment (counted from the first 200) while requests are in flight, starts it again, lets it replay what it had stored, stops
 * it cleanly, and counts in the database itself: every message of every body answered 200 so far must be there exactly
 * once. Prints per cycle and in total: acked, stored, lost, doubled.
 */
public final class KillTorture {
  private KillTorture() {}

  static final String SECRET = "torture-app-secret";
  static final String ADMIN_PASSWORD = "torture-admin-pass";

  /** What a run is asked to do. */
  public record Options(int cycles, int messages, int concurrency, int customers, long seed, Path dir, long minKillMs,
                        long maxKillMs) {}

  /**
   * One cycle's figures: messages acked in this cycle, messages stored (distinct, all cycles), and the acked messages
   * this cycle lost and the copies it added (both counted against the database after the cycle, minus what earlier
   * cycles already had).
   */
  public record Cycle(int cycle, int acked, long killAfterMs, long stored, int lost, long doubled) {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = IngestBench.options(args);
    Path dir = opt.containsKey("dir") ? Path.of(opt.get("dir")) : Files.createTempDirectory("crm-torture");
    Options o = new Options(Integer.parseInt(opt.getOrDefault("cycles", "5")),
        Integer.parseInt(opt.getOrDefault("messages", "4000")), Integer.parseInt(opt.getOrDefault("concurrency", "32")),
        Integer.parseInt(opt.getOrDefault("customers", "200")), Long.parseLong(opt.getOrDefault("seed",
        Long.toString(System.currentTimeMillis()))), dir, 200, Long.parseLong(opt.getOrDefault("max-kill-ms", "4000")));
    List<Cycle> cycles = run(o, System.out);
    boolean bad = cycles.stream().anyMatch(c -> c.lost() > 0 || c.doubled() > 0);
    System.exit(bad ? 1 : 0);
  }

  public static List<Cycle> run(Options o, PrintStream out) throws Exception {
    Files.createDirectories(o.dir());
    Random random = new Random(o.seed());
    out.printf("kill9 torture: %d cycles, up to %d messages each, concurrency %d, seed %d, data %s%n",
        o.cycles(), o.messages(), o.concurrency(), o.seed(), o.dir());
    out.printf("%5s %7s %9s %9s %6s %8s%n", "cycle", "acked", "kill@ms", "stored", "lost", "doubled");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    List<String> sentBodies = new ArrayList<>();
    List<Cycle> cycles = new ArrayList<>();
    int lostSoFar = 0;
    long doubledSoFar = 0;
    Vertx vertx = Vertx.vertx();
    try {
      for (int c = 1; c <= o.cycles(); c++) {
        long killAfter = o.minKillMs() + (long) (random.nextDouble() * (o.maxKillMs() - o.minKillMs()));
        int before = acked.size();
        Server server = start(o.dir(), c, "kill");
        awaitReady(vertx, server);
        load(vertx, o, random, c, sentBodies, acked, killAfter, server);
        Server again = start(o.dir(), c, "replay");
        awaitReady(vertx, again);
        awaitDrained(vertx, again.port());
        again.process().destroy(); // SIGTERM: the clean stop commits and removes the open marker
        if (!again.process().waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("the server did not stop on SIGTERM");
        Cycle totals = count(vertx, o.dir(), c, acked.size() - before, killAfter, acked);
        Cycle cycle = new Cycle(c, totals.acked(), killAfter, totals.stored(), totals.lost() - lostSoFar,
            totals.doubled() - doubledSoFar);
        lostSoFar = totals.lost();
        doubledSoFar = totals.doubled();
        cycles.add(cycle);
        out.printf("%5d %7d %9d %9d %6d %8d%n", cycle.cycle(), cycle.acked(), cycle.killAfterMs(), cycle.stored(),
            cycle.lost(), cycle.doubled());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    long lost = cycles.stream().mapToLong(Cycle::lost).sum();
    long doubled = cycles.stream().mapToLong(Cycle::doubled).sum();
    int ackedTotal = cycles.stream().mapToInt(Cycle::acked).sum();
    int cleanCycles = (int) cycles.stream().filter(c -> c.lost() == 0 && c.doubled() == 0).count();
    out.printf("total: %d cycles, %d messages acked, %d lost, %d doubled; %d of %d cycles with 0 lost and 0 doubled%n",
        cycles.size(), ackedTotal, lost, doubled, cleanCycles, cycles.size());
    return cycles;
  }

  // ---- the server, as production starts it

  /** A server process and the port it was told to listen on. */
  private record Server(Process process, int port) {}

  private static Server start(Path dir, int cycle, String phase) throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dvertx.disableDnsResolver=true", "-cp", absoluteClassPath(), "crm.Main");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("server-" + cycle + "-" + phase + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("CRM_") || k.startsWith("WHATSAPP_") || k.equals("MONGO_URI"));
    env.putAll(Map.of("PORT", Integer.toString(port), "HOST", "127.0.0.1", "HTTP_INSTANCES", "1",
        "CRM_DATA_DIR", dir.toString(), "WHATSAPP_APP_SECRET", SECRET, "CRM_ADMIN_PASSWORD", ADMIN_PASSWORD,
        "PASSWORD_HASH_MEMORY_KB", "1024", "PASSWORD_HASH_ITERATIONS", "1", "RATE_LIMIT_AUTH", "100000",
        "RATE_LIMIT_DEFAULT", "1000000"));
    return new Server(pb.start(), port);
  }

  /** This JVM's class path with every entry absolute: the server runs in the data directory. */
  private static String absoluteClassPath() {
    return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
  }

  private static void awaitReady(Vertx vertx, Server server) throws Exception {
    Process process = server.process();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) throw new IllegalStateException("the server exited with " + process.exitValue());
        try {
          if (client.get("/ready").send().await(2, TimeUnit.SECONDS).statusCode() == 200) return;
        } catch (Exception notYet) {
          // not listening yet
        }
        Thread.sleep(50);
      }
      throw new IllegalStateException("the server was not ready within 180 s");
    } finally {
      client.close();
    }
  }

  // ---- the load, and the kill in the middle of it

  private static void load(Vertx vertx, Options o, Random random, int cycle, List<String> sentBodies,
                           Set<String> acked, long killAfterMs, Server target) throws Exception {
    Process server = target.process();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(target.port())
        .setKeepAlive(true).setConnectTimeout(2000).setIdleTimeout(10), new PoolOptions().setHttp1MaxSize(o.concurrency()));
    AtomicBoolean killed = new AtomicBoolean();
    List<Body> plan = plan(o, random, cycle, sentBodies);
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] inFlight = {0};
    // the kill is timed from the first 200, so every cycle has acknowledged messages to lose (a slow start would not)
    AtomicBoolean timing = new AtomicBoolean();
    Runnable startKillTimer = () -> {
      if (timing.compareAndSet(false, true)) {
        vertx.setTimer(killAfterMs, id -> {
          killed.set(true);
          server.destroyForcibly(); // SIGKILL
        });
      }
    };
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (!killed.get() && inFlight[0] < o.concurrency() && next[0] < plan.size()) {
        Body body = plan.get(next[0]++);
        inFlight[0]++;
        client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
            .putHeader("X-Hub-Signature-256", WebhookSignature.sign(SECRET, body.bytes()))
            .timeout(30_000).sendBuffer(Buffer.buffer(body.bytes()))
            .onComplete(ar -> {
              inFlight[0]--;
              if (ar.succeeded() && ar.result().statusCode() == 200) {
                acked.addAll(body.wamids());
                startKillTimer.run();
              }
              if ((killed.get() || next[0] >= plan.size()) && inFlight[0] == 0) done.tryComplete();
              else pump[0].run();
            });
      }
    };
    vertx.runOnContext(v -> pump[0].run());
    done.future().await(5, TimeUnit.MINUTES);
    if (!killed.get()) { // the load ran out before the kill: kill now, right after the last 200
      killed.set(true);
      server.destroyForcibly();
    }
    server.waitFor(30, TimeUnit.SECONDS);
    client.close();
  }

  private record Body(byte[] bytes, List<String> wamids) {}

  /** New bodies of 1 to 3 messages; about one in five an exact redelivery of one already sent; some statuses. */
  private static List<Body> plan(Options o, Random random, int cycle, List<String> sentBodies) {
    List<Body> plan = new ArrayList<>();
    int messages = 0;
    long now = Instant.now().getEpochSecond();
    while (messages < o.messages()) {
      int kind = random.nextInt(10);
      if (kind < 2 && !sentBodies.isEmpty()) {
        String old = sentBodies.get(random.nextInt(sentBodies.size()));
        plan.add(new Body(old.getBytes(StandardCharsets.UTF_8), wamidsOf(new JsonObject(old))));
        continue;
      }
      String from = "5255" + String.format("%08d", random.nextInt(o.customers()));
      if (kind == 2) {
        String status = WebhookPayloads.status("1102", "wamid.T" + cycle + "s" + plan.size(), "delivered", from, now, null).encode();
        plan.add(new Body(status.getBytes(StandardCharsets.UTF_8), List.of()));
        continue;
      }
      JsonArray list = new JsonArray();
      int n = 1 + random.nextInt(3);
      for (int i = 0; i < n; i++) {
        String wamid = "wamid.T" + cycle + "x" + plan.size() + "x" + i + "x" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
        list.add(new JsonObject().put("from", from).put("id", wamid).put("timestamp", Long.toString(now)).put("type", "text")
            .put("text", new JsonObject().put("body", "torture " + wamid)));
      }
      String text = WebhookPayloads.notification("1102", from, "Cliente " + from.substring(8), list, null).encode();
      sentBodies.add(text);
      plan.add(new Body(text.getBytes(StandardCharsets.UTF_8), wamidsOf(new JsonObject(text))));
      messages += n;
    }
    return plan;
  }

  private static List<String> wamidsOf(JsonObject body) {
    List<String> ids = new ArrayList<>();
    JsonArray messages = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
        .getJsonObject("value").getJsonArray("messages", new JsonArray());
    for (Object m : messages) ids.add(((JsonObject) m).getString("id"));
    return ids;
  }

  // ---- after the restart: processing caught up, then count in the database itself

  private static void awaitDrained(Vertx vertx, int port) throws Exception {
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    try {
      String token = client.post("/api/v2/auth/login").sendJsonObject(new JsonObject().put("email", "admin@crm.local")
          .put("password", ADMIN_PASSWORD)).await(30, TimeUnit.SECONDS).bodyAsJsonObject().getString("token");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (System.nanoTime() < deadline) {
        JsonObject stats = client.get("/api/v2/whatsapp/stats").bearerTokenAuthentication(token).send()
            .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
        if (stats.getLong("webhooksPending", -1L) == 0) return;
        Thread.sleep(200);
      }
      throw new IllegalStateException("stored webhooks were not processed within 300 s of the restart");
    } finally {
      client.close();
    }
  }

  private static Cycle count(Vertx vertx, Path dir, int cycle, int ackedNow, long killAfterMs, Set<String> acked)
      throws Exception {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    try {
      MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString())
          .put("db_name", "crm"));
      try {
        List<JsonObject> docs = mongo.findWithOptions("messages", new JsonObject().put("direction", "inbound"),
            new FindOptions().setFields(new JsonObject().put("whatsappMessageId", 1))).await(120, TimeUnit.SECONDS);
        Map<String, Integer> copies = new HashMap<>();
        for (JsonObject d : docs) copies.merge(d.getString("whatsappMessageId"), 1, Integer::sum);
        Set<String> missing = new HashSet<>(acked);
        missing.removeAll(copies.keySet());
        long doubled = docs.size() - copies.size();
        return new Cycle(cycle, ackedNow, killAfterMs, copies.size(), missing.size(), doubled);
      } finally {
        mongo.close();
      }
    } finally {
      db.close();
    }
  }
}
