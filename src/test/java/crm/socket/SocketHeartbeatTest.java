package crm.socket;

import static crm.support.EioClient.await;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.EioClient;
import crm.support.EioClient.Ws;
import crm.support.SocketHooks;
import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats and the connect timeout, with short timings (ping every 200 ms, 300 ms to answer, 800 ms to join a
 * namespace). Nothing here measures time: each test waits for the event (a ping, a close) and fails only if it
 * never comes.
 */
class SocketHeartbeatTest {
  static TestApp app;
  static SocketHooks hooks;
  static EioClient eio;
  static String token;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("HTTP_INSTANCES", 2)
        .put("SOCKET_PING_INTERVAL_MS", 200).put("SOCKET_PING_TIMEOUT_MS", 300)
        .put("SOCKET_CONNECT_TIMEOUT_MS", 800));
    hooks = SocketHooks.install(app);
    eio = EioClient.socketIo(app);
    token = app.adminToken();
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  @Test
  void the_server_pings_and_each_pong_keeps_a_polling_session_alive() {
    String sid = eio.openPolling().getString("sid");
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> ping = await(eio.poll(sid));
      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(ping.bodyAsString()).isEqualTo("2");
      assertThat(eio.post(sid, "3").bodyAsString()).isEqualTo("ok");
    }
  }

  @Test
  void a_missing_pong_closes_a_polling_session() {
    String sid = eio.openPolling().getString("sid");
    assertThat(await(eio.poll(sid)).bodyAsString()).isEqualTo("2");
    // no pong: the next poll waits until the server gives up on the client, and gets the close packet
    Future<HttpResponse<Buffer>> last = eio.poll(sid);
    assertThat(await(last).bodyAsString()).isEqualTo("1");
    HttpResponse<Buffer> gone = await(eio.poll(sid));
    assertThat(gone.statusCode()).isEqualTo(400);
    assertThat(gone.bodyAsJsonObject().getInteger("code")).isEqualTo(1);
  }

  @Test
  void a_missing_pong_closes_a_websocket_and_its_sockets_disconnect_with_ping_timeout() {
    try (Ws ws = eio.webSocket("EIO=4&transport=websocket", null)) {
      ws.nextText();
      ws.send("40" + new JsonObject().put("token", token).encode());
      String socketId = SocketHooks.sidOf(ws.nextText()); // nextText answers pings meanwhile
      Object next;
      do {
        next = ws.next(); // pings from now on stay unanswered
      } while (next != Ws.CLOSED);
      assertThat(hooks.disconnectReason(socketId)).isEqualTo("ping timeout");
    }
  }

  @Test
  void a_connection_that_joins_no_namespace_is_closed_after_the_connect_timeout() {
    try (Ws ws = eio.webSocket("EIO=4&transport=websocket", null)) {
      assertThat(ws.nextText()).startsWith("0{");
      Object next;
      while ((next = ws.next()) != Ws.CLOSED) {
        assertThat(next).as("only pings come").isEqualTo("2");
        ws.send("3"); // alive, but never joins a namespace
      }
    }
  }

  @Test
  void a_connected_client_that_answers_pings_stays() {
    try (Ws ws = eio.webSocket("EIO=4&transport=websocket", null)) {
      ws.nextText();
      ws.send("40" + new JsonObject().put("token", token).encode());
      ws.nextText();
      int pings = 0;
      while (pings < 5) {
        Object next = ws.next();
        assertThat(next).isEqualTo("2");
        ws.send("3");
        pings++;
      }
      ws.send("42[\"echo\",\"after five pings\"]");
      assertThat(ws.nextText()).isEqualTo("42[\"echo-back\",\"after five pings\"]");
    }
  }
}
