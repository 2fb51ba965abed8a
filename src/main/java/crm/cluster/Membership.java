package crm.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.Set;
import java.util.UUID;

/**
 * Who this node is and which nodes are alive, for work that is claimed with a lease (stored webhooks): clustered, the
 * cluster manager's node ids (Hazelcast member ids) and its current member list; standalone, one id per Vert.x
 * instance, so a node started again (even in the same JVM) is a new owner and takes over what the old one held.
 * Both calls read local state only: safe on the event loop.
 */
public final class Membership {
  private static final String MAP = "crm.cluster";
  private static final String KEY = "node-id";

  private Membership() {}

  public static String nodeId(Vertx vertx) {
    ClusterManager cluster = manager(vertx);
    if (cluster != null) return cluster.getNodeId();
    return (String) vertx.sharedData().getLocalMap(MAP).computeIfAbsent(KEY, k -> UUID.randomUUID().toString());
  }

  /** The ids of the nodes alive now, this one included. */
  public static Set<String> liveNodes(Vertx vertx) {
    ClusterManager cluster = manager(vertx);
    if (cluster != null) return Set.copyOf(cluster.getNodes());
    return Set.of(nodeId(vertx));
  }

  private static ClusterManager manager(Vertx vertx) {
    return vertx.isClustered() && vertx instanceof VertxInternal internal ? internal.clusterManager() : null;
  }
}
