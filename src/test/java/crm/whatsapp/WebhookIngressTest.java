package crm.whatsapp;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Signed webhooks through the whole app: what is refused, what is stored, and what it turns into. */
class WebhookIngressTest {
  static TestApp app;
  static Wa wa;
  static final List<JsonObject> newMessageEvents = new CopyOnWriteArrayList<>();
  static final String PHONE_ID = "110200345678901";

  @BeforeAll
  static void start() {
    app = TestApp.start(Wa.config());
    wa = new Wa(app);
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_NEW_MESSAGE, m -> newMessageEvents.add(m.body()));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static String wamid() {
    return "wamid.TEST" + UUID.randomUUID().toString().replace("-", "");
  }

  static String phone() {
    return "5255" + String.format("%08d", (long) (Math.random() * 100_000_000L));
  }

  static JsonObject text(String from, String name, String wamid, String body) {
    return WebhookPayloads.text(PHONE_ID, from, name, wamid, body, Instant.now().getEpochSecond());
  }

  static JsonObject message(String wamid) {
    List<JsonObject> found = wa.await("messages", new JsonObject().put("whatsappMessageId", wamid), l -> !l.isEmpty());
    assertThat(found).as("message %s stored", wamid).hasSize(1);
    return found.get(0);
  }

  // ---- handshake and refusals

  @Test
  void verification_handshake_echoes_the_challenge_only_with_the_right_token() {
    HttpResponse<Buffer> ok = app.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=" + Wa.VERIFY_TOKEN
        + "&hub.challenge=1158201444", null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsString()).isEqualTo("1158201444");
    assertThat(ok.getHeader("Content-Type")).startsWith("text/plain");
    assertError(app.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", null),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/webhooks/whatsapp");
    assertError(app.get("/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=" + Wa.VERIFY_TOKEN + "&hub.challenge=1", null),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/webhooks/whatsapp");
  }

  @Test
  void bad_or_missing_signature_is_401_and_nothing_is_stored() {
    String id = wamid();
    byte[] bytes = text(phone(), "Eve", id, "hola").encode().getBytes(StandardCharsets.UTF_8);
    long before = wa.count("webhook_events", new JsonObject());
    assertError(wa.postRaw(bytes, false), 401, "AUTH_TOKEN_INVALID", "/webhooks/whatsapp");
    HttpResponse<Buffer> forged = app.client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", WebhookSignature.sign("not-the-secret", bytes))
        .sendBuffer(Buffer.buffer(bytes)).await();
    assertError(forged, 401, "AUTH_TOKEN_INVALID", "/webhooks/whatsapp");
    // signed, then one byte changed: the signature covers the raw bytes
    String signature = WebhookSignature.sign(Wa.APP_SECRET, bytes);
    bytes[bytes.length - 3] = (byte) ' ';
    HttpResponse<Buffer> tampered = app.client.post("/webhooks/whatsapp").putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", signature).sendBuffer(Buffer.buffer(bytes)).await();
    assertError(tampered, 401, "AUTH_TOKEN_INVALID", "/webhooks/whatsapp");
    assertThat(wa.count("webhook_events", new JsonObject())).isEqualTo(before);
    assertThat(wa.count("messages", new JsonObject().put("whatsappMessageId", id))).isZero();
  }

  @Test
  void not_json_or_not_a_business_account_is_400_and_nothing_is_stored() {
    long before = wa.count("webhook_events", new JsonObject());
    assertError(wa.postRaw("{not json".getBytes(StandardCharsets.UTF_8), true), 400, "VALIDATION_FAILED", "/webhooks/whatsapp");
    assertError(wa.postRaw("[1,2]".getBytes(StandardCharsets.UTF_8), true), 400, "VALIDATION_FAILED", "/webhooks/whatsapp");
    assertError(wa.post(new JsonObject().put("object", "page").put("entry", new JsonArray())), 400, "VALIDATION_FAILED",
        "/webhooks/whatsapp");
    assertThat(wa.count("webhook_events", new JsonObject())).isEqualTo(before);
  }

  @Test
  void a_body_over_the_limit_is_413() {
    JsonObject huge = text(phone(), "Big", wamid(), "x".repeat(4 * 1024 * 1024 + 10));
    assertError(wa.post(huge), 413, "PAYLOAD_TOO_LARGE", "/webhooks/whatsapp");
  }

  @Test
  void a_large_body_under_the_limit_is_accepted() {
    // Meta sends up to 3 MB: verified and parsed off the event loop
    String id = wamid();
    JsonObject big = text(phone(), "Big", id, "y".repeat(3 * 1024 * 1024 - 4096));
    HttpResponse<Buffer> res = wa.post(big);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    // ... and recorded, its text cut where no WhatsApp text goes (4,096 characters is WhatsApp's own limit)
    assertThat(message(id).getString("content")).hasSize(InboundParser.CONTENT_MAX_CHARS + 3).endsWith("y...");
  }

  // ---- what a message becomes

  @Test
  void a_text_message_creates_customer_conversation_and_message_and_publishes_the_event() {
    String from = phone();
    String id = wamid();
    HttpResponse<Buffer> res = wa.post(text(from, "María García Pérez", id, "Hola, necesito ayuda 🙏"));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).isEqualTo("EVENT_RECEIVED");

    JsonObject msg = message(id);
    assertThat(msg.getString("direction")).isEqualTo("inbound");
    assertThat(msg.getString("type")).isEqualTo("text");
    assertThat(msg.getString("content")).isEqualTo("Hola, necesito ayuda 🙏");
    assertThat(Wa.status(msg)).isEqualTo("delivered");
    assertThat(msg.getJsonObject("metadata").getString("waType")).isEqualTo("text");

    JsonObject customer = wa.find("customers", new JsonObject().put("phoneNumber", from)).get(0);
    assertThat(customer.getString("firstName")).isEqualTo("María");
    assertThat(customer.getString("lastName")).isEqualTo("García Pérez");
    assertThat(customer.getInteger("totalConversations")).isEqualTo(1);
    assertThat(customer.getValue("lastInteraction")).isNotNull();

    JsonObject conversation = wa.find("conversations", new JsonObject().put("_id", msg.getString("conversationId"))).get(0);
    assertThat(conversation.getString("status")).isEqualTo("open");
    assertThat(conversation.getString("customerId")).isEqualTo(customer.getString("_id"));
    assertThat(conversation.getInteger("messageCount")).isEqualTo(1);
    assertThat(conversation.getInteger("unreadCount")).isEqualTo(1);
    assertThat(conversation.getJsonObject("lastMessage").getString("content")).isEqualTo("Hola, necesito ayuda 🙏");
    assertThat(conversation.getJsonObject("lastMessage").getString("from")).isEqualTo("customer");

    JsonObject event = awaitEvent(id);
    assertThat(event.getString("conversationId")).isEqualTo(msg.getString("conversationId"));
    assertThat(event.getJsonObject("message").getString("content")).isEqualTo("Hola, necesito ayuda 🙏");
    assertThat(event.getJsonObject("message").getString("direction")).isEqualTo("inbound");
    assertThat(event.getJsonObject("message").getString("timestamp")).endsWith("Z");
    assertThat(event.getJsonObject("customer").getString("phoneNumber")).isEqualTo(from);
    assertThat(event.getJsonObject("customer").getString("lastName")).isEqualTo("García Pérez");
  }

  static JsonObject awaitEvent(String wamid) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      for (JsonObject e : newMessageEvents) {
        if (wamid.equals(e.getJsonObject("message").getString("whatsappMessageId"))) return e;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("no new_message event for " + wamid);
  }

  @Test
  void the_same_webhook_delivered_twice_and_the_same_message_in_another_body_are_stored_once() {
    String from = phone();
    String id = wamid();
    JsonObject body = text(from, "Twice", id, "once only");
    assertThat(wa.post(body).statusCode()).isEqualTo(200);
    assertThat(wa.post(body).statusCode()).isEqualTo(200); // Meta's retry: the same bytes
    JsonObject other = text(from, "Twice", id, "once only");
    other.getJsonArray("entry").getJsonObject(0).put("id", "ANOTHER"); // other bytes, same message
    assertThat(wa.post(other).statusCode()).isEqualTo(200);
    wa.awaitProcessed();
    JsonObject msg = message(id);
    assertThat(wa.count("messages", new JsonObject().put("whatsappMessageId", id))).isEqualTo(1);
    JsonObject conversation = wa.find("conversations", new JsonObject().put("_id", msg.getString("conversationId"))).get(0);
    assertThat(conversation.getInteger("messageCount")).isEqualTo(1);
    assertThat(conversation.getInteger("unreadCount")).isEqualTo(1);
  }

  @Test
  void each_persons_messages_are_recorded_and_announced_in_the_order_they_were_acknowledged() throws Exception {
    // eight people write at once, each message sent once the previous one was acknowledged: processing runs in
    // parallel lanes, and a person's messages must still be numbered and announced in their order
    int people = 8;
    int each = 12;
    List<String> phones = new java.util.ArrayList<>();
    for (int p = 0; p < people; p++) phones.add(phone());
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(people);
    try {
      List<java.util.concurrent.Future<?>> writers = new java.util.ArrayList<>();
      for (String from : phones) {
        writers.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) assertThat(wa.post(text(from, "Orden", wamid(), "orden " + i)).statusCode()).isEqualTo(200);
        }));
      }
      for (java.util.concurrent.Future<?> w : writers) w.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdown();
    }
    wa.awaitProcessed();
    for (String from : phones) {
      List<JsonObject> stored = wa.await("messages", new JsonObject().put("metadata.waType", "text")
          .put("content", new JsonObject().put("$regex", "^orden ")), l -> true).stream()
          .filter(m -> phoneOf(m).equals(from)).sorted(java.util.Comparator.comparingLong(m -> m.getLong("seq"))).toList();
      assertThat(stored).extracting(m -> m.getString("content"))
          .as("%s's messages by number", from).containsExactlyElementsOf(expected(each));
      // the events reach this test's consumer on its own event loop, which may run behind the processing: wait for all
      List<String> announced = announced(from);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (announced.size() < each && System.nanoTime() < deadline) {
        Thread.sleep(20);
        announced = announced(from);
      }
      assertThat(announced).as("%s's conversation:new_message events", from).containsExactlyElementsOf(expected(each));
    }
  }

  private static List<String> announced(String from) {
    return newMessageEvents.stream()
        .filter(e -> from.endsWith(e.getJsonObject("customer").getString("phoneNumber").replaceAll("[^0-9]", "")))
        .map(e -> e.getJsonObject("message").getString("content")).filter(c -> c.startsWith("orden ")).toList();
  }

  private static List<String> expected(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> "orden " + i).toList();
  }

  private static String phoneOf(JsonObject message) {
    JsonObject customer = wa.find("customers", new JsonObject().put("_id", message.getString("customerId"))).get(0);
    return customer.getString("phoneNumber").replaceAll("[^0-9]", "");
  }

  @Test
  void a_second_message_goes_to_the_same_open_conversation() {
    String from = phone();
    String a = wamid();
    String b = wamid();
    wa.post(text(from, "Same", a, "first"));
    wa.post(text(from, "Same", b, "second"));
    String conv = message(a).getString("conversationId");
    assertThat(message(b).getString("conversationId")).isEqualTo(conv);
    List<JsonObject> c = wa.await("conversations", new JsonObject().put("_id", conv), l -> l.get(0).getInteger("messageCount") == 2);
    assertThat(c.get(0).getInteger("messageCount")).isEqualTo(2);
    assertThat(c.get(0).getJsonObject("lastMessage").getString("content")).isEqualTo("second");
    assertThat(wa.count("customers", new JsonObject().put("phoneNumber", from))).isEqualTo(1);
  }

  @Test
  void mexican_521_and_52_forms_are_one_customer() {
    String ten = String.format("%010d", (long) (Math.random() * 10_000_000_000L));
    String a = wamid();
    String b = wamid();
    wa.post(text("521" + ten, "Mx", a, "con 1"));
    wa.post(text("52" + ten, "Mx", b, "sin 1"));
    assertThat(message(a).getString("customerId")).isEqualTo(message(b).getString("customerId"));
    assertThat(wa.count("customers", new JsonObject().put("phoneNumber", "52" + ten))).isEqualTo(1);
    assertThat(wa.count("customers", new JsonObject().put("phoneNumber", "521" + ten))).isZero();
  }

  @Test
  void a_batch_of_several_customers_and_statuses_in_one_body() {
    JsonObject mixed = Wa.fixture("mixed");
    assertThat(wa.post(mixed).statusCode()).isEqualTo(200);
    wa.awaitProcessed();
    JsonObject parsed = InboundParser.parse(mixed);
    for (Object o : parsed.getJsonArray("messages")) {
      JsonObject m = (JsonObject) o;
      if (m.getJsonObject("reaction") != null) continue;
      JsonObject stored = message(m.getString("waMessageId"));
      assertThat(stored.getString("content")).isEqualTo(m.getString("content"));
    }
    assertThat(wa.count("customers", new JsonObject().put("phoneNumber", "5511998765432"))).isEqualTo(1); // Brazil, with the 9
    assertThat(wa.find("customers", new JsonObject().put("phoneNumber", "529991234567")).get(0).getString("firstName"))
        .isEqualTo("María");
  }

  @Test
  void every_message_type_is_stored_with_its_spec_type_and_whatsapp_type() {
    for (String fixture : List.of("text", "image", "video", "audio", "document", "sticker", "location", "contacts",
        "interactive", "button", "system", "order", "unsupported", "context_reply", "referral")) {
      JsonObject body = Wa.fixture(fixture);
      assertThat(wa.post(body).statusCode()).as(fixture).isEqualTo(200);
      for (Object o : InboundParser.parse(body).getJsonArray("messages")) {
        JsonObject m = (JsonObject) o;
        if (m.getJsonObject("reaction") != null) continue;
        JsonObject stored = message(m.getString("waMessageId"));
        assertThat(stored.getString("type")).as(fixture).isEqualTo(m.getString("type"));
        assertThat(stored.getJsonObject("metadata").getString("waType")).as(fixture).isEqualTo(m.getString("waType"));
        assertThat(stored.getString("content")).as(fixture).isEqualTo(m.getString("content"));
        if (m.getJsonObject("location") != null) {
          assertThat(stored.getJsonObject("location").getDouble("latitude")).isEqualTo(m.getJsonObject("location").getDouble("latitude"));
        }
        if (m.getJsonArray("attachments") != null) {
          JsonObject att = stored.getJsonArray("attachments").getJsonObject(0);
          assertThat(att.getString("mediaId")).isEqualTo(m.getJsonArray("attachments").getJsonObject(0).getString("mediaId"));
        }
        if (fixture.equals("unsupported")) {
          assertThat(stored.getJsonObject("metadata").getJsonArray("errors")).isNotEmpty();
        }
      }
    }
  }

  @Test
  void a_reaction_attaches_to_the_message_it_reacts_to_and_creates_nothing() {
    String from = phone();
    String target = wamid();
    wa.post(text(from, "R", target, "¿llega hoy?"));
    message(target);
    long before = wa.count("messages", new JsonObject());
    JsonObject reaction = new JsonObject().put("from", from).put("id", wamid()).put("timestamp", String.valueOf(Instant.now().getEpochSecond()))
        .put("type", "reaction").put("reaction", new JsonObject().put("message_id", target).put("emoji", "👍"));
    wa.post(WebhookPayloads.notification(PHONE_ID, from, "R", new JsonArray().add(reaction), null));
    List<JsonObject> m = wa.await("messages", new JsonObject().put("whatsappMessageId", target),
        l -> l.get(0).getJsonObject("metadata").getJsonObject("reaction") != null);
    assertThat(m.get(0).getJsonObject("metadata").getJsonObject("reaction").getString("emoji")).isEqualTo("👍");
    assertThat(wa.count("messages", new JsonObject())).isEqualTo(before);
  }

  @Test
  void a_reply_keeps_the_link_to_the_quoted_message() {
    String from = phone();
    String first = wamid();
    wa.post(text(from, "Q", first, "pedido 123"));
    String quotedId = message(first).getString("_id");
    JsonObject reply = new JsonObject().put("from", from).put("id", wamid()).put("timestamp", String.valueOf(Instant.now().getEpochSecond()))
        .put("type", "text").put("text", new JsonObject().put("body", "¿y este?"))
        .put("context", new JsonObject().put("from", from).put("id", first));
    wa.post(WebhookPayloads.notification(PHONE_ID, from, "Q", new JsonArray().add(reply), null));
    JsonObject stored = message(reply.getString("id"));
    assertThat(stored.getString("replyTo")).isEqualTo(quotedId);
    assertThat(stored.getJsonObject("metadata").getJsonObject("context").getString("messageId")).isEqualTo(first);
  }

  @Test
  void a_blocked_customer_is_stored_but_raises_no_event() {
    String from = phone();
    String first = wamid();
    wa.post(text(from, "Blocked", first, "hi"));
    String customerId = message(first).getString("customerId");
    new crm.storage.Mongo(app.vertx, app.app.deployedConfig()).client().updateCollection("customers",
        new JsonObject().put("_id", customerId), new JsonObject().put("$set", new JsonObject().put("isBlocked", true))).await();
    // whoever changes a customer says so (the customer API will); the inbox forgets its cached copy
    app.vertx.eventBus().publish(Addresses.EVT_CUSTOMER_UPDATED, new JsonObject().put("customerId", customerId));
    String second = wamid();
    wa.post(text(from, "Blocked", second, "spam"));
    message(second);
    wa.awaitProcessed();
    assertThat(newMessageEvents.stream().anyMatch(e -> second.equals(e.getJsonObject("message").getString("whatsappMessageId"))))
        .isFalse();
  }
}
