package crm.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AUTO_ASSIGN: a new conversation without the assistant goes to the least loaded online agent, under the cap. */
class AutoAssignTest {

  static void online(TestApp app, String adminToken, String agentId, String status) {
    assertThat(app.put("/api/v2/agents/" + agentId, adminToken, new JsonObject().put("status", status)).statusCode()).isEqualTo(200);
  }

  static String assignee(Inbox inbox, String conversationId) {
    List<JsonObject> found = inbox.wa.await("conversations", new JsonObject().put("_id", conversationId),
        l -> !l.isEmpty() && l.get(0).getString("assignedAgentId") != null);
    return found.get(0).getString("assignedAgentId");
  }

  @Test
  void new_conversations_go_to_the_least_loaded_online_agent_and_stop_at_the_cap() throws Exception {
    try (TestApp app = TestApp.start(Wa.config().put("AUTO_ASSIGN", true).put("AUTO_ASSIGN_MAX_PER_AGENT", 2)
        .put("CONVERSATION_AI_DEFAULT", false))) {
      Inbox inbox = new Inbox(app);
      String admin = app.adminToken();
      Inbox.Agent busyOne = inbox.agent(admin, "agent");
      Inbox.Agent freeOne = inbox.agent(admin, "agent");
      Inbox.Agent offline = inbox.agent(admin, "agent");
      online(app, admin, busyOne.id(), "online");
      online(app, admin, freeOne.id(), "online");

      // 1st new conversation: both online agents hold none; either may get it
      String c1 = inbox.inbound(Inbox.phone(), "Uno", "hola").getString("conversationId");
      String first = assignee(inbox, c1);
      assertThat(first).isIn(busyOne.id(), freeOne.id());
      // 2nd: the other one has fewer
      String c2 = inbox.inbound(Inbox.phone(), "Dos", "hola").getString("conversationId");
      String second = assignee(inbox, c2);
      assertThat(second).isIn(busyOne.id(), freeOne.id()).isNotEqualTo(first);
      // 3rd and 4th: both hold one; then both hold two = the cap
      String c3 = inbox.inbound(Inbox.phone(), "Tres", "hola").getString("conversationId");
      assignee(inbox, c3);
      String c4 = inbox.inbound(Inbox.phone(), "Cuatro", "hola").getString("conversationId");
      assignee(inbox, c4);
      // 5th: everyone online is at the cap (the offline agent never gets one): it stays unassigned and open
      String c5 = inbox.inbound(Inbox.phone(), "Cinco", "hola").getString("conversationId");
      Thread.sleep(500);
      JsonObject fifth = inbox.doc("conversations", c5);
      assertThat(fifth.getString("assignedAgentId")).isNull();
      assertThat(fifth.getString("status")).isEqualTo("open");
      for (String c : List.of(c1, c2, c3, c4)) {
        JsonObject doc = inbox.doc("conversations", c);
        assertThat(doc.getString("status")).isEqualTo("assigned");
        assertThat(doc.getString("assignedAgentId")).isNotEqualTo(offline.id());
      }
      assertThat(inbox.wa.count("conversations", new JsonObject().put("assignedAgentId", busyOne.id()))).isEqualTo(2);
      assertThat(inbox.wa.count("conversations", new JsonObject().put("assignedAgentId", freeOne.id()))).isEqualTo(2);
    }
  }

  @Test
  void conversations_with_the_assistant_on_are_left_to_it() throws Exception {
    try (crm.support.FakeLlm llm = crm.support.FakeLlm.startOwn();
         TestApp app = TestApp.start(Wa.config().mergeIn(llm.config()).put("AUTO_ASSIGN", true).put("CONVERSATION_AI_DEFAULT", true))) {
      llm.respondWith(req -> crm.support.FakeLlm.Reply.text("¡Hola!"));
      Inbox inbox = new Inbox(app);
      String admin = app.adminToken();
      Inbox.Agent a = inbox.agent(admin, "agent");
      online(app, admin, a.id(), "online");
      String c = inbox.inbound(Inbox.phone(), "IA", "hola").getString("conversationId");
      Thread.sleep(500);
      assertThat(inbox.doc("conversations", c).getString("assignedAgentId")).isNull();
    }
  }

  @Test
  void without_a_model_new_conversations_go_to_people_whatever_the_ai_default() throws Exception {
    try (TestApp app = TestApp.start(Wa.config().put("AUTO_ASSIGN", true).put("CONVERSATION_AI_DEFAULT", true))) {
      Inbox inbox = new Inbox(app);
      String admin = app.adminToken();
      Inbox.Agent a = inbox.agent(admin, "agent");
      online(app, admin, a.id(), "online");
      String c = inbox.inbound(Inbox.phone(), "Sin IA", "hola").getString("conversationId");
      JsonObject conv = inbox.wa.await("conversations", new JsonObject().put("_id", c), l -> l.get(0).getString("assignedAgentId") != null).get(0);
      assertThat(conv.getBoolean("isAIEnabled")).isFalse();
      assertThat(conv.getString("assignedAgentId")).isEqualTo(a.id());
    }
  }
}
