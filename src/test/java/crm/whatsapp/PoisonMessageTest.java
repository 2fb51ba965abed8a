package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.EmbeddedMongo;
import crm.storage.Mongo;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, findings 2 and 3, end to end on the H2 store: a signed webhook whose messages carry Meta's parts nested 600
 * deep, or a {@code context} without a string id, is answered 200 and recorded whole (the deep parts kept as text), with
 * its ordinary neighbours; the store stays open; and the same body replayed at start-up is processed, not fatal.
 */
class PoisonMessageTest {
  static final String FROM = "529990001234";

  static JsonObject nested(int depth) {
    JsonObject o = new JsonObject().put("leaf", "x");
    for (int i = 0; i < depth; i++) o = new JsonObject().put("k", o);
    return o;
  }

  static JsonObject text(String wamid, String body) {
    return new JsonObject().put("from", FROM).put("id", wamid).put("timestamp", String.valueOf(Instant.now().getEpochSecond()))
        .put("type", "text").put("text", new JsonObject().put("body", body));
  }

  /** Two ordinary messages around four hostile ones. */
  static JsonObject hostileBody(String prefix) {
    JsonArray messages = new JsonArray()
        .add(text(prefix + "OK1", "hola"))
        .add(text(prefix + "UNKNOWN", "-").put("type", "mystery").put("mystery", nested(600)))
        .add(text(prefix + "REFERRAL", "from an ad").put("referral", new JsonObject().put("source_url", "https://x")
            .put("deep", nested(600))))
        .add(text(prefix + "CTX_NUMBER", "reply").put("context", new JsonObject().put("id", new JsonArray().add(1))))
        .add(text(prefix + "CTX_NONE", "reply").put("context", new JsonObject().put("from", "15550001111")))
        .add(text(prefix + "OK2", "gracias"));
    return WebhookPayloads.notification("1102", FROM, "Ana", messages, null);
  }

  private static void assertRecorded(Wa wa, String prefix) {
    List<JsonObject> stored = wa.await("messages", new JsonObject().put("whatsappMessageId",
        new JsonObject().put("$regex", "^" + prefix)), l -> l.size() == 6);
    assertThat(stored).extracting(m -> m.getString("whatsappMessageId")).containsExactlyInAnyOrder(
        prefix + "OK1", prefix + "UNKNOWN", prefix + "REFERRAL", prefix + "CTX_NUMBER", prefix + "CTX_NONE", prefix + "OK2");
    JsonObject unknown = stored.stream().filter(m -> m.getString("whatsappMessageId").endsWith("UNKNOWN")).findFirst().orElseThrow();
    assertThat(unknown.getJsonObject("metadata").getValue("raw")).as("a deep unknown message is kept as text").isInstanceOf(String.class);
    assertThat(unknown.getJsonObject("metadata").getString("raw")).contains("mystery");
    JsonObject referral = stored.stream().filter(m -> m.getString("whatsappMessageId").endsWith("REFERRAL")).findFirst().orElseThrow();
    assertThat(referral.getJsonObject("metadata").getValue("referral")).isInstanceOf(String.class);
    assertThat(referral.getString("content")).isEqualTo("from an ad");
  }

  private static void assertHealthy(TestApp app, String token, String phone) {
    assertThat(app.get("/ready", null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> created = app.post("/api/v2/customers", token, new JsonObject().put("phoneNumber", phone).put("firstName", "After"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  @Test
  void hostile_messages_are_recorded_bounded_with_their_neighbours_and_the_store_stays_open() {
    try (TestApp app = TestApp.start(Wa.config().put("CRM_DB_BACKEND", "h2"))) {
      Wa wa = new Wa(app);
      String token = app.adminToken();
      assertThat(wa.post(hostileBody("wamid.A.")).statusCode()).isEqualTo(200);
      assertRecorded(wa, "wamid.A.");
      wa.awaitProcessed();
      assertThat(wa.count("webhook_dead_letters", new JsonObject())).isZero();
      assertHealthy(app, token, "529990009001");
    }
  }

  @Test
  void a_hostile_body_stored_before_a_stop_is_replayed_at_start_without_harm() throws Exception {
    Path dir = Files.createTempDirectory("crm-poison-replay");
    try {
      // what an earlier process acknowledged and stored, then died before processing
      EmbeddedMongo db = EmbeddedMongo.h2(dir);
      Vertx vertx = Vertx.vertx();
      try {
        MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString())
            .put("db_name", "crm"));
        client.insert(WebhookEventStore.COLLECTION, new JsonObject().put("_id", Mongo.newId())
            .put("bodies", new JsonArray().add(hostileBody("wamid.R.").encode())).put("count", 1)
            .put("receivedAt", Mongo.date(Instant.now().minusSeconds(60)))).await(10, TimeUnit.SECONDS);
        client.close();
      } finally {
        vertx.close().await(10, TimeUnit.SECONDS);
        db.commit();
        db.close();
      }
      try (TestApp app = TestApp.start(Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dir.toString()))) {
        Wa wa = new Wa(app);
        assertRecorded(wa, "wamid.R.");
        wa.awaitProcessed();
        assertHealthy(app, app.adminToken(), "529990009002");
      }
    } finally {
      TestApp.deleteTree(dir);
    }
  }
}
