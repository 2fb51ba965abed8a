package crm.conversation;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v2/conversations/:id/messages} through the whole app (real HTTP) against {@link FakeGraphApi}:
 * what is stored, what Meta receives, the answer, the 24 h window, Meta's failures, the per-agent rate limit,
 * idempotency (header and {@code clientMessageId}, sequential and concurrent) and bad bodies.
 */
class SendMessageApiTest {
  static final String MESSAGES_PATH = FakeGraphApi.messagesPath(FakeGraphApi.PHONE_NUMBER_ID);
  static final String PASSWORD = "agent-password-1";
  static final int MAX_ATTEMPTS = 3;

  static FakeGraphApi fake;
  static TestApp app;
  static Wa wa;
  static String agentAId;
  static String agentA;
  static String agentBId;
  static String agentB;

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(appConfig());
    wa = new Wa(app);
    String admin = app.adminToken();
    agentAId = app.createAgent(admin, "send-a@crm.test", PASSWORD, "agent").getString("_id");
    agentBId = app.createAgent(admin, "send-b@crm.test", PASSWORD, "agent").getString("_id");
    agentA = app.login("send-a@crm.test", PASSWORD).getString("token");
    agentB = app.login("send-b@crm.test", PASSWORD).getString("token");
  }

  static JsonObject appConfig() {
    return Wa.config().mergeIn(fake.config()).put("WHATSAPP_RETRY_BASE_MS", 5).put("WHATSAPP_SEND_MAX_ATTEMPTS", MAX_ATTEMPTS);
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
    if (fake != null) fake.close();
  }

  @AfterEach
  void forgetUnusedAnswers() {
    fake.clearScripted();
  }

  // ---- helpers

  record Customer(String phone, String customerId, String conversationId, String inboundWamid) {}

  /** A customer who just wrote (a signed webhook), with their open, unassigned conversation. */
  static Customer customerWhoWrote(Wa w) {
    String phone = "5255" + String.format("%08d", (long) (Math.random() * 100_000_000L));
    String wamid = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
    assertThat(w.post(WebhookPayloads.text(FakeGraphApi.PHONE_NUMBER_ID, phone, "Cliente Prueba", wamid, "hola",
        Instant.now().getEpochSecond())).statusCode()).isEqualTo(200);
    List<JsonObject> in = w.await("messages", new JsonObject().put("whatsappMessageId", wamid), l -> !l.isEmpty());
    assertThat(in).as("inbound message stored").hasSize(1);
    return new Customer(phone, in.get(0).getString("customerId"), in.get(0).getString("conversationId"), wamid);
  }

  static Customer customerWhoWrote() {
    return customerWhoWrote(wa);
  }

  static String path(Customer c) {
    return "/api/v2/conversations/" + c.conversationId() + "/messages";
  }

  static HttpRequest<Buffer> sendRequest(TestApp a, Customer c, String token, String idempotencyKey) {
    HttpRequest<Buffer> req = a.client.post(path(c)).putHeader("Authorization", "Bearer " + token);
    if (idempotencyKey != null) req.putHeader("Idempotency-Key", idempotencyKey);
    return req;
  }

  static HttpResponse<Buffer> send(TestApp a, Customer c, String token, String idempotencyKey, JsonObject body) {
    try {
      return sendRequest(a, c, token, idempotencyKey).sendJsonObject(body).await(40, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<Buffer> send(Customer c, String token, JsonObject body) {
    return send(app, c, token, null, body);
  }

  static JsonObject text(String content) {
    return new JsonObject().put("type", "text").put("content", content);
  }

  /** The POSTs Meta received for this recipient (messages, not read receipts), each with the right path and token. */
  static List<FakeGraphApi.Recorded> graphRequestsTo(String phone) {
    List<FakeGraphApi.Recorded> found = fake.requests(r -> r.json() != null && phone.equals(r.json().getString("to")));
    for (FakeGraphApi.Recorded r : found) {
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo(MESSAGES_PATH);
      assertThat(r.header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    }
    return found;
  }

  static JsonObject envelope(String to, String type) {
    return new JsonObject().put("messaging_product", "whatsapp").put("recipient_type", "individual").put("to", to)
        .put("type", type);
  }

  static List<JsonObject> outbound(Wa w, Customer c) {
    return w.find("messages", new JsonObject().put("conversationId", c.conversationId()).put("direction", "outbound"));
  }

  static JsonObject storedMessage(String id) {
    List<JsonObject> found = wa.find("messages", new JsonObject().put("_id", id));
    assertThat(found).as("message %s stored", id).hasSize(1);
    return found.get(0);
  }

  /** A 201 send answer: {success, message (sent, the fake's wamid), whatsappResponse}; returns the stored document. */
  static JsonObject assertSent(HttpResponse<Buffer> res, Customer c, String agentId) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    JsonObject response = body.getJsonObject("whatsappResponse");
    assertThat(response).as("whatsappResponse in %s", body).isNotNull();
    String wamid = response.getJsonArray("messages").getJsonObject(0).getString("id");
    assertThat(wamid).startsWith("wamid.HBgL"); // the fake's, not the sandbox's
    JsonObject message = body.getJsonObject("message");
    assertThat(message.getString("_id")).matches("^[0-9a-f]{24}$");
    assertThat(message.getString("conversationId")).isEqualTo(c.conversationId());
    assertThat(message.getString("direction")).isEqualTo("outbound");
    assertThat(message.getString("status")).isEqualTo("sent");
    assertThat(message.getString("whatsappMessageId")).isEqualTo(wamid);
    assertThat(message.getString("agentId")).isEqualTo(agentId);
    JsonObject agent = message.getJsonObject("agent");
    assertThat(agent).as("the spec's Message.agent in %s", message).isNotNull();
    assertThat(agent.getString("_id")).isEqualTo(agentId);
    assertThat(agent.getString("firstName")).isNotBlank();
    assertThat(agent.fieldNames()).containsExactlyInAnyOrder("_id", "firstName", "lastName");
    assertThat(message.getString("timestamp")).endsWith("Z");
    JsonObject doc = storedMessage(message.getString("_id"));
    assertThat(doc.getString("direction")).isEqualTo("outbound");
    assertThat(doc.getString("agentId")).isEqualTo(agentId);
    assertThat(doc.getString("conversationId")).isEqualTo(c.conversationId());
    assertThat(Wa.status(doc)).isEqualTo("sent");
    assertThat(doc.getString("whatsappMessageId")).isEqualTo(wamid);
    return doc;
  }

  static JsonObject conversation(Customer c, String token) {
    HttpResponse<Buffer> res = app.get("/api/v2/conversations/" + c.conversationId(), token);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("conversation");
  }

  /** Moves the customer's last inbound message 25 h back: the customer service window is closed. */
  static void closeWindow(Customer c) {
    try {
      new crm.storage.Mongo(app.vertx, app.app.deployedConfig()).client().updateCollection("customers",
          new JsonObject().put("_id", c.customerId()), new JsonObject().put("$set", new JsonObject()
              .put("lastInboundAt", new JsonObject().put("$date", Instant.now().minusSeconds(25 * 3600).toString()))))
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * As {@link crm.support.ApiErrors#assertError}, for Meta's failures: their details carry Meta's error type
   * ({@code "title":"OAuthException"}), which is Meta's word, not a stack trace; anything else like one still fails.
   */
  static JsonObject assertMetaError(HttpResponse<Buffer> res, int status, String code, String path) {
    String text = res.bodyAsString();
    assertThat(res.statusCode()).as("status of %s", text).isEqualTo(status);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    assertThat(res.getHeader("X-Request-Id")).isNotBlank();
    assertThat(text.replace("\"title\":\"OAuthException\"", "")).as("no stack trace leaks")
        .doesNotContain("at crm.").doesNotContain("Exception");
    JsonObject body = new JsonObject(text);
    assertThat(body.getValue("success")).isEqualTo(false);
    JsonObject error = body.getJsonObject("error");
    assertThat(error.getString("code")).as("error code in %s", text).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(Instant.parse(body.getString("timestamp"))).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(5));
    assertThat(body.getString("path")).isEqualTo(path);
    assertThat(error.getJsonObject("details")).as("details in %s", text).isNotNull();
    return error;
  }

  // ---- text and template

  @Test
  void inbound_and_outbound_messages_written_at_once_get_distinct_consecutive_numbers() throws Exception {
    // the inbound path reserves numbers for many conversations in one write and reads them off the store's change
    // feed; an agent's reply reserves its own with a findAndModify: racing in one conversation, no number twice
    Customer c = customerWhoWrote(); // number 1
    int n = 15;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<?> in = pool.submit(() -> {
        for (int i = 0; i < n; i++) {
          String wamid = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
          assertThat(wa.post(WebhookPayloads.text(FakeGraphApi.PHONE_NUMBER_ID, c.phone(), "Cliente Prueba", wamid, "entra " + i,
              Instant.now().getEpochSecond())).statusCode()).isEqualTo(200);
        }
      });
      java.util.concurrent.Future<?> out = pool.submit(() -> {
        for (int i = 0; i < n; i++) assertThat(send(c, agentA, text("sale " + i)).statusCode()).isEqualTo(201);
      });
      in.get(60, TimeUnit.SECONDS);
      out.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdown();
    }
    List<JsonObject> all = wa.await("messages", new JsonObject().put("conversationId", c.conversationId()),
        l -> l.size() == 2 * n + 1);
    assertThat(all.stream().map(m -> m.getLong("seq")).sorted().toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 2L * n + 1).boxed().toList());
    JsonObject stored = wa.find("conversations", new JsonObject().put("_id", c.conversationId())).get(0);
    assertThat(stored.getLong("messageSeq")).isEqualTo(2L * n + 1);
    assertThat(stored.getInteger("messageCount")).isEqualTo(2 * n + 1);
    assertThat(conversation(c, agentA).containsKey("seqToken")).as("the reservation token is not an API field").isFalse();
  }

  @Test
  void a_text_is_stored_outbound_with_the_agent_sent_through_the_graph_api_and_answered_201() {
    Customer c = customerWhoWrote();
    HttpResponse<Buffer> res = send(c, agentA, text("¡Hola! ¿En qué te ayudo? 🙂"));
    JsonObject doc = assertSent(res, c, agentAId);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getJsonObject("message").getString("content")).isEqualTo("¡Hola! ¿En qué te ayudo? 🙂");
    assertThat(body.getJsonObject("message").getString("type")).isEqualTo("text");
    assertThat(doc.getString("content")).isEqualTo("¡Hola! ¿En qué te ayudo? 🙂");

    List<FakeGraphApi.Recorded> graph = graphRequestsTo(c.phone());
    assertThat(graph).hasSize(1);
    assertThat(graph.get(0).status()).isEqualTo(200);
    assertThat(graph.get(0).json()).isEqualTo(envelope(c.phone(), "text")
        .put("text", new JsonObject().put("body", "¡Hola! ¿En qué te ayudo? 🙂")));
    assertThat(body.getJsonObject("whatsappResponse").getJsonArray("contacts").getJsonObject(0).getString("wa_id"))
        .isEqualTo(c.phone());

    JsonObject conv = conversation(c, agentA);
    assertThat(conv.getInteger("messageCount")).isEqualTo(2);
    assertThat(conv.getJsonObject("lastMessage").getString("from")).isEqualTo("agent");
    assertThat(conv.getJsonObject("lastMessage").getString("content")).isEqualTo("¡Hola! ¿En qué te ayudo? 🙂");

    // the message list shows who sent it; the customer's message has no agent
    HttpResponse<Buffer> list = app.get(path(c), agentA);
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    JsonArray messages = list.bodyAsJsonObject().getJsonArray("messages");
    assertThat(messages).hasSize(2);
    assertThat(messages.getJsonObject(0).containsKey("agent")).isFalse();
    assertThat(messages.getJsonObject(1).getJsonObject("agent").getString("_id")).isEqualTo(agentAId);
  }

  @Test
  void without_a_type_the_message_is_a_text() {
    Customer c = customerWhoWrote();
    JsonObject doc = assertSent(send(c, agentA, new JsonObject().put("content", "sin tipo")), c, agentAId);
    assertThat(doc.getString("type")).isEqualTo("text");
    assertThat(graphRequestsTo(c.phone())).extracting(r -> r.json().getString("type")).containsExactly("text");
  }

  @Test
  void a_template_with_parameters_is_sent_as_a_template() {
    Customer c = customerWhoWrote();
    HttpResponse<Buffer> res = send(c, agentA, new JsonObject().put("type", "template").put("templateName", "order_update")
        .put("language", "es_MX").put("templateParams", new JsonArray().add("Juan").add("#123")));
    JsonObject doc = assertSent(res, c, agentAId);
    assertThat(res.bodyAsJsonObject().getJsonObject("message").getString("type")).isEqualTo("template");
    assertThat(doc.getJsonObject("metadata").getString("templateName")).isEqualTo("order_update");
    assertThat(doc.getJsonObject("metadata").getJsonArray("templateParams")).isEqualTo(new JsonArray().add("Juan").add("#123"));
    List<FakeGraphApi.Recorded> graph = graphRequestsTo(c.phone());
    assertThat(graph).hasSize(1);
    assertThat(graph.get(0).json()).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "order_update").put("language", new JsonObject().put("code", "es_MX"))
        .put("components", new JsonArray().add(new JsonObject().put("type", "body").put("parameters", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Juan"))
            .add(new JsonObject().put("type", "text").put("text", "#123")))))));
  }

  // ---- the 24 h window

  @Test
  void outside_the_24h_window_a_text_is_422_window_closed_and_a_template_still_goes_through() {
    Customer c = customerWhoWrote();
    closeWindow(c);
    JsonObject error = assertError(send(c, agentA, text("¿sigues ahí?")), 422, "WHATSAPP_WINDOW_CLOSED", path(c));
    assertThat(error.getJsonObject("details").getString("lastInboundAt")).isNotBlank();
    assertThat(graphRequestsTo(c.phone())).isEmpty();
    assertThat(outbound(wa, c)).isEmpty();

    HttpResponse<Buffer> template = send(c, agentA, new JsonObject().put("type", "template").put("templateName", "hello_world"));
    assertSent(template, c, agentAId);
    List<FakeGraphApi.Recorded> graph = graphRequestsTo(c.phone());
    assertThat(graph).hasSize(1);
    assertThat(graph.get(0).json()).isEqualTo(envelope(c.phone(), "template").put("template", new JsonObject()
        .put("name", "hello_world").put("language", new JsonObject().put("code", "en_US"))));
    assertThat(outbound(wa, c)).hasSize(1);
  }

  // ---- Meta's failures

  @Test
  void meta_refusing_the_message_is_502_message_send_failed_with_details() {
    Customer c = customerWhoWrote();
    fake.respondNext(400, FakeGraphApi.reEngagementError());
    JsonObject error = assertMetaError(send(c, agentA, text("Meta dice que no")), 502, "MESSAGE_SEND_FAILED", path(c));
    assertThat(error.getString("message")).containsIgnoringCase("template");
    JsonObject details = error.getJsonObject("details");
    assertThat(details.getInteger("code")).isEqualTo(131047);
    assertThat(details.getInteger("httpStatus")).isEqualTo(400);
    assertThat(details.getInteger("attempts")).isEqualTo(1);
    String messageId = details.getString("messageId");
    assertThat(details.getJsonObject("message").getString("_id")).isEqualTo(messageId);
    assertThat(details.getJsonObject("message").getString("status")).isEqualTo("failed");
    assertThat(graphRequestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(400);
    JsonObject doc = storedMessage(messageId);
    assertThat(Wa.status(doc)).isEqualTo("failed");
    assertThat(doc.getString("agentId")).isEqualTo(agentAId);
    assertThat(doc.getJsonObject("failure").getInteger("code")).isEqualTo(131047);
  }

  @Test
  void meta_failing_with_500s_until_retries_run_out_is_502_external_api_error_with_details() {
    Customer c = customerWhoWrote();
    for (int i = 0; i < MAX_ATTEMPTS; i++) fake.respondNext(500, FakeGraphApi.unknownError());
    JsonObject error = assertMetaError(send(c, agentA, text("nunca llega")), 502, "EXTERNAL_API_ERROR", path(c));
    JsonObject details = error.getJsonObject("details");
    assertThat(details.getInteger("code")).isEqualTo(131000);
    assertThat(details.getInteger("httpStatus")).isEqualTo(500);
    assertThat(details.getInteger("attempts")).isEqualTo(MAX_ATTEMPTS);
    assertThat(details.getJsonObject("message").getString("status")).isEqualTo("failed");
    assertThat(graphRequestsTo(c.phone())).extracting(FakeGraphApi.Recorded::status).containsExactly(500, 500, 500);
    assertThat(Wa.status(storedMessage(details.getString("messageId")))).isEqualTo("failed");
  }

  // ---- rate limit

  @Test
  void the_fourth_send_in_the_window_by_one_agent_is_429_and_another_agent_still_sends() {
    try (TestApp limited = TestApp.start(appConfig().put("RATE_LIMIT_MESSAGES", 3).put("RATE_LIMIT_WINDOW_SECONDS", 3600))) {
      Wa w = new Wa(limited);
      String admin = limited.adminToken();
      limited.createAgent(admin, "rl-send-a@crm.test", PASSWORD, "agent");
      limited.createAgent(admin, "rl-send-b@crm.test", PASSWORD, "agent");
      String a = limited.login("rl-send-a@crm.test", PASSWORD).getString("token");
      String b = limited.login("rl-send-b@crm.test", PASSWORD).getString("token");
      Customer c = customerWhoWrote(w);

      String reset = null;
      for (int i = 1; i <= 3; i++) {
        HttpResponse<Buffer> ok = send(limited, c, a, null, text("mensaje " + i));
        assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
        assertThat(ok.getHeader("X-RateLimit-Limit")).isEqualTo("3");
        assertThat(ok.getHeader("X-RateLimit-Remaining")).isEqualTo(String.valueOf(3 - i));
        if (reset == null) reset = ok.getHeader("X-RateLimit-Reset");
      }
      HttpResponse<Buffer> fourth = send(limited, c, a, null, text("mensaje 4"));
      // the four requests must share one window (one hour, aligned to the clock); if the hour turned, say nothing
      assumeThat(fourth.getHeader("X-RateLimit-Reset")).isEqualTo(reset);
      JsonObject error = assertError(fourth, 429, "RATE_LIMIT_EXCEEDED", path(c));
      assertThat(error.getJsonObject("details").getInteger("limit")).isEqualTo(3);
      assertThat(Long.parseLong(fourth.getHeader("Retry-After"))).isBetween(1L, 3600L);
      assertThat(graphRequestsTo(c.phone())).hasSize(3);
      assertThat(outbound(w, c)).hasSize(3);

      HttpResponse<Buffer> other = send(limited, c, b, null, text("yo sí puedo"));
      assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(201);
      assertThat(graphRequestsTo(c.phone())).hasSize(4);
    }
  }

  // ---- idempotency

  @Test
  void a_retried_request_with_the_same_idempotency_key_returns_the_first_result_and_sends_once() {
    Customer c = customerWhoWrote();
    String key = "idem-" + UUID.randomUUID();
    HttpResponse<Buffer> first = send(app, c, agentA, key, text("una sola vez"));
    assertSent(first, c, agentAId);
    HttpResponse<Buffer> again = send(app, c, agentA, key, text("una sola vez"));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    JsonObject firstMessage = first.bodyAsJsonObject().getJsonObject("message");
    JsonObject againMessage = again.bodyAsJsonObject().getJsonObject("message");
    assertThat(again.bodyAsJsonObject().getBoolean("success")).isTrue();
    assertThat(againMessage.getString("_id")).isEqualTo(firstMessage.getString("_id"));
    assertThat(againMessage.getString("whatsappMessageId")).isEqualTo(firstMessage.getString("whatsappMessageId"));
    assertThat(againMessage.getString("status")).isEqualTo("sent");
    assertThat(graphRequestsTo(c.phone())).hasSize(1);
    assertThat(outbound(wa, c)).hasSize(1);
  }

  @Test
  void client_message_id_in_the_body_works_as_the_idempotency_key() {
    Customer c = customerWhoWrote();
    JsonObject body = text("por el cuerpo").put("clientMessageId", "cm-" + UUID.randomUUID());
    HttpResponse<Buffer> first = send(c, agentA, body);
    assertSent(first, c, agentAId);
    HttpResponse<Buffer> again = send(c, agentA, body.copy());
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getJsonObject("message").getString("_id"))
        .isEqualTo(first.bodyAsJsonObject().getJsonObject("message").getString("_id"));
    assertThat(graphRequestsTo(c.phone())).hasSize(1);
    assertThat(outbound(wa, c)).hasSize(1);
  }

  @Test
  void two_identical_requests_fired_at_once_send_once() {
    for (int round = 0; round < 3; round++) {
      Customer c = customerWhoWrote();
      String key = "race-" + UUID.randomUUID();
      JsonObject body = text("a la vez " + round);
      Future<HttpResponse<Buffer>> a = sendRequest(app, c, agentA, key).sendJsonObject(body.copy());
      Future<HttpResponse<Buffer>> b = sendRequest(app, c, agentA, key).sendJsonObject(body.copy());
      List<HttpResponse<Buffer>> both = List.of(a.await(), b.await());
      assertThat(both).extracting(HttpResponse::statusCode).as("round %d: %s / %s", round,
          both.get(0).bodyAsString(), both.get(1).bodyAsString()).containsExactlyInAnyOrder(201, 200);
      HttpResponse<Buffer> original = both.stream().filter(r -> r.statusCode() == 201).findFirst().orElseThrow();
      HttpResponse<Buffer> duplicate = both.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow();
      assertSent(original, c, agentAId);
      assertThat(duplicate.bodyAsJsonObject().getBoolean("success")).isTrue();
      assertThat(duplicate.bodyAsJsonObject().getJsonObject("message").getString("_id"))
          .isEqualTo(original.bodyAsJsonObject().getJsonObject("message").getString("_id"));
      // the duplicate waited for the first request's outcome instead of answering "pending"
      assertThat(duplicate.bodyAsJsonObject().getJsonObject("message").getString("status")).as("round %d", round).isEqualTo("sent");
      assertThat(duplicate.bodyAsJsonObject().getJsonObject("message").getString("whatsappMessageId"))
          .isEqualTo(original.bodyAsJsonObject().getJsonObject("message").getString("whatsappMessageId"));
      assertThat(graphRequestsTo(c.phone())).as("round %d", round).hasSize(1);
      assertThat(outbound(wa, c)).as("round %d", round).hasSize(1);
    }
  }

  @Test
  void the_retry_of_a_send_meta_refused_fails_the_same_way_instead_of_claiming_success() {
    Customer c = customerWhoWrote();
    String key = "idem-" + UUID.randomUUID();
    fake.respondNext(400, FakeGraphApi.reEngagementError());
    JsonObject first = assertMetaError(send(app, c, agentA, key, text("rechazado")), 502, "MESSAGE_SEND_FAILED", path(c));
    JsonObject again = assertMetaError(send(app, c, agentA, key, text("rechazado")), 502, "MESSAGE_SEND_FAILED", path(c));
    assertThat(again.getString("message")).isEqualTo(first.getString("message"));
    JsonObject details = again.getJsonObject("details");
    assertThat(details.getString("messageId")).isEqualTo(first.getJsonObject("details").getString("messageId"));
    assertThat(details.getInteger("code")).isEqualTo(131047);
    assertThat(details.getJsonObject("message").getString("status")).isEqualTo("failed");
    assertThat(graphRequestsTo(c.phone())).hasSize(1);
    assertThat(outbound(wa, c)).hasSize(1);
  }

  @Test
  void the_retry_of_a_send_whose_retries_ran_out_is_again_external_api_error() {
    Customer c = customerWhoWrote();
    String key = "idem-" + UUID.randomUUID();
    for (int i = 0; i < MAX_ATTEMPTS; i++) fake.respondNext(500, FakeGraphApi.unknownError());
    JsonObject first = assertMetaError(send(app, c, agentA, key, text("caído")), 502, "EXTERNAL_API_ERROR", path(c));
    JsonObject again = assertMetaError(send(app, c, agentA, key, text("caído")), 502, "EXTERNAL_API_ERROR", path(c));
    assertThat(again.getJsonObject("details").getString("messageId"))
        .isEqualTo(first.getJsonObject("details").getString("messageId"));
    assertThat(again.getJsonObject("details").getInteger("attempts")).isEqualTo(MAX_ATTEMPTS);
    assertThat(graphRequestsTo(c.phone())).hasSize(MAX_ATTEMPTS);
    assertThat(outbound(wa, c)).hasSize(1);
  }

  @Test
  void the_retry_of_a_send_meta_accepted_is_still_200_when_delivery_failed_later() {
    Customer c = customerWhoWrote();
    String key = "idem-" + UUID.randomUUID();
    HttpResponse<Buffer> first = send(app, c, agentA, key, text("aceptado"));
    JsonObject doc = assertSent(first, c, agentAId);
    String wamid = doc.getString("whatsappMessageId");
    assertThat(wa.post(WebhookPayloads.status(FakeGraphApi.PHONE_NUMBER_ID, wamid, "failed", c.phone(),
        Instant.now().getEpochSecond(), new JsonObject().put("code", 131026).put("title", "Message undeliverable")))
        .statusCode()).isEqualTo(200);
    wa.await("messages", new JsonObject().put("_id", doc.getString("_id")), l -> "failed".equals(Wa.status(l.get(0))));
    HttpResponse<Buffer> again = send(app, c, agentA, key, text("aceptado"));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getJsonObject("message").getString("_id")).isEqualTo(doc.getString("_id"));
    assertThat(again.bodyAsJsonObject().getJsonObject("message").getString("status")).isEqualTo("failed");
    assertThat(graphRequestsTo(c.phone())).hasSize(1);
  }

  @Test
  void the_same_key_used_by_two_agents_does_not_collide() {
    Customer c = customerWhoWrote();
    String key = "shared-" + UUID.randomUUID();
    HttpResponse<Buffer> byA = send(app, c, agentA, key, text("de A"));
    HttpResponse<Buffer> byB = send(app, c, agentB, key, text("de B"));
    JsonObject docA = assertSent(byA, c, agentAId);
    JsonObject docB = assertSent(byB, c, agentBId);
    assertThat(docB.getString("_id")).isNotEqualTo(docA.getString("_id"));
    assertThat(docA.getString("content")).isEqualTo("de A");
    assertThat(docB.getString("content")).isEqualTo("de B");
    assertThat(graphRequestsTo(c.phone())).extracting(r -> r.json().getJsonObject("text").getString("body"))
        .containsExactly("de A", "de B");
    // and each agent's retry still finds their own message
    HttpResponse<Buffer> retryB = send(app, c, agentB, key, text("de B"));
    assertThat(retryB.statusCode()).isEqualTo(200);
    assertThat(retryB.bodyAsJsonObject().getJsonObject("message").getString("_id")).isEqualTo(docB.getString("_id"));
    assertThat(graphRequestsTo(c.phone())).hasSize(2);
  }

  // ---- bad requests

  @Test
  void bad_bodies_are_400_and_nothing_is_sent_or_stored() {
    Customer c = customerWhoWrote();
    assertFieldError(send(c, agentA, new JsonObject().put("type", "video").put("content", "foto")),
        400, "VALIDATION_FAILED", path(c), "type");
    // an image needs its file: an upload's publicId or a link
    assertFieldError(send(c, agentA, new JsonObject().put("type", "image").put("content", "foto")),
        400, "VALIDATION_FAILED", path(c), "mediaUrl");
    assertFieldError(send(c, agentA, new JsonObject().put("type", "image").put("mediaUrl", "file:///etc/passwd")),
        400, "VALIDATION_FAILED", path(c), "mediaUrl");
    assertFieldError(send(c, agentA, new JsonObject().put("type", "text")), 400, "VALIDATION_FAILED", path(c), "content");
    assertFieldError(send(c, agentA, new JsonObject()), 400, "VALIDATION_FAILED", path(c), "content");
    assertFieldError(send(c, agentA, new JsonObject().put("content", "   ")), 400, "VALIDATION_FAILED", path(c), "content");
    assertFieldError(send(c, agentA, new JsonObject().put("type", "text").put("content", new JsonObject().put("$gt", ""))),
        400, "VALIDATION_FAILED", path(c), "content");
    assertFieldError(send(c, agentA, new JsonObject().put("type", 5).put("content", "x")), 400, "VALIDATION_FAILED", path(c), "type");
    assertFieldError(send(c, agentA, new JsonObject().put("type", "template")), 400, "VALIDATION_FAILED", path(c), "templateName");
    assertFieldError(send(c, agentA, new JsonObject().put("type", "template").put("templateName", "t").put("templateParams", 7)),
        400, "VALIDATION_FAILED", path(c), "templateParams");
    assertFieldError(send(app, c, agentA, "   ", text("clave vacía")), 400, "VALIDATION_FAILED", path(c), "Idempotency-Key");
    HttpResponse<Buffer> noBody = sendRequest(app, c, agentA, null).send().await(); // no body at all: no content
    assertFieldError(noBody, 400, "VALIDATION_FAILED", path(c), "content");
    assertThat(graphRequestsTo(c.phone())).isEmpty();
    assertThat(outbound(wa, c)).isEmpty();
  }

  @Test
  void a_conversation_that_does_not_exist_or_is_not_visible_is_404() {
    Customer c = customerWhoWrote();
    String missing = "/api/v2/conversations/0123456789abcdef01234567/messages";
    assertError(app.post(missing, agentA, text("¿hola?")), 404, "CONVERSATION_NOT_FOUND", missing);
    // assigned to agent A (by an admin): agent B does not see it and cannot write in it
    String admin = app.adminToken();
    // agents are offline by default, and this app does not assign offline agents
    assertThat(app.put("/api/v2/agents/" + agentAId, admin, new JsonObject().put("status", "online")).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> assigned = app.post("/api/v2/conversations/" + c.conversationId() + "/assign", admin,
        new JsonObject().put("agentId", agentAId));
    assertThat(assigned.statusCode()).as(assigned.bodyAsString()).isEqualTo(200);
    assertError(send(c, agentB, text("no es mía")), 404, "CONVERSATION_NOT_FOUND", path(c));
    assertSent(send(c, agentA, text("es mía")), c, agentAId);
    assertThat(graphRequestsTo(c.phone())).hasSize(1);
  }

  @Test
  void without_a_token_the_send_is_401() {
    Customer c = customerWhoWrote();
    assertError(app.post(path(c), null, text("anónimo")), 401, "AUTH_TOKEN_INVALID", path(c));
    assertThat(graphRequestsTo(c.phone())).isEmpty();
  }
}
