package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ClusterNode;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery across a 2-node cluster with the real socket.io-client 4
 * (src/test/node/recovery-cluster.test.mjs): the client reaches node A through a proxy standing in for a load
 * balancer, the path is cut, and the client comes back through node B, which claims the session kept on A.
 */
class SocketRecoveryClusterNodeTest {
  static ClusterNode.Pair nodes;
  static ClusterNode a;
  static ClusterNode b;

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = ClusterNode.Pair.start(TestApp.defaults().mergeIn(Wa.config()).put("ASSIGN_ALLOW_OFFLINE", true));
    a = nodes.a();
    b = nodes.b();
  }

  @AfterAll
  static void stopCluster() {
    if (nodes != null) nodes.close();
  }

  @Test
  void a_client_cut_off_node_a_is_recovered_through_node_b() throws Exception {
    try (NodeContext ctx = new NodeContext(a.vertx(), a.port())) {
      ctx.put("urlB", NodeContext.url(b.port()));
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      ctx.agent("agentX", "agent", "Ximena", "Xochitl");
      ctx.agent("agentY", "agent", "Yago", "Yáñez");
      try (NodeRunner.Running node = NodeRunner.test("recovery-cluster.test.mjs", ctx.env())) {
        String line = node.awaitLine("@@dropped ", 60);
        String pid = line.substring(line.indexOf("@@dropped ") + "@@dropped ".length()).trim();
        // node A noticed the drop and shared where the session is kept: node B will find it
        long until = System.nanoTime() + 30_000_000_000L;
        while (keeper(b, pid) == null) {
          if (System.nanoTime() > until) throw new AssertionError("node A did not share session " + pid + " within 30 s");
          Thread.sleep(20);
        }
        assertThat(SocketRuntime.of(a.vertx()).io().namespace("/").detached()).isEqualTo(1);
        node.signal("kept");
        node.finish(90).assertPassed(1);
      }
    }
  }

  private static String keeper(ClusterNode node, String pid) throws Exception {
    return node.vertx().sharedData().<String, String>getAsyncMap(SocketRecovery.MAP)
        .compose(map -> map.get(pid)).await(5, TimeUnit.SECONDS);
  }
}
