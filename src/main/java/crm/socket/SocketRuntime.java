package crm.socket;

import crm.config.SocketConfig;
import crm.socket.engineio.EngineOptions;
import crm.socket.engineio.EnginePacket;
import crm.socket.engineio.EngineServer;
import crm.socket.engineio.EngineSession;
import crm.socket.io.Recovery;
import crm.socket.io.SocketIoServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Arrays;
import java.util.List;

/**
 * The node's socket server, one per Vert.x instance (kept in a local shared map, like the revocation list): the
 * Engine.IO endpoint at {@code /socket.io/} with Socket.IO on top, and in the conformance profile the raw
 * Engine.IO echo endpoint at {@code /engine.io/}. Every HTTP verticle instance routes to the same one, so a
 * polling session is found whichever event loop its next request lands on.
 *
 * <p>Built-in behaviour: in the default profile namespace {@code /} requires a valid access token
 * ({@link JwtSocketAuth}); in the conformance profile {@code /} and {@code /custom} run the protocol suites'
 * echo handlers ({@link ConformanceHandlers}). Everything else (rooms per agent, domain events) is for the
 * bridge to add through {@link #io()}.
 */
public final class SocketRuntime implements Shareable {
  private static final String MAP = "crm.socket";
  private static final String KEY = "runtime";

  /** Engine.IO's own default: a probing WebSocket has this long to complete the upgrade. */
  static final int UPGRADE_TIMEOUT_MS = 10_000;

  private final SocketConfig config;
  private final EngineServer engine;
  private final SocketIoServer io;
  private final EngineServer echo;

  private SocketRuntime(Vertx vertx, JsonObject deployed) {
    config = SocketConfig.fromJson(deployed);
    EngineOptions options = engineOptions(deployed);
    engine = new EngineServer(vertx, options);
    io = new SocketIoServer(config.conformance() ? 1000 : config.connectTimeoutMs()).attach(engine);
    if (config.conformance()) {
      ConformanceHandlers.install(io);
      echo = new EngineServer(vertx, options).connectionHandler(session -> session.listener(new Echo()));
    } else {
      io.namespace("/").auth(new JwtSocketAuth(vertx, deployed));
      if (config.recovery()) {
        // this node only until the socket verticle adds the cluster's sessions (SocketRecovery)
        io.namespace("/").recovery(new Recovery(config.recoveryWindowMs(), config.maxBufferedPackets(), JwtSocketAuth::sameSession));
      }
      echo = null;
    }
  }

  /** The node's runtime, created from the deployment configuration on first use. */
  public static SocketRuntime of(Vertx vertx, JsonObject deployed) {
    LocalMap<String, SocketRuntime> map = vertx.sharedData().getLocalMap(MAP);
    SocketRuntime existing = map.get(KEY);
    if (existing != null) return existing;
    SocketRuntime fresh = new SocketRuntime(vertx, deployed);
    SocketRuntime winner = map.putIfAbsent(KEY, fresh);
    return winner != null ? winner : fresh;
  }

  /** The node's runtime; fails when the HTTP/socket verticles have not created it. */
  public static SocketRuntime of(Vertx vertx) {
    SocketRuntime existing = vertx.sharedData().<String, SocketRuntime>getLocalMap(MAP).get(KEY);
    if (existing == null) throw new IllegalStateException("the socket runtime is not started on this node");
    return existing;
  }

  /** The effective Engine.IO settings: the configured ones, or the fixed ones of the conformance profile. */
  public static EngineOptions engineOptions(JsonObject deployed) {
    SocketConfig c = SocketConfig.fromJson(deployed);
    if (c.conformance()) {
      return new EngineOptions(300, 200, 1_000_000, c.maxBufferedPackets(), UPGRADE_TIMEOUT_MS, List.of("*"));
    }
    List<String> origins = Arrays.stream(deployed.getString("CORS_ORIGINS", "http://localhost:4200").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    String node = deployed.getString("CRM_NODE_NAME", "");
    return new EngineOptions(c.pingIntervalMs(), c.pingTimeoutMs(), c.maxPayload(), c.maxBufferedPackets(),
        UPGRADE_TIMEOUT_MS, origins, node.isEmpty() ? "" : node + ".");
  }

  public SocketConfig config() { return config; }

  /** The Socket.IO server: namespaces, auth hooks, connection handlers, rooms. */
  public SocketIoServer io() { return io; }

  /** Whether this is the protocol suites' conformance profile (no JWT, echo handlers). */
  public boolean conformance() { return config.conformance(); }

  /** The Engine.IO endpoint under Socket.IO ({@code /socket.io/}). */
  public EngineServer engine() { return engine; }

  /** The raw Engine.IO echo endpoint ({@code /engine.io/}), conformance profile only; else null. */
  public EngineServer echo() { return echo; }

  /** Refuses new connections and closes the open ones gracefully (clients are told, pending polls answered). */
  public Future<Void> close() {
    Future<Void> sio = engine.close("server shutting down");
    return echo == null ? sio : Future.all(sio, echo.close("server shutting down")).mapEmpty();
  }

  /** The raw Engine.IO endpoint of the conformance profile: every message goes back as it came. */
  private static final class Echo implements EngineSession.Listener {
    @Override
    public void onMessage(EngineSession session, Object data) {
      session.send(data instanceof String s ? EnginePacket.message(s) : EnginePacket.message((io.vertx.core.buffer.Buffer) data));
    }

    @Override
    public void onClose(EngineSession session, String reason) { }
  }
}
