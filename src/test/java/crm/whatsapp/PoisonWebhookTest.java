package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.EmbeddedMongo;
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
 * A stored webhook body whose processing keeps failing must not hold the others back, and is set aside (kept) after
 * {@link WhatsappVerticle#MAX_ATTEMPTS}. The inbox is a small fake verticle here that refuses one message id.
 */
class PoisonWebhookTest {

  static String body(String wamid) {
    return WebhookPayloads.text("1102", "525500000001", "P", wamid, "x", Instant.now().getEpochSecond()).encode();
  }

  static JsonObject stored(String id, String wamid, int attempts) {
    return new JsonObject().put("_id", id).put("bodies", new JsonArray().add(body(wamid))).put("count", 1)
        .put("attempts", attempts).put("receivedAt", new JsonObject().put("$date", Instant.now().minusSeconds(120).toString()));
  }

  @Test
  void a_body_that_always_fails_is_isolated_then_set_aside_and_the_others_are_processed() throws Exception {
    EmbeddedMongo db = EmbeddedMongo.memory();
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject cfg = TestApp.defaults().put("MONGO_URI", db.connectionString()).put("MONGO_DB", "poison").put("DB_SYNC", false)
          .put("WHATSAPP_APP_SECRET", "s").put("JWT_SECRET", TestApp.JWT_SECRET);
      MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString()).put("db_name", "poison"));
      client.insert("webhook_events", stored("0000000000000000000000a1", "wamid.GOOD1", 0)).await(10, TimeUnit.SECONDS);
      client.insert("webhook_events", stored("0000000000000000000000a2", "wamid.POISON", WhatsappVerticle.MAX_ATTEMPTS - 1))
          .await(10, TimeUnit.SECONDS);
      client.insert("webhook_events", stored("0000000000000000000000a3", "wamid.GOOD2", 0)).await(10, TimeUnit.SECONDS);
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

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && client.count("webhook_events", new JsonObject()).await() > 0) Thread.sleep(50);
      assertThat(recorded).containsExactlyInAnyOrder("wamid.GOOD1", "wamid.GOOD2");
      assertThat(client.count("webhook_events", new JsonObject()).await()).isZero();
      List<JsonObject> dead = client.find(WebhookEventStore.DEAD_LETTERS, new JsonObject()).await();
      assertThat(dead).hasSize(1);
      assertThat(dead.get(0).getString("_id")).isEqualTo("0000000000000000000000a2");
      assertThat(dead.get(0).getString("lastError")).contains("cannot store this one");
      assertThat(dead.get(0).getJsonArray("bodies").getString(0)).contains("wamid.POISON");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }
}
