package crm.support;

import com.hazelcast.config.Config;
import crm.App;
import crm.cluster.HazelcastSetup;
import crm.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One clustered node in this JVM: a whole {@link App} on its own clustered Vert.x, Hazelcast configured as production
 * does (the repository's cluster.xml and {@link HazelcastSetup}) with the given cluster name (a random one per test class, so no other run can join).
 * The first node of a test owns the embedded database; the others get its {@link #mongoUri()} as MONGO_URI.
 */
public record ClusterNode(Vertx vertx, HazelcastClusterManager cluster, App app) {
  /** A cluster name no other run uses. */
  public static String randomClusterName() {
    return "crm-test-" + UUID.randomUUID();
  }

  /** A clustered Vert.x on loopback, Hazelcast configured as production does (cluster.xml and crm.cluster.HazelcastSetup). */
  public static Vertx clusteredVertx(String clusterName, HazelcastClusterManager manager) throws Exception {
    VertxOptions options = new VertxOptions().setBlockedThreadCheckInterval(200);
    options.getEventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1");
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered().await(120, TimeUnit.SECONDS);
  }

  public static HazelcastClusterManager manager(String clusterName) {
    Config hz = HazelcastSetup.config(AppConfig.from(new JsonObject().put("CRM_CLUSTER_NAME", clusterName)).clustering());
    return new HazelcastClusterManager(hz);
  }

  public static Vertx clusteredVertx(String clusterName) throws Exception {
    return clusteredVertx(clusterName, manager(clusterName));
  }

  public static ClusterNode start(JsonObject raw, String clusterName) throws Exception {
    HazelcastClusterManager manager = manager(clusterName);
    Vertx vertx = clusteredVertx(clusterName, manager);
    try {
      App app = App.start(vertx, AppConfig.from(raw)).await(60, TimeUnit.SECONDS);
      return new ClusterNode(vertx, manager, app);
    } catch (Exception e) {
      vertx.close().await(60, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * Two nodes of a new cluster: A owns the embedded database, B uses it through MONGO_URI; {@link #close} stops both
   * and removes the data directory named in {@code common}, if any.
   */
  public record Pair(JsonObject common, ClusterNode a, ClusterNode b) implements AutoCloseable {
    public static Pair start(JsonObject common) throws Exception {
      String name = randomClusterName();
      ClusterNode a = ClusterNode.start(common.copy(), name);
      try {
        ClusterNode b = ClusterNode.start(common.copy().put("MONGO_URI", a.mongoUri()), name);
        if (b.cluster().getNodes().size() != 2) throw new AssertionError("B did not join A: " + b.cluster().getNodes());
        return new Pair(common, a, b);
      } catch (Exception | AssertionError e) {
        a.close();
        throw e;
      }
    }

    @Override
    public void close() {
      b.close();
      a.close();
      if (common.getString("CRM_DATA_DIR") != null) TestApp.deleteTree(java.nio.file.Path.of(common.getString("CRM_DATA_DIR")));
    }
  }

  public int port() {
    return app.httpPort();
  }

  /** The database this node uses (its embedded one, when it owns it): MONGO_URI for the other nodes. */
  public String mongoUri() {
    return app.deployedConfig().getString("MONGO_URI");
  }

  public void close() {
    try {
      app.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing Vert.x releases the rest
    }
    try {
      vertx.close().await(60, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already closed
    }
  }
}
