package crm.whatsapp;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /api/v2/whatsapp/dead-letters}: admins list, read and retry what was set aside. */
class DeadLetterApiTest {
  static final String BASE = "/api/v2/whatsapp/dead-letters";
  static TestApp app;
  static Wa wa;
  static MongoClient db;
  static String admin;

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config());
    wa = new Wa(app);
    db = MongoClient.create(app.vertx, Mongo.clientConfig(app.app.deployedConfig()));
    admin = app.adminToken();
  }

  @AfterAll
  static void stop() {
    db.close();
    app.close();
  }

  /** A dead letter as processing leaves it, for a message whose parsed form is {@code payload}. */
  static String deadLetter(String kind, String waMessageId, String payload) throws Exception {
    JsonObject source = new JsonObject().put("_id", Mongo.newId()).put("receivedAt", Mongo.date(Instant.now()));
    String id = DeadLetter.id(source.getString("_id"), kind, payload);
    JsonObject doc = new JsonObject().put("_id", id).put("kind", kind).put("payload", payload).put("reason", "it failed")
        .put("attempts", 1).put("documentId", source.getString("_id")).put("receivedAt", source.getValue("receivedAt"))
        .put("createdAt", Mongo.now()).put("lastAttemptAt", Mongo.now());
    if (waMessageId != null) doc.put("waMessageId", waMessageId);
    db.insert(WebhookEventStore.DEAD_LETTERS, doc).await(10, TimeUnit.SECONDS);
    return id;
  }

  static JsonObject parsedMessage(String wamid, String text) {
    JsonObject body = WebhookPayloads.text("1102", "529990007777", "Rosa", wamid, text, Instant.now().getEpochSecond());
    return InboundParser.parse(body).getJsonArray("messages").getJsonObject(0);
  }

  @Test
  void admins_list_and_read_dead_letters_and_others_may_not() throws Exception {
    String payload = parsedMessage("wamid.DL.LIST", "x".repeat(5000)).encode();
    String id = deadLetter("message", "wamid.DL.LIST", payload);
    HttpResponse<Buffer> list = app.get(BASE + "?limit=100", admin);
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    JsonObject listed = list.bodyAsJsonObject().getJsonArray("deadLetters").stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("id").equals(id)).findFirst().orElseThrow();
    assertThat(listed.getString("kind")).isEqualTo("message");
    assertThat(listed.getString("waMessageId")).isEqualTo("wamid.DL.LIST");
    assertThat(listed.getString("reason")).isEqualTo("it failed");
    assertThat(listed.getBoolean("payloadTruncated")).isTrue();
    assertThat(listed.getString("payload")).hasSize(DeadLetter.LIST_PAYLOAD_CHARS);
    assertThat(list.bodyAsJsonObject().getJsonObject("pagination").getLong("total")).isPositive();

    HttpResponse<Buffer> one = app.get(BASE + "/" + id, admin);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getJsonObject("deadLetter").getString("payload")).isEqualTo(payload);

    assertError(app.get(BASE + "/0123456789abcdef01234567", admin), 404, "RESOURCE_NOT_FOUND", BASE + "/0123456789abcdef01234567");
    assertError(app.get(BASE + "/not-an-id", admin), 404, "RESOURCE_NOT_FOUND", BASE + "/not-an-id");
    String supervisor = app.login(app.createAgent(admin, "sup.dl@crm.test", "supervisor-pass-1", "supervisor")
        .getString("email"), "supervisor-pass-1").getString("token");
    assertError(app.get(BASE, supervisor), 403, "AUTH_INSUFFICIENT_PERMISSIONS", BASE);
    assertError(app.post(BASE + "/" + id + "/retry", supervisor, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS",
        BASE + "/" + id + "/retry");
  }

  @Test
  void a_retried_message_is_recorded_and_its_dead_letter_removed() throws Exception {
    String id = deadLetter("message", "wamid.DL.RETRY", parsedMessage("wamid.DL.RETRY", "por fin").encode());
    HttpResponse<Buffer> res = app.post(BASE + "/" + id + "/retry", admin, null);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getBoolean("retried")).isTrue();
    assertThat(wa.find("messages", new JsonObject().put("whatsappMessageId", "wamid.DL.RETRY")))
        .singleElement().satisfies(m -> assertThat(m.getString("content")).isEqualTo("por fin"));
    assertThat(wa.count(WebhookEventStore.DEAD_LETTERS, new JsonObject().put("_id", id))).isZero();
    assertError(app.post(BASE + "/" + id + "/retry", admin, null), 404, "RESOURCE_NOT_FOUND", BASE + "/" + id + "/retry");
  }

  @Test
  void a_retried_body_is_taken_in_again_and_processed() throws Exception {
    String raw = WebhookPayloads.text("1102", "529990007778", "Lu", "wamid.DL.BODY", "otra vez", Instant.now().getEpochSecond())
        .encode();
    String id = deadLetter("body", null, raw);
    HttpResponse<Buffer> res = app.post(BASE + "/" + id + "/retry", admin, null);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(wa.await("messages", new JsonObject().put("whatsappMessageId", "wamid.DL.BODY"), l -> !l.isEmpty())).hasSize(1);
  }

  @Test
  void a_retry_that_fails_again_keeps_the_dead_letter_with_the_new_reason() throws Exception {
    String id = deadLetter("message", "wamid.DL.BROKEN", "{not json");
    JsonObject error = assertError(app.post(BASE + "/" + id + "/retry", admin, null), 422, "BUSINESS_RULE_VIOLATION",
        BASE + "/" + id + "/retry");
    assertThat(error.getString("message")).startsWith("The dead letter still cannot be recorded");
    JsonObject kept = wa.find(WebhookEventStore.DEAD_LETTERS, new JsonObject().put("_id", id)).get(0);
    assertThat(kept.getInteger("attempts")).isEqualTo(2);
    assertThat(kept.getString("reason")).isNotEqualTo("it failed");
    assertThat(new JsonArray(wa.find("messages", new JsonObject().put("whatsappMessageId", "wamid.DL.BROKEN")))).isEmpty();
  }
}
