package crm.conversation;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import crm.bus.Addresses;
import crm.support.FakeGraphApi;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
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
 * What agents do to a conversation, through the whole app (real HTTP): assign (rules, roles, events, the race of two
 * supervisors), status changes (resolvedAt, a customer writing after resolution opens a new conversation, reopening),
 * mark read (the WhatsApp read receipt, best effort) and the assistant toggle. The app assigns offline agents
 * ({@code ASSIGN_ALLOW_OFFLINE=true}); a second app without it checks AGENT_UNAVAILABLE for offline agents.
 */
class ConversationActionsTest {
  static final String PASSWORD = "agent-password-1";
  static final int MAX_ATTEMPTS = 2;

  static FakeGraphApi fake;
  static TestApp app;
  static Wa wa;
  static String admin;
  static String adminId;
  static String sup1;
  static String sup1Id;
  static String sup2;
  static String sup2Id;
  static String agentA;
  static String agentAId;
  static String agentB;
  static String agentBId;
  static final List<JsonObject> assignedEvents = new CopyOnWriteArrayList<>();
  static final List<JsonObject> updatedEvents = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    fake = FakeGraphApi.startOwn();
    app = TestApp.start(Wa.config().mergeIn(fake.config()).put("ASSIGN_ALLOW_OFFLINE", true)
        .put("WHATSAPP_RETRY_BASE_MS", 5).put("WHATSAPP_SEND_MAX_ATTEMPTS", MAX_ATTEMPTS));
    wa = new Wa(app);
    JsonObject adminLogin = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    admin = adminLogin.getString("token");
    adminId = adminLogin.getJsonObject("agent").getString("_id");
    sup1Id = createAgent(app, admin, "sup1@crm.test", "Sofía", "Ramírez", "supervisor");
    sup2Id = createAgent(app, admin, "sup2@crm.test", "Pablo", "Núñez", "supervisor");
    agentAId = createAgent(app, admin, "maria@crm.test", "María", "García", "agent");
    agentBId = createAgent(app, admin, "jose@crm.test", "José", "Pérez", "agent");
    sup1 = app.login("sup1@crm.test", PASSWORD).getString("token");
    sup2 = app.login("sup2@crm.test", PASSWORD).getString("token");
    agentA = app.login("maria@crm.test", PASSWORD).getString("token");
    agentB = app.login("jose@crm.test", PASSWORD).getString("token");
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_ASSIGNED, m -> assignedEvents.add(m.body()));
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_UPDATED, m -> updatedEvents.add(m.body()));
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

  static String createAgent(TestApp a, String adminToken, String email, String first, String last, String role) {
    HttpResponse<Buffer> res = a.post("/api/v2/agents", adminToken, new JsonObject().put("email", email)
        .put("password", PASSWORD).put("firstName", first).put("lastName", last).put("role", role));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getJsonObject("agent").getString("_id");
  }

  record Customer(String phone, String customerId, String conversationId, String wamid) {}

  static String phone() {
    return "5255" + String.format("%08d", (long) (Math.random() * 100_000_000L));
  }

  static String wamid() {
    return "wamid.IN" + UUID.randomUUID().toString().replace("-", "");
  }

  /** The customer writes (a signed webhook, at {@code epochSeconds}); returns where the message was stored. */
  static Customer writes(Wa w, String phone, String text, long epochSeconds) {
    String id = wamid();
    assertThat(w.post(WebhookPayloads.text(FakeGraphApi.PHONE_NUMBER_ID, phone, "Cliente Prueba", id, text, epochSeconds))
        .statusCode()).isEqualTo(200);
    List<JsonObject> in = w.await("messages", new JsonObject().put("whatsappMessageId", id), l -> !l.isEmpty());
    assertThat(in).as("inbound message %s stored", id).hasSize(1);
    return new Customer(phone, in.get(0).getString("customerId"), in.get(0).getString("conversationId"), id);
  }

  static Customer writes(String phone, String text) {
    return writes(wa, phone, text, Instant.now().getEpochSecond());
  }

  /** A new customer who just wrote: an open, unassigned conversation. */
  static Customer customerWhoWrote(Wa w) {
    return writes(w, phone(), "hola", Instant.now().getEpochSecond());
  }

  static Customer customerWhoWrote() {
    return customerWhoWrote(wa);
  }

  static String conv(String conversationId) {
    return "/api/v2/conversations/" + conversationId;
  }

  static HttpResponse<Buffer> assign(TestApp a, String token, String conversationId, JsonObject body) {
    return a.post(conv(conversationId) + "/assign", token, body);
  }

  static HttpResponse<Buffer> assign(String token, String conversationId, String agentId) {
    return assign(app, token, conversationId, new JsonObject().put("agentId", agentId));
  }

  static HttpResponse<Buffer> setStatus(String token, String conversationId, JsonObject body) {
    return app.put(conv(conversationId) + "/status", token, body);
  }

  static HttpResponse<Buffer> setStatus(String token, String conversationId, String status) {
    return setStatus(token, conversationId, new JsonObject().put("status", status));
  }

  static HttpResponse<Buffer> setAi(String token, String conversationId, JsonObject body) {
    return app.put(conv(conversationId) + "/ai", token, body);
  }

  /** A 200 {success, conversation}: returns the conversation. */
  static JsonObject ok(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getJsonObject("conversation")).as("conversation in %s", body).isNotNull();
    return body.getJsonObject("conversation");
  }

  static JsonObject get(String token, String conversationId) {
    return ok(app.get(conv(conversationId), token));
  }

  /** The stored conversation document. */
  static JsonObject stored(String conversationId) {
    List<JsonObject> found = wa.find("conversations", new JsonObject().put("_id", conversationId));
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  /** The events of this conversation, once there are {@code atLeast} (at most 5 s). */
  static List<JsonObject> awaitEvents(List<JsonObject> events, String conversationId, int atLeast) {
    return awaitEvents(events, conversationId, atLeast, 5000);
  }

  /** Events that must not come: they are published before the HTTP answer, so a short wait is enough. */
  static List<JsonObject> noEvents(List<JsonObject> events, String conversationId) {
    return awaitEvents(events, conversationId, 1, 300);
  }

  static List<JsonObject> awaitEvents(List<JsonObject> events, String conversationId, int atLeast, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (true) {
      List<JsonObject> found = events.stream().filter(e -> conversationId.equals(e.getString("conversationId"))).toList();
      if (found.size() >= atLeast || System.nanoTime() > deadline) return found;
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return found;
      }
    }
  }

  static JsonObject lastHistory(JsonObject conversation) {
    JsonArray history = conversation.getJsonArray("history");
    assertThat(history).as("history of %s", conversation).isNotNull().isNotEmpty();
    return history.getJsonObject(history.size() - 1);
  }

  static JsonObject customer(String customerId) {
    HttpResponse<Buffer> res = app.get("/api/v2/customers/" + customerId, admin);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("customer");
  }

  // ---- assign

  @Test
  void a_supervisor_assigns_with_a_note_and_the_assigned_and_updated_events_are_published() {
    Customer c = customerWhoWrote();
    JsonObject before = get(sup1, c.conversationId());
    assertThat(before.getString("status")).isEqualTo("open");
    assertThat(before.containsKey("assignedAgent")).isFalse();

    JsonObject conversation = ok(assign(app, sup1, c.conversationId(),
        new JsonObject().put("agentId", agentAId).put("note", "Cliente VIP, atender hoy")));
    assertThat(conversation.getString("_id")).isEqualTo(c.conversationId());
    assertThat(conversation.getString("status")).isEqualTo("assigned");
    JsonObject assignee = conversation.getJsonObject("assignedAgent");
    assertThat(assignee.getString("_id")).isEqualTo(agentAId);
    assertThat(assignee.getString("firstName")).isEqualTo("María");
    assertThat(assignee.getString("lastName")).isEqualTo("García");
    JsonObject entry = lastHistory(conversation);
    assertThat(entry.getString("type")).isEqualTo("assigned");
    assertThat(entry.getString("agentId")).isEqualTo(agentAId);
    assertThat(entry.getString("by")).isEqualTo(sup1Id);
    assertThat(entry.getString("note")).isEqualTo("Cliente VIP, atender hoy");

    // as stored, and as the assignee now sees it
    JsonObject again = get(agentA, c.conversationId());
    assertThat(again.getString("status")).isEqualTo("assigned");
    assertThat(again.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentAId);
    assertThat(lastHistory(again).getString("note")).isEqualTo("Cliente VIP, atender hoy");
    assertThat(stored(c.conversationId()).getString("assignedAgentId")).isEqualTo(agentAId);

    List<JsonObject> assigned = awaitEvents(assignedEvents, c.conversationId(), 1);
    assertThat(assigned).hasSize(1);
    JsonObject event = assigned.get(0);
    assertThat(event.getString("assignedBy")).isEqualTo(sup1Id);
    JsonObject agent = event.getJsonObject("assignedAgent");
    assertThat(agent.getString("id")).isEqualTo(agentAId);
    assertThat(agent.getString("firstName")).isEqualTo("María");
    assertThat(agent.getString("lastName")).isEqualTo("García");

    List<JsonObject> updated = awaitEvents(updatedEvents, c.conversationId(), 1);
    assertThat(updated).hasSize(1);
    assertThat(updated.get(0).getString("status")).isEqualTo("assigned");
    assertThat(updated.get(0).getString("assignedAgentId")).isEqualTo(agentAId);
    assertThat(updated.get(0).getString("customerId")).isEqualTo(c.customerId());
  }

  @Test
  void assigning_a_conversation_another_agent_holds_is_409_unless_a_supervisor_forces_it() {
    Customer c = customerWhoWrote();
    ok(assign(sup1, c.conversationId(), agentAId));
    String path = conv(c.conversationId()) + "/assign";

    JsonObject error = assertError(assign(sup2, c.conversationId(), agentBId), 409, "CONVERSATION_ALREADY_ASSIGNED", path);
    assertThat(error.getJsonObject("details").getString("assignedAgentId")).isEqualTo(agentAId);
    assertThat(stored(c.conversationId()).getString("assignedAgentId")).isEqualTo(agentAId);
    assertThat(awaitEvents(assignedEvents, c.conversationId(), 1)).hasSize(1);

    // assigning it again to the one who holds it is no conflict
    assertThat(ok(assign(sup2, c.conversationId(), agentAId)).getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentAId);

    JsonObject forced = ok(assign(app, sup2, c.conversationId(), new JsonObject().put("agentId", agentBId).put("force", true)
        .put("note", "María está de vacaciones")));
    assertThat(forced.getString("status")).isEqualTo("assigned");
    assertThat(forced.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentBId);
    assertThat(forced.getJsonObject("assignedAgent").getString("firstName")).isEqualTo("José");
    JsonObject entry = lastHistory(forced);
    assertThat(entry.getString("agentId")).isEqualTo(agentBId);
    assertThat(entry.getString("previousAgentId")).isEqualTo(agentAId);
    assertThat(entry.getString("by")).isEqualTo(sup2Id);
    assertThat(entry.getString("note")).isEqualTo("María está de vacaciones");
    assertThat(stored(c.conversationId()).getString("assignedAgentId")).isEqualTo(agentBId);
    List<JsonObject> events = awaitEvents(assignedEvents, c.conversationId(), 3);
    assertThat(events).hasSize(3);
    assertThat(events.get(2).getJsonObject("assignedAgent").getString("id")).isEqualTo(agentBId);
    assertThat(events.get(2).getString("assignedBy")).isEqualTo(sup2Id);

    // the agent who lost it no longer sees it
    assertError(app.get(conv(c.conversationId()), agentA), 404, "CONVERSATION_NOT_FOUND", conv(c.conversationId()));
  }

  @Test
  void an_agent_takes_an_unassigned_conversation_but_may_not_assign_to_someone_else() {
    Customer other = customerWhoWrote();
    String path = conv(other.conversationId()) + "/assign";
    assertError(assign(agentA, other.conversationId(), agentBId), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    JsonObject untouched = stored(other.conversationId());
    assertThat(untouched.getString("status")).isEqualTo("open");
    assertThat(untouched.getString("assignedAgentId")).isNull();
    assertThat(noEvents(assignedEvents, other.conversationId())).isEmpty();

    JsonObject mine = ok(assign(agentA, other.conversationId(), agentAId));
    assertThat(mine.getString("status")).isEqualTo("assigned");
    assertThat(mine.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentAId);
    List<JsonObject> events = awaitEvents(assignedEvents, other.conversationId(), 1);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getString("assignedBy")).isEqualTo(agentAId);

    // another agent cannot take it from them, not even with force: they do not see it at all
    assertError(assign(app, agentB, other.conversationId(), new JsonObject().put("agentId", agentBId).put("force", true)),
        404, "CONVERSATION_NOT_FOUND", path);
    assertThat(stored(other.conversationId()).getString("assignedAgentId")).isEqualTo(agentAId);
  }

  @Test
  void a_deactivated_agent_is_unavailable_and_an_unknown_agent_is_not_found() {
    Customer c = customerWhoWrote();
    String path = conv(c.conversationId()) + "/assign";
    String goneId = createAgent(app, admin, "gone@crm.test", "Ido", "Fuera", "agent");
    HttpResponse<Buffer> deactivated = app.post("/api/v2/agents/" + goneId + "/deactivate", admin, null);
    assertThat(deactivated.statusCode()).as(deactivated.bodyAsString()).isEqualTo(200);

    JsonObject error = assertFieldError(assign(sup1, c.conversationId(), goneId), 422, "AGENT_UNAVAILABLE", path, "agentId");
    assertThat(error.getString("message")).contains("deactivated");
    assertError(assign(sup1, c.conversationId(), "0123456789abcdef01234567"), 404, "AGENT_NOT_FOUND", path);
    assertError(assign(sup1, c.conversationId(), "not-an-id"), 404, "AGENT_NOT_FOUND", path);
    assertFieldError(assign(app, sup1, c.conversationId(), new JsonObject()), 400, "VALIDATION_FAILED", path, "agentId");
    assertFieldError(assign(app, sup1, c.conversationId(), new JsonObject().put("agentId", agentAId).put("force", "yes")),
        400, "VALIDATION_FAILED", path, "force");
    assertError(assign(sup1, "0123456789abcdef01234567", agentAId), 404, "CONVERSATION_NOT_FOUND",
        conv("0123456789abcdef01234567") + "/assign");

    JsonObject untouched = stored(c.conversationId());
    assertThat(untouched.getString("status")).isEqualTo("open");
    assertThat(untouched.getString("assignedAgentId")).isNull();
    assertThat(noEvents(assignedEvents, c.conversationId())).isEmpty();
  }

  @Test
  void without_assign_allow_offline_an_offline_agent_is_unavailable_until_they_are_online() {
    try (TestApp strict = TestApp.start(Wa.config())) {
      Wa w = new Wa(strict);
      String adminToken = strict.adminToken();
      String agentId = createAgent(strict, adminToken, "offline@crm.test", "Luz", "Apagada", "agent");
      Customer c = customerWhoWrote(w);
      String path = conv(c.conversationId()) + "/assign";
      JsonObject body = new JsonObject().put("agentId", agentId);

      JsonObject error = assertFieldError(assign(strict, adminToken, c.conversationId(), body), 422, "AGENT_UNAVAILABLE",
          path, "agentId");
      assertThat(error.getJsonObject("details").getString("status")).isEqualTo("offline");
      assertThat(w.find("conversations", new JsonObject().put("_id", c.conversationId())).get(0).getString("status"))
          .isEqualTo("open");

      HttpResponse<Buffer> online = strict.put("/api/v2/agents/" + agentId, adminToken, new JsonObject().put("status", "online"));
      assertThat(online.statusCode()).as(online.bodyAsString()).isEqualTo(200);
      HttpResponse<Buffer> res = assign(strict, adminToken, c.conversationId(), body);
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      assertThat(res.bodyAsJsonObject().getJsonObject("conversation").getJsonObject("assignedAgent").getString("_id"))
          .isEqualTo(agentId);
    }
  }

  @Test
  void two_supervisors_assigning_at_the_same_moment_one_wins_the_other_gets_409() {
    for (int round = 0; round < 5; round++) {
      Customer c = customerWhoWrote();
      String path = conv(c.conversationId()) + "/assign";
      Future<HttpResponse<Buffer>> first = app.client.post(path).putHeader("Authorization", "Bearer " + sup1)
          .sendJsonObject(new JsonObject().put("agentId", agentAId));
      Future<HttpResponse<Buffer>> second = app.client.post(path).putHeader("Authorization", "Bearer " + sup2)
          .sendJsonObject(new JsonObject().put("agentId", agentBId));
      HttpResponse<Buffer> a = first.await();
      HttpResponse<Buffer> b = second.await();
      assertThat(List.of(a.statusCode(), b.statusCode())).as("round %d: %s / %s", round, a.bodyAsString(), b.bodyAsString())
          .containsExactlyInAnyOrder(200, 409);
      boolean aWon = a.statusCode() == 200;
      HttpResponse<Buffer> loser = aWon ? b : a;
      String winner = aWon ? agentAId : agentBId;
      assertError(loser, 409, "CONVERSATION_ALREADY_ASSIGNED", path);
      assertThat(loser.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getString("assignedAgentId"))
          .isEqualTo(winner);
      assertThat((aWon ? a : b).bodyAsJsonObject().getJsonObject("conversation").getJsonObject("assignedAgent").getString("_id"))
          .isEqualTo(winner);
      JsonObject doc = stored(c.conversationId());
      assertThat(doc.getString("assignedAgentId")).as("round %d", round).isEqualTo(winner);
      assertThat(doc.getString("status")).isEqualTo("assigned");
      assertThat(doc.getJsonArray("history").stream().filter(h -> "assigned".equals(((JsonObject) h).getString("type"))))
          .hasSize(1);
      List<JsonObject> events = awaitEvents(assignedEvents, c.conversationId(), 1);
      assertThat(events).hasSize(1);
      assertThat(events.get(0).getJsonObject("assignedAgent").getString("id")).isEqualTo(winner);
    }
  }

  @Test
  void a_resolved_or_closed_conversation_is_not_assigned() {
    Customer c = customerWhoWrote();
    String path = conv(c.conversationId()) + "/assign";
    ok(setStatus(sup1, c.conversationId(), "resolved"));
    assertError(assign(sup1, c.conversationId(), agentAId), 409, "INVALID_STATUS_TRANSITION", path);
    Customer d = customerWhoWrote();
    ok(setStatus(sup1, d.conversationId(), "closed"));
    assertError(assign(sup1, d.conversationId(), agentAId), 409, "INVALID_STATUS_TRANSITION", conv(d.conversationId()) + "/assign");
    assertThat(stored(c.conversationId()).getString("assignedAgentId")).isNull();
    assertThat(stored(d.conversationId()).getString("status")).isEqualTo("closed");
    assertThat(noEvents(assignedEvents, c.conversationId())).isEmpty();
  }

  // ---- status

  @Test
  void resolving_sets_resolved_at_keeps_the_note_and_publishes_the_update() {
    Customer c = customerWhoWrote();
    Instant before = Instant.now().minusSeconds(1);
    JsonObject resolved = ok(setStatus(sup1, c.conversationId(), new JsonObject().put("status", "resolved")
        .put("note", "Resuelto por teléfono")));
    assertThat(resolved.getString("status")).isEqualTo("resolved");
    assertThat(Instant.parse(resolved.getString("resolvedAt"))).isBetween(before, Instant.now().plusSeconds(1));
    JsonObject entry = lastHistory(resolved);
    assertThat(entry.getString("type")).isEqualTo("status");
    assertThat(entry.getString("from")).isEqualTo("open");
    assertThat(entry.getString("to")).isEqualTo("resolved");
    assertThat(entry.getString("by")).isEqualTo(sup1Id);
    assertThat(entry.getString("note")).isEqualTo("Resuelto por teléfono");
    assertThat(get(sup1, c.conversationId()).getString("resolvedAt")).isEqualTo(resolved.getString("resolvedAt"));
    List<JsonObject> updated = awaitEvents(updatedEvents, c.conversationId(), 1);
    assertThat(updated).hasSize(1);
    assertThat(updated.get(0).getString("status")).isEqualTo("resolved");
  }

  @Test
  void assigned_without_an_assignee_is_409_and_a_bad_status_is_400() {
    Customer c = customerWhoWrote();
    String path = conv(c.conversationId()) + "/status";
    assertError(setStatus(sup1, c.conversationId(), "assigned"), 409, "INVALID_STATUS_TRANSITION", path);
    assertFieldError(setStatus(sup1, c.conversationId(), "archived"), 400, "VALIDATION_FAILED", path, "status");
    assertFieldError(setStatus(sup1, c.conversationId(), new JsonObject()), 400, "VALIDATION_FAILED", path, "status");
    assertFieldError(setStatus(sup1, c.conversationId(), new JsonObject().put("status", true)), 400, "VALIDATION_FAILED", path, "status");
    assertThat(stored(c.conversationId()).getString("status")).isEqualTo("open");
    assertThat(noEvents(updatedEvents, c.conversationId())).isEmpty();

    // with an assignee, "assigned" is a legal status again (after a resolution)
    ok(assign(sup1, c.conversationId(), agentAId));
    ok(setStatus(sup1, c.conversationId(), "resolved"));
    JsonObject back = ok(setStatus(sup1, c.conversationId(), "assigned"));
    assertThat(back.getString("status")).isEqualTo("assigned");
    assertThat(back.getJsonObject("assignedAgent").getString("_id")).isEqualTo(agentAId);
  }

  @Test
  void a_customer_writing_after_resolution_opens_a_new_conversation_and_the_old_one_cannot_be_reopened_meanwhile() {
    String phone = phone();
    long t0 = Instant.now().getEpochSecond() - 120;
    Customer first = writes(wa, phone, "primera vez", t0);
    ok(setStatus(sup1, first.conversationId(), "resolved"));

    Customer second = writes(wa, phone, "otra cosa", t0 + 60);
    assertThat(second.customerId()).isEqualTo(first.customerId());
    assertThat(second.conversationId()).isNotEqualTo(first.conversationId());
    JsonObject old = get(sup1, first.conversationId());
    assertThat(old.getString("status")).isEqualTo("resolved");
    assertThat(old.getInteger("messageCount")).isEqualTo(1);
    JsonObject fresh = get(sup1, second.conversationId());
    assertThat(fresh.getString("status")).isEqualTo("open");
    assertThat(fresh.getInteger("messageCount")).isEqualTo(1);
    assertThat(fresh.getJsonObject("lastMessage").getString("content")).isEqualTo("otra cosa");
    assertThat(customer(first.customerId()).getInteger("totalConversations")).isEqualTo(2);

    String path = conv(first.conversationId()) + "/status";
    assertError(setStatus(sup1, first.conversationId(), "open"), 409, "INVALID_STATUS_TRANSITION", path);
    assertThat(stored(first.conversationId()).getString("status")).isEqualTo("resolved");

    // closed works the same way: the next message opens a third conversation
    ok(setStatus(sup1, second.conversationId(), "closed"));
    Customer third = writes(wa, phone, "y otra más", t0 + 90);
    assertThat(third.conversationId()).isNotIn(first.conversationId(), second.conversationId());
    assertThat(get(sup1, third.conversationId()).getInteger("messageCount")).isEqualTo(1);
    assertThat(get(sup1, second.conversationId()).getInteger("messageCount")).isEqualTo(1);
    assertThat(customer(first.customerId()).getInteger("totalConversations")).isEqualTo(3);
  }

  @Test
  void a_reopened_conversation_receives_the_customers_next_message() {
    String phone = phone();
    Customer c = writes(wa, phone, "hola", Instant.now().getEpochSecond() - 60);
    ok(setStatus(sup1, c.conversationId(), "resolved"));
    JsonObject reopened = ok(setStatus(sup1, c.conversationId(), "open"));
    assertThat(reopened.getString("status")).isEqualTo("open");
    Customer again = writes(phone, "sigo aquí");
    assertThat(again.conversationId()).isEqualTo(c.conversationId());
    assertThat(get(sup1, c.conversationId()).getInteger("messageCount")).isEqualTo(2);
    assertThat(customer(c.customerId()).getInteger("totalConversations")).isEqualTo(1);
  }

  // ---- read

  @Test
  void mark_read_zeroes_unread_and_sends_a_read_receipt_for_the_newest_inbound_message() {
    String phone = phone();
    long now = Instant.now().getEpochSecond();
    Customer older = writes(wa, phone, "uno", now - 120);
    Customer newest = writes(wa, phone, "dos", now - 60);
    assertThat(newest.conversationId()).isEqualTo(older.conversationId());
    // the conversation's counters move just after the message is stored
    wa.await("conversations", new JsonObject().put("_id", older.conversationId()),
        l -> !l.isEmpty() && l.get(0).getInteger("unreadCount", 0) >= 2);
    assertThat(get(agentA, older.conversationId()).getInteger("unreadCount")).isEqualTo(2);

    HttpResponse<Buffer> res = app.post(conv(older.conversationId()) + "/read", agentA, null);
    JsonObject conversation = ok(res);
    assertThat(conversation.getInteger("unreadCount")).isZero();
    assertThat(res.bodyAsJsonObject().getBoolean("readReceiptSent")).isTrue();
    assertThat(get(agentA, older.conversationId()).getInteger("unreadCount")).isZero();

    List<FakeGraphApi.Recorded> receipts = fake.requests(r -> r.json() != null && "read".equals(r.json().getString("status"))
        && List.of(older.wamid(), newest.wamid()).contains(r.json().getString("message_id")));
    assertThat(receipts).hasSize(1);
    assertThat(receipts.get(0).path()).isEqualTo(FakeGraphApi.messagesPath(FakeGraphApi.PHONE_NUMBER_ID));
    assertThat(receipts.get(0).header("Authorization")).isEqualTo("Bearer " + FakeGraphApi.TOKEN);
    JsonObject receipt = receipts.get(0).json();
    assertThat(receipt.getString("messaging_product")).isEqualTo("whatsapp");
    assertThat(receipt.getString("message_id")).isEqualTo(newest.wamid());
    // opening a conversation must not show the customer "typing..." (the indicator lasts up to 25 s)
    assertThat(receipt.containsKey("typing_indicator")).isFalse();
  }

  @Test
  void a_failing_read_receipt_does_not_fail_mark_read() {
    Customer c = customerWhoWrote();
    for (int i = 0; i < MAX_ATTEMPTS; i++) fake.respondNext(500, FakeGraphApi.unknownError());
    HttpResponse<Buffer> res = app.post(conv(c.conversationId()) + "/read", sup1, null);
    JsonObject conversation = ok(res);
    assertThat(res.bodyAsJsonObject().getBoolean("readReceiptSent")).isFalse();
    assertThat(conversation.getInteger("unreadCount")).isZero();
    assertThat(stored(c.conversationId()).getInteger("unreadCount")).isZero();
    List<FakeGraphApi.Recorded> receipts = fake.requests(r -> r.json() != null && c.wamid().equals(r.json().getString("message_id")));
    assertThat(receipts).extracting(FakeGraphApi.Recorded::status).containsExactly(500, 500);
  }

  @Test
  void mark_read_of_a_conversation_the_agent_cannot_see_is_404() {
    Customer c = customerWhoWrote();
    ok(assign(sup1, c.conversationId(), agentAId));
    assertError(app.post(conv(c.conversationId()) + "/read", agentB, null), 404, "CONVERSATION_NOT_FOUND",
        conv(c.conversationId()) + "/read");
    assertThat(stored(c.conversationId()).getInteger("unreadCount")).isEqualTo(1);
    assertThat(fake.requests(r -> r.json() != null && c.wamid().equals(r.json().getString("message_id")))).isEmpty();
  }

  // ---- assistant toggle

  @Test
  void supervisors_turn_the_assistant_off_and_on_with_either_field_name() {
    Customer c = customerWhoWrote();
    // no model configured here: new conversations go to people, with the assistant off
    assertThat(get(sup1, c.conversationId()).getBoolean("isAIEnabled")).isFalse();
    JsonObject on = ok(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", true)));
    assertThat(on.getBoolean("isAIEnabled")).isTrue();
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).isTrue();
    JsonObject off = ok(setAi(admin, c.conversationId(), new JsonObject().put("isAIEnabled", false)));
    assertThat(off.getBoolean("isAIEnabled")).isFalse();
    JsonObject onAgain = ok(setAi(sup2, c.conversationId(), new JsonObject().put("isAIEnabled", true)));
    assertThat(onAgain.getBoolean("isAIEnabled")).isTrue();
    assertThat(get(sup1, c.conversationId()).getBoolean("isAIEnabled")).isTrue();
    assertThat(awaitEvents(updatedEvents, c.conversationId(), 3)).hasSize(3);
  }

  @Test
  void the_assignee_may_toggle_the_assistant_another_agent_may_not_and_a_non_boolean_is_400() {
    Customer c = customerWhoWrote();
    String path = conv(c.conversationId()) + "/ai";
    ok(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", true))); // off by default without a model
    // unassigned and open: every agent sees it, but only supervisors, admins and the assignee change the assistant
    assertError(setAi(agentA, c.conversationId(), new JsonObject().put("enabled", false)), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).isTrue();

    ok(assign(sup1, c.conversationId(), agentAId));
    JsonObject off = ok(setAi(agentA, c.conversationId(), new JsonObject().put("enabled", false)));
    assertThat(off.getBoolean("isAIEnabled")).isFalse();
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).isFalse();
    // another agent does not even see it now
    assertError(setAi(agentB, c.conversationId(), new JsonObject().put("enabled", true)), 404, "CONVERSATION_NOT_FOUND", path);

    assertFieldError(setAi(sup1, c.conversationId(), new JsonObject()), 400, "VALIDATION_FAILED", path, "enabled");
    assertFieldError(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", "false")), 400, "VALIDATION_FAILED", path, "enabled");
    assertFieldError(setAi(sup1, c.conversationId(), new JsonObject().put("isAIEnabled", 0)), 400, "VALIDATION_FAILED", path,
        "isAIEnabled");
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).isFalse();
    // the assistant turned on, assigned, then the assistant changed once
    List<JsonObject> updated = awaitEvents(updatedEvents, c.conversationId(), 3);
    assertThat(updated).hasSize(3);
  }

  // ---- hand-off to a person (REST)

  static HttpResponse<Buffer> handoff(String token, String conversationId, Object body) {
    return app.post(conv(conversationId) + "/handoff", token, body);
  }

  @Test
  void an_agent_who_sees_the_conversation_hands_it_to_a_person_and_lists_and_events_say_so() {
    Customer c = customerWhoWrote();
    ok(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", true))); // off by default without a model
    int before = awaitEvents(updatedEvents, c.conversationId(), 1).size();

    // unassigned and open: agent A sees it (but could not toggle the assistant); a hand-off only asks for a person
    JsonObject handed = ok(handoff(agentA, c.conversationId(), new JsonObject().put("reason", "Pide hablar con alguien")));
    assertThat(handed.getBoolean("isAIEnabled")).isFalse();
    JsonObject h = handed.getJsonObject("handoff");
    assertThat(h.getString("reason")).isEqualTo("Pide hablar con alguien");
    assertThat(h.getString("by")).isEqualTo(agentAId);
    assertThat(Instant.parse(h.getString("at"))).isCloseTo(Instant.now(), within(30, java.time.temporal.ChronoUnit.SECONDS));
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).isFalse();

    // GET and the list items carry it
    assertThat(get(sup1, c.conversationId()).getJsonObject("handoff")).isEqualTo(h);
    HttpResponse<Buffer> list = app.get("/api/v2/conversations?assignedAgent=unassigned&limit=100", agentB);
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    JsonObject row = list.bodyAsJsonObject().getJsonArray("conversations").stream().map(o -> (JsonObject) o)
        .filter(x -> c.conversationId().equals(x.getString("_id"))).findFirst().orElseThrow();
    assertThat(row.getJsonObject("handoff")).isEqualTo(h);

    // the update event carries it, for conversation:updated
    List<JsonObject> updated = awaitEvents(updatedEvents, c.conversationId(), before + 1);
    JsonObject event = updated.get(updated.size() - 1);
    assertThat(event.getBoolean("isAIEnabled")).isFalse();
    assertThat(event.getJsonObject("handoff")).isEqualTo(h);
    assertThat(event.getBoolean("wasOpenToAll")).isTrue();

    // again: the assistant is off already, nothing changes and nothing is published
    JsonObject again = ok(handoff(sup1, c.conversationId(), null));
    assertThat(again.getJsonObject("handoff")).isEqualTo(h);
    assertThat(awaitEvents(updatedEvents, c.conversationId(), before + 2, 300)).hasSize(before + 1);

    // the assistant back on ends the hand-off
    JsonObject on = ok(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", true)));
    assertThat(on.containsKey("handoff")).isFalse();
    assertThat(stored(c.conversationId()).containsKey("handoff")).isFalse();
  }

  @Test
  void a_handoff_needs_a_conversation_the_caller_sees_and_a_short_string_reason() {
    Customer c = customerWhoWrote();
    ok(setAi(sup1, c.conversationId(), new JsonObject().put("enabled", true)));
    ok(assign(sup1, c.conversationId(), agentAId));
    String path = conv(c.conversationId()) + "/handoff";
    assertError(handoff(agentB, c.conversationId(), new JsonObject()), 404, "CONVERSATION_NOT_FOUND", path);
    assertFieldError(handoff(agentA, c.conversationId(), new JsonObject().put("reason", 42)), 400, "VALIDATION_FAILED", path, "reason");
    assertFieldError(handoff(agentA, c.conversationId(), new JsonObject().put("reason", new JsonObject().put("$ne", ""))), 400,
        "VALIDATION_FAILED", path, "reason");
    assertFieldError(handoff(agentA, c.conversationId(), new JsonObject().put("reason", "x".repeat(501))), 400, "VALIDATION_FAILED",
        path, "reason");
    assertError(handoff(agentA, c.conversationId(), "{\"reason\":"), 400, "VALIDATION_FAILED", path);
    assertThat(stored(c.conversationId()).getBoolean("isAIEnabled")).as("nothing changed").isTrue();
    assertError(handoff(sup1, "0123456789abcdef01234567", new JsonObject()), 404, "CONVERSATION_NOT_FOUND",
        conv("0123456789abcdef01234567") + "/handoff");
    assertError(handoff(sup1, "$where", new JsonObject()), 404, "CONVERSATION_NOT_FOUND", conv("$where") + "/handoff");
    // the assignee hands it off with a reason that merely looks like an operator: it is text
    JsonObject handed = ok(handoff(agentA, c.conversationId(), new JsonObject().put("reason", "$set: {x: 1}")));
    assertThat(handed.getJsonObject("handoff").getString("reason")).isEqualTo("$set: {x: 1}");
    assertThat(handed.getString("status")).isEqualTo("assigned");
  }

  // ---- the agents' assignedConversations

  static List<Object> held(String agentId) {
    HttpResponse<Buffer> res = app.get("/api/v2/agents/" + agentId, admin);
    assertThat(res.statusCode()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("agent").getJsonArray("assignedConversations").getList();
  }

  static void awaitHeld(String agentId, String conversationId, boolean expected) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (held(agentId).contains(conversationId) != expected && System.nanoTime() < deadline) Thread.sleep(20);
    assertThat(held(agentId).contains(conversationId)).as("agent %s holds %s", agentId, conversationId).isEqualTo(expected);
  }

  @Test
  void agents_assigned_conversations_follow_assignment_reassignment_and_resolution() throws Exception {
    Customer c = customerWhoWrote();
    ok(assign(sup1, c.conversationId(), agentAId));
    awaitHeld(agentAId, c.conversationId(), true);
    ok(assign(app, sup1, c.conversationId(), new JsonObject().put("agentId", agentBId).put("force", true)));
    awaitHeld(agentBId, c.conversationId(), true);
    awaitHeld(agentAId, c.conversationId(), false);
    HttpResponse<Buffer> resolved = app.put("/api/v2/conversations/" + c.conversationId() + "/status", admin,
        new JsonObject().put("status", "resolved"));
    assertThat(resolved.statusCode()).as(resolved.bodyAsString()).isEqualTo(200);
    awaitHeld(agentBId, c.conversationId(), false);
  }
}
