package crm.cluster;

import crm.config.AppConfig;
import crm.config.InvalidConfigException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * How a node joins the Hazelcast cluster ({@code CRM_CLUSTER=true} or {@code --cluster}): the address it binds and
 * announces ({@code CRM_CLUSTER_HOST}, loopback by default), the members it looks for ({@code CRM_CLUSTER_MEMBERS},
 * hosts or host:port, TCP-IP join, never multicast), Hazelcast's first port, and the cluster's name and password.
 *
 * <p>Hazelcast 5 open source has no member authentication (its cluster password went with 4.0; security is an
 * Enterprise feature). The password is folded into the cluster name Hazelcast compares at join, so a node without
 * it, or with another, is refused; it does not encrypt or hide anything: keep the cluster ports on a private network.
 *
 * <p>{@code CRM_NODE_NAME} names this node in logs and in the Engine.IO session ids it issues, so a load balancer can
 * route a polling request back to the node that holds its session (docs/deploy). {@code EMBEDDED_DB_PORT} exposes the
 * embedded database on a fixed loopback port for the other nodes of {@code scripts/cluster}, which set
 * {@code MONGO_URI_EMBEDDED}: their durable writes then ask the owning node to commit, over the cluster bus.
 */
public record ClusterConfig(boolean enabled, String host, List<String> members, int port, String name, String password,
                            String configFile, String nodeName, int embeddedDbPort, boolean mongoUriEmbedded) {

  public static final List<String> KEYS = List.of("CRM_CLUSTER", "CRM_CLUSTER_HOST", "CRM_CLUSTER_MEMBERS",
      "CRM_CLUSTER_PORT", "CRM_CLUSTER_NAME", "CRM_CLUSTER_PASSWORD", "CLUSTER_CONFIG", "CRM_NODE_NAME", "EMBEDDED_DB_PORT",
      "MONGO_URI_EMBEDDED");
  public static final List<String> SECRET_KEYS = List.of("CRM_CLUSTER_PASSWORD");

  private static final String HOST = "^[A-Za-z0-9.\\-:\\[\\]]{1,253}$";

  public static ClusterConfig from(AppConfig.Reader r) {
    String host = r.nonEmpty("CRM_CLUSTER_HOST", "127.0.0.1");
    if (!host.matches(HOST)) throw new InvalidConfigException("CRM_CLUSTER_HOST", "must be an address or host name, got '" + host + "'");
    List<String> members = Arrays.stream(r.string("CRM_CLUSTER_MEMBERS", host).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (members.isEmpty()) members = List.of(host);
    for (String m : members) {
      if (!m.matches(HOST) || m.matches(".*:\\d+-\\d+$")) {
        throw new InvalidConfigException("CRM_CLUSTER_MEMBERS", "'" + m + "' is not host or host:port (no port ranges: Hazelcast tries "
            + "the ports after CRM_CLUSTER_PORT itself)");
      }
    }
    String name = r.nonEmpty("CRM_CLUSTER_NAME", "whatsapp-crm");
    if (!name.matches("^[A-Za-z0-9._\\-]{1,64}$")) {
      throw new InvalidConfigException("CRM_CLUSTER_NAME", "must be 1-64 letters, digits, '.', '_' or '-'");
    }
    String nodeName = r.string("CRM_NODE_NAME", "").trim();
    if (!nodeName.isEmpty() && !nodeName.matches("^[A-Za-z0-9]{1,16}$")) {
      throw new InvalidConfigException("CRM_NODE_NAME", "must be 1-16 letters or digits (it prefixes Engine.IO session ids)");
    }
    return new ClusterConfig(r.bool("CRM_CLUSTER", false), host, List.copyOf(members),
        r.integer("CRM_CLUSTER_PORT", 5701, 1, 65535), name, r.string("CRM_CLUSTER_PASSWORD", ""),
        r.nonEmpty("CLUSTER_CONFIG", "cluster.xml"), nodeName, r.integer("EMBEDDED_DB_PORT", 0, 0, 65535),
        r.bool("MONGO_URI_EMBEDDED", false));
  }

  public static ClusterConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  /**
   * The name Hazelcast compares when a member joins: the configured name, and with a password a digest of both, so
   * only nodes given the same name and password form a cluster.
   */
  public String effectiveName() {
    if (password.isEmpty()) return name;
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((name + "\u0000" + password).getBytes(StandardCharsets.UTF_8));
      return name + "-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public JsonObject toJson() {
    return new JsonObject().put("CRM_CLUSTER", enabled).put("CRM_CLUSTER_HOST", host)
        .put("CRM_CLUSTER_MEMBERS", String.join(",", members)).put("CRM_CLUSTER_PORT", port)
        .put("CRM_CLUSTER_NAME", name).put("CRM_CLUSTER_PASSWORD", password).put("CLUSTER_CONFIG", configFile)
        .put("CRM_NODE_NAME", nodeName).put("EMBEDDED_DB_PORT", embeddedDbPort).put("MONGO_URI_EMBEDDED", mongoUriEmbedded);
  }
}
