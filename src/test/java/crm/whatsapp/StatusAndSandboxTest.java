package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Delivery statuses of outbound messages (sandbox sender with a long simulation delay, so only the webhooks this test
 * posts move them), the 24 h window and idempotent sends.
 */
class StatusAndSandboxTest {
  static TestApp app;
  static Wa wa;
  static Bus bus;
  static final List<JsonObject> statusEvents = new CopyOnWriteArrayList<>();
  static final String PHONE_ID = "110200345678901";

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config().put("WHATSAPP_SANDBOX_DELAY_MS", 60_000));
    wa = new Wa(app);
    bus = new Bus(app.vertx);
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_MESSAGE_STATUS_UPDATED, m -> statusEvents.add(m.body()));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** A customer who wrote just now: returns their conversation id. */
  static String customerWhoWrote(String phone) {
    String id = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
    wa.post(WebhookPayloads.text(PHONE_ID, phone, "Cliente", id, "hola", Instant.now().getEpochSecond()));
    return wa.await("messages", new JsonObject().put("whatsappMessageId", id), l -> !l.isEmpty()).get(0).getString("conversationId");
  }

  static String phone() {
    return "5255" + String.format("%08d", (long) (Math.random() * 100_000_000L));
  }

  static JsonObject send(JsonObject request) {
    try {
      return bus.request(Addresses.WHATSAPP_SEND, request).await(20, TimeUnit.SECONDS);
    } catch (CrmException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void status(String wamid, String status, String recipient, JsonObject error) {
    assertThat(wa.post(WebhookPayloads.status(PHONE_ID, wamid, status, recipient, Instant.now().getEpochSecond(), error))
        .statusCode()).isEqualTo(200);
    wa.awaitProcessed();
  }

  static JsonObject stored(String messageId) {
    return wa.find("messages", new JsonObject().put("_id", messageId)).get(0);
  }

  @Test
  void statuses_only_move_forward_and_each_step_is_an_event() {
    String phone = phone();
    String conv = customerWhoWrote(phone);
    JsonObject sent = send(new JsonObject().put("type", "text").put("conversationId", conv).put("content", "¡Hola! 👋"));
    JsonObject message = sent.getJsonObject("message");
    String id = message.getString("_id");
    String wamid = message.getString("whatsappMessageId");
    assertThat(message.getString("status")).isEqualTo("sent");
    assertThat(wamid).startsWith("wamid.sandbox.");
    assertThat(sent.getJsonObject("whatsappResponse").getJsonArray("messages").getJsonObject(0).getString("id")).isEqualTo(wamid);

    status(wamid, "read", phone, null);          // read arrives first
    status(wamid, "delivered", phone, null);     // the late delivered must not win
    status(wamid, "sent", phone, null);
    assertThat(Wa.status(stored(id))).isEqualTo("read");
    assertThat(statusEvents.stream().filter(e -> id.equals(e.getString("messageId"))).map(e -> e.getString("status")).toList())
        .containsExactly("sent", "read");
    JsonObject event = statusEvents.stream().filter(e -> id.equals(e.getString("messageId")) && e.getString("status").equals("read"))
        .findFirst().orElseThrow();
    assertThat(event.getString("conversationId")).isEqualTo(conv);
    assertThat(event.getString("timestamp")).endsWith("Z");
  }

  @Test
  void failed_keeps_metas_error_in_words() {
    String phone = phone();
    String conv = customerWhoWrote(phone);
    JsonObject message = send(new JsonObject().put("type", "text").put("conversationId", conv).put("content", "x"))
        .getJsonObject("message");
    JsonObject metaError = new JsonObject().put("code", 131026).put("title", "Message undeliverable")
        .put("message", "Message undeliverable").put("error_data", new JsonObject().put("details", "Receiver is incapable"));
    status(message.getString("whatsappMessageId"), "failed", phone, metaError);
    JsonObject doc = stored(message.getString("_id"));
    assertThat(Wa.status(doc)).isEqualTo("failed");
    JsonObject error = doc.getJsonObject("failure");
    assertThat(error.getInteger("code")).isEqualTo(131026);
    assertThat(error.getString("title")).isEqualTo("Message undeliverable");
    assertThat(error.getString("details")).isEqualTo("Receiver is incapable");
    assertThat(error.getString("userMessage")).contains("undeliverable");
    // a later read proves the failure wrong; a later delivered does not undo it
    status(message.getString("whatsappMessageId"), "delivered", phone, null);
    assertThat(Wa.status(stored(message.getString("_id")))).isEqualTo("failed");
  }

  @Test
  void a_status_that_arrives_before_the_wamid_is_stored_is_kept_and_applied_later() throws Exception {
    String phone = phone();
    String conv = customerWhoWrote(phone);
    JsonObject prepared = bus.request(Addresses.CONVERSATION_PREPARE_OUTBOUND,
        new JsonObject().put("type", "text").put("conversationId", conv).put("content", "early")).await(10, TimeUnit.SECONDS);
    String wamid = "wamid.EARLY" + UUID.randomUUID().toString().replace("-", "");
    status(wamid, "delivered", phone, null); // Meta is faster than our own send call
    assertThat(wa.count("pending_statuses", new JsonObject().put("whatsappMessageId", wamid))).isEqualTo(1);
    bus.request(Addresses.CONVERSATION_OUTBOUND_RESULT, new JsonObject().put("messageId", prepared.getString("messageId"))
        .put("wamid", wamid)).await(10, TimeUnit.SECONDS);
    assertThat(Wa.status(stored(prepared.getString("messageId")))).isEqualTo("delivered");
    assertThat(wa.count("pending_statuses", new JsonObject().put("whatsappMessageId", wamid))).isZero();
  }

  @Test
  void free_form_outside_the_24h_window_is_refused_before_calling_meta_but_templates_go() {
    String phone = phone();
    String conv = customerWhoWrote(phone);
    String customerId = wa.find("conversations", new JsonObject().put("_id", conv)).get(0).getString("customerId");
    new crm.storage.Mongo(app.vertx, app.app.deployedConfig()).client().updateCollection("customers",
        new JsonObject().put("_id", customerId), new JsonObject().put("$set", new JsonObject()
            .put("lastInboundAt", new JsonObject().put("$date", Instant.now().minusSeconds(25 * 3600).toString())))).await();
    long before = wa.count("messages", new JsonObject().put("conversationId", conv));
    assertThatThrownBy(() -> send(new JsonObject().put("type", "text").put("conversationId", conv).put("content", "late")))
        .isInstanceOfSatisfying(CrmException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.WHATSAPP_WINDOW_CLOSED));
    assertThat(wa.count("messages", new JsonObject().put("conversationId", conv))).isEqualTo(before);
    JsonObject template = send(new JsonObject().put("type", "template").put("conversationId", conv)
        .put("templateName", "seguimiento").put("language", "es_MX").put("templateParams", new JsonArray().add("Juan")));
    assertThat(template.getJsonObject("message").getString("type")).isEqualTo("template");
    assertThat(template.getJsonObject("message").getString("status")).isEqualTo("sent");
  }

  @Test
  void the_same_idempotency_key_sends_once() {
    String conv = customerWhoWrote(phone());
    JsonObject req = new JsonObject().put("type", "text").put("conversationId", conv).put("content", "una vez")
        .put("idempotencyKey", "key-" + UUID.randomUUID());
    JsonObject first = send(req);
    JsonObject again = send(req.copy());
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(again.getJsonObject("message").getString("_id")).isEqualTo(first.getJsonObject("message").getString("_id"));
    assertThat(wa.count("messages", new JsonObject().put("idempotencyKey", req.getString("idempotencyKey")))).isEqualTo(1);
  }

  @Test
  void bad_send_requests_are_validation_errors() {
    String conv = customerWhoWrote(phone());
    for (JsonObject bad : List.of(
        new JsonObject().put("type", "text").put("conversationId", conv),                        // no content
        new JsonObject().put("type", "fax").put("conversationId", conv).put("content", "x"),       // unknown type
        new JsonObject().put("type", "text").put("content", "x"),                                  // no target
        new JsonObject().put("type", "text").put("conversationId", conv).put("content", new JsonObject().put("$gt", "")),
        new JsonObject().put("type", "image").put("conversationId", conv).put("mediaUrl", "file:///etc/passwd"))) {
      assertThatThrownBy(() -> send(bad)).as(bad.encode())
          .isInstanceOfSatisfying(CrmException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
    }
    assertThatThrownBy(() -> send(new JsonObject().put("type", "text").put("conversationId", "0123456789abcdef01234567")
        .put("content", "x"))).isInstanceOfSatisfying(CrmException.class,
        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONVERSATION_NOT_FOUND));
  }

  @Test
  void sandbox_simulates_delivered_then_read() {
    try (TestApp quick = TestApp.start(Wa.config().put("WHATSAPP_SANDBOX_DELAY_MS", 30))) {
      Wa w = new Wa(quick);
      String phone = phone();
      String in = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
      w.post(WebhookPayloads.text(PHONE_ID, phone, "S", in, "hola", Instant.now().getEpochSecond()));
      String conv = w.await("messages", new JsonObject().put("whatsappMessageId", in), l -> !l.isEmpty()).get(0).getString("conversationId");
      JsonObject msg = new Bus(quick.vertx).request(Addresses.WHATSAPP_SEND,
          new JsonObject().put("type", "text").put("conversationId", conv).put("content", "hola")).await().getJsonObject("message");
      List<JsonObject> done = w.await("messages", new JsonObject().put("_id", msg.getString("_id")),
          l -> "read".equals(Wa.status(l.get(0))));
      assertThat(Wa.status(done.get(0))).isEqualTo("read");
      assertThat(done.get(0).getJsonObject("statusTimestamps").fieldNames()).contains("sent", "delivered", "read");
    }
  }
}
