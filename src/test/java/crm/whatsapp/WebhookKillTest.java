package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ChildJvm;
import crm.support.TestApp;
import crm.support.Wa;
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
 * The promise to Meta: a webhook answered 200 is never lost. A real server process (embedded H2) receives a burst of
 * signed webhooks and is killed with SIGKILL the moment the last 200 arrives; the next start has every message.
 */
class WebhookKillTest {
  @Test
  void every_webhook_answered_200_survives_kill_9() throws Exception {
    Path dir = Files.createTempDirectory("crm-webhook-kill");
    Process server = null;
    try {
      Map<String, String> env = Map.of("PORT", "0", "HOST", "127.0.0.1", "HTTP_INSTANCES", "1", "CRM_DATA_DIR", dir.toString(),
          "JWT_SECRET", TestApp.JWT_SECRET, "CRM_ADMIN_PASSWORD", TestApp.ADMIN_PASSWORD, "WHATSAPP_APP_SECRET", Wa.APP_SECRET,
          "PASSWORD_HASH_MEMORY_KB", "1024", "PASSWORD_HASH_ITERATIONS", "1");
      ChildJvm.Server started = ChildJvm.startServer(dir, env);
      server = started.process();
      int port = started.port();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      int n = 300;
      List<String> wamids = new ArrayList<>();
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String wamid = "wamid.KILL" + i + "x" + System.nanoTime();
        wamids.add(wamid);
        byte[] body = WebhookPayloads.text("1102", "5255" + String.format("%08d", i % 40), "Kill " + i, wamid, "m" + i,
            Instant.now().getEpochSecond()).encode().getBytes(StandardCharsets.UTF_8);
        answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/whatsapp"))
            .header("Content-Type", "application/json").header("X-Hub-Signature-256", WebhookSignature.sign(Wa.APP_SECRET, body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> a : answers) assertThat(a.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      server.destroyForcibly(); // SIGKILL, right after the last 200
      assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();

      try (TestApp again = TestApp.start(Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString()))) {
        Wa wa = new Wa(again);
        wa.awaitProcessed();
        long stored = wa.count("messages", new io.vertx.core.json.JsonObject().put("direction", "inbound"));
        assertThat(stored).as("messages stored after kill -9 and restart").isEqualTo(n);
        for (String wamid : List.of(wamids.get(0), wamids.get(n / 2), wamids.get(n - 1))) {
          assertThat(wa.count("messages", new io.vertx.core.json.JsonObject().put("whatsappMessageId", wamid))).isEqualTo(1);
        }
      }
    } finally {
      if (server != null) server.destroyForcibly();
      TestApp.deleteTree(dir);
    }
  }
}
