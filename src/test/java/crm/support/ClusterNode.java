package crm.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import crm.App;
import crm.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.File;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One clustered node in this JVM: a whole {@link App} on its own clustered Vert.x, Hazelcast configured by the
 * repository's cluster.xml with the given cluster name (a random one per test class, so no other run can join).
 * The first node of a test owns the embedded database; the others get its {@link #mongoUri()} as MONGO_URI.
 */
public record ClusterNode(Vertx vertx, HazelcastClusterManager cluster, App app) {
  /** A cluster name no other run uses. */
  public static String randomClusterName() {
    return "crm-test-" + UUID.randomUUID();
  }

  public static ClusterNode start(JsonObject raw, String clusterName) throws Exception {
    Config hz = new FileSystemXmlConfig(new File("cluster.xml"));
    hz.setClusterName(clusterName);
    HazelcastClusterManager manager = new HazelcastClusterManager(hz);
    VertxOptions options = new VertxOptions().setBlockedThreadCheckInterval(200);
    options.getEventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1");
    Vertx vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered()
        .await(120, TimeUnit.SECONDS);
    try {
      App app = App.start(vertx, AppConfig.from(raw)).await(60, TimeUnit.SECONDS);
      return new ClusterNode(vertx, manager, app);
    } catch (Exception e) {
      vertx.close().await(60, TimeUnit.SECONDS);
      throw e;
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
