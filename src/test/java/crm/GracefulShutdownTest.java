package crm;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ChildJvm;
import crm.support.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to a real server process: requests already being served are answered, the process exits by itself,
 * and what was written is on disk for the next start.
 */
class GracefulShutdownTest {
  /** Polls the server's metrics until {@code n} POST requests are being served (Vert.x's active-requests gauge). */
  private static void awaitActivePosts(HttpClient http, int port, int n) throws Exception {
    HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET().build();
    java.util.regex.Pattern gauge = java.util.regex.Pattern.compile(
        "(?m)^vertx_http_server_active_requests\\{method=\"POST\"\\} ([0-9.]+)$");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      java.util.regex.Matcher m = gauge.matcher(http.send(metrics, HttpResponse.BodyHandlers.ofString()).body());
      if (m.find() && Double.parseDouble(m.group(1)) >= n) return;
      if (System.nanoTime() > deadline) throw new AssertionError(n + " logins never were in flight at once");
      Thread.sleep(10);
    }
  }

  @Test
  void sigterm_finishes_in_flight_requests_then_exits_cleanly() throws Exception {
    Path dataDir = Files.createTempDirectory("crm-shutdown");
    Process server = null;
    try {
      Map<String, String> env = Map.of(
          "PORT", "0", "HOST", "127.0.0.1", "HTTP_INSTANCES", "1", "CRM_DATA_DIR", dataDir.toString(),
          "JWT_SECRET", TestApp.JWT_SECRET, "CRM_ADMIN_EMAIL", TestApp.ADMIN_EMAIL,
          "CRM_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD, "RATE_LIMIT_AUTH", "1000",
          // slow hashing: each login stays in flight for a while
          "PASSWORD_HASH_MEMORY_KB", "32768", "PASSWORD_HASH_ITERATIONS", "12");
      env = new java.util.HashMap<>(env);
      // the drain is bounded (default 10 s) and then the server closes what is left, rightly; four of these logins
      // share a hashing pool of one thread per core; on a 2-core machine loaded by other builds a login was once cut
      // off with no answer, most likely the four outlasting those 10 s: this test is about the drain, so its bound is
      // set well above the logins' time
      env.put("SHUTDOWN_GRACE_SECONDS", "45");
      ChildJvm.Server started = ChildJvm.startServer(dataDir, env);
      server = started.process();
      int port = started.port();

      // HTTP/1.1 as browsers speak it to a plain-http API (the JDK client would otherwise upgrade to h2c)
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      String login = "{\"email\":\"" + TestApp.ADMIN_EMAIL + "\",\"password\":\"" + TestApp.ADMIN_PASSWORD + "\"}";
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v2/auth/login"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(login)).build();
      // warm-up: one login end to end, so the slow path is known to work
      assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 4; i++) inFlight.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      // SIGTERM only once the server is serving all four (a fixed wait failed on a loaded machine: a login still on
      // its way was refused by the closing server, which is right, and is not what this test is about)
      awaitActivePosts(http, port, inFlight.size());
      server.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its stdout)

      assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("process exits after SIGTERM").isTrue();
      String log = started.output(5);
      for (CompletableFuture<HttpResponse<String>> f : inFlight) {
        HttpResponse<String> res = f.get(30, TimeUnit.SECONDS);
        assertThat(res.statusCode()).as(res.body() + "\nserver log:\n" + log).isEqualTo(200);
        assertThat(res.body()).contains("\"refreshToken\"");
      }
      assertThat(log).contains("Shutting down").contains("Stopped cleanly");

      // the refresh tokens handed out while stopping were made durable: a new start accepts them
      String refresh = new io.vertx.core.json.JsonObject(inFlight.get(0).get().body()).getString("refreshToken");
      try (TestApp again = TestApp.start(new io.vertx.core.json.JsonObject()
          .put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dataDir.toString()))) {
        var res = again.post("/api/v2/auth/refresh", null, new io.vertx.core.json.JsonObject().put("refreshToken", refresh));
        assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      }
    } finally {
      if (server != null) server.destroyForcibly(); // a failed assertion must not leave a server running
      TestApp.deleteTree(dataDir);
    }
  }
}
