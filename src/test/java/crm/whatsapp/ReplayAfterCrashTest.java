package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.EmbeddedMongo;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A crash between "stored and answered 200" and "processed": the next start processes the stored body, exactly once;
 * and a crash after processing but before the body was marked processed changes nothing when it is processed again.
 */
class ReplayAfterCrashTest {

  @Test
  void a_body_stored_but_not_processed_is_processed_once_at_the_next_start() throws Exception {
    Path dir = Files.createTempDirectory("crm-replay");
    JsonObject cfg = Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString());
    String wamid = "wamid.REPLAY" + System.nanoTime();
    String from = "5255" + String.format("%08d", System.nanoTime() % 100_000_000L);
    String raw = WebhookPayloads.text("1102003", from, "Ana Lucía", wamid, "¿siguen abiertos? 🕘", Instant.now().getEpochSecond()).encode();
    try {
      // 1. a first run creates the database, then stops
      TestApp.start(cfg).close();
      // 2. the state a crash right after the 200 leaves behind: the body stored, pending
      JsonObject stored = new JsonObject().put("_id", "0123456789abcdef01234567").put("bodies", new io.vertx.core.json.JsonArray().add(raw))
          .put("count", 1).put("receivedAt", new JsonObject().put("$date", Instant.now().toString()));
      write(dir, stored);
      // 3. the next start processes it
      try (TestApp second = TestApp.start(cfg)) {
        Wa wa = new Wa(second);
        wa.awaitProcessed();
        assertThat(wa.find("messages", new JsonObject().put("whatsappMessageId", wamid))).hasSize(1)
            .first().satisfies(m -> assertThat(m.getString("content")).isEqualTo("¿siguen abiertos? 🕘"));
        assertThat(wa.count("webhook_events", new JsonObject())).as("processed bodies are removed").isZero();
      }
      // 4. a crash after processing, before the body was removed: it is still there, and processed again harmlessly
      write(dir, stored);
      try (TestApp third = TestApp.start(cfg)) {
        Wa wa = new Wa(third);
        wa.awaitProcessed();
        assertThat(wa.count("messages", new JsonObject().put("whatsappMessageId", wamid))).isEqualTo(1);
        JsonObject conversation = wa.find("conversations", new JsonObject()).stream()
            .filter(c -> c.getJsonObject("lastMessage") != null && "¿siguen abiertos? 🕘".equals(c.getJsonObject("lastMessage").getString("content")))
            .findFirst().orElseThrow();
        assertThat(conversation.getInteger("messageCount")).isEqualTo(1);
        assertThat(conversation.getInteger("unreadCount")).isEqualTo(1);
        assertThat(wa.find("customers", new JsonObject().put("phoneNumber", from)).get(0).getInteger("totalConversations"))
            .isEqualTo(1);
      }
    } finally {
      TestApp.deleteTree(dir);
    }
  }

  private static void write(Path dir, JsonObject doc) throws Exception {
    withDb(dir, db -> db.insert("webhook_events", doc).mapEmpty());
  }

  private static void withDb(Path dir, java.util.function.Function<MongoClient, io.vertx.core.Future<Void>> work) throws Exception {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    Vertx vertx = Vertx.vertx();
    try {
      MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString()).put("db_name", "crm"));
      work.apply(client).await(10, TimeUnit.SECONDS);
      client.close().await(10, TimeUnit.SECONDS);
      db.commit();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }
}
