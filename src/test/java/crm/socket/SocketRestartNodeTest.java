package crm.socket;

import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconnection after a server restart with the real socket.io-client 4 (src/test/node/restart.test.mjs): the app
 * stops and starts again on the same port and data directory (H2, same JWT_SECRET) while the clients wait; they
 * reconnect by themselves, rejoin and receive the events of the restarted server.
 */
class SocketRestartNodeTest {
  @TempDir
  Path dataDir;

  @Test
  void clients_reconnect_by_themselves_after_a_server_restart() throws Exception {
    JsonObject config = Wa.config().put("CRM_DB_BACKEND", "h2").put("CRM_DATA_DIR", dataDir.toString()).put("PORT", freePort());
    TestApp first = TestApp.start(config);
    NodeRunner.Running node;
    try (NodeContext ctx = new NodeContext(first.vertx, first.port)) {
      ctx.agent("agent", "agent", "Rosa", "Reconexión");
      node = NodeRunner.test("restart.test.mjs", ctx.env());
      node.awaitLine("@@connected", 30);
    } finally {
      first.close();
    }
    try (NodeRunner.Running running = node; TestApp second = TestApp.start(config)) {
      running.finish(60).assertPassed(1);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
