package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bounds that do not depend on the model (function calls per turn, turns per conversation per hour), a hand-off
 * that auto-assigns when auto-assignment is on, and the business's own articles through search_knowledge_base.
 */
class AssistantBoundsTest {
  static AssistantFixture fx;
  static FakeGraphApi graph;
  static FakeLlm llm;
  static TestApp app;
  static Inbox inbox;
  static Inbox.Agent agent;

  @BeforeAll
  static void start() {
    fx = AssistantFixture.start(new JsonObject().put("AI_MAX_TOOL_CALLS", 2).put("AI_MAX_TURNS_PER_HOUR", 2).put("AUTO_ASSIGN", true));
    graph = fx.graph;
    llm = fx.llm;
    app = fx.app;
    inbox = fx.inbox;
    String admin = app.adminToken();
    Inbox.json(app.post("/api/v2/config/presets/load", admin, new JsonObject().put("presetId", "luxfree")), 200);
    agent = inbox.agent(admin, "agent");
    Inbox.json(app.put("/api/v2/agents/" + agent.id(), admin, new JsonObject().put("status", "online")), 200);
  }

  @AfterAll
  static void stop() {
    if (fx != null) fx.close();
  }

  @AfterEach
  void reset() {
    fx.forget();
  }

  static String language() {
    return fx.language();
  }

  @Test
  void more_function_calls_than_the_bound_end_in_the_fallback_and_a_hand_off_that_assigns_an_online_agent() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.toolCalls(FakeLlm.call("get_ticket_status", new JsonObject()),
        FakeLlm.call("get_ticket_status", new JsonObject()), FakeLlm.call("get_ticket_status", new JsonObject())));
    JsonObject msg = inbox.inbound(phone, "Paco Gil", "¿Cómo va lo mío?");
    assertThat(fx.textsTo(phone, 1)).containsExactly(Phrases.fallback(language()));
    JsonObject turn = inbox.wa.await("assistant_turns", new JsonObject().put("conversationId", msg.getString("conversationId")),
        l -> !l.isEmpty()).get(0);
    assertThat(turn.getString("outcome")).isEqualTo("bound_tool_calls");
    assertThat(turn.getJsonArray("calls")).isEmpty(); // none of the three ran
    JsonObject conv = inbox.wa.await("conversations", new JsonObject().put("_id", msg.getString("conversationId")),
        l -> l.get(0).getString("assignedAgentId") != null).get(0);
    assertThat(conv.getBoolean("isAIEnabled")).isFalse();
    assertThat(conv.getString("assignedAgentId")).isEqualTo(agent.id());
  }

  @Test
  void a_conversation_past_its_turns_per_hour_is_handed_to_people_without_asking_the_model() {
    String phone = Inbox.phone();
    llm.respondWith(req -> FakeLlm.Reply.text("Respuesta a: " + req.lastMessage().getString("content")));
    inbox.inbound(phone, "Lola Mar", "uno");
    fx.textsTo(phone, 1);
    inbox.inbound(phone, "Lola Mar", "dos");
    fx.textsTo(phone, 2);
    inbox.inbound(phone, "Lola Mar", "tres");
    List<String> texts = fx.textsTo(phone, 3);
    assertThat(texts).containsExactly("Respuesta a: uno", "Respuesta a: dos", Phrases.fallback(language()));
    assertThat(llm.requests()).hasSize(2);
  }

  @Test
  void policy_questions_are_answered_from_the_presets_articles() {
    String phone = Inbox.phone();
    llm.respondWith(req -> {
      if (!"tool".equals(req.lastRole())) return FakeLlm.Reply.toolCall("search_knowledge_base", new JsonObject().put("query", "corte de luz"));
      JsonObject result = new JsonObject(req.lastMessage().getString("content"));
      return FakeLlm.Reply.text("Según " + result.getJsonArray("articles").getJsonObject(0).getString("title"));
    });
    inbox.inbound(phone, "Raúl Paz", "Se fue la luz, ¿qué hago?");
    List<String> texts = fx.textsTo(phone, 1);
    assertThat(texts).hasSize(1);
    JsonObject result = new JsonObject(llm.requests().get(1).lastMessage().getString("content"));
    assertThat(result.getBoolean("success")).isTrue();
    assertThat(result.getJsonArray("articles")).isNotEmpty();
    assertThat(texts.get(0)).isEqualTo("Según " + result.getJsonArray("articles").getJsonObject(0).getString("title"));
  }
}
