package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.http.HttpVerticle;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up ({@link SocketWarmup}): its handshakes go through the real socket path and are all accepted,
 * and they leave nothing behind: no presence message, no agent status announced or stored, no socket or room
 * member once the node is up. /ready answers 503 until the start (warm-up included) is over.
 */
class SocketWarmupTest {

  @Test
  void warm_up_handshakes_are_accepted_and_leave_no_trace() {
    List<String> seen = new CopyOnWriteArrayList<>();
    try (TestApp app = TestApp.start(new JsonObject().put("SOCKET_WARMUP", 40), vertx -> {
      // registered before the app starts: anything the warm-up tells presence or announces is caught
      vertx.eventBus().<JsonObject>localConsumer(PresenceVerticle.CONNECTED, m -> seen.add("connected " + m.body()));
      vertx.eventBus().<JsonObject>localConsumer(PresenceVerticle.DISCONNECTED, m -> seen.add("disconnected " + m.body()));
      vertx.eventBus().<JsonObject>consumer(Addresses.EVT_AGENT_STATUS_CHANGED, m -> seen.add("status " + m.body()));
    })) {
      SocketWarmup.Result warmup = app.app.socketWarmup();
      assertThat(warmup.connected()).isPositive();
      assertThat(warmup.failed()).isZero();
      assertThat(warmup.connected() + warmup.skipped()).isEqualTo(40); // a slow machine may run out of time

      assertThat(seen).isEmpty();
      var ns = SocketRuntime.of(app.vertx).io().namespace("/");
      assertThat(ns.size()).isZero();
      assertThat(ns.socketsIn(Delivery.EVERYONE)).isEmpty();
      assertThat(ns.socketsIn(Delivery.agentRoom(SocketWarmup.AGENT_ID))).isEmpty();

      // nothing stored: the admin is the only agent, still offline
      List<JsonObject> agents = new Inbox(app).wa.find("agents", new JsonObject());
      assertThat(agents).extracting(a -> a.getString("email")).containsExactly(TestApp.ADMIN_EMAIL);
      assertThat(agents.get(0).getString("status")).isEqualTo("offline");
      assertThat(app.get("/ready", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void no_warm_up_when_turned_off() {
    try (TestApp app = TestApp.start(new JsonObject().put("SOCKET_WARMUP", 0))) {
      assertThat(app.app.socketWarmup().connected()).isZero();
      assertThat(app.get("/ready", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void ready_answers_503_while_the_app_is_starting() {
    try (TestApp app = TestApp.start()) {
      var runtime = app.vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP);
      runtime.put(HttpVerticle.STARTING, true);
      var res = app.get("/ready", null);
      assertThat(res.statusCode()).isEqualTo(503);
      assertThat(res.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
      runtime.remove(HttpVerticle.STARTING);
      assertThat(app.get("/ready", null).statusCode()).isEqualTo(200);
    }
  }
}
