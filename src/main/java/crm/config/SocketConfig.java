package crm.config;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * The Socket.IO / Engine.IO settings (keys SOCKET_*), validated like the rest of {@link AppConfig}.
 *
 * <p>{@code SOCKET_PROFILE=conformance} is the profile the official Socket.IO and Engine.IO protocol test suites
 * expect: it forces their fixed timings (ping 300/200 ms, connect timeout 1 s, max payload 1 000 000), any origin,
 * no token check, their echo handlers and the raw Engine.IO echo endpoint at {@code /engine.io/}. It is for those
 * suites only, never for production.
 */
public record SocketConfig(
    String profile,
    int pingIntervalMs,
    int pingTimeoutMs,
    int maxPayload,
    int connectTimeoutMs,
    int maxBufferedPackets,
    int warmup,
    int recoveryWindowMs) {

  public static final String DEFAULT = "default";
  public static final String CONFORMANCE = "conformance";
  /** Loopback handshakes at start before the node is ready ({@code crm.socket.SocketWarmup}); 0 turns it off. */
  public static final int DEFAULT_WARMUP = 300;
  /** How long a dropped connection's socket may be recovered (socket.io's maxDisconnectionDuration); 0 turns it off. */
  public static final int DEFAULT_RECOVERY_WINDOW_MS = 120_000;

  public static final List<String> KEYS = List.of(
      "SOCKET_PROFILE", "SOCKET_PING_INTERVAL_MS", "SOCKET_PING_TIMEOUT_MS", "SOCKET_MAX_PAYLOAD",
      "SOCKET_CONNECT_TIMEOUT_MS", "SOCKET_MAX_BUFFERED_PACKETS", "SOCKET_WARMUP", "SOCKET_RECOVERY_WINDOW_MS");

  static SocketConfig from(AppConfig.Reader r) {
    String profile = r.string("SOCKET_PROFILE", DEFAULT).trim().toLowerCase(Locale.ROOT);
    if (profile.isEmpty()) profile = DEFAULT;
    if (!profile.equals(DEFAULT) && !profile.equals(CONFORMANCE)) {
      throw new InvalidConfigException("SOCKET_PROFILE", "must be default or conformance, got '" + profile + "'");
    }
    return new SocketConfig(
        profile,
        r.integer("SOCKET_PING_INTERVAL_MS", 25_000, 50, 3_600_000),
        r.integer("SOCKET_PING_TIMEOUT_MS", 20_000, 50, 3_600_000),
        r.integer("SOCKET_MAX_PAYLOAD", 1_000_000, 1024, 64 * 1_048_576),
        r.integer("SOCKET_CONNECT_TIMEOUT_MS", 45_000, 50, 3_600_000),
        r.integer("SOCKET_MAX_BUFFERED_PACKETS", 1000, 1, 1_000_000),
        r.integer("SOCKET_WARMUP", DEFAULT_WARMUP, 0, 100_000),
        r.integer("SOCKET_RECOVERY_WINDOW_MS", DEFAULT_RECOVERY_WINDOW_MS, 0, 3_600_000));
  }

  /** Reads the settings back from a deployment configuration (already validated by {@link AppConfig#from}). */
  public static SocketConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  public boolean conformance() {
    return CONFORMANCE.equals(profile);
  }

  /** Whether dropped connections are kept for recovery (never in the conformance profile: its suites expect none). */
  public boolean recovery() {
    return recoveryWindowMs > 0 && !conformance();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("SOCKET_PROFILE", profile)
        .put("SOCKET_PING_INTERVAL_MS", pingIntervalMs)
        .put("SOCKET_PING_TIMEOUT_MS", pingTimeoutMs)
        .put("SOCKET_MAX_PAYLOAD", maxPayload)
        .put("SOCKET_CONNECT_TIMEOUT_MS", connectTimeoutMs)
        .put("SOCKET_MAX_BUFFERED_PACKETS", maxBufferedPackets)
        .put("SOCKET_WARMUP", warmup)
        .put("SOCKET_RECOVERY_WINDOW_MS", recoveryWindowMs);
  }
}
