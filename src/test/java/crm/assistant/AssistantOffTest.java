package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Without a model configured the assistant is off: it says so and why, and new conversations go to people. */
class AssistantOffTest {

  @Test
  void no_model_configured_means_no_assistant_and_conversations_for_people() {
    try (TestApp app = TestApp.start(Wa.config())) {
      String admin = app.adminToken();
      JsonObject cfg = Inbox.json(app.get("/api/v2/config/assistant", admin), 200).getJsonObject("config");
      assertThat(cfg.getBoolean("enabled")).isFalse();
      assertThat(cfg.getString("reason")).contains("AI_BASE_URL");
      assertThat(cfg.getString("assistantName")).isNotBlank(); // the documented fields are still there
      JsonObject status = Inbox.json(app.get("/api/v2/assistant/status", admin), 200);
      assertThat(status.getBoolean("enabled")).isFalse();
      assertThat(status.getString("reason")).contains("AI_BASE_URL");
      assertThat(status.getLong("pending")).isZero();

      Inbox inbox = new Inbox(app);
      JsonObject msg = inbox.inbound(Inbox.phone(), "Carla Paz", "Hola");
      JsonObject conv = inbox.doc("conversations", msg.getString("conversationId"));
      assertThat(conv.getBoolean("isAIEnabled")).isFalse();
      assertThat(inbox.wa.count("assistant_work", new JsonObject())).isZero();
      assertThat(Inbox.json(app.get("/api/v2/assistant/turns", admin), 200).getJsonArray("turns")).isEmpty();
    }
  }

  @Test
  void a_model_configured_turns_it_on_and_the_turns_are_for_supervisors_and_admins_only() {
    try (TestApp app = TestApp.start(Wa.config().put("AI_BASE_URL", "http://127.0.0.1:9/v1").put("AI_MODEL", "gpt-4o-mini"))) {
      String admin = app.adminToken();
      JsonObject cfg = Inbox.json(app.get("/api/v2/config/assistant", admin), 200).getJsonObject("config");
      assertThat(cfg.getBoolean("enabled")).isTrue();
      assertThat(cfg.getString("model")).isEqualTo("gpt-4o-mini");
      assertThat(cfg.containsKey("reason")).isFalse();
      Inbox.Agent agent = new Inbox(app).agent(admin, "agent");
      assertThat(app.get("/api/v2/assistant/turns", agent.token()).statusCode()).isEqualTo(403);
      Inbox.Agent supervisor = new Inbox(app).agent(admin, "supervisor");
      assertThat(app.get("/api/v2/assistant/turns?conversationId=nope", supervisor.token()).statusCode()).isEqualTo(400);
      assertThat(app.get("/api/v2/assistant/turns", supervisor.token()).statusCode()).isEqualTo(200);
    }
  }
}
