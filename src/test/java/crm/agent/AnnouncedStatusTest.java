package crm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.Addresses;
import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.StatusEvents;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * crm.agent.set_status with {@code announced: true}, as the socket bridge calls it after it has announced an agent's own
 * change: the given lastSeen is stored, nothing is published again, and when the database refuses the write the status
 * the agent really has is announced, so nobody keeps showing one that was never stored. Its own application: the
 * refusal comes from a unique index this test puts on the agents. One agent's writes are stored in the order they were
 * asked for, and an announced change that another change's announcement may have overtaken is announced again.
 */
class AnnouncedStatusTest {
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

  static JsonObject announced(String agentId, String status, Instant lastSeen) throws Exception {
    return app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", agentId)
        .put("status", status).put("lastSeen", lastSeen.toString()).put("announced", true)).await(10, TimeUnit.SECONDS).body();
  }

  @Test
  void an_announced_change_is_stored_with_its_lastSeen_and_not_published_again() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    Instant at = Instant.parse("2026-03-04T05:06:07.891Z");
    JsonObject r = announced(a.id(), "busy", at);
    assertThat(r.getBoolean("changed")).isTrue();
    assertThat(r.getString("lastSeen")).isEqualTo(at.toString());
    JsonObject doc = inbox.doc("agents", a.id());
    assertThat(doc.getString("status")).isEqualTo("busy");
    assertThat(Mongo.instant(doc.getValue("lastSeen"))).isEqualTo(at);
    assertThat(events.of(a.id())).as("the caller announced it").isEmpty();
  }

  @Test
  void an_announced_change_overtaken_by_an_earlier_writes_announcement_is_announced_again_once_stored() throws Exception {
    // the agent's socket connects (presence: online, if offline) and at once says busy: busy is announced by the bridge
    // before presence's write has ended and announced online, so the sockets heard online last while the database ends
    // with busy; the store puts busy after online and, seeing online announced after busy was, announces busy again
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    var online = app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", a.id())
        .put("status", "online").put("from", new JsonArray().add("offline")));
    var busy = app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", a.id())
        .put("status", "busy").put("lastSeen", Instant.now().toString()).put("announced", true));
    assertThat(online.await(10, TimeUnit.SECONDS).body().getBoolean("changed")).isTrue();
    assertThat(busy.await(10, TimeUnit.SECONDS).body().getBoolean("changed")).isTrue();
    assertThat(inbox.doc("agents", a.id()).getString("status")).isEqualTo("busy");
    assertThat(events.of(a.id())).extracting(e -> e.getString("status")).containsExactly("online", "busy");
  }

  @Test
  void writes_of_one_agent_are_stored_in_the_order_asked() throws Exception {
    // busy first, then presence's online-if-offline: in that order the second finds busy and changes nothing
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    var busy = app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", a.id())
        .put("status", "busy").put("lastSeen", Instant.now().toString()).put("announced", true));
    var online = app.vertx.eventBus().<JsonObject>request(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", a.id())
        .put("status", "online").put("from", new JsonArray().add("offline")));
    assertThat(busy.await(10, TimeUnit.SECONDS).body().getBoolean("changed")).isTrue();
    assertThat(online.await(10, TimeUnit.SECONDS).body().getBoolean("changed")).isFalse();
    assertThat(inbox.doc("agents", a.id()).getString("status")).isEqualTo("busy");
    assertThat(events.of(a.id())).as("busy was announced by its caller; nothing else happened").isEmpty();
  }

  @Test
  void an_announced_change_is_unconditional_and_its_lastSeen_an_instant() {
    assertThatThrownBy(() -> app.vertx.eventBus().request(Addresses.AGENT_SET_STATUS, new JsonObject()
            .put("agentId", "0123456789abcdef01234567").put("status", "busy").put("announced", true)
            .put("from", new JsonArray().add("online"))).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("unconditional");
    assertThatThrownBy(() -> app.vertx.eventBus().request(Addresses.AGENT_SET_STATUS, new JsonObject()
            .put("agentId", "0123456789abcdef01234567").put("status", "busy").put("lastSeen", "yesterday"))
            .await(10, TimeUnit.SECONDS))
        .hasMessageContaining("lastSeen");
  }

  @Test
  void a_refused_write_is_answered_with_an_error_and_the_stored_status_is_announced() throws Exception {
    Inbox.Agent a = inbox.agent(app.adminToken(), "agent");
    Inbox.Agent b = inbox.agent(app.adminToken(), "agent");
    Instant taken = Instant.parse("2026-01-01T00:00:00.001Z");
    Instant before = Instant.parse("2026-01-01T00:00:00.002Z");
    announced(a.id(), "online", taken);
    announced(b.id(), "away", before);
    // a real refusal from the database: lastSeen made unique (the admin and every other agent hold distinct values),
    // so b's next change, announced with a's instant, cannot be stored
    io.vertx.ext.mongo.MongoClient db = new Mongo(app.vertx, app.app.deployedConfig()).client();
    db.createIndexWithOptions("agents", new JsonObject().put("lastSeen", 1), new IndexOptions().unique(true).sparse(true))
        .await(10, TimeUnit.SECONDS);
    try {
      assertThatThrownBy(() -> announced(b.id(), "busy", taken)).isNotNull();
      assertThat(inbox.doc("agents", b.id()).getString("status")).as("not stored").isEqualTo("away");
      assertThat(events.of(b.id())).as("what b really has, announced again").singleElement().satisfies(e -> {
        assertThat(e.getString("status")).isEqualTo("away");
        assertThat(Instant.parse(e.getString("lastSeen"))).isEqualTo(before);
      });
    } finally {
      db.dropIndex("agents", "lastSeen_1").await(10, TimeUnit.SECONDS);
    }
  }
}
