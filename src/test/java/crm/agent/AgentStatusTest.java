package crm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.Addresses;
import crm.support.Inbox;
import crm.support.StatusEvents;
import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * crm.agent.set_status: the status is stored with lastSeen, and agent:status_change's event is published only when
 * the status really changed; "from" makes it conditional, so of concurrent identical changes exactly one is announced.
 */
class AgentStatusTest {
  static TestApp app;
  static Inbox inbox;
  static StatusEvents events;

  @BeforeAll
  static void start() throws Exception {
    app = TestApp.start();
    inbox = new Inbox(app);
    events = StatusEvents.record(app);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static JsonObject set(String agentId, String status, String... from) throws Exception {
    JsonObject body = new JsonObject().put("agentId", agentId).put("status", status);
    if (from.length > 0) body.put("from", new JsonArray(List.of((Object[]) from)));
    return app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, body).await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void a_change_is_stored_and_announced_once() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    JsonObject r = set(a.id(), "busy");
    assertThat(r.getBoolean("changed")).isTrue();
    assertThat(set(a.id(), "busy").getBoolean("changed")).as("same status again").isFalse();
    List<JsonObject> seen = events.of(a.id());
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).fieldNames()).containsExactlyInAnyOrder("agentId", "status", "lastSeen");
    assertThat(seen.get(0).getString("status")).isEqualTo("busy");
    assertThat(Instant.parse(seen.get(0).getString("lastSeen"))).isAfter(Instant.now().minusSeconds(10));
    JsonObject doc = inbox.doc("agents", a.id());
    assertThat(doc.getString("status")).isEqualTo("busy");
    assertThat(doc.getValue("lastSeen")).isNotNull();
  }

  @Test
  void from_makes_it_conditional() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    set(a.id(), "away");
    assertThat(set(a.id(), "online", "offline").getBoolean("changed")).as("away is not offline").isFalse();
    assertThat(inbox.doc("agents", a.id()).getString("status")).isEqualTo("away");
    assertThat(set(a.id(), "online", "offline", "away").getBoolean("changed")).isTrue();
    assertThat(events.of(a.id())).extracting(e -> e.getString("status")).containsExactly("away", "online");
  }

  @Test
  void concurrent_identical_changes_are_announced_once() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    set(a.id(), "online");
    List<Future<io.vertx.core.eventbus.Message<JsonObject>>> all = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(app.vertx.eventBus().request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", a.id())
          .put("status", "offline").put("from", new JsonArray().add("online").add("busy").add("away"))));
    }
    Future.all(all).await(10, TimeUnit.SECONDS);
    assertThat(all.stream().filter(f -> f.result().body().getBoolean("changed")).count()).isEqualTo(1);
    assertThat(events.of(a.id())).extracting(e -> e.getString("status")).containsExactly("online", "offline");
  }

  @Test
  void deactivation_announces_offline_and_bad_input_is_refused() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    set(a.id(), "online");
    assertThat(app.post("/api/v2/agents/" + a.id() + "/deactivate", app.adminToken(), new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(events.of(a.id())).extracting(e -> e.getString("status")).containsExactly("online", "offline");
    assertThatThrownBy(() -> set(a.id(), "sleeping")).hasMessageContaining("status");
    assertThat(set("nobody", "online").getBoolean("changed")).isFalse();
  }
}
