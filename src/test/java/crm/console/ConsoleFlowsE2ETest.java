package crm.console;

import crm.support.FakeLlm;
import crm.support.Inbox;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import org.junit.jupiter.api.Test;

/**
 * The agent console's flows beyond the basics of {@link ConsoleE2ETest}, in headless Chromium
 * ({@code src/test/node/console-flows.e2e.test.mjs}): an attachment sent from the reply box, a template when the 24 h
 * window is closed, assign / resolve / assistant on with who handles the conversation (also when older answers land
 * late), the assistant's recorded turns (a fake model answers; supervisors see them, agents do not), the dashboard
 * against its API, infinite scroll through {@code before}, Spanish or English after the preset's language,
 * keyboard-only use, accessible names and visible focus, and no horizontal overflow at 1280x800 and on a phone.
 * Sandbox mode (no Graph API credentials); new conversations start with the assistant off. Screenshots go to
 * target/console-screenshots/flows-*.png.
 */
class ConsoleFlowsE2ETest {
  @Test
  void the_consoles_flows_work_in_a_real_browser() throws Exception {
    try (FakeLlm llm = FakeLlm.startOwn();
         TestApp app = TestApp.start(Wa.config().put("WHATSAPP_SANDBOX_DELAY_MS", 200).mergeIn(llm.config())
             .put("CONVERSATION_AI_DEFAULT", false));
         NodeContext ctx = new NodeContext(app.vertx, app.port)) {
      ctx.agent("agent", "agent", "Andrés", "Agente");
      ctx.agent("supervisor", "supervisor", "Sara", "Supervisora");
      ctx.put("adminEmail", TestApp.ADMIN_EMAIL).put("adminPassword", TestApp.ADMIN_PASSWORD)
          .put("agentEmail", ctx.email("agent")).put("supervisorEmail", ctx.email("supervisor")).put("password", Inbox.PASSWORD)
          .put("assistantText", FakeLlm.DEFAULT_TEXT)
          .put("screenshots", ConsoleE2ETest.SCREENSHOTS.toString());
      NodeRunner.test("console-flows.e2e.test.mjs", ctx.env(), 240).assertPassed(12);
    }
  }
}
