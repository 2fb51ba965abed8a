package crm.auth;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * HS256 access tokens: issued by the agent verticle at login/refresh, verified by the HTTP and socket
 * verticles. A token that fails only because it expired is told apart (AUTH_TOKEN_EXPIRED) from one that
 * is forged, tampered, unsigned ({@code alg: none}) or garbage (AUTH_TOKEN_INVALID).
 */
public final class Jwt {
  public static final String ISSUER = "whatsapp-crm";
  private static final String ALG = "HS256";

  private final JWTAuth strict;
  private final JWTAuth ignoringExpiry;
  private final int expiresInSeconds;

  public Jwt(Vertx vertx, String secret, int expiresInSeconds) {
    if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("JWT secret missing");
    this.expiresInSeconds = expiresInSeconds;
    this.strict = JWTAuth.create(vertx, options(secret, false));
    this.ignoringExpiry = JWTAuth.create(vertx, options(secret, true));
  }

  /** From a deployment config (JWT_SECRET, JWT_EXPIRES_IN). */
  public static Jwt fromConfig(Vertx vertx, JsonObject config) {
    return new Jwt(vertx, config.getString("JWT_SECRET"), config.getInteger("JWT_EXPIRES_IN", 3600));
  }

  private static JWTAuthOptions options(String secret, boolean ignoreExpiration) {
    return new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALG).setBuffer(secret))
        .setJWTOptions(new JWTOptions().setAlgorithm(ALG).setIssuer(ISSUER).setLeeway(0)
            .setIgnoreExpiration(ignoreExpiration));
  }

  public int expiresInSeconds() { return expiresInSeconds; }

  /** A signed access token for an agent in a session (refresh-token family). */
  public String issue(String agentId, String email, String role, Iterable<String> permissions, String sessionId) {
    JsonArray perms = new JsonArray();
    permissions.forEach(perms::add);
    JsonObject claims = new JsonObject()
        .put("sub", agentId).put("email", email).put("role", role)
        .put("permissions", perms).put("sid", sessionId)
        .put("jti", java.util.UUID.randomUUID().toString()); // two tokens issued in one second still differ
    return strict.generateToken(claims, new JWTOptions().setAlgorithm(ALG).setIssuer(ISSUER)
        .setExpiresInSeconds(expiresInSeconds));
  }

  /** Verifies a token; fails with AUTH_TOKEN_EXPIRED or AUTH_TOKEN_INVALID. */
  public Future<Principal> verify(String token) {
    if (token == null || token.isBlank() || token.length() > 8192) {
      return Future.failedFuture(invalid());
    }
    return strict.authenticate(new TokenCredentials(token))
        .map(user -> toPrincipal(user.attributes().getJsonObject("accessToken")))
        // our own claim checks (toPrincipal) already failed with the right code: only a token the library refused
        // may turn out to be merely expired
        .recover(err -> err instanceof CrmException ? Future.failedFuture(err)
            : ignoringExpiry.authenticate(new TokenCredentials(token))
                .transform(ar -> Future.failedFuture(ar.succeeded()
                    ? new CrmException(ErrorCode.AUTH_TOKEN_EXPIRED, "Token expired")
                    : invalid())));
  }

  private static CrmException invalid() {
    return new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Invalid token");
  }

  private static Principal toPrincipal(JsonObject claims) {
    if (claims == null || claims.getString("sub") == null || claims.getString("sid") == null) {
      throw invalid();
    }
    Set<String> perms = new LinkedHashSet<>();
    Object raw = claims.getValue("permissions");
    if (raw instanceof JsonArray arr) {
      for (Object p : arr) if (p instanceof String s) perms.add(Roles.canonical(s));
    }
    return new Principal(claims.getString("sub"), claims.getString("email"), Roles.canonical(claims.getString("role")),
        Set.copyOf(perms), claims.getString("sid"), claims.getLong("iat", 0L), claims.getLong("exp", 0L));
  }
}
