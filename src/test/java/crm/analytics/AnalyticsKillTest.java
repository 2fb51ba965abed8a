package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ChildJvm;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import crm.whatsapp.WebhookSignature;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real server process is killed with SIGKILL while webhooks are being processed and folded (marks written, chunks
 * in flight, message numbers reserved for inserts that never happened); after the restart replays the stored bodies,
 * every message is counted exactly once: the rollups equal a recount from the raw collections.
 */
class AnalyticsKillTest {
  @Test
  void rollups_equal_a_recount_after_kill_9_and_the_replay() throws Exception {
    Path dir = Files.createTempDirectory("crm-analytics-kill");
    Process server = null;
    try {
      Map<String, String> env = Map.of("PORT", "0", "HOST", "127.0.0.1", "HTTP_INSTANCES", "1", "CRM_DATA_DIR", dir.toString(),
          "JWT_SECRET", TestApp.JWT_SECRET, "CRM_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD, "WHATSAPP_APP_SECRET", Wa.APP_SECRET,
          "PASSWORD_HASH_MEMORY_KB", "1024", "PASSWORD_HASH_ITERATIONS", "1", "ANALYTICS_FOLD_INTERVAL_MS", "10");
      ChildJvm.Server started = ChildJvm.startServer(dir, env);
      server = started.process();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      int n = 300;
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] body = WebhookPayloads.text("1102", "5255" + String.format("%08d", 70_000_000 + i % 40), "Kill " + i,
            "wamid.AKILL" + i + "x" + System.nanoTime(), "m" + i, Instant.now().getEpochSecond()).encode().getBytes(StandardCharsets.UTF_8);
        answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + started.port() + "/webhooks/whatsapp"))
            .header("Content-Type", "application/json").header("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> a : answers) assertThat(a.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      server.destroyForcibly(); // SIGKILL, right after the last 200: processing and folding are under way
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();

      // numbers reserved by the killed process and never inserted are waited for ANALYTICS_SETTLE_SECONDS (60 s by
      // default), then skipped: 2 s here
      try (TestApp again = TestApp.start(Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString())
          .put("ANALYTICS_SETTLE_SECONDS", 2))) {
        Wa wa = new Wa(again);
        wa.awaitProcessed();
        Analytics a = new Analytics(again);
        a.flush();
        assertThat(wa.count("messages", new JsonObject())).isEqualTo(n);
        assertThat(a.assertRecountMatches().getLong("messages")).isEqualTo(n);
        String admin = again.login("admin@crm.local", TestApp.ADMIN_PASSWORD).getString("token"); // seeded by the child
        assertThat(a.dashboard(admin, "?tz=UTC").getJsonObject("conversations").getLong("total")).isEqualTo(40);
      }
    } finally {
      if (server != null) server.destroyForcibly();
      TestApp.deleteTree(dir);
    }
  }
}
