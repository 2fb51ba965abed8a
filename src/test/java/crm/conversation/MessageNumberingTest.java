package crm.conversation;

import static crm.support.Inbox.json;
import static crm.support.Inbox.values;
import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Messages stored before messages were numbered get their numbers once, in timestamp order, at start: the message
 * list shows them, messages of a vanished conversation do not stop it, and the second run does nothing.
 */
class MessageNumberingTest {
  static TestApp app;
  static Inbox inbox;
  static String token;

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config());
    inbox = new Inbox(app);
    token = inbox.agent(app.adminToken(), "supervisor").token();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void legacy_messages_are_numbered_once_in_timestamp_order() throws Exception {
    Mongo mongo = new Mongo(app.vertx, app.app.deployedConfig());
    try {
      String conv = Mongo.newId();
      Instant t = Instant.now().minusSeconds(3_600);
      mongo.client().insert(ConversationStore.COLLECTION, new JsonObject().put("_id", conv).put("customerId", Mongo.newId())
          .put("status", "closed").put("messageCount", 3).put("createdAt", Mongo.date(t)).put("updatedAt", Mongo.date(t)))
          .await(10, TimeUnit.SECONDS);
      // stored out of timestamp order, without numbers; plus one whose conversation is gone
      for (int i : new int[] {2, 3, 1}) {
        mongo.client().insert(MessageStore.COLLECTION, new JsonObject().put("_id", Mongo.newId()).put("conversationId", conv)
            .put("direction", "inbound").put("type", "text").put("content", "old" + i)
            .put("timestamp", Mongo.date(t.plusSeconds(i)))).await(10, TimeUnit.SECONDS);
      }
      mongo.client().insert(MessageStore.COLLECTION, new JsonObject().put("_id", Mongo.newId()).put("conversationId", Mongo.newId())
          .put("content", "orphan").put("timestamp", Mongo.date(t))).await(10, TimeUnit.SECONDS);
      mongo.client().removeDocument(MessageNumbering.MIGRATIONS, new JsonObject().put("_id", MessageNumbering.ID))
          .await(10, TimeUnit.SECONDS);

      String path = "/api/v2/conversations/" + conv + "/messages";
      assertThat(json(app.get(path, token), 200).getJsonArray("messages")).as("unnumbered: not paged").isEmpty();

      int numbered = MessageNumbering.run(app.vertx, mongo, new ConversationStore(mongo, null)).await(30, TimeUnit.SECONDS);
      assertThat(numbered).isEqualTo(3);
      assertThat(values(json(app.get(path, token), 200).getJsonArray("messages"), "content"))
          .containsExactly("old1", "old2", "old3");
      assertThat(values(json(app.get(path + "?limit=1&page=2", token), 200).getJsonArray("messages"), "content"))
          .containsExactly("old2");
      assertThat(inbox.doc(ConversationStore.COLLECTION, conv).getLong("messageSeq")).isEqualTo(3L);

      assertThat(MessageNumbering.run(app.vertx, mongo, new ConversationStore(mongo, null)).await(30, TimeUnit.SECONDS))
          .as("once per database").isZero();
      List<JsonObject> marker = mongo.client().find(MessageNumbering.MIGRATIONS, new JsonObject().put("_id", MessageNumbering.ID))
          .await(10, TimeUnit.SECONDS);
      assertThat(marker).hasSize(1);
      assertThat(marker.get(0).getInteger("numbered")).isEqualTo(3);
    } finally {
      mongo.close();
    }
  }
}
