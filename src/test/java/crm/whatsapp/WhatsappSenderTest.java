package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The outbound sender ({@link Addresses#WHATSAPP_SEND}) against {@link FakeGraphApi}: the exact Graph API bodies of
 * every message type, what is stored, retries with backoff, Meta's errors in words, the 24 h window and idempotency.
 * The app is not in sandbox mode: its token and phone number id are the fake's.
 */
class WhatsappSenderTest {
  static final String MESSAGES_PATH = FakeGraphApi.messagesPath(FakeGraphApi.PHONE_NUMBER_ID);

  static FakeGraphApi fake;
  static TestApp app;
  static Wa wa;
  static Bus bus;
  static final List<JsonObject> statusEvents = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(appConfig());
    wa = new Wa(app);
    bus = new Bus(app.vertx);
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_MESSAGE_STATUS_UPDATED, m -> statusEvents.add(m.body()));
  }

  static JsonObject appConfig() {
    return Wa.config().mergeIn(fake.config()).put("WHATSAPP_RETRY_BASE_MS", 5).put("WHATSAPP_SEND_MAX_ATTEMPTS", 4);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    if (fake != null) fake.close();
  }

  // ---- helpers

  /** A customer who wrote just now (through a signed webhook), their conversation and their message. */
  @AfterEach
  void forgetUnusedAnswers() {
    fake.clearScripted(); // a test that failed midway must not leave answers for the next one
  }

  record Customer(String phone, String conversationId, String inboundId, String inboundWamid) {}

  static Customer customerWhoWrote() {
    return customerWhoWrote(wa);
  }

  static Customer customerWhoWrote(Wa w) {
    String phone = "5255" + String.format("%08d", (long) (Math.random() * 100_000_000L));
    String wamid = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
    assertThat(w.post(WebhookPayloads.text(FakeGraphApi.PHONE_NUMBER_ID, phone, "Cliente", wamid, "hola",
        Instant.now().getEpochSecond())).statusCode()).isEqualTo(200);
    JsonObject in = w.await("messages", new JsonObject().put("whatsappMessageId", wamid), l -> !l.isEmpty()).get(0);
    return new Customer(phone, in.getString("conversationId"), in.getString("_id"), wamid);
  }

  /** Moves the customer's last inbound message 25 h back: the customer service window is closed. */
  static void closeWindow(Customer c) {
    String customerId = wa.find("conversations", new JsonObject().put("_id", c.conversationId())).get(0).getString("customerId");
    new crm.storage.Mongo(app.vertx, app.app.deployedConfig()).client().updateCollection("customers",
        new JsonObject().put("_id", customerId), new JsonObject().put("$set", new JsonObject()
            .put("lastInboundAt", new JsonObject().put("$date", Instant.now().minusSeconds(25 * 3600).toString())))).await();
  }

  static JsonObject send(JsonObject request) {
    return send(bus, request);
  }

  static JsonObject send(Bus b, JsonObject request) {
    try {
      return b.request(Addresses.WHATSAPP_SEND, request, 30_000).await(40, TimeUnit.SECONDS);
    } catch (CrmException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static CrmException sendFails(JsonObject request) {
    return sendFails(bus, request);
  }

  static CrmException sendFails(Bus b, JsonObject request) {
    CrmException e = catchThrowableOfType(CrmException.class, () -> send(b, request));
    assertThat(e).as("send of %s fails with a CrmException", request.encode()).isNotNull();
    return e;
  }

  /** The POSTs the fake received for this recipient, each checked for path, method and bearer token. */
  static List<FakeGraphApi.Recorded> requestsTo(String to) {
    return requestsTo(to, FakeGraphApi.TOKEN);
  }

  static List<FakeGraphApi.Recorded> requestsTo(String to, String token) {
    List<FakeGraphApi.Recorded> found = fake.requests(r -> r.json() != null && to.equals(r.json().getString("to")));
    for (FakeGraphApi.Recorded r : found) {
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo(MESSAGES_PATH);
      assertThat(r.header("Authorization")).isEqualTo("Bearer " + token);
      assertThat(r.header("Content-Type")).startsWith("application/json");
    }
    return found;
  }

  /** The one request the fake received for this recipient. */
  static JsonObject onlyRequestTo(String to) {
    List<FakeGraphApi.Recorded> found = requestsTo(to);
    assertThat(found).as("requests to %s", to).hasSize(1);
    assertThat(found.get(0).status()).isEqualTo(200);
    return found.get(0).json();
  }

  /** The start of every message body: {messaging_product, recipient_type, to, type}. */
  static JsonObject envelope(String to, String type) {
    return new JsonObject().put("messaging_product", "whatsapp").put("recipient_type", "individual").put("to", to)
        .put("type", type);
  }

  static JsonObject stored(String messageId) {
    List<JsonObject> found = wa.find("messages", new JsonObject().put("_id", messageId));
    assertThat(found).as("message %s stored", messageId).hasSize(1);
    return found.get(0);
  }

  static long outboundCount(String conversationId) {
    return wa.count("messages", new JsonObject().put("conversationId", conversationId).put("direction", "outbound"));
  }

  /** Checks a successful send: stored "sent" with the fake's wamid, which the reply's whatsappResponse carries. */
  static JsonObject assertSent(JsonObject reply) {
    assertThat(reply.getBoolean("success")).isTrue();
    JsonObject response = reply.getJsonObject("whatsappResponse");
    assertThat(response).as("whatsappResponse in %s", reply).isNotNull();
    String wamid = response.getJsonArray("messages").getJsonObject(0).getString("id");
    assertThat(wamid).startsWith("wamid.HBgL"); // the fake's, not the sandbox's
    JsonObject message = reply.getJsonObject("message");
    assertThat(message.getString("status")).isEqualTo("sent");
    assertThat(message.getString("whatsappMessageId")).isEqualTo(wamid);
    JsonObject doc = stored(message.getString("_id"));
    assertThat(Wa.status(doc)).isEqualTo("sent");
    assertThat(doc.getString("whatsappMessageId")).isEqualTo(wamid);
    assertThat(doc.getString("direction")).isEqualTo("outbound");
    assertThat(doc.getJsonObject("metadata").getJsonObject("whatsappResponse")).isEqualTo(response);
    assertThat(doc.containsKey("failure")).isFalse();
    return doc;
  }

  static List<JsonObject> awaitStatusEvents(String messageId, String status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      List<JsonObject> found = statusEvents.stream()
          .filter(e -> messageId.equals(e.getString("messageId")) && status.equals(e.getString("status"))).toList();
      if (!found.isEmpty() || System.nanoTime() > deadline) return found;
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return found;
      }
    }
  }

  // ---- 1. text

  @Test
  void text_is_posted_with_the_token_and_stored_sent_with_the_wamid() {
    Customer c = customerWhoWrote();
    JsonObject reply = send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "¡Hola! ¿En qué te ayudo?").put("agentId", "agent-1"));
    JsonObject doc = assertSent(reply);
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "text")
        .put("text", new JsonObject().put("body", "¡Hola! ¿En qué te ayudo?")));
    assertThat(reply.getJsonObject("whatsappResponse").getJsonArray("contacts").getJsonObject(0).getString("wa_id"))
        .isEqualTo(c.phone());
    assertThat(doc.getString("content")).isEqualTo("¡Hola! ¿En qué te ayudo?");
    assertThat(doc.getString("type")).isEqualTo("text");
    assertThat(doc.getString("conversationId")).isEqualTo(c.conversationId());
    assertThat(doc.getString("agentId")).isEqualTo("agent-1");
    assertThat(awaitStatusEvents(doc.getString("_id"), "sent")).hasSize(1);
  }

  @Test
  void only_a_text_with_a_link_asks_for_its_preview() {
    Customer c = customerWhoWrote();
    assertSent(send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "Sigue tu pedido en HTTPS://tienda.example/pedido/42 cuando quieras")));
    assertSent(send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "Escríbenos a ventas@tienda.example o visita tienda.example")));
    List<FakeGraphApi.Recorded> requests = requestsTo(c.phone());
    assertThat(requests).hasSize(2);
    assertThat(requests.get(0).json().getJsonObject("text").getBoolean("preview_url")).isTrue();
    assertThat(requests.get(1).json().getJsonObject("text").containsKey("preview_url")).isFalse();
  }

  @Test
  void a_reply_quotes_the_inbound_message_by_our_id_or_by_its_wamid() {
    Customer c = customerWhoWrote();
    JsonObject byId = send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "sobre esto").put("replyTo", c.inboundId()));
    JsonObject byWamid = send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "y esto").put("replyTo", c.inboundWamid()));
    assertThat(assertSent(byId).getString("replyTo")).isEqualTo(c.inboundId());
    assertThat(assertSent(byWamid).getString("replyTo")).isEqualTo(c.inboundId());
    List<FakeGraphApi.Recorded> requests = requestsTo(c.phone());
    assertThat(requests).hasSize(2);
    JsonObject context = new JsonObject().put("message_id", c.inboundWamid());
    assertThat(requests.get(0).json()).isEqualTo(envelope(c.phone(), "text")
        .put("text", new JsonObject().put("body", "sobre esto")).put("context", context));
    assertThat(requests.get(1).json()).isEqualTo(envelope(c.phone(), "text")
        .put("text", new JsonObject().put("body", "y esto")).put("context", context));
  }

  // ---- 2. templates

  @Test
  void template_with_positional_parameters() {
    Customer c = customerWhoWrote();
    JsonObject reply = send(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "order_update").put("language", "es_MX").put("templateParams", new JsonArray().add("Juan").add("#123")));
    JsonObject doc = assertSent(reply);
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "order_update").put("language", new JsonObject().put("code", "es_MX"))
        .put("components", new JsonArray().add(new JsonObject().put("type", "body").put("parameters", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Juan"))
            .add(new JsonObject().put("type", "text").put("text", "#123")))))));
    assertThat(doc.getString("type")).isEqualTo("template");
    assertThat(doc.getJsonObject("metadata").getString("templateName")).isEqualTo("order_update");
    assertThat(doc.getJsonObject("metadata").getJsonArray("templateParams")).isEqualTo(new JsonArray().add("Juan").add("#123"));
  }

  @Test
  void template_with_components_a_media_header_currency_date_and_buttons_goes_out_in_metas_format() {
    Customer c = customerWhoWrote();
    JsonArray components = new JsonArray()
        .add(new JsonObject().put("type", "button").put("sub_type", "url").put("index", 1)
            .put("parameters", new JsonArray().add(new JsonObject().put("type", "text").put("text", "pedido/A-9"))))
        .add(new JsonObject().put("type", "body").put("parameters", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Ana"))
            .add(new JsonObject().put("type", "currency").put("currency", new JsonObject().put("fallback_value", "$1,250.50 MXN")
                .put("code", "MXN").put("amount_1000", 1_250_500)))
            .add(new JsonObject().put("type", "date_time").put("date_time", new JsonObject().put("fallback_value", "5 de diciembre")))))
        .add(new JsonObject().put("type", "header").put("parameters", new JsonArray().add(new JsonObject().put("type", "document")
            .put("document", new JsonObject().put("link", "https://cdn.example.com/factura.pdf").put("filename", "factura.pdf")))))
        .add(new JsonObject().put("type", "button").put("sub_type", "quick_reply").put("index", "0")
            .put("parameters", new JsonArray().add(new JsonObject().put("type", "payload").put("payload", "CONFIRMAR-A-9"))));
    JsonObject doc = assertSent(send(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "invoice_ready").put("language", "es_MX").put("templateComponents", components)));
    JsonArray expected = new JsonArray()
        .add(components.getJsonObject(2))
        .add(components.getJsonObject(1))
        .add(components.getJsonObject(3))
        .add(components.getJsonObject(0).copy().put("index", "1"));
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "invoice_ready").put("language", new JsonObject().put("code", "es_MX")).put("components", expected)));
    assertThat(doc.getJsonObject("metadata").getJsonArray("templateComponents")).hasSize(4);
  }

  @Test
  void template_components_that_break_metas_format_are_refused_with_the_field_and_nothing_is_sent() {
    Customer c = customerWhoWrote();
    java.util.Map<String, JsonArray> wrong = new java.util.LinkedHashMap<>();
    wrong.put("templateComponents[0].parameters[0].currency.code", new JsonArray().add(new JsonObject().put("type", "body")
        .put("parameters", new JsonArray().add(new JsonObject().put("type", "currency").put("currency", new JsonObject()
            .put("fallback_value", "$1").put("code", "pesos").put("amount_1000", 1000))))));
    wrong.put("templateComponents[0].parameters[0].currency.amount_1000", new JsonArray().add(new JsonObject().put("type", "body")
        .put("parameters", new JsonArray().add(new JsonObject().put("type", "currency").put("currency", new JsonObject()
            .put("fallback_value", "$1").put("code", "USD").put("amount_1000", 1.5))))));
    wrong.put("templateComponents[0].index", new JsonArray().add(new JsonObject().put("type", "button").put("sub_type", "quick_reply")
        .put("index", 12).put("parameters", new JsonArray().add(new JsonObject().put("type", "payload").put("payload", "x")))));
    wrong.put("templateComponents[0].parameters[0].type", new JsonArray().add(new JsonObject().put("type", "button")
        .put("sub_type", "quick_reply").put("index", 0).put("parameters", new JsonArray().add(new JsonObject().put("type", "text").put("text", "x")))));
    wrong.put("templateComponents[0].parameters[0].image.link", new JsonArray().add(new JsonObject().put("type", "header")
        .put("parameters", new JsonArray().add(new JsonObject().put("type", "image").put("image", new JsonObject().put("link", "javascript:alert(1)"))))));
    wrong.put("templateComponents[0].type", new JsonArray().add(new JsonObject().put("type", "footer").put("parameters",
        new JsonArray().add(new JsonObject().put("type", "text").put("text", "x")))));
    wrong.put("templateComponents", new JsonArray());
    for (var e : wrong.entrySet()) {
      CrmException err = sendFails(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
          .put("templateName", "t").put("templateComponents", e.getValue()));
      assertThat(err.code()).as(e.getKey()).isEqualTo(ErrorCode.VALIDATION_FAILED);
      assertThat(err.field()).as(e.getKey()).isEqualTo(e.getKey());
    }
    CrmException twice = sendFails(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "t").put("templateParams", new JsonArray().add("a")).put("templateComponents", new JsonArray()
            .add(new JsonObject().put("type", "body").put("parameters", new JsonArray().add(new JsonObject().put("type", "text").put("text", "b"))))));
    assertThat(twice.field()).isEqualTo("templateParams");
    assertThat(requestsTo(c.phone())).isEmpty();
  }

  @Test
  void template_with_named_parameters_and_a_media_header() {
    Customer c = customerWhoWrote();
    assertSent(send(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "promo").put("language", "es")
        .put("templateParams", new JsonObject().put("customer_name", "Ana").put("order_id", "A-9"))
        .put("headerMedia", new JsonObject().put("type", "image").put("link", "https://cdn.example.com/promo.jpg"))));
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "promo").put("language", new JsonObject().put("code", "es"))
        .put("components", new JsonArray()
            .add(new JsonObject().put("type", "header").put("parameters", new JsonArray().add(new JsonObject()
                .put("type", "image").put("image", new JsonObject().put("link", "https://cdn.example.com/promo.jpg")))))
            .add(new JsonObject().put("type", "body").put("parameters", new JsonArray()
                .add(new JsonObject().put("type", "text").put("parameter_name", "customer_name").put("text", "Ana"))
                .add(new JsonObject().put("type", "text").put("parameter_name", "order_id").put("text", "A-9")))))));
  }

  @Test
  void a_template_without_parameters_goes_to_a_customer_whose_window_is_closed() {
    Customer c = customerWhoWrote();
    closeWindow(c);
    assertSent(send(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "hello_world")));
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "hello_world").put("language", new JsonObject().put("code", "en_US"))));
  }

  // ---- 3. media by link

  @Test
  void image_document_and_audio_by_link() {
    Customer c = customerWhoWrote();
    JsonObject image = assertSent(send(new JsonObject().put("type", "image").put("conversationId", c.conversationId())
        .put("mediaUrl", "https://cdn.example.com/a.jpg").put("content", "Tu recibo")));
    JsonObject document = assertSent(send(new JsonObject().put("type", "document").put("conversationId", c.conversationId())
        .put("mediaUrl", "https://cdn.example.com/f.pdf").put("filename", "factura.pdf").put("content", "La factura")));
    JsonObject audio = assertSent(send(new JsonObject().put("type", "audio").put("conversationId", c.conversationId())
        .put("mediaUrl", "https://cdn.example.com/v.ogg")));
    List<FakeGraphApi.Recorded> requests = requestsTo(c.phone());
    assertThat(requests).hasSize(3);
    assertThat(requests.get(0).json()).isEqualTo(envelope(c.phone(), "image")
        .put("image", new JsonObject().put("link", "https://cdn.example.com/a.jpg").put("caption", "Tu recibo")));
    assertThat(requests.get(1).json()).isEqualTo(envelope(c.phone(), "document").put("document", new JsonObject()
        .put("link", "https://cdn.example.com/f.pdf").put("filename", "factura.pdf").put("caption", "La factura")));
    assertThat(requests.get(2).json()).isEqualTo(envelope(c.phone(), "audio")
        .put("audio", new JsonObject().put("link", "https://cdn.example.com/v.ogg")));
    assertThat(image.getString("type")).isEqualTo("image");
    assertThat(image.getString("content")).isEqualTo("Tu recibo");
    assertThat(image.getJsonArray("attachments").getJsonObject(0).getString("url")).isEqualTo("https://cdn.example.com/a.jpg");
    assertThat(document.getJsonArray("attachments").getJsonObject(0).getString("filename")).isEqualTo("factura.pdf");
    assertThat(audio.getJsonArray("attachments").getJsonObject(0).getString("url")).isEqualTo("https://cdn.example.com/v.ogg");
  }

  // ---- 4. reaction and read

  @Test
  void a_reaction_names_the_wamid_of_the_message_it_reacts_to() {
    Customer c = customerWhoWrote();
    JsonObject doc = assertSent(send(new JsonObject().put("type", "reaction").put("conversationId", c.conversationId())
        .put("targetMessageId", c.inboundId()).put("emoji", "👍")));
    assertThat(onlyRequestTo(c.phone())).isEqualTo(envelope(c.phone(), "reaction")
        .put("reaction", new JsonObject().put("message_id", c.inboundWamid()).put("emoji", "👍")));
    assertThat(doc.getJsonObject("metadata").getString("emoji")).isEqualTo("👍");
  }

  @Test
  void read_marks_the_message_read_without_the_typing_indicator_and_stores_nothing() {
    Customer c = customerWhoWrote();
    long before = wa.count("messages", new JsonObject().put("conversationId", c.conversationId()));
    JsonObject reply = send(new JsonObject().put("type", "read").put("conversationId", c.conversationId())
        .put("targetMessageId", c.inboundId()));
    assertThat(reply.getBoolean("success")).isTrue();
    assertThat(reply.getJsonObject("whatsappResponse")).isEqualTo(new JsonObject().put("success", true));
    assertThat(reply.containsKey("message")).isFalse();
    List<FakeGraphApi.Recorded> requests = fake.requests(r -> r.json() != null && c.inboundWamid().equals(r.json().getString("message_id")));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).path()).isEqualTo(MESSAGES_PATH);
    assertThat(requests.get(0).header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    assertThat(requests.get(0).json()).isEqualTo(new JsonObject().put("messaging_product", "whatsapp").put("status", "read")
        .put("message_id", c.inboundWamid()));
    assertThat(wa.count("messages", new JsonObject().put("conversationId", c.conversationId()))).isEqualTo(before);
  }

  /** An agent typing (the socket's agent:typing) shows WhatsApp's typing indicator on the customer's newest message. */
  @Test
  void agent_typing_shows_the_typing_indicator_on_the_newest_inbound_message() throws Exception {
    Customer c = customerWhoWrote();
    JsonObject caller = new JsonObject().put("agentId", crm.storage.Mongo.newId()).put("role", "admin");
    JsonObject reply = app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.CONVERSATION_AGENT_TYPING, new JsonObject()
        .put("caller", caller).put("conversationId", c.conversationId()).put("isTyping", true)).await(10, TimeUnit.SECONDS).body();
    assertThat(reply.getBoolean("sent")).isTrue();
    List<FakeGraphApi.Recorded> requests = fake.requests(r -> r.json() != null && c.inboundWamid().equals(r.json().getString("message_id")));
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).json().getJsonObject("typing_indicator")).isEqualTo(new JsonObject().put("type", "text"));

    JsonObject stopped = app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.CONVERSATION_AGENT_TYPING, new JsonObject()
        .put("caller", caller).put("conversationId", c.conversationId()).put("isTyping", false)).await(10, TimeUnit.SECONDS).body();
    assertThat(stopped.getBoolean("sent")).isFalse();
    assertThat(fake.requests(r -> r.json() != null && c.inboundWamid().equals(r.json().getString("message_id")))).hasSize(1);

    // typing again at once: the customer still sees the indicator (it lasts 25 s), so no second Graph API call
    JsonObject again = app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.CONVERSATION_AGENT_TYPING, new JsonObject()
        .put("caller", caller).put("conversationId", c.conversationId()).put("isTyping", true)).await(10, TimeUnit.SECONDS).body();
    assertThat(again.getBoolean("sent")).isFalse();
    assertThat(fake.requests(r -> r.json() != null && c.inboundWamid().equals(r.json().getString("message_id")))).hasSize(1);

    assertThatThrownBy(() -> app.vertx.eventBus().request(crm.bus.Addresses.CONVERSATION_AGENT_TYPING, new JsonObject()
        .put("caller", caller).put("conversationId", crm.storage.Mongo.newId()).put("isTyping", true)).await(10, TimeUnit.SECONDS))
        .hasMessageContaining("not found");
  }

  @Test
  void a_read_receipt_meta_refuses_fails_as_message_send_failed() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.error(100, "OAuthException", "(#100) Invalid parameter"));
    CrmException e = sendFails(new JsonObject().put("type", "read").put("conversationId", c.conversationId())
        .put("targetMessageId", c.inboundId()));
    assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
    assertThat(e.getMessage()).isEqualTo("WhatsApp refused a parameter of the request");
    assertThat(((JsonObject) e.details()).getInteger("code")).isEqualTo(100);
    assertThat(fake.requests(r -> r.json() != null && c.inboundWamid().equals(r.json().getString("message_id")))).hasSize(1);
  }

  // ---- 5. retries

  @Test
  void a_500_and_a_429_are_retried_then_the_message_is_sent() {
    Customer c = customerWhoWrote();
    fake.respondNext(500, FakeGraphApi.unknownError());
    fake.respondNext(429, FakeGraphApi.rateLimitError());
    JsonObject doc = assertSent(send(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "reintento")));
    List<FakeGraphApi.Recorded> requests = requestsTo(c.phone());
    assertThat(requests).extracting(FakeGraphApi.Recorded::status).containsExactly(500, 429, 200);
    JsonObject body = envelope(c.phone(), "text").put("text", new JsonObject().put("body", "reintento"));
    assertThat(requests).allSatisfy(r -> assertThat(r.json()).isEqualTo(body));
    assertThat(outboundCount(c.conversationId())).isEqualTo(1);
    assertThat(awaitStatusEvents(doc.getString("_id"), "sent")).hasSize(1);
  }

  @Test
  void a_dropped_connection_is_retried() {
    Customer c = customerWhoWrote();
    fake.failConnectionNext();
    assertSent(send(new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "otra vez")));
    assertThat(requestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(0, 200);
  }

  // ---- 6. retries exhausted

  @Test
  void when_retries_run_out_the_message_is_failed_with_metas_error_and_an_event() {
    Customer c = customerWhoWrote();
    for (int i = 0; i < 4; i++) fake.respondNext(500, FakeGraphApi.unknownError());
    CrmException e = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "nunca llega"));
    assertThat(requestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(500, 500, 500, 500);
    assertThat(e.code()).isEqualTo(ErrorCode.EXTERNAL_API_ERROR);
    assertThat(e.details()).isInstanceOf(JsonObject.class);
    JsonObject details = (JsonObject) e.details();
    String messageId = details.getString("messageId");
    assertThat(messageId).isNotBlank();
    assertThat(details.getInteger("code")).isEqualTo(131000);
    assertThat(details.getInteger("httpStatus")).isEqualTo(500);
    assertThat(details.getInteger("attempts")).isEqualTo(4);
    JsonObject apiMessage = details.getJsonObject("message");
    assertThat(apiMessage.getString("_id")).isEqualTo(messageId);
    assertThat(apiMessage.getString("status")).isEqualTo("failed");
    assertThat(apiMessage.getJsonObject("metadata").getJsonObject("error").getInteger("code")).isEqualTo(131000);
    assertThat(apiMessage.containsKey("failure")).isFalse();

    JsonObject doc = stored(messageId);
    assertThat(Wa.status(doc)).isEqualTo("failed");
    assertThat(doc.getString("whatsappMessageId")).isNull();
    assertThat(doc.getString("conversationId")).isEqualTo(c.conversationId());
    JsonObject failure = doc.getJsonObject("failure");
    assertThat(failure.getInteger("code")).isEqualTo(131000);
    assertThat(failure.getInteger("httpStatus")).isEqualTo(500);
    assertThat(failure.getString("message")).isEqualTo("(#131000) Something went wrong");
    assertThat(failure.getString("userMessage")).isNotBlank();
    assertThat(failure.getString("fbtraceId")).startsWith("A");

    List<JsonObject> events = awaitStatusEvents(messageId, "failed");
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("conversationId")).isEqualTo(c.conversationId());
    assertThat(events.get(0).getJsonObject("error").getInteger("code")).isEqualTo(131000);
  }

  // ---- 7. Meta's 4xx errors

  @Test
  void a_meta_4xx_fails_at_once_in_words() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.reEngagementError());
    CrmException e = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "fuera de ventana según Meta"));
    assertThat(requestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(400);
    assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
    assertThat(e.getMessage()).containsIgnoringCase("template");
    JsonObject details = (JsonObject) e.details();
    assertThat(details.getInteger("code")).isEqualTo(131047);
    assertThat(details.getInteger("attempts")).isEqualTo(1);
    JsonObject doc = stored(details.getString("messageId"));
    assertThat(Wa.status(doc)).isEqualTo("failed");
    assertThat(doc.getJsonObject("failure").getInteger("code")).isEqualTo(131047);
    assertThat(doc.getJsonObject("failure").getInteger("httpStatus")).isEqualTo(400);
    assertThat(doc.getJsonObject("failure").getString("details")).contains("24 hours");
    assertThat(doc.getJsonObject("failure").getString("userMessage")).isEqualTo(e.getMessage());
    assertThat(awaitStatusEvents(doc.getString("_id"), "failed")).hasSize(1);
  }

  @Test
  void template_parameter_mismatch_132000_is_explained() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.error(132000, "OAuthException",
        "(#132000) Number of parameters does not match the expected number of params"));
    CrmException e = sendFails(new JsonObject().put("type", "template").put("conversationId", c.conversationId())
        .put("templateName", "order_update").put("templateParams", new JsonArray().add("solo uno")));
    assertThat(requestsTo(c.phone())).hasSize(1);
    assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
    assertThat(e.getMessage()).containsIgnoringCase("template parameters");
    JsonObject doc = stored(((JsonObject) e.details()).getString("messageId"));
    assertThat(Wa.status(doc)).isEqualTo("failed");
    assertThat(doc.getJsonObject("failure").getInteger("code")).isEqualTo(132000);
  }

  @Test
  void undeliverable_131026_is_not_retried() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.error(131026, "OAuthException", "(#131026) Message Undeliverable."));
    CrmException e = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "x"));
    assertThat(requestsTo(c.phone())).hasSize(1);
    assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
    assertThat(e.getMessage()).containsIgnoringCase("undeliverable");
  }

  @Test
  void throttling_codes_returned_with_a_400_are_retried() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.rateLimitError()); // 130429
    fake.respondNext(400, FakeGraphApi.error(131056, "OAuthException", "(#131056) (Business Account, Consumer Account) pair rate limit hit"));
    assertSent(send(new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "despacio")));
    assertThat(requestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(400, 400, 200);
  }

  // ---- 8. 24 h window

  @Test
  void free_form_messages_outside_the_window_are_refused_before_calling_meta() {
    Customer c = customerWhoWrote();
    closeWindow(c);
    CrmException text = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "¿sigues ahí?"));
    assertThat(text.code()).isEqualTo(ErrorCode.WHATSAPP_WINDOW_CLOSED);
    assertThat(text.code().httpStatus()).isEqualTo(422);
    CrmException image = sendFails(new JsonObject().put("type", "image").put("conversationId", c.conversationId())
        .put("mediaUrl", "https://cdn.example.com/a.jpg"));
    assertThat(image.code()).isEqualTo(ErrorCode.WHATSAPP_WINDOW_CLOSED);
    assertThat(requestsTo(c.phone())).isEmpty();
    assertThat(outboundCount(c.conversationId())).isZero();
  }

  // ---- 9. idempotency

  @Test
  void the_same_idempotency_key_sends_once() {
    Customer c = customerWhoWrote();
    JsonObject req = new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "una vez")
        .put("idempotencyKey", "key-" + UUID.randomUUID());
    JsonObject first = send(req);
    assertSent(first);
    assertThat(first.getBoolean("duplicate", false)).isFalse();
    JsonObject again = send(req.copy());
    assertThat(again.getBoolean("success")).isTrue();
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(again.getJsonObject("message").getString("_id")).isEqualTo(first.getJsonObject("message").getString("_id"));
    assertThat(again.getJsonObject("message").getString("whatsappMessageId"))
        .isEqualTo(first.getJsonObject("message").getString("whatsappMessageId"));
    assertThat(requestsTo(c.phone())).hasSize(1);
    assertThat(wa.count("messages", new JsonObject().put("idempotencyKey", req.getString("idempotencyKey")))).isEqualTo(1);
    assertThat(outboundCount(c.conversationId())).isEqualTo(1);
  }

  @Test
  void the_same_idempotency_key_sent_twice_at_once_sends_once() {
    Customer c = customerWhoWrote();
    JsonObject req = new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "a la vez")
        .put("idempotencyKey", "key-" + UUID.randomUUID());
    Future<JsonObject> a = bus.request(Addresses.WHATSAPP_SEND, req.copy(), 30_000);
    Future<JsonObject> b = bus.request(Addresses.WHATSAPP_SEND, req.copy(), 30_000);
    List<JsonObject> replies = List.of(a.await(), b.await());
    assertThat(replies).extracting(r -> r.getBoolean("duplicate", false)).containsExactlyInAnyOrder(false, true);
    JsonObject original = replies.stream().filter(r -> !r.getBoolean("duplicate", false)).findFirst().orElseThrow();
    JsonObject duplicate = replies.stream().filter(r -> r.getBoolean("duplicate", false)).findFirst().orElseThrow();
    assertSent(original);
    assertThat(duplicate.getJsonObject("message").getString("_id")).isEqualTo(original.getJsonObject("message").getString("_id"));
    assertThat(requestsTo(c.phone())).hasSize(1);
    assertThat(wa.count("messages", new JsonObject().put("idempotencyKey", req.getString("idempotencyKey")))).isEqualTo(1);
    assertThat(outboundCount(c.conversationId())).isEqualTo(1);
  }

  // ---- 10. a wrong access token

  @Test
  void a_wrong_access_token_is_not_retried_and_says_the_token_must_be_renewed() {
    try (TestApp other = TestApp.start(appConfig().put("WHATSAPP_ACCESS_TOKEN", "expired-token"))) {
      Wa w = new Wa(other);
      Bus b = new Bus(other.vertx);
      Customer c = customerWhoWrote(w);
      CrmException e = sendFails(b, new JsonObject().put("type", "text").put("conversationId", c.conversationId())
          .put("content", "hola"));
      List<FakeGraphApi.Recorded> requests = requestsTo(c.phone(), "expired-token");
      assertThat(requests).extracting(FakeGraphApi.Recorded::status).containsExactly(401);
      assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
      assertThat(e.getMessage()).containsIgnoringCase("token").containsIgnoringCase("renew");
      JsonObject details = (JsonObject) e.details();
      assertThat(details.getInteger("code")).isEqualTo(190);
      assertThat(details.getInteger("httpStatus")).isEqualTo(401);
      JsonObject doc = w.find("messages", new JsonObject().put("_id", details.getString("messageId"))).get(0);
      assertThat(Wa.status(doc)).isEqualTo("failed");
      assertThat(doc.getJsonObject("failure").getInteger("code")).isEqualTo(190);
    }
  }

  // ---- answers that are not what they should be, and the deadline

  @Test
  void a_200_without_a_message_id_is_a_failed_send_not_a_success() {
    Customer c = customerWhoWrote();
    fake.respondNext(200, new JsonObject().put("messaging_product", "whatsapp"));
    CrmException err = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "?"));
    assertThat(err.code()).isEqualTo(ErrorCode.MESSAGE_SEND_FAILED);
    JsonObject stored = wa.find("messages", new JsonObject().put("conversationId", c.conversationId()).put("direction", "outbound")).get(0);
    assertThat(Wa.status(stored)).isEqualTo("failed");
    assertThat(stored.containsKey("whatsappMessageId")).isFalse();
  }

  @Test
  void quoting_a_message_that_does_not_exist_is_refused_before_calling_meta() {
    Customer c = customerWhoWrote();
    CrmException err = sendFails(new JsonObject().put("type", "text").put("conversationId", c.conversationId())
        .put("content", "re").put("replyTo", "wamid.DOES-NOT-EXIST"));
    assertThat(err.code()).isEqualTo(ErrorCode.RESOURCE_NOT_FOUND);
    assertThat(err.field()).isEqualTo("replyTo");
    assertThat(requestsTo(c.phone())).isEmpty();
  }

  @Test
  void retries_stop_at_the_send_deadline_so_the_caller_is_answered_in_time() {
    try (TestApp slow = TestApp.start(appConfig().put("WHATSAPP_RETRY_BASE_MS", 300).put("WHATSAPP_SEND_MAX_ATTEMPTS", 20)
        .put("WHATSAPP_SEND_DEADLINE_MS", 500))) {
      Wa w = new Wa(slow);
      Customer c = customerWhoWrote(w);
      for (int i = 0; i < 20; i++) fake.respondNext(500, FakeGraphApi.unknownError());
      CrmException err = sendFails(new Bus(slow.vertx),
          new JsonObject().put("type", "text").put("conversationId", c.conversationId()).put("content", "tarde"));
      assertThat(err.code()).isEqualTo(ErrorCode.EXTERNAL_API_ERROR);
      int attempts = requestsTo(c.phone()).size();
      assertThat(attempts).as("attempts within a 500 ms deadline").isBetween(1, 5);
    } finally {
      fake.clearScripted();
    }
  }
}
