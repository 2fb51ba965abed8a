package crm.auth;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Token -> {@link Principal}: signature and expiry ({@link Jwt}), then the revocation list. */
public final class Authenticator {
  private final Jwt jwt;
  private final Revocations revocations;

  private Authenticator(Jwt jwt, Revocations revocations) {
    this.jwt = jwt;
    this.revocations = revocations;
  }

  public static Future<Authenticator> create(Vertx vertx, JsonObject config) {
    Jwt jwt = Jwt.fromConfig(vertx, config);
    return Revocations.of(vertx).map(r -> new Authenticator(jwt, r));
  }

  public Future<Principal> authenticate(String token) {
    return jwt.verify(token).compose(p -> revocations.isRevoked(p)
        ? Future.failedFuture(new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Session has been revoked"))
        : Future.succeededFuture(p));
  }

  /** The token of an {@code Authorization: Bearer ...} header, or null. */
  public static String bearer(String header) {
    if (header == null) return null;
    String h = header.trim();
    if (h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7)) return h.substring(7).trim();
    return null;
  }
}
