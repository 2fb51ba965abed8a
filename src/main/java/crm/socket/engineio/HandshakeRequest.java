package crm.socket.engineio;

import io.vertx.core.http.HttpServerRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the client sent when it opened the session (the first polling GET or the WebSocket upgrade request):
 * a few headers, the query and the peer address. Kept small, it lives as long as the connection.
 */
public record HandshakeRequest(String remoteAddress, String authorization, String origin, String userAgent,
                               Map<String, String> query) {

  static HandshakeRequest of(HttpServerRequest req) {
    Map<String, String> query = new LinkedHashMap<>();
    req.params().forEach(e -> {
      if (query.size() < 32) query.putIfAbsent(e.getKey(), e.getValue());
    });
    return new HandshakeRequest(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(),
        req.getHeader("Authorization"), req.getHeader("Origin"), req.getHeader("User-Agent"), Map.copyOf(query));
  }
}
