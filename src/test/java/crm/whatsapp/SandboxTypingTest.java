package crm.whatsapp;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * POST /whatsapp/sandbox/typing: in sandbox mode whoever sees a conversation plays its customer typing (the event the
 * socket bridge turns into customer:typing, with the customer's phone and the assignee); with real credentials there
 * is no such route.
 */
class SandboxTypingTest {
  static final String PATH = "/api/v2/whatsapp/sandbox/typing";

  static String customerWhoWrote(Wa wa, String phone) {
    String id = "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
    wa.post(WebhookPayloads.text(FakeGraphApi.PHONE_NUMBER_ID, phone, "Cliente", id, "hola", Instant.now().getEpochSecond()));
    return wa.await("messages", new JsonObject().put("whatsappMessageId", id), l -> !l.isEmpty()).get(0).getString("conversationId");
  }

  /** The events once there are {@code count} (published before the HTTP answer: they come at once), at most 5 s. */
  static List<JsonObject> awaitEvents(List<JsonObject> events, int count) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (events.size() < count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return List.copyOf(events);
  }

  @Test
  void in_sandbox_mode_an_agent_who_sees_the_conversation_plays_the_customer_typing() {
    try (TestApp app = TestApp.start(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true))) {
      Wa wa = new Wa(app);
      List<JsonObject> events = new CopyOnWriteArrayList<>();
      app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CUSTOMER_TYPING, m -> events.add(m.body()));
      String admin = app.adminToken();
      String agentId = app.createAgent(admin, "typing-a@crm.test", "agent-password-1", "agent").getString("_id");
      app.createAgent(admin, "typing-b@crm.test", "agent-password-1", "agent");
      String agentA = app.login("typing-a@crm.test", "agent-password-1").getString("token");
      String agentB = app.login("typing-b@crm.test", "agent-password-1").getString("token");
      String phone = "5255" + (10_000_000 + (int) (Math.random() * 89_999_999));
      String conversationId = customerWhoWrote(wa, phone);

      HttpResponse<Buffer> res = app.post(PATH, agentA, new JsonObject().put("conversationId", conversationId).put("isTyping", true));
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", true).put("conversationId", conversationId)
          .put("customerPhone", phone).put("isTyping", true));
      assertThat(awaitEvents(events, 1).get(0)).isEqualTo(new JsonObject().put("conversationId", conversationId)
          .put("customerPhone", phone).put("isTyping", true).put("assignedAgentId", null));

      // assigned to A: B no longer sees it; A's stop reaches the assignee's room
      HttpResponse<Buffer> assigned = app.post("/api/v2/conversations/" + conversationId + "/assign", admin,
          new JsonObject().put("agentId", agentId));
      assertThat(assigned.statusCode()).as(assigned.bodyAsString()).isEqualTo(200);
      assertError(app.post(PATH, agentB, new JsonObject().put("conversationId", conversationId).put("isTyping", true)), 404,
          "CONVERSATION_NOT_FOUND", PATH);
      assertThat(app.post(PATH, agentA, new JsonObject().put("conversationId", conversationId).put("isTyping", false)).statusCode())
          .isEqualTo(200);
      assertThat(awaitEvents(events, 2).get(1).getString("assignedAgentId")).isEqualTo(agentId);
      assertThat(awaitEvents(events, 2).get(1).getBoolean("isTyping")).isFalse();

      // bad input: the error envelope, nothing published
      assertFieldError(app.post(PATH, agentA, new JsonObject().put("conversationId", conversationId).put("isTyping", "yes")), 400,
          "VALIDATION_FAILED", PATH, "isTyping");
      assertFieldError(app.post(PATH, agentA, new JsonObject().put("conversationId", conversationId)), 400, "VALIDATION_FAILED",
          PATH, "isTyping");
      assertFieldError(app.post(PATH, agentA, new JsonObject().put("isTyping", true)), 400, "VALIDATION_FAILED", PATH,
          "conversationId");
      assertFieldError(app.post(PATH, agentA, new JsonObject().put("conversationId", new JsonObject().put("$ne", "")).put("isTyping", true)),
          400, "VALIDATION_FAILED", PATH, "conversationId");
      assertError(app.post(PATH, agentA, new JsonObject().put("conversationId", "$where").put("isTyping", true)), 404,
          "CONVERSATION_NOT_FOUND", PATH);
      assertError(app.post(PATH, agentA, new JsonObject().put("conversationId", "0123456789abcdef01234567").put("isTyping", true)),
          404, "CONVERSATION_NOT_FOUND", PATH);
      assertError(app.post(PATH, agentA, "[true]"), 400, "VALIDATION_FAILED", PATH);
      assertThat(events).hasSize(2);
    }
  }

  @Test
  void with_real_credentials_the_route_answers_as_an_unknown_route_does() {
    try (FakeGraphApi fake = FakeGraphApi.startOwn(); TestApp app = TestApp.start(Wa.config().mergeIn(fake.config()))) {
      String admin = app.adminToken();
      JsonObject unknown = assertError(app.post("/api/v2/whatsapp/sandbox/no-such-thing", admin, new JsonObject()), 404,
          "RESOURCE_NOT_FOUND", "/api/v2/whatsapp/sandbox/no-such-thing");
      JsonObject error = assertError(app.post(PATH, admin, new JsonObject().put("conversationId", "0123456789abcdef01234567")
          .put("isTyping", true)), 404, "RESOURCE_NOT_FOUND", PATH);
      assertThat(error).isEqualTo(unknown);
    }
  }
}
