package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A message the assistant had not answered when its node stopped, with its to-do entry lost (a crash before it
 * reached the disk): the next start finds the conversation waiting (its last message is the customer's) and answers it.
 */
class AssistantRecoveryTest {
  @TempDir
  Path dataDir;

  @Test
  void an_unanswered_message_is_answered_after_a_restart_even_without_its_to_do_entry() throws Exception {
    try (FakeGraphApi graph = FakeGraphApi.startOwn(); FakeLlm llm = FakeLlm.startOwn()) {
      JsonObject config = Wa.config().mergeIn(graph.config()).mergeIn(llm.config()).put("CRM_DB_BACKEND", "h2")
          .put("CRM_DATA_DIR", dataDir.toString()).put("WHATSAPP_RETRY_BASE_MS", 5).put("AI_TIMEOUT_MS", 30_000);
      String phone = Inbox.phone();
      String conversationId;
      llm.respondWith(req -> FakeLlm.Reply.text("tarde").delay(20_000)); // the model is slow: the node stops first
      TestApp first = TestApp.start(config);
      try {
        Inbox inbox = new Inbox(first);
        conversationId = inbox.inbound(phone, "Marta Ríos", "¿Siguen abiertos?").getString("conversationId");
        llm.awaitRequests(1, Duration.ofSeconds(10));
        inbox.wa.await("assistant_work", new JsonObject().put("_id", conversationId), l -> !l.isEmpty());
        // the to-do entry is lost, as in a crash before the commit
        crm.storage.Mongo mongo = new crm.storage.Mongo(first.vertx, first.app.deployedConfig());
        mongo.client().removeDocuments("assistant_work", new JsonObject()).await();
        mongo.close();
      } finally {
        first.close();
      }
      // stopping mid-turn sends nothing (no fallback on the way out)
      assertThat(graph.sentMessages().stream().filter(m -> phone.equals(m.getString("to")) && "text".equals(m.getString("type")))).isEmpty();

      llm.reset();
      llm.respondWith(req -> FakeLlm.Reply.text("Sí, hasta las 20:00"));
      try (TestApp second = TestApp.start(config)) {
        assertThat(AssistantFixture.textsTo(graph, phone, 1)).containsExactly("Sí, hasta las 20:00");
        JsonObject work = new Inbox(second).wa.await("assistant_work", new JsonObject().put("_id", conversationId),
            l -> !l.isEmpty() && !l.get(0).getBoolean("pending", true)).get(0);
        assertThat(work.getString("claimToken")).isNull();
      }
    }
  }
}
