package crm.console;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.FakeGraphApi;
import crm.support.FakeLlm;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's live updates in headless Chromium ({@code src/test/node/console-live.e2e.test.mjs}; playwright-core,
 * {@code /usr/bin/chromium}), two agents in two browsers. With the fake Graph API (credentials and a business account):
 * the admin's assignment drops the row from agent A's unassigned list and names B in B's header, the assistant toggled
 * shows in B's browser, B's hand-off button (REST) turns A's row to "waiting for a person", and with the 24 h window
 * closed the template picker offers Meta's approved templates with one input per parameter and the one sent reaches
 * Meta. In sandbox mode with a fake model: the customer's typing indicator comes and goes, a colleague's reply arrives
 * live and the customer's reaction to it shows on it in place (message:updated), a reply sent in one tab shows on
 * its inbox row and in the session's other tab, and the assistant's answer
 * arrives labelled. Screenshots {@code live-*} go to target/console-screenshots/.
 */
class ConsoleLiveE2ETest {
  @BeforeAll
  static void built() {
    Path webRoot = Path.of("target/classes/console").toAbsolutePath();
    if (!Files.exists(webRoot.resolve("index.html")) || !Files.exists(webRoot.resolve("vendor/socket.io.esm.min.js"))) {
      throw new AssertionError(webRoot + " lacks index.html or vendor/socket.io.esm.min.js: run it through mvn");
    }
  }

  static NodeContext context(TestApp app, String mode) {
    NodeContext ctx = new NodeContext(app.vertx, app.port);
    ctx.agent("agentA", "agent", "Ana", "Alonso");
    ctx.agent("agentB", "agent", "Bruno", "Bravo");
    return ctx.put("mode", mode).put("screenshots", ConsoleE2ETest.SCREENSHOTS.toString());
  }

  @Test
  void with_meta_two_agents_see_assignment_assistant_and_hand_off_live_and_pick_meta_templates() throws Exception {
    try (FakeGraphApi graph = FakeGraphApi.startOwn();
         TestApp app = TestApp.start(Wa.config().mergeIn(graph.config()).put("ASSIGN_ALLOW_OFFLINE", true));
         NodeContext ctx = context(app, "graph")) {
      NodeRunner.test("console-live.e2e.test.mjs", ctx.env(), 300).assertPassed(3);

      // what the console's template send asked of Meta: the template, its language, the body's three parameters
      List<JsonObject> templates = graph.sentMessages().stream().filter(m -> "template".equals(m.getString("type"))).toList();
      assertThat(templates).hasSize(1);
      JsonObject template = templates.get(0).getJsonObject("template");
      assertThat(template.getString("name")).isEqualTo("order_update");
      assertThat(template.getJsonObject("language").getString("code")).isEqualTo("es");
      JsonObject body = template.getJsonArray("components").stream().map(c -> (JsonObject) c)
          .filter(c -> "body".equals(c.getString("type"))).findFirst().orElseThrow();
      assertThat(body.getJsonArray("parameters")).isEqualTo(new JsonArray()
          .add(text("Olga")).add(text("ORD-2026-00456")).add(text("viernes 12")));
      assertThat(graph.requests(FakeGraphApi.templatesPath())).as("Meta's list read once (3 pages), then kept").hasSize(3);
    }
  }

  private static JsonObject text(String value) {
    return new JsonObject().put("type", "text").put("text", value);
  }

  @Test
  void in_sandbox_mode_the_customer_typing_and_the_assistant_answer_show_live() throws Exception {
    try (FakeLlm llm = FakeLlm.startOwn();
         TestApp app = TestApp.start(Wa.config().mergeIn(llm.config()));
         NodeContext ctx = context(app, "sandbox")) {
      NodeRunner.test("console-live.e2e.test.mjs", ctx.env(), 300).assertPassed(4);
    }
  }
}
