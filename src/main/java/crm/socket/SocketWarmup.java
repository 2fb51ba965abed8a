package crm.socket;

import crm.auth.Jwt;
import crm.auth.Principal;
import crm.auth.Roles;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up warm-up of the socket path. After a deploy or a restart every agent's app reconnects at once, and a fresh
 * JVM runs that first burst of handshakes interpreted while its JIT compilers take the same cores: 1,000 of them took
 * about three times as long as on a warm server. So before the node says it is ready, it makes
 * {@code SOCKET_WARMUP} Socket.IO connections to itself over loopback, through the real path: the HTTP server and its
 * router, the WebSocket upgrade, Engine.IO's open packet, the CONNECT with a token checked by {@link JwtSocketAuth},
 * the bridge's rooms; then the Socket.IO disconnect and the WebSocket close.
 *
 * <p>Nothing of it is visible to anyone: the token is for {@link #AGENT_ID}, which no agent can have (agent ids are
 * ObjectIds), so the bridge leaves presence alone for it (no status change stored or announced); the warm-up
 * sockets send no event, and they are gone before the node is ready. The token is signed with the node's own secret,
 * never leaves the process but for the loopback connection, and expires after {@link #TOKEN_SECONDS}.
 */
public final class SocketWarmup {
  private static final Logger log = LoggerFactory.getLogger(SocketWarmup.class);
  /** The agent id of the warm-up's token: not an ObjectId, so never a real agent's. */
  public static final String AGENT_ID = "socket-warm-up";
  static final int TOKEN_SECONDS = 60;
  /** Connections open at once. */
  private static final int LANES = 16;
  /** The most the warm-up may hold the start back, whatever the count: no new handshake is begun after it. */
  private static final long BUDGET_MS = 2_000;
  private static final long HANDSHAKE_TIMEOUT_MS = 2_000;

  /** What a warm-up did: handshakes accepted, failed, and left out once its time was up. */
  public record Result(int connected, int failed, int skipped, long millis) {}

  private SocketWarmup() {}

  /** Whether a principal is the warm-up's own (its sockets stay out of presence). */
  public static boolean isWarmup(Principal p) {
    return p != null && AGENT_ID.equals(p.agentId());
  }

  /**
   * Makes {@code count} connections to the node's socket endpoint at {@code host:port}, {@link #LANES} at a time,
   * each a full handshake then a disconnect. Never fails: a handshake that fails is counted and logged once.
   */
  public static Future<Result> run(Vertx vertx, JsonObject config, String host, int port, int count) {
    if (count <= 0) return Future.succeededFuture(new Result(0, 0, 0, 0));
    long started = System.nanoTime();
    Jwt jwt = new Jwt(vertx, config.getString("JWT_SECRET"), TOKEN_SECONDS);
    String token = jwt.issue(AGENT_ID, "warm-up@localhost", Roles.AGENT, Roles.permissionsOf(Roles.AGENT),
        UUID.randomUUID().toString());
    String connect = "40" + new JsonObject().put("token", token).encode();
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(LANES));
    WebSocketConnectOptions target = new WebSocketConnectOptions().setHost(host).setPort(port)
        .setURI("/socket.io/?EIO=4&transport=websocket").setAllowOriginHeader(false);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long deadline = started + BUDGET_MS * 1_000_000;
    Promise<Void> done = Promise.promise();
    AtomicInteger lanes = new AtomicInteger(Math.min(LANES, count));
    Runnable[] lane = new Runnable[1];
    lane[0] = () -> {
      if (next.getAndIncrement() >= count || System.nanoTime() > deadline) {
        if (lanes.decrementAndGet() == 0) done.complete();
        return;
      }
      handshake(client, target, connect).timeout(HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
        if (ar.succeeded()) {
          ok.incrementAndGet();
        } else if (failed.getAndIncrement() == 0) {
          log.warn("socket warm-up: a handshake failed: {}", ar.cause().getMessage());
        }
        lane[0].run();
      });
    };
    for (int i = Math.min(LANES, count); i > 0; i--) lane[0].run();
    return done.future().eventually(client::close).map(v -> {
      Result r = new Result(ok.get(), failed.get(), count - ok.get() - failed.get(),
          (System.nanoTime() - started) / 1_000_000);
      log.info("socket warm-up: {} handshakes in {} ms{}{}", r.connected(), r.millis(),
          r.failed() > 0 ? ", " + r.failed() + " failed" : "", r.skipped() > 0 ? ", " + r.skipped() + " left out (time)" : "");
      return r;
    });
  }

  /**
   * One connection as socket.io-client makes it over WebSocket: the open packet ({@code 0{...}}), the CONNECT with
   * the token ({@code 40{"token":...}}), its answer ({@code 40{"sid":...}}), then DISCONNECT ({@code 41}) and close.
   */
  private static Future<Void> handshake(WebSocketClient client, WebSocketConnectOptions target, String connect) {
    return client.connect(target).compose(ws -> {
      Promise<Void> answered = Promise.promise();
      ws.textMessageHandler(text -> {
        if (text.startsWith("0")) {
          ws.writeTextMessage(connect);
        } else if (text.startsWith("40")) {
          answered.tryComplete();
        } else if (text.startsWith("44")) {
          answered.tryFail("refused: " + text);
        }
      });
      ws.exceptionHandler(answered::tryFail);
      ws.closeHandler(v -> answered.tryFail("closed before the CONNECT answer"));
      return answered.future().transform(ar -> close(ws, ar.succeeded())
          .transform(v -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause())));
    });
  }

  /** Disconnects the namespace (when connected) and closes; completes once the server has closed too. */
  private static Future<Void> close(WebSocket ws, boolean connected) {
    Promise<Void> closed = Promise.promise();
    ws.closeHandler(v -> closed.tryComplete());
    ws.exceptionHandler(err -> closed.tryComplete());
    (connected ? ws.writeTextMessage("41") : Future.<Void>succeededFuture())
        .transform(ar -> ws.close())
        .onComplete(ar -> { if (ar.failed() || ws.isClosed()) closed.tryComplete(); });
    return closed.future();
  }
}
