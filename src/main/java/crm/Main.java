package crm;

import crm.cluster.ClusterConfig;
import crm.cluster.HazelcastSetup;
import crm.config.AppConfig;
import crm.config.ConfigLoader;
import crm.config.InvalidConfigException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Boot: config once -> (cluster) -> database -> verticles. SIGTERM stops gracefully. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws Exception {
    // before Hazelcast logs anything (it says where its configuration comes from before reading the file's own setting)
    System.setProperty("hazelcast.logging.type", "slf4j");
    boolean printConfig = Arrays.asList(args).contains("--print-config");
    AppConfig cfg;
    Vertx bootstrap = Vertx.vertx();
    try {
      JsonObject raw = ConfigLoader.loadRaw(bootstrap).await(30, TimeUnit.SECONDS);
      if (Arrays.asList(args).contains("--cluster")) raw.put("CRM_CLUSTER", true);
      cfg = AppConfig.from(raw);
    } catch (InvalidConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    } catch (Exception e) {
      System.err.println("Cannot read configuration: " + e.getMessage());
      System.exit(2);
      return;
    } finally {
      bootstrap.close().await(10, TimeUnit.SECONDS);
    }
    if (printConfig) {
      System.out.println(cfg.toSafeJson().encodePrettily());
      System.exit(0);
      return;
    }

    if (cfg.cluster() && cfg.jwtSecret().isEmpty()) {
      System.err.println("Invalid configuration JWT_SECRET: must be set when clustered (every node must verify every node's tokens)");
      System.exit(2);
    }

    Vertx vertx = buildVertx(cfg);
    App app;
    try {
      app = App.start(vertx, cfg).await(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.error("Start-up failed: {}", e.getMessage(), e);
      vertx.close().await(10, TimeUnit.SECONDS);
      System.exit(1);
      return;
    }
    log.info("WhatsApp CRM listening on http://{}:{}  (API {}/api/v2, database {}{}, {} transport)",
        cfg.host(), app.httpPort(), "", cfg.embeddedDb() ? "embedded " + cfg.dbBackend() : "MongoDB",
        cfg.cluster() ? ", clustered" : "", vertx.isNativeTransportEnabled() ? "epoll" : "NIO");
    log.info("Admin login: {} (password from CRM_ADMIN_PASSWORD, or as printed at the first start)", cfg.adminEmail());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Shutting down: draining requests (up to {} s)", cfg.shutdownGraceSeconds());
      try {
        app.stop().compose(v -> vertx.close()).await(cfg.shutdownGraceSeconds() + 20L, TimeUnit.SECONDS);
        log.info("Stopped cleanly");
      } catch (Exception e) {
        log.warn("Unclean stop: {}", e.getMessage());
      } finally {
        stopped.countDown();
      }
    }, "crm-shutdown"));
  }

  static Vertx buildVertx(AppConfig cfg) throws Exception {
    VertxOptions options = new VertxOptions()
        .setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
            .setJvmMetricsEnabled(true)
            .setEnabled(true));
    if (!cfg.cluster()) {
      return Vertx.builder().with(options).build();
    }
    ClusterConfig cluster = cfg.clustering();
    HazelcastClusterManager manager = new HazelcastClusterManager(HazelcastSetup.config(cluster));
    options.getEventBusOptions().setHost(cluster.host()).setClusterPublicHost(cluster.host());
    log.info("Joining cluster '{}' on {} (members {}, Hazelcast port {}+)", cluster.name(), cluster.host(),
        String.join(",", cluster.members()), cluster.port());
    Vertx vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered().await(120, TimeUnit.SECONDS);
    log.info("Cluster '{}': {} node(s), this one is {}", cluster.name(), manager.getNodes().size(), manager.getNodeId());
    // Hazelcast's own listener: Vert.x keeps the cluster manager's single node listener for itself
    manager.getHazelcastInstance().getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
      @Override
      public void memberAdded(com.hazelcast.cluster.MembershipEvent e) {
        log.info("Cluster: {} joined ({} nodes)", e.getMember().getAddress(), e.getMembers().size());
      }

      @Override
      public void memberRemoved(com.hazelcast.cluster.MembershipEvent e) {
        log.warn("Cluster: {} left ({} nodes)", e.getMember().getAddress(), e.getMembers().size());
      }
    });
    return vertx;
  }
}
