package crm.ticket;

import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import org.junit.jupiter.api.Test;

/**
 * The ticket events through the real socket.io-client 4 (src/test/node/tickets.test.mjs): ticket_created,
 * ticket_assigned, ticket_status_changed, ticket_note_added, ticket_resolved and ticket_reopened, each with the spec's
 * payload and the ticket exactly as the REST API answered it.
 */
class TicketEventsNodeTest {
  @Test
  void ticket_events_reach_the_real_client_with_the_specs_payloads() throws Exception {
    try (TestApp app = TestApp.start(Wa.config());
         NodeContext ctx = new NodeContext(app.vertx, app.port)) {
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      ctx.agent("agentA", "agent", "María", "García");
      NodeRunner.test("tickets.test.mjs", ctx.env(), 120).assertPassed(1);
    }
  }
}
