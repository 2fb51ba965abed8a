package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ClusterNode;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The socket bridge across a 2-node cluster with the real socket.io-client 4 (src/test/node/cluster.test.mjs): node A
 * owns the embedded database and gets the signed webhooks, node B uses A's database (MONGO_URI) and holds the
 * clients. Events published on A reach B's sockets; presence is cluster-wide: an agent whose sockets are all on B is
 * online for A too, and offline everywhere once they close.
 */
class SocketClusterNodeTest {
  static final long GRACE_MS = 500;
  static ClusterNode.Pair nodes;
  static ClusterNode a;
  static ClusterNode b;

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = ClusterNode.Pair.start(TestApp.defaults().mergeIn(Wa.config()).put("ASSIGN_ALLOW_OFFLINE", true).put("PRESENCE_GRACE_MS", GRACE_MS));
    a = nodes.a();
    b = nodes.b();
  }

  @AfterAll
  static void stopCluster() {
    if (nodes != null) nodes.close();
  }

  @Test
  void clients_on_node_b_get_what_node_a_publishes_and_presence_is_cluster_wide() throws Exception {
    try (NodeContext ctx = new NodeContext(a.vertx(), a.port())) {
      ctx.put("urlB", NodeContext.url(b.port()));
      String crowd = ctx.agent("crowd", "agent", "Carla", "Crowd");
      ctx.agent("agentQ", "agent", "Quique", "Quintana");
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      assertThat(online(a, crowd)).isFalse();
      try (NodeRunner.Running node = NodeRunner.test("cluster.test.mjs", ctx.env())) {
        node.awaitLine("@@on-b", 60);
        // only node B holds sockets of this agent: node A's presence says online all the same, and so does the store
        assertThat(online(b, crowd)).isTrue();
        assertThat(online(a, crowd)).as("node A sees the agent's sockets on node B").isTrue();
        await("stored status online", () -> "online".equals(status(ctx, crowd)));
        node.signal("presence-checked");
        node.finish(90).assertPassed(2);
      }
      // every socket of the agent closed (on B): no node counts it any more; after the grace period it is offline
      await("node A: not online", () -> !online(a, crowd));
      await("stored status offline", () -> "offline".equals(status(ctx, crowd)));
    }
  }

  private static boolean online(ClusterNode node, String agentId) {
    try {
      return node.vertx().eventBus().<JsonObject>request(PresenceVerticle.QUERY, new JsonObject().put("agentId", agentId))
          .await(5, TimeUnit.SECONDS).body().getBoolean("online");
    } catch (Exception e) {
      throw new IllegalStateException("presence query on port " + node.port(), e);
    }
  }

  private static String status(NodeContext ctx, String agentId) {
    return ctx.adminGet("/agents/" + agentId).getJsonObject("agent").getString("status");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long until = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > until) throw new AssertionError("timed out waiting for " + what);
      Thread.sleep(25);
    }
  }
}
