package crm.socket.io;

import crm.socket.engineio.HandshakeRequest;
import io.vertx.core.json.JsonObject;

/**
 * What a client presented when it connected to a namespace: the CONNECT packet's auth payload ({} when none)
 * and the HTTP request that opened its Engine.IO session (headers such as Authorization, query, address).
 */
public record Handshake(String namespace, JsonObject auth, HandshakeRequest request) {
  /** The {@code Authorization} header of the request that opened the connection, or null. */
  public String authorization() {
    return request.authorization();
  }
}
