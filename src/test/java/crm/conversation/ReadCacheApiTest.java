package crm.conversation;

import static crm.support.Inbox.json;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inbox's read caches (conversations, customers, message pages) are fed by the store's change feed: a write by
 * any client of the database, not only by the inbox's own code, is visible at the next read. The writes here go
 * straight to the database, behind the application's back.
 */
class ReadCacheApiTest {
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

  private static JsonObject row(String conversationId) {
    JsonArray rows = json(app.get("/api/v2/conversations?limit=100", token), 200).getJsonArray("conversations");
    for (Object o : rows) if (conversationId.equals(((JsonObject) o).getString("_id"))) return (JsonObject) o;
    throw new AssertionError("conversation " + conversationId + " not in the first page");
  }

  private static JsonArray messages(String conversationId) {
    return json(app.get("/api/v2/conversations/" + conversationId + "/messages", token), 200).getJsonArray("messages");
  }

  @Test
  void writes_behind_the_applications_back_are_seen_by_the_next_read() {
    String phone = Inbox.phone();
    long at = Instant.now().getEpochSecond() - 60;
    JsonObject m1 = inbox.inbound(phone, "Caché", "uno", at);
    JsonObject m2 = inbox.inbound(phone, "Caché", "dos", at + 1);
    String conversationId = m1.getString("conversationId");
    inbox.awaitMessageCount(conversationId, 2);

    // read twice: the second read is answered from the caches
    for (int i = 0; i < 2; i++) {
      assertThat(row(conversationId).getJsonObject("customer").getString("firstName")).isEqualTo("Caché");
      assertThat(messages(conversationId).getJsonObject(1).getString("content")).isEqualTo("dos");
    }
    String customerId = row(conversationId).getJsonObject("customer").getString("_id");

    inbox.set("customers", customerId, new JsonObject().put("firstName", "Cambiado"));
    assertThat(row(conversationId).getJsonObject("customer").getString("firstName")).isEqualTo("Cambiado");

    inbox.set("messages", m2.getString("_id"), new JsonObject().put("content", "editado"));
    assertThat(messages(conversationId).getJsonObject(1).getString("content")).isEqualTo("editado");

    inbox.set("conversations", conversationId, new JsonObject().put("metadata", new JsonObject().put("nota", "directa")));
    assertThat(row(conversationId).getJsonObject("metadata").getString("nota")).isEqualTo("directa");
    JsonObject one = json(app.get("/api/v2/conversations/" + conversationId, token), 200).getJsonObject("conversation");
    assertThat(one.getJsonObject("metadata").getString("nota")).isEqualTo("directa");

    // and a new message through the application reaches the cached page
    inbox.inbound(phone, "Caché", "tres", at + 2);
    inbox.awaitMessageCount(conversationId, 3);
    assertThat(messages(conversationId).getJsonObject(2).getString("content")).isEqualTo("tres");
  }
}
