package crm;

import crm.agent.AgentVerticle;
import crm.bus.Bus;
import crm.config.AppConfig;
import crm.conversation.ConversationVerticle;
import crm.whatsapp.WhatsappVerticle;
import crm.http.HttpVerticle;
import crm.socket.SocketVerticle;
import crm.socket.SocketWarmup;
import crm.config.SocketConfig;
import crm.storage.EmbeddedMongo;
import crm.storage.GroupCommit;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running node: the embedded database when no MONGO_URI is given, then the verticles. Used by {@link Main}
 * and by the tests, so what the tests start is what production starts.
 */
public final class App {
  private static final Logger log = LoggerFactory.getLogger(App.class);

  private final Vertx vertx;
  private final EmbeddedMongo embedded;
  private final List<String> deployments;
  private final JsonObject deployedConfig;
  private final SocketWarmup.Result socketWarmup;

  private App(Vertx vertx, EmbeddedMongo embedded, List<String> deployments, JsonObject deployedConfig,
              SocketWarmup.Result socketWarmup) {
    this.socketWarmup = socketWarmup;
    this.vertx = vertx;
    this.embedded = embedded;
    this.deployments = deployments;
    this.deployedConfig = deployedConfig;
  }

  public static Future<App> start(Vertx vertx, AppConfig cfg) {
    Bus.registerCodecs(vertx);
    crm.socket.EventIds.install(vertx); // one Socket.IO offset per domain event, the same on every node
    // /ready says 503 until every verticle is deployed and the warm-up is over (the HTTP server listens before that)
    vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP).put(HttpVerticle.STARTING, true);
    return vertx.executeBlocking(() -> prepare(cfg)).compose(prepared -> {
      JsonObject conf = prepared.config;
      List<String> ids = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      if (prepared.embedded != null && prepared.embedded.needsCommit()) {
        chain = chain.compose(v -> vertx.deployVerticle(new GroupCommit(prepared.embedded, cfg.dbCommitIntervalMs(), cfg.dbFsync()))
            .map(id -> { ids.add(id); return null; }));
      }
      int httpInstances = cfg.httpInstances() > 0 ? cfg.httpInstances() : Runtime.getRuntime().availableProcessors();
      chain = chain
          .compose(v -> deploy(vertx, ids, AgentVerticle::new, conf, 1))
          // business configuration and presets: before anything that asks crm.config.active
          .compose(v -> deploy(vertx, ids, crm.config.BusinessConfigVerticle::new, conf, 1))
          // analytics before the writers it counts (their writes are marked through it); it folds once they answer
          .compose(v -> deploy(vertx, ids, crm.analytics.AnalyticsVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, () -> new ConversationVerticle(prepared.embedded == null ? null
              : prepared.embedded.changes()), conf, 1))
          .compose(v -> deploy(vertx, ids, WhatsappVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, crm.ticket.TicketVerticle::new, conf, 1))
          // help articles for the assistant; before HTTP, and ready before a preset load asks it to install articles
          .compose(v -> deploy(vertx, ids, crm.knowledge.KnowledgeVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, crm.assistant.AssistantVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, crm.commerce.CommerceVerticle::new, conf, 1))
          // uploaded files on the bus (links for WhatsApp media messages); the upload route itself is HTTP's
          .compose(v -> deploy(vertx, ids, crm.files.FilesVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, crm.socket.PresenceVerticle::new, conf, 1))
          .compose(v -> deploy(vertx, ids, HttpVerticle::new, conf, httpInstances))
          // after HTTP, so stopped before it: open sockets are closed before the HTTP server drains
          .compose(v -> deploy(vertx, ids, SocketVerticle::new, conf, 1));
      // the socket path run (and compiled) before the node says it is ready: see SocketWarmup
      Future<SocketWarmup.Result> warm = chain.compose(v -> warmUp(vertx, conf))
          .onComplete(ar -> vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP).remove(HttpVerticle.STARTING));
      return warm.map(w -> new App(vertx, prepared.embedded, ids, conf, w))
          .recover(err -> {
            // undo what started, so a failed start leaves nothing listening
            if (prepared.embedded != null) prepared.embedded.close();
            return Future.failedFuture(err);
          });
    });
  }

  private static Future<Void> deploy(Vertx vertx, List<String> ids, java.util.function.Supplier<io.vertx.core.Deployable> factory,
                                     JsonObject conf, int instances) {
    return vertx.deployVerticle(factory, new DeploymentOptions().setConfig(conf).setInstances(instances))
        .map(id -> { ids.add(id); return null; });
  }

  /** Loopback Socket.IO handshakes through this node's own HTTP server (none in the conformance profile). */
  private static Future<SocketWarmup.Result> warmUp(Vertx vertx, JsonObject conf) {
    SocketConfig socket = SocketConfig.fromJson(conf);
    if (socket.conformance() || socket.warmup() == 0) return Future.succeededFuture(new SocketWarmup.Result(0, 0, 0, 0));
    String host = conf.getString("HOST", "0.0.0.0");
    if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) host = "127.0.0.1";
    int port = (Integer) vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP).get("http.port");
    return SocketWarmup.run(vertx, conf, host, port, socket.warmup());
  }

  private record Prepared(EmbeddedMongo embedded, JsonObject config) {}

  /** Blocking preparation, on a worker: the JWT secret, the embedded database. */
  private static Prepared prepare(AppConfig cfg) {
    JsonObject conf = cfg.toJson();
    Path dataDir = Path.of(cfg.dataDir());
    if (cfg.jwtSecret().isEmpty()) {
      conf.put("JWT_SECRET", persistentSecret(dataDir, "jwt-secret", "JWT_SECRET"));
    }
    if (cfg.whatsappAppSecret().isEmpty()) {
      conf.put("WHATSAPP_APP_SECRET", persistentSecret(dataDir, "whatsapp-app-secret", "WHATSAPP_APP_SECRET"));
    }
    EmbeddedMongo embedded = null;
    if (cfg.embeddedDb()) {
      int port = cfg.clustering().embeddedDbPort();
      embedded = cfg.dbBackend().equals("memory") ? EmbeddedMongo.memory(port) : EmbeddedMongo.h2(dataDir, cfg.storeCacheMb(), port);
      conf.put("MONGO_URI", embedded.connectionString());
      conf.put("DB_SYNC", embedded.needsCommit());
    } else {
      // another node's embedded server (scripts/cluster) commits when asked; MongoDB itself is asked for majority writes
      conf.put("DB_SYNC", cfg.clustering().mongoUriEmbedded());
    }
    conf.put("EMBEDDED_DB", embedded != null);
    return new Prepared(embedded, conf);
  }

  /**
   * A random secret generated once and kept in the data directory (mode 0600), so restarts keep sessions and
   * local tools (scripts/simulate-inbound) can sign with it.
   */
  static String persistentSecret(Path dataDir, String fileName, String key) {
    Path file = dataDir.resolve(fileName);
    try {
      Files.createDirectories(dataDir);
      if (Files.exists(file)) {
        String s = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (s.length() >= 43) return s;
      }
      byte[] raw = new byte[48];
      new SecureRandom().nextBytes(raw);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      Path tmp = dataDir.resolve(fileName + ".tmp");
      Files.writeString(tmp, secret, StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      log.warn("{} is not set: generated one and stored it in {} (set {} in production)", key, file, key);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep " + key + " in " + file, e);
    }
  }

  public int httpPort() {
    Object port = vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP).get("http.port");
    return port == null ? -1 : (Integer) port;
  }

  /** What the start-up socket warm-up did (zeros when SOCKET_WARMUP is 0). */
  public SocketWarmup.Result socketWarmup() {
    return socketWarmup;
  }

  /** The embedded database this node runs, or null with MONGO_URI. */
  public EmbeddedMongo embedded() {
    return embedded;
  }

  /** The configuration the verticles were deployed with (embedded MONGO_URI and generated secret included). */
  public JsonObject deployedConfig() {
    return deployedConfig.copy();
  }

  /** Graceful stop: HTTP stops accepting and drains, then the other verticles, then the database is committed and closed. */
  public Future<Void> stop() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(err -> Future.succeededFuture()));
    }
    return chain.compose(v -> embedded == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          embedded.commit();
          embedded.close();
          return null;
        }));
  }
}
