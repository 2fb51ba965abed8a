package crm.socket.engineio;

import java.util.List;

/**
 * Settings of one Engine.IO endpoint.
 *
 * @param pingInterval       ms between server pings
 * @param pingTimeout        ms the client has to answer a ping before the session is closed
 * @param maxPayload         largest polling POST body / WebSocket message, bytes
 * @param maxBufferedPackets packets that may wait for a slow client before it is dropped
 * @param upgradeTimeout     ms a probing WebSocket has to complete the upgrade
 * @param corsOrigins        allowed browser origins ({@code *} = any)
 * @param sidPrefix          put before every session id ({@code <node name>.}), so a load balancer can send a
 *                           polling request to the node holding its session by the {@code sid} alone; empty = none
 */
public record EngineOptions(int pingInterval, int pingTimeout, int maxPayload, int maxBufferedPackets,
                            int upgradeTimeout, List<String> corsOrigins, String sidPrefix) {

  public EngineOptions(int pingInterval, int pingTimeout, int maxPayload, int maxBufferedPackets, int upgradeTimeout,
                       List<String> corsOrigins) {
    this(pingInterval, pingTimeout, maxPayload, maxBufferedPackets, upgradeTimeout, corsOrigins, "");
  }

  public boolean anyOrigin() {
    return corsOrigins.contains("*");
  }

  public boolean originAllowed(String origin) {
    return origin == null || anyOrigin() || corsOrigins.contains(origin);
  }

  /** As {@link #originAllowed(String)}, and a page of the server's own origin (the built-in console) is always allowed. */
  public boolean originAllowed(String origin, String host) {
    return originAllowed(origin) || sameOrigin(origin, host);
  }

  /**
   * Whether a browser's {@code Origin} names the host the request went to ({@code Host}): a page the server served
   * itself, which needs no CORS_ORIGINS entry. {@code http://h:5000} and {@code Host: h:5000}; {@code https://h} and
   * {@code Host: h}.
   */
  public static boolean sameOrigin(String origin, String host) {
    if (origin == null || host == null || host.isEmpty()) return false;
    int scheme = origin.indexOf("://");
    if (scheme < 0) return false;
    return origin.substring(scheme + 3).equalsIgnoreCase(host);
  }
}
