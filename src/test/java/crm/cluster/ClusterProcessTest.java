package crm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import crm.config.AppConfig;
import crm.storage.Mongo;
import crm.support.ChildJvm;
import crm.support.Inbox;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Horizontal scale as a user runs it: {@code scripts/cluster 2} started as a process (with {@code CRM_CLASSPATH} =
 * this class path, so no fat jar is needed), nginx in front of it with a copy of {@code docs/deploy/nginx.conf} (only
 * the ports and the paths of its own files changed), and the real socket.io-client 4 with its own reconnection
 * ({@code src/test/node/cluster-process.test.mjs}, one scenario per node process). Node n1 is "B" (it owns the
 * embedded database), node n2 is "A" (it uses B's database through the loopback port). The tests run in order: the
 * fifth kills A with SIGKILL, the sixth starts a node that joins again.
 *
 * <p>Without nginx (scripts/test installs it when run as root, as CI does) only the parts that go through nginx are
 * skipped. Everything the cluster printed, and nginx's logs, are kept in target/ClusterProcessTest-output.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessTest {
  static final String SCRIPT = "cluster-process.test.mjs";
  /** B sweeps stored webhooks every max(1 s, lease / 3): every second. */
  static final int LEASE_SECONDS = 3;
  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Pattern NODE_LINE = Pattern.compile("^ {2}node (n\\d) pid (\\d+) http://127\\.0\\.0\\.1:(\\d+)$");
  static final Pattern CLUSTER_LINE = Pattern.compile("^\\[(n\\d)] .*crm\\.Main - Cluster '[^']+': (\\d+) node\\(s\\), this one is (\\S+)$");
  static final Pattern LEFT = Pattern.compile("^\\[n1] .*crm\\.Main - Cluster: \\S+ left \\(1 nodes\\)$");
  static final List<String> JVM_FLAGS = List.of("--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED", "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  static Path dir;
  static Map<String, String> common;
  static Process cluster;
  static Output clusterOut;
  static int portB;
  static int portA;
  static int dbPort;
  static int lbPort;
  static long pidA;
  static String idA;
  static String idB;
  static Path nginxDir;
  static Process nginx;
  static String lb; // nginx's URL; null without nginx
  static Process rejoined;
  static Output rejoinedOut;
  static Vertx vertx;
  static MongoClient db;
  static NodeContext ctx;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final Random random = new Random();
  static String takenOverPhone;

  @BeforeAll
  static void startClusterAndNginx() throws Exception {
    long started = System.nanoTime();
    dir = Files.createTempDirectory("crm-cluster-process");
    int base = freeRun(8);
    portB = base;
    portA = base + 1;
    dbPort = base + 2;
    lbPort = base + 3;
    int hazelcast = base + 4;
    common = new HashMap<>();
    common.put("HOST", "127.0.0.1");
    common.put("CRM_CLUSTER_NAME", crm.support.ClusterNode.randomClusterName());
    common.put("CRM_CLUSTER_PORT", String.valueOf(hazelcast));
    common.put("JWT_SECRET", TestApp.JWT_SECRET);
    common.put("WHATSAPP_APP_SECRET", Wa.APP_SECRET);
    common.put("WHATSAPP_SANDBOX_DELAY_MS", "50");
    common.put("CRM_ADMIN_EMAIL", TestApp.ADMIN_EMAIL);
    common.put("CRM_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD);
    common.put("PASSWORD_HASH_MEMORY_KB", "1024");
    common.put("PASSWORD_HASH_ITERATIONS", "1");
    // every client comes through nginx, from 127.0.0.1: one budget per IP would be everyone's
    common.put("RATE_LIMIT_AUTH", "10000");
    common.put("RATE_LIMIT_DEFAULT", "10000");
    common.put("PRESENCE_GRACE_MS", "300");
    common.put("WEBHOOK_LEASE_SECONDS", String.valueOf(LEASE_SECONDS));
    common.put("HTTP_INSTANCES", "1");
    common.put("SOCKET_WARMUP", "0");
    common.put("SHUTDOWN_GRACE_SECONDS", "1");
    common.put("CRM_ACCESS_LOG", "WARN");

    ProcessBuilder pb = new ProcessBuilder("scripts/cluster", "2").directory(ROOT.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    for (String key : AppConfig.KEYS) env.remove(key);
    for (String key : List.of("CRM_CONFIG", "CRM_CLASSPATH", "JAVA_OPTS", "EMBEDDED_DB_PORT")) env.remove(key);
    env.putAll(common);
    env.put("PORT", String.valueOf(portB));
    env.put("EMBEDDED_DB_PORT", String.valueOf(dbPort));
    env.put("CRM_DATA_DIR", dir.resolve("data").toString());
    env.put("CRM_CLASSPATH", System.getProperty("java.class.path"));
    env.put("JAVA_OPTS", "-Dlogback.configurationFile=" + ROOT.resolve("src/main/resources/logback.xml")
        + " -Xmx256m -XX:TieredStopAtLevel=1");
    cluster = pb.start();
    clusterOut = new Output(cluster.getInputStream(), "cluster-output");
    clusterOut.await(line -> line.equals("Ctrl-C stops them all."), 120, cluster);
    Map<String, long[]> nodes = new HashMap<>();
    Map<String, String> ids = new HashMap<>();
    for (String line : clusterOut.lines()) {
      Matcher m = NODE_LINE.matcher(line);
      if (m.matches()) nodes.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
      m = CLUSTER_LINE.matcher(line);
      if (m.matches()) ids.put(m.group(1), m.group(3));
    }
    assertThat(nodes.keySet()).as("the nodes scripts/cluster says it started").containsExactlyInAnyOrder("n1", "n2");
    assertThat(nodes.get("n1")[1]).isEqualTo(portB);
    assertThat(nodes.get("n2")[1]).isEqualTo(portA);
    pidA = nodes.get("n2")[0];
    idA = ids.get("n2");
    idB = ids.get("n1");
    assertThat(idA).as("A's node id, from its log").isNotNull().isNotEqualTo(idB);
    assertThat(clusterOut.text()).contains("[n2] ").containsPattern("\\[n2] .*Cluster '[^']+': 2 node\\(s\\)");
    System.out.printf("scripts/cluster 2 up in %d ms (B = n1 :%d, A = n2 :%d pid %d)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), portB, portA, pidA);

    vertx = Vertx.vertx();
    db = MongoClient.create(vertx, new JsonObject().put("connection_string", "mongodb://127.0.0.1:" + dbPort).put("db_name", "crm"));
    startNginx();
    ctx = new NodeContext(vertx, lb != null ? lbPort : portB); // REST through nginx when there is one
    ctx.put("urlA", NodeContext.url(portA)).put("urlB", NodeContext.url(portB)).put("lb", lb);
    ctx.agent("watcher", "supervisor", "Wendy", "Watcher");
    ctx.agent("present", "agent", "Pedro", "Presente");
    ctx.agent("poller", "supervisor", "Pia", "Polling");
    ctx.agent("survivor", "supervisor", "Saul", "Superviviente");
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (ctx != null) ctx.close();
    if (db != null) db.close();
    if (vertx != null) vertx.close().await(10, TimeUnit.SECONDS);
    stop(rejoined);
    stop(nginx);
    stop(cluster); // SIGTERM: scripts/cluster stops every node it started
    if (clusterOut != null) clusterOut.drain();
    if (rejoinedOut != null) rejoinedOut.drain();
    StringBuilder all = new StringBuilder();
    if (clusterOut != null) all.append("==== scripts/cluster 2\n").append(clusterOut.text());
    if (rejoinedOut != null) all.append("\n==== the node that joined again\n").append(rejoinedOut.text());
    if (nginxDir != null) {
      for (String log : List.of("error.log", "access.log")) {
        Path file = nginxDir.resolve(log);
        if (Files.exists(file)) all.append("\n==== nginx ").append(log).append('\n').append(Files.readString(file));
      }
    }
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/ClusterProcessTest-output.txt"), all.toString());
    if (dir != null) TestApp.deleteTree(dir);
    if (nginxDir != null) TestApp.deleteTree(nginxDir);
    if (clusterOut != null) { // SIGTERM to scripts/cluster stops every node it started, gracefully
      assertThat(clusterOut.text()).contains("All nodes stopped.").containsPattern("\\[n1] .*crm\\.Main - Stopped cleanly");
    }
  }

  @Test
  @Order(1)
  void a_webhook_posted_to_a_reaches_a_client_connected_to_b() throws Exception {
    NodeRunner.test(SCRIPT, scenario("webhook-a"), 60).assertPassed(1);
  }

  @Test
  @Order(2)
  void an_agent_connected_only_to_b_is_online_for_a_and_offline_after_disconnecting() throws Exception {
    NodeRunner.test(SCRIPT, scenario("presence"), 60).assertPassed(1);
  }

  @Test
  @Order(3)
  void the_same_webhook_posted_to_both_nodes_is_stored_once() throws Exception {
    String wamid = "wamid.TWICE" + System.nanoTime();
    byte[] body = textWebhook(phone(), "Doble Envío", wamid, "una sola vez");
    CompletableFuture<HttpResponse<String>> toA = postWebhook(portA, body);
    CompletableFuture<HttpResponse<String>> toB = postWebhook(portB, body);
    assertThat(toA.get(30, TimeUnit.SECONDS).statusCode()).as("A's answer").isEqualTo(200);
    assertThat(toB.get(30, TimeUnit.SECONDS).statusCode()).as("B's answer").isEqualTo(200);
    // both copies were stored before the 200s; each is deleted only once processed
    await("both stored copies processed", 20, () -> count("webhook_events", new JsonObject()) == 0);
    assertThat(count("messages", new JsonObject().put("whatsappMessageId", wamid))).isEqualTo(1);
  }

  @Test
  @Order(4)
  void a_polling_client_through_nginx_keeps_its_session_and_receives_events() throws Exception {
    Assumptions.assumeTrue(lb != null, "nginx is not installed (scripts/test installs it when run as root): the polling "
        + "session through nginx was not checked");
    NodeRunner.Result r = NodeRunner.test(SCRIPT, scenario("polling"), 60).assertPassed(1);
    System.out.println(r.output().lines().filter(l -> l.contains("# polls")).collect(Collectors.joining("\n")));
  }

  @Test
  @Order(5)
  void when_a_is_killed_b_takes_over_its_webhooks_and_its_clients() throws Exception {
    NodeRunner.Running node = lb != null ? NodeRunner.test(SCRIPT, scenario("node-loss")) : null;
    try {
      if (node != null) node.awaitLine("@@on-a ", 60);

      // a stored webhook as A keeps it: A's node id, a lease a minute ahead (A renews only what it knows it holds)
      takenOverPhone = phone();
      String wamid = "wamid.HELD" + System.nanoTime();
      String docId = Mongo.newId();
      JsonObject held = new JsonObject().put("_id", docId)
          .put("bodies", new JsonArray().add(new String(textWebhook(takenOverPhone, "Lola Lease", wamid, "retenido"), StandardCharsets.UTF_8)))
          .put("count", 1).put("receivedAt", Mongo.now()).put("node", idA).put("leaseUntil", Mongo.date(Instant.now().plusSeconds(60)));
      db.insert("webhook_events", held).await(10, TimeUnit.SECONDS);
      // A is alive and its lease runs: nobody takes it, through two and a half of B's sweep periods
      long watchUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
      while (System.nanoTime() < watchUntil) {
        List<JsonObject> docs = db.find("webhook_events", new JsonObject().put("_id", docId)).await(10, TimeUnit.SECONDS);
        assertThat(docs).as("the document held by A while A lives").hasSize(1);
        assertThat(docs.get(0).getString("node")).isEqualTo(idA);
        assertThat(docs.get(0).getInteger("claims")).as("claimed by nobody").isNull();
        assertThat(count("messages", new JsonObject().put("whatsappMessageId", wamid))).isZero();
        Thread.sleep(100);
      }

      // a burst of webhooks to A, and A killed (SIGKILL) the moment a third of them have been answered
      int n = 90;
      ProcessHandle a = ProcessHandle.of(pidA).orElseThrow(() -> new AssertionError("node A (pid " + pidA + ") is not running"));
      AtomicInteger answered = new AtomicInteger();
      CompletableFuture<Long> killed = new CompletableFuture<>();
      List<String> wamids = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String id = "wamid.BURST" + i + "x" + System.nanoTime();
        wamids.add(id);
        answers.add(postWebhook(portA, textWebhook("5255" + String.format("%08d", 40_000_000 + random.nextInt(1000) * 10 + i % 10),
            "Rafaga " + i, id, "mensaje " + i)).whenComplete((res, err) -> {
              if (answered.incrementAndGet() == n / 3) {
                long at = System.nanoTime();
                a.destroyForcibly();
                killed.complete(at);
              }
            }));
      }
      long killedAt = killed.get(30, TimeUnit.SECONDS);
      a.onExit().get(20, TimeUnit.SECONDS);
      // the client that was on A posts a webhook through nginx as soon as it is back, maybe before B has noticed
      if (node != null) node.signal("killed");
      clusterOut.await(line -> LEFT.matcher(line).matches(), 30, cluster);
      System.out.printf("B saw A leave the cluster %d ms after the kill%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));

      List<String> acked = new ArrayList<>();
      List<String> notAcked = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        HttpResponse<String> res = null;
        try {
          res = answers.get(i).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          // the connection died with A: never acknowledged
        }
        (res != null && res.statusCode() == 200 ? acked : notAcked).add(wamids.get(i));
      }
      assertThat(acked).as("webhooks A answered 200 before it died").hasSizeGreaterThanOrEqualTo(n / 3);

      // well within the bus timeout (15 s): nothing B does for a webhook may wait on a request that went to A
      await("B to process the document A held and every webhook A acknowledged", 10, () ->
          count("messages", new JsonObject().put("whatsappMessageId", wamid)) >= 1
              && count("webhook_events", new JsonObject()) == 0
              && count("messages", new JsonObject().put("whatsappMessageId", new JsonObject().put("$in", new JsonArray(acked)))) >= acked.size());
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

      Map<String, Long> stored = storedPerWamid(wamids, wamid);
      assertThat(stored.get(wamid)).as("the message of the document A held").isEqualTo(1L);
      for (String id : acked) assertThat(stored.getOrDefault(id, 0L)).as("acknowledged " + id).isEqualTo(1L);
      for (String id : notAcked) assertThat(stored.getOrDefault(id, 0L)).as("not acknowledged " + id).isLessThanOrEqualTo(1L);
      System.out.printf("node A killed with %d of %d burst webhooks acknowledged (%d of the others stored all the same); "
          + "B had processed everything %d ms later%n", acked.size(), n, notAcked.stream().filter(stored::containsKey).count(), tookMs);

      if (node != null) {
        node.finish(60).assertPassed(1);
        // a request of A's polling session after the kill: passed to B, A's backup in crm_n2, which did not know it
        Pattern unknownOnB = Pattern.compile("\"(GET|POST) /socket\\.io/\\?[^\"]*sid=n2\\.[^\"]*\" 400 .* upstream=([^ ]+, )*127\\.0\\.0\\.1:"
            + portB + " upstream_status=([^ ]+, )*400$");
        assertThat(Files.readAllLines(nginxDir.resolve("access.log"))).as("nginx's access log")
            .anyMatch(line -> unknownOnB.matcher(line).find());
      }
    } finally {
      if (node != null) node.close();
    }
    Assumptions.assumeTrue(lb != null, "nginx is not installed (scripts/test installs it when run as root): the client on A "
        + "coming back through nginx to B was not checked");
  }

  @Test
  @Order(6)
  void a_node_that_joins_again_catches_up() throws Exception {
    Assumptions.assumeTrue(takenOverPhone != null, "runs after node A was killed");
    Map<String, String> env = new HashMap<>(common);
    env.put("CRM_CLUSTER", "true");
    env.put("CRM_NODE_NAME", "n2");
    env.put("PORT", String.valueOf(portA));
    env.put("MONGO_URI", "mongodb://127.0.0.1:" + dbPort);
    env.put("MONGO_URI_EMBEDDED", "true");
    env.put("CRM_DATA_DIR", dir.resolve("data/n2-again").toString());
    List<String> jvmArgs = new ArrayList<>(JVM_FLAGS);
    jvmArgs.add("-Dlogback.configurationFile=" + ROOT.resolve("src/main/resources/logback.xml"));
    long started = System.nanoTime();
    rejoined = ChildJvm.builder(ROOT, env, jvmArgs, "crm.Main", List.of()).redirectErrorStream(true).start();
    rejoinedOut = new Output(rejoined.getInputStream(), "rejoined-output");
    rejoinedOut.await(line -> line.contains("crm.Main - WhatsApp CRM listening on"), 90, rejoined);
    assertThat(rejoinedOut.text()).containsPattern("crm\\.Main - Cluster '[^']+': 2 node\\(s\\)");
    System.out.printf("a new node n2 joined B and listened after %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

    // it reads what B stored while it was away, and its clients get what B publishes
    HttpResponse<String> customer = http.send(HttpRequest.newBuilder(URI.create(NodeContext.url(portA) + "/api/v2/customers/" + takenOverPhone))
        .header("Authorization", "Bearer " + ctx.token("admin")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(customer.statusCode()).as("the customer of the webhook B took over, read on the new node: " + customer.body()).isEqualTo(200);
    ctx.put("urlC", NodeContext.url(portA));
    NodeRunner.test(SCRIPT, scenario("rejoin"), 60).assertPassed(1);
  }

  // ---- helpers

  private static Map<String, String> scenario(String name) {
    Map<String, String> env = new HashMap<>(ctx.env());
    env.put("SCENARIO", name);
    return env;
  }

  private static void startNginx() throws Exception {
    Path binary = nginxBinary();
    if (binary == null) {
      System.out.println("nginx is not installed: the parts through nginx are skipped (scripts/test installs it as root)");
      return;
    }
    nginxDir = Files.createTempDirectory("crm-nginx");
    // as root, nginx's workers run as nobody: they must reach the temp folders inside
    Files.setPosixFilePermissions(nginxDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    String conf = Files.readString(ROOT.resolve("docs/deploy/nginx.conf"));
    conf = replace(conf, "127.0.0.1:5000", "127.0.0.1:" + portB);
    conf = replace(conf, "127.0.0.1:5001", "127.0.0.1:" + portA);
    conf = replace(conf, "listen 8080;", "listen 127.0.0.1:" + lbPort + ";");
    conf = replace(conf, "/var/log/nginx/crm-access.log", nginxDir.resolve("access.log").toString());
    conf = replace(conf, "worker_processes auto;", "worker_processes 1;\npid " + nginxDir.resolve("nginx.pid") + ";");
    StringBuilder temp = new StringBuilder("http {\n");
    for (String kind : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      temp.append("    ").append(kind).append("_temp_path ").append(nginxDir.resolve(kind)).append(";\n");
    }
    conf = replace(conf, "http {\n", temp.toString());
    Path file = nginxDir.resolve("nginx.conf");
    Files.writeString(file, conf);
    nginx = new ProcessBuilder(binary.toString(), "-p", nginxDir + "/", "-e", nginxDir.resolve("error.log").toString(),
        "-c", file.toString(), "-g", "daemon off;").redirectErrorStream(true)
        .redirectOutput(nginxDir.resolve("stdout.log").toFile()).start();
    lb = NodeContext.url(lbPort);
    await("nginx to answer /health", 20, () -> {
      if (!nginx.isAlive()) {
        throw new AssertionError("nginx exited " + nginx.exitValue() + ": " + read(nginxDir.resolve("stdout.log"))
            + read(nginxDir.resolve("error.log")));
      }
      return get(lb + "/health") == 200;
    });
  }

  private static String replace(String conf, String what, String with) {
    if (!conf.contains(what)) throw new AssertionError("docs/deploy/nginx.conf no longer has '" + what + "': update this test");
    return conf.replace(what, with);
  }

  /** nginx on the PATH or in the usual places; {@code -Dcrm.test.nginx=<path>} names one, {@code =none} acts as if absent. */
  private static Path nginxBinary() {
    String chosen = System.getProperty("crm.test.nginx", "");
    if (chosen.equals("none")) return null;
    if (!chosen.isEmpty()) return Path.of(chosen);
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
    dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/nginx/sbin"));
    for (String d : dirs) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, "nginx");
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }

  private static byte[] textWebhook(String from, String name, String wamid, String text) {
    return WebhookPayloads.text(Inbox.PHONE_ID, from, name, wamid, text, Instant.now().getEpochSecond()).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static CompletableFuture<HttpResponse<String>> postWebhook(int port, byte[] body) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create(NodeContext.url(port) + "/webhooks/whatsapp"))
        .header("Content-Type", "application/json").header("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, body))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int get(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** A Mexican mobile number (52 + 10 digits) no other test of this run uses. */
  private static String phone() {
    return "5255" + (10_000_000 + random.nextInt(30_000_000));
  }

  private static long count(String collection, JsonObject filter) {
    try {
      return db.count(collection, filter).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("count " + collection + " " + filter.encode(), e);
    }
  }

  private static Map<String, Long> storedPerWamid(List<String> wamids, String more) throws Exception {
    JsonArray all = new JsonArray(new ArrayList<>(wamids)).add(more);
    List<JsonObject> found = db.findWithOptions("messages", new JsonObject().put("whatsappMessageId", new JsonObject().put("$in", all)),
        new FindOptions().setFields(new JsonObject().put("whatsappMessageId", 1))).await(10, TimeUnit.SECONDS);
    return found.stream().collect(Collectors.groupingBy(d -> d.getString("whatsappMessageId"), Collectors.counting()));
  }

  private static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + seconds + " s waiting for " + what
            + " (the cluster's output is kept in target/ClusterProcessTest-output.txt)");
      }
      Thread.sleep(50);
    }
  }

  /** A run of {@code n} free loopback ports below the ephemeral range (a port the OS hands out could be taken again). */
  private static int freeRun(int n) {
    for (int attempt = 0; attempt < 500; attempt++) {
      int base = 20_000 + random.nextInt(12_000);
      boolean free = true;
      for (int p = base; p < base + n && free; p++) free = isFree(p);
      if (free) return base;
    }
    throw new IllegalStateException("no " + n + " consecutive free ports found");
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** SIGTERM (through the handle: Process.destroy would also close its output before the last lines are read), then SIGKILL. */
  private static void stop(Process p) throws InterruptedException {
    if (p == null) return;
    List<ProcessHandle> children = p.descendants().toList();
    p.toHandle().destroy();
    if (!p.waitFor(40, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    for (ProcessHandle c : children) c.destroyForcibly();
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A process's output, line by line as it comes, read on a thread of its own. */
  static final class Output {
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    Output(InputStream in, String name) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        } catch (IOException ignored) {
          // the process is gone
        }
      }, name);
      t.setDaemon(true);
      t.start();
      reader = t;
    }

    /** Once the process has exited: waits (a little) for its last lines. */
    void drain() throws InterruptedException {
      reader.join(5_000);
    }

    List<String> lines() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    String text() {
      return String.join("\n", lines());
    }

    /** Waits for a line that satisfies {@code match}; fails when the process exits first or after {@code seconds}. */
    void await(java.util.function.Predicate<String> match, int seconds, Process process) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int seen = 0;
      synchronized (lines) {
        while (true) {
          for (; seen < lines.size(); seen++) if (match.test(lines.get(seen))) return;
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || !process.isAlive()) break;
          lines.wait(Math.min(left, 200));
        }
      }
      throw new AssertionError("the line awaited did not come within " + seconds + " s" + (process.isAlive() ? "" : " (the process exited)")
          + "; the output:\n" + text());
    }
  }
}
