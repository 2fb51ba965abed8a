package crm.socket;

import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import org.junit.jupiter.api.Test;

/**
 * The socket bridge through the real socket.io-client 4 (src/test/node/bridge.test.mjs) on one node, events made as
 * production makes them (signed webhooks, REST, the sandbox sender): join/leave acks and refusals, the delivery rules
 * of conversation:new_message, conversation:assigned, conversation:updated, customer:typing (sandbox),
 * message:status_update, agent:status_change and agent:typing, 200 clients receiving one webhook's event, a deactivated agent disconnected. One app, one node process.
 */
class SocketBridgeNodeTest {
  @Test
  void the_bridge_delivers_as_the_spec_says_to_the_real_client() throws Exception {
    try (TestApp app = TestApp.start(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true));
         NodeContext ctx = new NodeContext(app.vertx, app.port)) {
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      ctx.agent("agentA", "agent", "María", "García");
      ctx.agent("agentB", "agent", "Bruno", "Bravo");
      ctx.agent("agentC", "agent", "Carla", "Crowd");
      ctx.agent("agentD", "agent", "Diego", "Desactivado");
      NodeRunner.test("bridge.test.mjs", ctx.env(), 120).assertPassed(10);
    }
  }
}
