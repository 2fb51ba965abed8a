package crm.socket;

import crm.auth.Authenticator;
import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.socket.io.AuthHook;
import crm.socket.io.ConnectError;
import crm.socket.io.Handshake;
import crm.socket.io.Socket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The default profile's CONNECT check: the access token from {@code auth.token} (what the Angular client sends)
 * or the {@code Authorization: Bearer} header of the request that opened the connection, verified like every
 * API call ({@link Authenticator}: signature, expiry, revocations). Accepted sockets carry
 * {@link Principal#toJson()} as their data ({@link #principal(Socket)}); refusals carry
 * {@code data.code} {@code AUTH_TOKEN_INVALID} or {@code AUTH_TOKEN_EXPIRED}.
 */
public final class JwtSocketAuth implements AuthHook {
  private final Vertx vertx;
  private final JsonObject config;
  private final AtomicReference<Future<Authenticator>> authenticator = new AtomicReference<>();

  public JwtSocketAuth(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
  }

  @Override
  public Future<JsonObject> authorize(Handshake handshake) {
    String token = handshake.auth().getValue("token") instanceof String s && !s.isBlank()
        ? s : Authenticator.bearer(handshake.authorization());
    if (token == null) {
      return Future.failedFuture(refusal(ErrorCode.AUTH_TOKEN_INVALID,
          "Authentication required: send the access token as auth.token"));
    }
    return authenticator().compose(a -> a.authenticate(token))
        .map(Principal::toJson)
        .recover(err -> Future.failedFuture(err instanceof CrmException e
            ? refusal(e.code(), e.getMessage())
            : refusal(ErrorCode.AUTH_TOKEN_INVALID, "Invalid token")));
  }

  /**
   * Whether a connection accepted with {@code presented} may take over a socket accepted with {@code kept} (connection
   * state recovery): the same agent and the same login session (the refresh-token family, which a refreshed token
   * keeps), nobody else. The presented token was checked like any (signature, expiry, revocations) before this.
   */
  public static boolean sameSession(JsonObject kept, JsonObject presented) {
    String agent = kept.getString("agentId");
    String session = kept.getString("sessionId");
    return agent != null && session != null && agent.equals(presented.getString("agentId"))
        && session.equals(presented.getString("sessionId"));
  }

  /** The authenticated agent of a socket accepted by this hook. */
  public static Principal principal(Socket socket) {
    return Principal.fromJson(socket.data());
  }

  private static ConnectError refusal(ErrorCode code, String message) {
    return new ConnectError(message, new JsonObject().put("code", code.name()));
  }

  /** Created on first use (the revocation list loads over the bus), then shared. */
  private Future<Authenticator> authenticator() {
    Future<Authenticator> f = authenticator.get();
    if (f != null) return f;
    Future<Authenticator> created = Authenticator.create(vertx, config);
    return authenticator.compareAndSet(null, created) ? created : authenticator.get();
  }
}
