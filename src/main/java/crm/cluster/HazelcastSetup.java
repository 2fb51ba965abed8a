package crm.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hazelcast configuration of a node: {@code cluster.xml} (the {@code __vertx.*} structures, properties, logging),
 * then what {@link ClusterConfig} says on top, so one file serves every node and each node differs only by its
 * environment. Multicast and cloud auto-detection are always off: members are found by TCP-IP only.
 */
public final class HazelcastSetup {
  private HazelcastSetup() {}

  /** Blocking (reads the file): call it from Main or a worker. */
  public static Config config(ClusterConfig cluster) {
    Path file = Path.of(cluster.configFile());
    Config hz;
    try {
      hz = Files.exists(file) ? new FileSystemXmlConfig(file.toFile()) : ConfigUtil.loadConfig();
    } catch (FileNotFoundException e) {
      hz = ConfigUtil.loadConfig();
    }
    return apply(hz, cluster);
  }

  static Config apply(Config hz, ClusterConfig cluster) {
    hz.setClusterName(cluster.effectiveName());
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.socket.bind.any", isWildcard(cluster.host()) || !isAddress(cluster.host()) ? "true" : "false");
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(true);
    if (isWildcard(cluster.host())) {
      network.getInterfaces().setEnabled(false).clear();
    } else if (isAddress(cluster.host())) {
      network.getInterfaces().setEnabled(true).clear().addInterface(cluster.host()); // Hazelcast matches addresses only
    } else {
      network.getInterfaces().setEnabled(false).clear();
      network.setPublicAddress(cluster.host()); // a host name: announced as is, bound where it resolves
    }
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return hz;
  }

  private static boolean isAddress(String host) {
    return host.matches("^[0-9.]+$") || host.contains(":");
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
  }
}
