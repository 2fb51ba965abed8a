package crm.socket;

import static crm.support.EioClient.Ws;
import static org.assertj.core.api.Assertions.assertThat;

import crm.socket.io.Namespace;
import crm.support.EioClient;
import crm.support.SocketHooks;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery on the wire (raw Engine.IO/Socket.IO over WebSocket, the test hooks of {@link SocketHooks}
 * for rooms and broadcasts): the pid in the CONNECT answer, offsets on broadcasts, what a claimed socket is given and
 * in which order, pongs, the bound on what a dropped socket keeps, and what is not a claim. Pings every 100 ms, at most
 * 5 packets kept per socket.
 */
class SocketRecoveryTest {
  static TestApp app;
  static EioClient eio;
  static String token;
  static Namespace ns;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("SOCKET_PING_INTERVAL_MS", 100).put("SOCKET_PING_TIMEOUT_MS", 60_000)
        .put("SOCKET_MAX_BUFFERED_PACKETS", 5));
    SocketHooks.install(app);
    eio = EioClient.socketIo(app);
    token = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD).getString("token");
    ns = SocketRuntime.of(app.vertx).io().namespace("/");
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  /** A connected socket: its WebSocket and the CONNECT answer ({sid, pid}). */
  record Client(Ws ws, JsonObject answer) implements AutoCloseable {
    String sid() { return answer.getString("sid"); }

    String pid() { return answer.getString("pid"); }

    @Override
    public void close() { ws.close(); }
  }

  /** Opens a WebSocket and sends the CONNECT with the token and {@code auth}; the next packet is the server's. */
  private static Ws open(JsonObject auth) {
    Ws ws = eio.webSocket("EIO=4&transport=websocket", null);
    assertThat(ws.nextText()).startsWith("0{");
    ws.send("40" + auth.copy().put("token", token).encode());
    return ws;
  }

  private static Client connected(Ws ws) {
    String answer = ws.nextText();
    assertThat(answer).startsWith("40{");
    return new Client(ws, new JsonObject(answer.substring(2)));
  }

  private static Client connect(JsonObject auth) {
    return connected(open(auth));
  }

  private static Client join(Client c, String room) {
    c.ws().send("421[\"join\",\"" + room + "\"]");
    assertThat(c.ws().nextText()).isEqualTo("431[\"joined\"]");
    return c;
  }

  /** Broadcasts {n} as "news" to {@code room} through {@code from}; returns how many sockets it went to. */
  private static int news(Client from, String room, int n) {
    from.ws().send("429[\"to-room\",\"" + room + "\",{\"n\":" + n + "}]");
    String ack = from.ws().nextText();
    assertThat(ack).startsWith("439[");
    return new JsonArray(ack.substring(3)).getInteger(0);
  }

  /** The offset of a news packet ({@code 42["news",{"n":n},"<offset>"]}), checking n. */
  private static String offsetOf(String packet, int n) {
    assertThat(packet).startsWith("42[");
    JsonArray a = new JsonArray(packet.substring(2));
    assertThat(a.getString(0)).isEqualTo("news");
    assertThat(a.getJsonObject(1)).isEqualTo(new JsonObject().put("n", n));
    assertThat(a.size()).as("the offset is the last argument").isEqualTo(3);
    return a.getString(2);
  }

  private static String room() {
    return "room:" + UUID.randomUUID();
  }

  private static void awaitGone(String pid) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    while (ns.holds(pid)) {
      if (System.nanoTime() > until) throw new AssertionError("session " + pid + " still kept after 10 s");
      Thread.sleep(10);
    }
  }

  /** Reads raw messages until a ping and answers it: everything written before that ping was read. */
  private static void answerNextPing(Ws ws) {
    while (!"2".equals(ws.next())) {
      // nothing else is sent to this socket meanwhile
    }
    ws.send("3");
  }

  @Test
  void the_connect_answer_carries_a_pid_and_every_member_gets_a_broadcast_with_the_same_offset() {
    String room = room();
    try (Client a = join(connect(new JsonObject()), room); Client b = join(connect(new JsonObject()), room);
         Client c = connect(new JsonObject())) {
      assertThat(a.answer().fieldNames()).containsExactlyInAnyOrder("sid", "pid");
      assertThat(a.pid()).isNotEqualTo(b.pid()).isNotEqualTo(a.sid());
      assertThat(news(c, room, 1)).isEqualTo(2);
      String toA = a.ws().nextText();
      assertThat(b.ws().nextText()).isEqualTo(toA);
      String first = offsetOf(toA, 1);
      assertThat(news(c, room, 2)).isEqualTo(2);
      assertThat(offsetOf(a.ws().nextText(), 2)).isNotEqualTo(first);
      // a socket's own emits carry none
      a.ws().send("42[\"echo\",\"x\"]");
      assertThat(a.ws().nextText()).isEqualTo("42[\"echo-back\",\"x\"]");
    }
  }

  @Test
  void a_dropped_socket_is_given_what_it_missed_before_the_connect_answer_and_is_in_its_rooms_again() {
    String room = room();
    try (Client sender = connect(new JsonObject())) {
      Client a = join(connect(new JsonObject()), room);
      news(sender, room, 1);
      String o1 = offsetOf(a.ws().nextText(), 1);
      a.close();
      news(sender, room, 2); // to the dropped socket, or to its connection before the drop is seen: kept either way
      news(sender, room, 3);

      Ws ws = open(new JsonObject().put("pid", a.pid()).put("offset", o1));
      String o2 = offsetOf(ws.nextText(), 2);
      String o3 = offsetOf(ws.nextText(), 3);
      try (Client back = connected(ws)) {
        assertThat(back.answer()).isEqualTo(new JsonObject().put("sid", a.sid()).put("pid", a.pid()));
        assertThat(o3).isNotEqualTo(o2);
        assertThat(news(sender, room, 4)).as("in its room again, without joining; the old socket is not counted").isEqualTo(1);
        offsetOf(back.ws().nextText(), 4);
      }
    }
  }

  @Test
  void a_pong_proves_what_the_client_read_so_it_cannot_claim_to_have_had_nothing() throws Exception {
    String room = room();
    try (Client sender = connect(new JsonObject())) {
      Client a = join(connect(new JsonObject()), room);
      Client b = join(connect(new JsonObject()), room);
      news(sender, room, 1);
      String o1 = offsetOf(a.ws().nextText(), 1);
      offsetOf(b.ws().nextText(), 1);
      answerNextPing(a.ws()); // a read n=1: dropped from what a's socket keeps
      answerNextPing(b.ws());
      news(sender, room, 2);
      String o2 = offsetOf(a.ws().nextText(), 2);
      offsetOf(b.ws().nextText(), 2);
      a.close();
      b.close();
      news(sender, room, 3);

      // a's client says it got nothing: its pong says otherwise, so there is no exact answer and no recovery
      try (Client nothing = connect(new JsonObject().put("pid", a.pid()))) {
        assertThat(nothing.sid()).isNotEqualTo(a.sid());
        assertThat(nothing.pid()).isNotEqualTo(a.pid());
      }
      awaitGone(a.pid());
      // b's client names the last it got (after the pong): it is given the rest
      Ws ws = open(new JsonObject().put("pid", b.pid()).put("offset", o2));
      offsetOf(ws.nextText(), 3);
      try (Client back = connected(ws)) {
        assertThat(back.sid()).isEqualTo(b.sid());
      }
      assertThat(o1).isNotEqualTo(o2);
    }
  }

  @Test
  void a_dropped_socket_that_misses_more_than_it_may_keep_is_let_go() throws Exception {
    String room = room();
    try (Client sender = connect(new JsonObject())) {
      Client a = join(connect(new JsonObject()), room);
      news(sender, room, 0);
      String o0 = offsetOf(a.ws().nextText(), 0);
      a.close();
      for (int n = 1; n <= 6; n++) news(sender, room, n); // SOCKET_MAX_BUFFERED_PACKETS is 5
      awaitGone(a.pid());
      try (Client back = connect(new JsonObject().put("pid", a.pid()).put("offset", o0))) {
        assertThat(back.sid()).as("a new socket: nothing was replayed before its answer").isNotEqualTo(a.sid());
        assertThat(news(sender, room, 7)).as("and it is in no room of the old one").isZero();
      }
    }
  }

  @Test
  void an_offset_the_socket_never_gave_ends_the_session() throws Exception {
    String room = room();
    try (Client sender = connect(new JsonObject())) {
      Client a = join(connect(new JsonObject()), room);
      news(sender, room, 1);
      String o1 = offsetOf(a.ws().nextText(), 1);
      a.close();
      news(sender, room, 2);
      try (Client wrong = connect(new JsonObject().put("pid", a.pid()).put("offset", "not-an-offset"))) {
        assertThat(wrong.sid()).isNotEqualTo(a.sid());
      }
      awaitGone(a.pid());
      try (Client late = connect(new JsonObject().put("pid", a.pid()).put("offset", o1))) {
        assertThat(late.sid()).isNotEqualTo(a.sid());
      }
    }
  }

  @Test
  void a_socket_still_connected_is_taken_over_by_its_client_coming_back_on_a_new_connection() {
    String room = room();
    try (Client sender = connect(new JsonObject())) {
      Client old = join(connect(new JsonObject()), room);
      news(sender, room, 1);
      String o1 = offsetOf(old.ws().nextText(), 1);
      // the client lost this connection but the server has not seen it drop (a half-open TCP connection)
      try (Client back = connect(new JsonObject().put("pid", old.pid()).put("offset", o1))) {
        assertThat(back.sid()).isEqualTo(old.sid());
        old.ws().awaitClose(); // the old connection is closed by the server
        assertThat(news(sender, room, 2)).isEqualTo(1);
        offsetOf(back.ws().nextText(), 2);
      } finally {
        old.close();
      }
    }
  }

  @Test
  void malformed_recovery_fields_are_a_new_connection() {
    for (JsonObject auth : new JsonObject[] {
        new JsonObject().put("pid", 42),
        new JsonObject().put("pid", "p".repeat(65)),
        new JsonObject().put("pid", ""),
        new JsonObject().put("pid", "unknown-pid").put("offset", 7),
        new JsonObject().put("pid", "unknown-pid").put("offset", new JsonObject()),
        new JsonObject().put("pid", "unknown-pid").put("offset", "o".repeat(65)),
        new JsonObject().put("pid", "unknown-pid").put("offset", "k")}) {
      try (Client c = connect(auth)) {
        assertThat(c.answer().fieldNames()).as(auth.encode()).containsExactlyInAnyOrder("sid", "pid");
        assertThat(c.pid()).isNotEqualTo("unknown-pid");
      }
    }
  }
}
