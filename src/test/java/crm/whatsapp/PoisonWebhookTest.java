package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.EmbeddedMongo;
import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 3: a message that cannot be recorded is set aside on its own (a dead letter with the reason) and
 * the other messages and statuses of the same body, and of the other stored bodies, are recorded. A fault that is not
 * the message's (no inbox answering) sets nothing aside: the bodies stay stored for the sweep. The inbox is a small
 * fake verticle here that refuses one message id, on a real embedded database.
 */
class PoisonWebhookTest {

  static String body(String... wamids) {
    JsonArray messages = new JsonArray();
    for (String wamid : wamids) {
      messages.add(WebhookPayloads.text("1102", "525500000001", "P", wamid, "x", Instant.now().getEpochSecond())
          .getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
          .getJsonArray("messages").getJsonObject(0));
    }
    return WebhookPayloads.notification("1102", "525500000001", "P", messages, new JsonArray()).encode();
  }

  static JsonObject stored(String id, String body) {
    return new JsonObject().put("_id", id).put("bodies", new JsonArray().add(body)).put("count", 1)
        .put("receivedAt", new JsonObject().put("$date", Instant.now().minusSeconds(120).toString()));
  }

  /** The WhatsApp verticle's configuration on its own database of the embedded server. */
  private static JsonObject config(EmbeddedMongo db) {
    return TestApp.defaults().put("MONGO_URI", db.connectionString()).put("MONGO_DB", "poison").put("DB_SYNC", false)
        .put("WHATSAPP_APP_SECRET", "s").put("JWT_SECRET", TestApp.JWT_SECRET);
  }

  private static void waitUntilNoneStored(MongoClient client) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && client.count("webhook_events", new JsonObject()).await() > 0) Thread.sleep(50);
  }

  @Test
  void a_message_that_cannot_be_recorded_is_set_aside_alone_and_its_neighbours_are_recorded() throws Exception {
    EmbeddedMongo db = EmbeddedMongo.memory();
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject cfg = config(db);
      MongoClient client = MongoClient.create(vertx, Mongo.clientConfig(cfg));
      client.insert("webhook_events", stored("0000000000000000000000a1", body("wamid.GOOD1"))).await(10, TimeUnit.SECONDS);
      client.insert("webhook_events", stored("0000000000000000000000a2", body("wamid.BEFORE", "wamid.POISON", "wamid.AFTER")))
          .await(10, TimeUnit.SECONDS);
      client.insert("webhook_events", stored("0000000000000000000000a3", body("wamid.GOOD2"))).await(10, TimeUnit.SECONDS);
      // the fake inbox: records what it is given, refuses the poison
      List<String> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
      Bus.registerCodecs(vertx);
      new Bus(vertx).serve(Addresses.CONVERSATION_RECORD_INBOUND, req -> {
        JsonArray msgs = req.getJsonArray("messages");
        for (Object o : msgs) {
          if (((JsonObject) o).getString("waMessageId").equals("wamid.POISON")) {
            return Future.failedFuture(new CrmException(ErrorCode.DATABASE_ERROR, "cannot store this one"));
          }
        }
        msgs.forEach(o -> recorded.add(((JsonObject) o).getString("waMessageId")));
        return Future.succeededFuture(new JsonObject().put("results", new JsonArray()));
      }).completion().await(10, TimeUnit.SECONDS);

      vertx.deployVerticle(new WhatsappVerticle(), new DeploymentOptions().setConfig(cfg)).await(20, TimeUnit.SECONDS);

      waitUntilNoneStored(client);
      assertThat(recorded).containsExactlyInAnyOrder("wamid.GOOD1", "wamid.BEFORE", "wamid.AFTER", "wamid.GOOD2");
      assertThat(client.count("webhook_events", new JsonObject()).await()).isZero();
      List<JsonObject> dead = client.find(WebhookEventStore.DEAD_LETTERS, new JsonObject()).await();
      assertThat(dead).hasSize(1);
      JsonObject letter = dead.get(0);
      assertThat(letter.getString("kind")).isEqualTo("message");
      assertThat(letter.getString("waMessageId")).isEqualTo("wamid.POISON");
      assertThat(letter.getString("documentId")).isEqualTo("0000000000000000000000a2");
      assertThat(letter.getString("reason")).contains("cannot store this one");
      assertThat(new JsonObject(letter.getString("payload")).getString("waMessageId")).isEqualTo("wamid.POISON");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }

  @Test
  void nothing_is_set_aside_when_the_inbox_does_not_answer() throws Exception {
    EmbeddedMongo db = EmbeddedMongo.memory();
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject cfg = config(db);
      MongoClient client = MongoClient.create(vertx, Mongo.clientConfig(cfg));
      client.insert("webhook_events", stored("0000000000000000000000b1", body("wamid.X1", "wamid.X2"))).await(10, TimeUnit.SECONDS);
      Bus.registerCodecs(vertx);
      // no inbox consumer: every record request fails with NO_HANDLERS, which is no fault of the message
      vertx.deployVerticle(new WhatsappVerticle(), new DeploymentOptions().setConfig(cfg)).await(20, TimeUnit.SECONDS);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      JsonObject doc = null;
      while (System.nanoTime() < deadline) {
        doc = client.findOne("webhook_events", new JsonObject(), null).await();
        if (doc != null && doc.getInteger("attempts", 0) > 0) break;
        Thread.sleep(50);
      }
      assertThat(doc).isNotNull();
      assertThat(doc.getInteger("attempts", 0)).as("the failed attempt is noted on the stored body").isPositive();
      assertThat(client.count(WebhookEventStore.DEAD_LETTERS, new JsonObject()).await()).isZero();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }
}
