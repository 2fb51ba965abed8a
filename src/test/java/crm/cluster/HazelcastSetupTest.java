package crm.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import crm.config.AppConfig;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The repository's cluster.xml with the environment on top: what a node is told to join, bind and call itself. */
class HazelcastSetupTest {
  private static ClusterConfig cluster(JsonObject raw) {
    return AppConfig.from(raw).clustering();
  }

  @Test
  void defaults_join_on_loopback_by_tcp_only() {
    Config hz = HazelcastSetup.config(cluster(new JsonObject()));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(hz.getNetworkConfig().getPort()).isEqualTo(5701);
    assertThat(hz.getClusterName()).isEqualTo("whatsapp-crm");
    assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    // the structures Vert.x keeps its subscriptions in come from the file, untouched
    assertThat(hz.getMultiMapConfigs()).containsKey("__vertx.subs");
  }

  @Test
  void members_host_port_and_name_come_from_the_environment() {
    Config hz = HazelcastSetup.config(cluster(new JsonObject().put("CRM_CLUSTER_HOST", "10.0.0.5")
        .put("CRM_CLUSTER_MEMBERS", "10.0.0.5, 10.0.0.6:5801 ,10.0.0.7").put("CRM_CLUSTER_PORT", "5801")
        .put("CRM_CLUSTER_NAME", "acme-prod")));
    assertThat(hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("10.0.0.5", "10.0.0.6:5801", "10.0.0.7");
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.5");
    assertThat(hz.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(hz.getClusterName()).isEqualTo("acme-prod");
  }

  @Test
  void the_members_default_to_this_host() {
    assertThat(cluster(new JsonObject().put("CRM_CLUSTER_HOST", "10.1.2.3")).members()).isEqualTo(List.of("10.1.2.3"));
  }

  @Test
  void a_password_changes_the_name_nodes_must_share() {
    String plain = cluster(new JsonObject().put("CRM_CLUSTER_NAME", "acme")).effectiveName();
    String secret = cluster(new JsonObject().put("CRM_CLUSTER_NAME", "acme").put("CRM_CLUSTER_PASSWORD", "s3cret")).effectiveName();
    String other = cluster(new JsonObject().put("CRM_CLUSTER_NAME", "acme").put("CRM_CLUSTER_PASSWORD", "s3cret!")).effectiveName();
    assertThat(plain).isEqualTo("acme");
    assertThat(secret).startsWith("acme-").isNotEqualTo(other).doesNotContain("s3cret");
    assertThat(cluster(new JsonObject().put("CRM_CLUSTER_NAME", "acme").put("CRM_CLUSTER_PASSWORD", "s3cret")).effectiveName())
        .as("the same on every node").isEqualTo(secret);
  }

  @Test
  void a_node_with_another_password_is_refused_and_one_with_the_same_joins() {
    String name = "crm-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    List<com.hazelcast.core.HazelcastInstance> started = new java.util.ArrayList<>();
    try {
      var first = start(started, name, "right-password");
      var wrong = start(started, name, "wrong-password");
      var right = start(started, name, "right-password");
      assertThat(first.getCluster().getMembers()).as("the first node's cluster")
          .containsExactlyInAnyOrder(first.getCluster().getLocalMember(), right.getCluster().getLocalMember());
      assertThat(wrong.getCluster().getMembers()).as("the node with the wrong password stays alone")
          .containsExactly(wrong.getCluster().getLocalMember());
    } finally {
      started.forEach(com.hazelcast.core.HazelcastInstance::shutdown);
    }
  }

  private static com.hazelcast.core.HazelcastInstance start(List<com.hazelcast.core.HazelcastInstance> started, String name,
                                                            String password) {
    Config hz = HazelcastSetup.config(cluster(new JsonObject().put("CRM_CLUSTER_NAME", name).put("CRM_CLUSTER_PASSWORD", password)));
    hz.setInstanceName(name + "-" + started.size());
    com.hazelcast.core.HazelcastInstance instance = com.hazelcast.core.Hazelcast.newHazelcastInstance(hz);
    started.add(instance);
    return instance;
  }

  @Test
  void the_password_is_masked_in_printed_configuration() {
    JsonObject safe = AppConfig.from(new JsonObject().put("CRM_CLUSTER_PASSWORD", "s3cret")).toSafeJson();
    assertThat(safe.getString("CRM_CLUSTER_PASSWORD")).isEqualTo("****");
  }
}
