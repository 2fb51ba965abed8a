package crm.socket;

import static crm.support.EioClient.RS;
import static crm.support.EioClient.await;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.EioClient;
import crm.support.EioClient.Ws;
import crm.support.TestApp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SOCKET_PROFILE=conformance: what the official Socket.IO / Engine.IO protocol suites need (the suites themselves
 * run outside the build, see scripts/conformance). Configured timings and origins are overridden on purpose.
 */
class ConformanceProfileTest {
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("SOCKET_PROFILE", "conformance")
        .put("SOCKET_PING_INTERVAL_MS", 25_000).put("CORS_ORIGINS", "http://only.example"));
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  @Test
  void the_profile_forces_the_timings_the_suites_expect() {
    JsonObject open = EioClient.socketIo(app).openPolling();
    assertThat(open.getInteger("pingInterval")).isEqualTo(300);
    assertThat(open.getInteger("pingTimeout")).isEqualTo(200);
    assertThat(open.getInteger("maxPayload")).isEqualTo(1_000_000);
  }

  @Test
  void the_raw_engine_io_endpoint_echoes_every_message_and_allows_any_origin() {
    EioClient raw = new EioClient(app, "/engine.io/");
    HttpResponse<Buffer> open = await(raw.request(HttpMethod.GET, "EIO=4&transport=polling",
        MultiMap.caseInsensitiveMultiMap().add("Origin", "http://anything.example")).send());
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(open.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    String sid = new JsonObject(open.bodyAsString().substring(1)).getString("sid");
    assertThat(raw.post(sid, "4hello" + RS + "bAQIDBA==").bodyAsString()).isEqualTo("ok");
    assertThat(await(raw.poll(sid)).bodyAsString()).isEqualTo("4hello" + RS + "bAQIDBA==");
  }

  @Test
  void socket_io_needs_no_token_and_runs_the_suite_handlers_on_both_namespaces() {
    try (Ws ws = EioClient.socketIo(app).webSocket("EIO=4&transport=websocket", null)) {
      ws.nextText();
      ws.send("40");
      assertThat(ws.nextText()).startsWith("40{\"sid\":");
      assertThat(ws.nextText()).isEqualTo("42[\"auth\",{}]");
      ws.send("40/custom,{\"token\":\"abc\"}");
      assertThat(ws.nextText()).startsWith("40/custom,{\"sid\":");
      assertThat(ws.nextText()).isEqualTo("42/custom,[\"auth\",{\"token\":\"abc\"}]");
      ws.send("42[\"message\",1,\"2\",{\"3\":[true]}]");
      assertThat(ws.nextText()).isEqualTo("42[\"message-back\",1,\"2\",{\"3\":[true]}]");
      ws.send("42/custom,5[\"message-with-ack\",1]");
      assertThat(ws.nextText()).isEqualTo("43/custom,5[1]");
    }
  }
}
