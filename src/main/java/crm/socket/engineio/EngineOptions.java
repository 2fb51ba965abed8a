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
}
