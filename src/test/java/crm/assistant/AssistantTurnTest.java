package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The assistant end to end, on one node: real webhooks in, a fake OpenAI-compatible model ({@link FakeLlm}) that
 * answers from a script, the real function registry, and the answers out through a fake Graph API. The general
 * preset (no e-commerce): tickets, status, hand-off, the bounds and the failures.
 */
class AssistantTurnTest {
  static AssistantFixture fx;
  static FakeGraphApi graph;
  static FakeLlm llm;
  static TestApp app;
  static Inbox inbox;
  static final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    fx = AssistantFixture.start(new JsonObject().put("AI_MAX_ROUNDS", 3).put("AI_MAX_RETRIES", 1).put("AI_RETRY_BASE_MS", 10)
        .put("AI_TIMEOUT_MS", 1_500).put("AI_CLAIM_LEASE_MS", 2_000), vertx -> {
          vertx.eventBus().<JsonObject>consumer(crm.bus.Addresses.EVT_CONVERSATION_UPDATED, m -> events.add(m.body().copy().put("event", "updated")));
          vertx.eventBus().<JsonObject>consumer(crm.bus.Addresses.EVT_TICKET_CREATED, m -> events.add(m.body().copy().put("event", "ticket_created")));
          vertx.eventBus().<JsonObject>consumer(crm.bus.Addresses.EVT_CONVERSATION_NEW_MESSAGE, m -> events.add(m.body().copy().put("event", "new_message")));
        });
    graph = fx.graph;
    llm = fx.llm;
    app = fx.app;
    inbox = fx.inbox;
  }

  @AfterAll
  static void stop() {
    if (fx != null) fx.close();
  }

  @AfterEach
  void reset() {
    fx.forget();
  }

  static List<String> textsTo(String phone, int n) {
    return fx.textsTo(phone, n);
  }

  static void sleep(long ms) {
    AssistantFixture.sleep(ms);
  }

  static JsonObject awaitEvent(java.util.function.Predicate<JsonObject> which) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonObject e : events) if (which.test(e)) return e;
      sleep(20);
    }
    throw new AssertionError("no such event within 15 s");
  }

  static JsonObject settled(Inbox inbox, String conversationId) {
    return fx.settled(conversationId);
  }

  static List<JsonObject> turnsOf(String conversationId, int atLeast) {
    return inbox.wa.await("assistant_turns", new JsonObject().put("conversationId", conversationId), l -> l.size() >= atLeast);
  }

  /** The model: tool calls first, then (once the last message is a tool result) a text made from that result. */
  static void script(java.util.function.Function<FakeLlm.Request, FakeLlm.Reply> afterTool, FakeLlm.Reply first) {
    llm.respondWith(req -> "tool".equals(req.lastRole()) ? afterTool.apply(req) : first);
  }

  @Test
  void a_customer_message_is_answered_once_by_the_assistant_with_the_prompt_built_from_the_conversation() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("¡Hola María! ¿En qué te ayudo?"));
    JsonObject msg = inbox.inbound(phone, "María López", "Hola, buenas tardes");
    assertThat(textsTo(phone, 1)).containsExactly("¡Hola María! ¿En qué te ayudo?");

    FakeLlm.Request req = llm.requests().get(0);
    JsonObject system = req.messages().get(0);
    assertThat(system.getString("role")).isEqualTo("system");
    assertThat(system.getString("content")).contains("María López").contains("WhatsApp");
    assertThat(req.lastMessage().getString("content")).isEqualTo("Hola, buenas tardes");
    assertThat(req.tools()).extracting(t -> ((JsonObject) t).getJsonObject("function").getString("name"))
        .contains("create_ticket", "get_ticket_status", "search_knowledge_base", "handoff_to_agent")
        .doesNotContain("search_ecommerce_products", "create_ecommerce_order"); // not the e-commerce preset

    String conversationId = msg.getString("conversationId");
    List<JsonObject> stored = inbox.wa.await("messages", new JsonObject().put("conversationId", conversationId)
        .put("direction", "outbound"), l -> !l.isEmpty());
    assertThat(stored.get(0).getJsonObject("metadata").getString("sentBy")).isEqualTo("assistant");
    JsonObject conv = inbox.wa.await("conversations", new JsonObject().put("_id", conversationId),
        l -> "system".equals(l.get(0).getJsonObject("lastMessage", new JsonObject()).getString("from"))).get(0);
    assertThat(conv.getJsonObject("lastMessage").getString("content")).isEqualTo("¡Hola María! ¿En qué te ayudo?");
    JsonObject turn = turnsOf(conversationId, 1).get(0);
    assertThat(turn.getString("outcome")).isEqualTo("answered");
    assertThat(turn.getInteger("modelCalls")).isEqualTo(1);
    assertThat(turn.getJsonObject("tokens").getLong("total")).isPositive();
    // the agents' screens get the reply as a new message
    assertThat(events.stream().anyMatch(e -> "new_message".equals(e.getString("event")) && conversationId.equals(e.getString("conversationId"))
        && "outbound".equals(e.getJsonObject("message").getString("direction")))).isTrue();
    settled(inbox, conversationId);
    assertThat(textsTo(phone, 1)).hasSize(1);
    assertThat(llm.requests()).hasSize(1);
  }

  @Test
  void a_ticket_is_created_through_a_function_and_a_bad_category_is_answered_as_an_error_the_model_corrects() {
    String phone = Inbox.phone();
    String category = firstCategory();
    JsonArray results = new JsonArray();
    llm.respondWith(req -> {
      if (!"tool".equals(req.lastRole())) {
        return FakeLlm.Reply.toolCall("create_ticket", new JsonObject().put("subject", "Sin luz").put("description", "No hay luz desde ayer")
            .put("category", "no_such_category"));
      }
      JsonObject result = new JsonObject(req.lastMessage().getString("content"));
      results.add(result);
      if (!result.getBoolean("success")) {
        return FakeLlm.Reply.toolCall("create_ticket", new JsonObject().put("subject", "Sin luz").put("description", "No hay luz desde ayer")
            .put("category", category));
      }
      return FakeLlm.Reply.text("Abrí el ticket " + result.getJsonObject("ticket").getString("ticket_id"));
    });
    JsonObject msg = inbox.inbound(phone, "Pedro Ruiz", "No tengo luz desde ayer");
    List<String> texts = textsTo(phone, 1);
    assertThat(texts).hasSize(1);
    assertThat(results.getJsonObject(0).getBoolean("success")).isFalse();
    assertThat(results.getJsonObject(0).getString("error")).contains("category");
    assertThat(results.getJsonObject(1).getBoolean("success")).as(results.encode()).isTrue();
    String ticketId = results.getJsonObject(1).getJsonObject("ticket").getString("ticket_id");
    assertThat(texts.get(0)).isEqualTo("Abrí el ticket " + ticketId);
    JsonObject ticket = inbox.wa.await("tickets", new JsonObject().put("ticketId", ticketId), l -> !l.isEmpty()).get(0);
    assertThat(ticket.getString("conversationId")).isEqualTo(msg.getString("conversationId"));
    assertThat(ticket.getString("customerId")).isEqualTo(msg.getString("customerId"));
    assertThat(events.stream().anyMatch(e -> "ticket_created".equals(e.getString("event"))
        && ticketId.equals(e.getJsonObject("ticket").getString("ticketId")))).isTrue();
  }

  static String firstCategory() {
    JsonObject active = app.vertx.eventBus().<JsonObject>request(crm.bus.Addresses.CONFIG_ACTIVE, new JsonObject())
        .map(m -> m.body()).await();
    return active.getJsonArray("categories").getJsonObject(0).getString("id");
  }

  @Test
  void the_same_ticket_asked_twice_in_one_answer_is_created_once() {
    String phone = Inbox.phone();
    JsonObject args = new JsonObject().put("subject", "Factura duplicada").put("description", "Me cobraron dos veces")
        .put("category", firstCategory());
    script(req -> FakeLlm.Reply.text("Listo"), FakeLlm.Reply.toolCalls(FakeLlm.call("create_ticket", args), FakeLlm.call("create_ticket", args.copy())));
    JsonObject msg = inbox.inbound(phone, "Ana Díaz", "Me cobraron dos veces");
    assertThat(textsTo(phone, 1)).containsExactly("Listo");
    JsonObject turn = turnsOf(msg.getString("conversationId"), 1).get(0);
    assertThat(turn.getJsonArray("calls")).hasSize(2);
    assertThat(inbox.wa.count("tickets", new JsonObject().put("conversationId", msg.getString("conversationId")))).isEqualTo(1);
    assertThat(turn.getJsonArray("calls").getJsonObject(1).getValue("result").toString()).contains("\"duplicate\":true");
  }

  @Test
  void the_model_asking_for_a_person_hands_the_conversation_off_and_the_customer_is_told_in_the_presets_language() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.toolCall("handoff_to_agent", new JsonObject().put("reason", "quiere hablar con una persona")));
    JsonObject msg = inbox.inbound(phone, "Luis Gil", "Quiero hablar con una persona");
    List<String> texts = textsTo(phone, 1);
    assertThat(texts).hasSize(1);
    assertThat(texts.get(0)).isEqualTo(Phrases.handoff(language()));
    String conversationId = msg.getString("conversationId");
    JsonObject conv = inbox.wa.await("conversations", new JsonObject().put("_id", conversationId),
        l -> !l.get(0).getBoolean("isAIEnabled", true)).get(0);
    assertThat(conv.getJsonObject("handoff").getString("reason")).isEqualTo("quiere hablar con una persona");
    assertThat(turnsOf(conversationId, 1).get(0).getString("outcome")).isEqualTo("handoff");
    assertThat(events.stream().anyMatch(e -> "updated".equals(e.getString("event")) && conversationId.equals(e.getString("conversationId")))).isTrue();
    // AI is off now: the next message goes to people, the model is not asked
    llm.clearRequests();
    JsonObject later = inbox.inbound(phone, "Luis Gil", "¿Hola?");
    // its event says the assistant is off, and the assistant queues nothing for it
    JsonObject event = awaitEvent(e -> "new_message".equals(e.getString("event"))
        && later.getString("_id").equals(e.getJsonObject("message").getString("_id")));
    assertThat(event.getBoolean("isAIEnabled")).isFalse();
    assertThat(settled(inbox, conversationId).getLong("pendingSeq")).isLessThan(later.getLong("seq"));
    assertThat(llm.requests()).isEmpty();
    assertThat(textsTo(phone, 1)).hasSize(1);
  }

  static String language() {
    return fx.language();
  }

  @Test
  void a_model_that_keeps_failing_ends_in_the_fallback_and_a_hand_off() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.error(500, "upstream exploded"));
    JsonObject msg = inbox.inbound(phone, "Eva Sol", "Hola");
    assertThat(textsTo(phone, 1)).containsExactly(Phrases.fallback(language()));
    JsonObject turn = turnsOf(msg.getString("conversationId"), 1).get(0);
    assertThat(turn.getString("outcome")).isEqualTo("model_server");
    inbox.wa.await("conversations", new JsonObject().put("_id", msg.getString("conversationId")),
        l -> !l.get(0).getBoolean("isAIEnabled", true));
  }

  @Test
  void a_model_slower_than_the_timeout_ends_in_the_fallback() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("too late").delay(4_000));
    JsonObject msg = inbox.inbound(phone, "Iván Mar", "Hola");
    assertThat(textsTo(phone, 1)).containsExactly(Phrases.fallback(language()));
    assertThat(turnsOf(msg.getString("conversationId"), 1).get(0).getString("outcome")).isEqualTo("model_timeout");
  }

  @Test
  void unknown_functions_and_arguments_that_are_not_json_are_answered_as_errors_the_model_can_correct() {
    String phone = Inbox.phone();
    JsonArray seen = new JsonArray();
    llm.respondWith(req -> {
      if (!"tool".equals(req.lastRole())) {
        return FakeLlm.Reply.message(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray()
            .add(new JsonObject().put("id", "c1").put("type", "function").put("function", new JsonObject().put("name", "delete_everything").put("arguments", "{}")))
            .add(new JsonObject().put("id", "c2").put("type", "function").put("function", new JsonObject().put("name", "get_ticket_status").put("arguments", "{not json")))), "tool_calls");
      }
      for (JsonObject m : req.messages()) if ("tool".equals(m.getString("role"))) seen.add(new JsonObject(m.getString("content")));
      return FakeLlm.Reply.text("Perdón, ¿me repites?");
    });
    JsonObject msg = inbox.inbound(phone, "Sara Paz", "Hola");
    assertThat(textsTo(phone, 1)).containsExactly("Perdón, ¿me repites?");
    assertThat(seen).hasSize(2);
    assertThat(seen.getJsonObject(0).getBoolean("success")).isFalse();
    assertThat(seen.getJsonObject(0).getString("error")).contains("unknown function 'delete_everything'");
    assertThat(seen.getJsonObject(1).getBoolean("success")).isFalse();
    assertThat(seen.getJsonObject(1).getString("error")).contains("not valid JSON");
    assertThat(turnsOf(msg.getString("conversationId"), 1).get(0).getString("outcome")).isEqualTo("answered");
  }

  @Test
  void a_loop_that_does_not_converge_stops_at_the_bound_with_the_fallback() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.toolCall("get_ticket_status", new JsonObject()));
    JsonObject msg = inbox.inbound(phone, "Olga Rey", "¿Y mi ticket?");
    assertThat(textsTo(phone, 1)).containsExactly(Phrases.fallback(language()));
    JsonObject turn = turnsOf(msg.getString("conversationId"), 1).get(0);
    assertThat(turn.getString("outcome")).isEqualTo("no_convergence");
    assertThat(turn.getInteger("modelCalls")).isEqualTo(3); // AI_MAX_ROUNDS
  }

  @Test
  void two_messages_in_one_webhook_get_one_answer_that_saw_both_in_order() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("Recibido").delay(200));
    List<JsonObject> stored = inbox.inboundBatch(phone, "Rosa Luz", List.of("Hola", "¿Tienen envíos?"), Instant.now().getEpochSecond());
    assertThat(textsTo(phone, 1)).containsExactly("Recibido");
    settled(inbox, stored.get(0).getString("conversationId"));
    assertThat(textsTo(phone, 1)).hasSize(1);
    assertThat(llm.requests()).hasSize(1);
    List<JsonObject> messages = llm.requests().get(0).messages();
    assertThat(messages.subList(messages.size() - 2, messages.size())).extracting(m -> m.getString("content"))
        .containsExactly("Hola", "¿Tienen envíos?");
    JsonObject turn = turnsOf(stored.get(0).getString("conversationId"), 1).get(0);
    assertThat(turn.getJsonArray("messages")).hasSize(2);
  }

  @Test
  void a_message_that_arrives_during_a_turn_is_answered_in_the_next_turn_never_twice_and_in_order() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("Respuesta a: " + req.lastMessage().getString("content")).delay(600));
    JsonObject first = inbox.inbound(phone, "Nora Vega", "Primera");
    llm.awaitRequests(1, Duration.ofSeconds(10));
    inbox.inbound(phone, "Nora Vega", "Segunda");
    List<String> texts = textsTo(phone, 2);
    assertThat(texts).containsExactly("Respuesta a: Primera", "Respuesta a: Segunda");
    settled(inbox, first.getString("conversationId"));
    assertThat(textsTo(phone, 2)).hasSize(2);
    assertThat(llm.requests()).hasSize(2);
    List<JsonObject> turns = turnsOf(first.getString("conversationId"), 2);
    assertThat(turns.stream().mapToInt(t -> t.getJsonArray("messages").size()).sum()).isEqualTo(2);
  }

  @Test
  void a_conversation_held_by_a_node_that_died_is_taken_over_once_its_lease_runs_out_and_answered_once() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("Respuesta a: " + req.lastMessage().getString("content")));
    JsonObject first = inbox.inbound(phone, "Tomás Rey", "¿Alguien?");
    String conversationId = first.getString("conversationId");
    assertThat(textsTo(phone, 1)).containsExactly("Respuesta a: ¿Alguien?");
    // the first turn has let go; then a node that has since died holds the conversation, its lease not over yet
    settled(inbox, conversationId);
    inbox.set("assistant_work", conversationId, new JsonObject().put("claimToken", "dead-node").put("claimBy", "dead")
        .put("claimUntil", crm.storage.Mongo.date(Instant.now().plusSeconds(3600))));
    JsonObject again = inbox.inbound(phone, "Tomás Rey", "¿Siguen ahí?");
    JsonObject held = inbox.wa.await("assistant_work", new JsonObject().put("_id", conversationId),
        l -> l.get(0).getLong("pendingSeq", 0L) >= again.getLong("seq")).get(0);
    assertThat(held.getString("claimToken")).as("queued, still the dead node's").isEqualTo("dead-node");
    assertThat(textsTo(phone, 1)).hasSize(1);
    // its lease runs out: the sweep (every second with a 2 s lease) takes the conversation over
    inbox.set("assistant_work", conversationId, new JsonObject().put("claimUntil", crm.storage.Mongo.date(Instant.now().minusSeconds(1))));
    assertThat(textsTo(phone, 2)).containsExactly("Respuesta a: ¿Alguien?", "Respuesta a: ¿Siguen ahí?");
    settled(inbox, conversationId);
    assertThat(textsTo(phone, 2)).hasSize(2);
  }
}
