package crm.http;

import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Set;

/**
 * The address of the client behind a request: the peer's, unless the peer is a load balancer listed in
 * {@code TRUSTED_PROXIES}; then the right-most address of {@code X-Forwarded-For} that is not a trusted proxy (what
 * the nearest untrusted hop told the first proxy; anything left of it was written by the client and may be forged).
 * Without trusted proxies the header is ignored, so a client cannot pick its own rate-limit bucket.
 */
public final class ClientAddress {
  private final Set<String> trusted;

  public ClientAddress(List<String> trustedProxies) {
    this.trusted = Set.copyOf(trustedProxies);
  }

  public String of(HttpServerRequest req) {
    String peer = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    if (trusted.isEmpty() || !trusted.contains(peer)) return peer;
    List<String> forwarded = req.headers().getAll("X-Forwarded-For");
    String client = peer;
    for (int h = forwarded.size() - 1; h >= 0; h--) {
      String[] hops = forwarded.get(h).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        String hop = hops[i].trim();
        if (hop.isEmpty()) continue;
        client = hop;
        if (!trusted.contains(hop)) return hop.length() > 64 ? hop.substring(0, 64) : hop;
      }
    }
    return client;
  }
}
