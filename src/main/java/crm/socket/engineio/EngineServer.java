package crm.socket.engineio;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Engine.IO v4 endpoint mounted on a vertx-web route of the HTTP server (no server or port of its own):
 * handshakes, long-polling GET/POST, WebSocket (direct, or as an upgrade of a polling session), CORS.
 *
 * <p>One instance per node and path, shared by every HTTP verticle instance: its session map is the node-wide
 * registry, so the requests of one polling session may land on any event loop. Each session then runs on the
 * loop that opened it (see {@link EngineSession}).
 */
public final class EngineServer {
  private static final Logger log = LoggerFactory.getLogger(EngineServer.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final EngineOptions options;
  private final Map<String, EngineSession> sessions = new ConcurrentHashMap<>();
  private volatile Consumer<EngineSession> connectionHandler = s -> { };
  private volatile boolean closed;

  public EngineServer(Vertx vertx, EngineOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  public EngineOptions options() { return options; }

  /** Called with every new session, on its loop, before any packet of the client is read. */
  public EngineServer connectionHandler(Consumer<EngineSession> handler) {
    this.connectionHandler = handler;
    return this;
  }

  public int sessionCount() {
    return sessions.size();
  }

  void remove(EngineSession session) {
    sessions.remove(session.id(), session);
  }

  /** The route handler. */
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    HttpServerResponse res = ctx.response();
    String origin = req.getHeader("Origin");
    if (!options.originAllowed(origin, req.getHeader("Host"))) {
      fail(res, EngineError.FORBIDDEN);
      return;
    }
    if (origin != null) cors(req, res, origin);
    if (req.method() == HttpMethod.OPTIONS) {
      res.setStatusCode(204).end();
      return;
    }
    String transport;
    String eio;
    String sid;
    try {
      transport = req.getParam("transport");
      eio = req.getParam("EIO");
      sid = req.getParam("sid");
    } catch (IllegalArgumentException malformedQuery) {
      fail(res, EngineError.BAD_REQUEST);
      return;
    }
    boolean websocket = "websocket".equals(transport);
    if (!websocket && !"polling".equals(transport)) {
      fail(res, EngineError.UNKNOWN_TRANSPORT);
      return;
    }
    if (!"4".equals(eio)) {
      fail(res, EngineError.UNSUPPORTED_PROTOCOL_VERSION);
      return;
    }
    boolean upgrade = isWebSocketUpgrade(req);
    if (websocket != upgrade) {
      fail(res, EngineError.BAD_REQUEST);
      return;
    }
    if (sid == null) {
      if (closed) {
        fail(res, EngineError.SHUTTING_DOWN);
      } else if (websocket) {
        openWebSocket(req);
      } else if (req.method() != HttpMethod.GET) {
        fail(res, EngineError.BAD_HANDSHAKE_METHOD);
      } else {
        openPolling(req, res);
      }
      return;
    }
    EngineSession session = sessions.get(sid);
    if (session == null) {
      fail(res, EngineError.UNKNOWN_SID);
      return;
    }
    if (websocket) {
      upgrade(req, session);
    } else if (req.method() == HttpMethod.GET) {
      PollRequest get = new PollRequest(res, current());
      get.onClosed(() -> session.execute(() -> session.onPollClosed(get)));
      session.execute(() -> session.onPoll(get));
    } else if (req.method() == HttpMethod.POST) {
      post(req, res, session);
    } else {
      fail(res, EngineError.BAD_REQUEST);
    }
  }

  private static boolean isWebSocketUpgrade(HttpServerRequest req) {
    String upgrade = req.getHeader("Upgrade");
    return req.method() == HttpMethod.GET && upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  private void cors(HttpServerRequest req, HttpServerResponse res, String origin) {
    if (options.anyOrigin()) {
      res.putHeader("Access-Control-Allow-Origin", "*");
    } else {
      res.putHeader("Access-Control-Allow-Origin", origin)
          .putHeader("Access-Control-Allow-Credentials", "true")
          .putHeader("Vary", "Origin");
    }
    if (req.method() == HttpMethod.OPTIONS) {
      String headers = req.getHeader("Access-Control-Request-Headers");
      res.putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
          .putHeader("Access-Control-Allow-Headers", headers != null ? headers : "Content-Type, Authorization")
          .putHeader("Access-Control-Max-Age", "600");
    }
  }

  private static void fail(HttpServerResponse res, EngineError error) {
    if (res.ended()) return;
    res.setStatusCode(error.status()).putHeader("Content-Type", "application/json");
    if (error.status() == 413) res.putHeader("Connection", "close");
    res.end(error.body());
  }

  private static ContextInternal current() {
    return (ContextInternal) Vertx.currentContext();
  }

  private EngineSession newSession(HandshakeRequest handshake) {
    String id;
    do {
      id = options.sidPrefix() + randomId();
    } while (sessions.containsKey(id));
    // the session lives on this event loop: the verticle's context, not the request's duplicate
    EngineSession session = new EngineSession(id, this, current().unwrap(), handshake);
    sessions.put(id, session);
    return session;
  }

  /** 20 url-safe characters from 120 random bits: session and socket ids. */
  public static String randomId() {
    byte[] raw = new byte[15];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  // ------------------------------------------------------------------------------------------------------ polling

  private void openPolling(HttpServerRequest req, HttpServerResponse res) {
    EngineSession session = newSession(HandshakeRequest.of(req));
    String open = EnginePacket.OPEN + session.handshakeJson(true).encode();
    res.putHeader("Content-Type", "text/plain; charset=UTF-8").putHeader("Cache-Control", "no-store").end(open);
    session.start();
    connect(session);
  }

  private void connect(EngineSession session) {
    try {
      connectionHandler.accept(session);
    } catch (RuntimeException e) {
      log.error("Engine.IO connection handler failed for {}", session.id(), e);
      session.abort("server error", false);
    }
  }

  private void post(HttpServerRequest req, HttpServerResponse res, EngineSession session) {
    PollRequest post = new PollRequest(res, current());
    String length = req.getHeader("Content-Length");
    if (length != null && tooLarge(length)) {
      post.error(EngineError.PAYLOAD_TOO_LARGE);
      session.execute(() -> session.abort("payload too large", false));
      return;
    }
    ContextInternal here = current();
    req.pause();
    session.execute(() -> {
      if (!session.beginPost(post)) return;
      here.runOnContext(v -> readBody(req, session, post));
    });
  }

  private boolean tooLarge(String contentLength) {
    try {
      return Long.parseLong(contentLength.trim()) > options.maxPayload();
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** Reads the POST body (on the request's loop), at most maxPayload bytes, then hands it to the session. */
  private void readBody(HttpServerRequest req, EngineSession session, PollRequest post) {
    Buffer body = Buffer.buffer();
    boolean[] done = {false};
    req.handler(chunk -> {
      if (done[0]) return;
      if (body.length() + chunk.length() > options.maxPayload()) {
        done[0] = true;
        post.error(EngineError.PAYLOAD_TOO_LARGE);
        session.execute(() -> session.failPost("payload too large"));
        return;
      }
      body.appendBuffer(chunk);
    });
    req.exceptionHandler(err -> {
      if (done[0]) return;
      done[0] = true;
      session.execute(() -> session.failPost("transport error"));
    });
    req.endHandler(v -> {
      if (done[0]) return;
      done[0] = true;
      session.execute(() -> session.endPost(post, body));
    });
    req.resume();
  }

  // ---------------------------------------------------------------------------------------------------- websocket

  private void openWebSocket(HttpServerRequest req) {
    HandshakeRequest handshake = HandshakeRequest.of(req);
    req.toWebSocket().onSuccess(ws -> {
      EngineSession session = newSession(handshake);
      session.attachWebSocket(ws);
      listen(ws, session);
      ws.writeTextMessage(EnginePacket.OPEN + session.handshakeJson(false).encode());
      session.start();
      connect(session);
    }).onFailure(err -> log.debug("WebSocket handshake failed: {}", err.getMessage()));
  }

  private void upgrade(HttpServerRequest req, EngineSession session) {
    req.toWebSocket().onSuccess(ws -> {
      // registered before the session looks at it: frames that arrive meanwhile queue behind it, in order
      session.execute(() -> session.onUpgradeRequest(ws));
      listen(ws, session);
    }).onFailure(err -> log.debug("WebSocket upgrade failed: {}", err.getMessage()));
  }

  private static void listen(ServerWebSocket ws, EngineSession session) {
    ws.textMessageHandler(text -> session.execute(() -> session.onWebSocketText(ws, text)));
    ws.binaryMessageHandler(data -> session.execute(() -> session.onWebSocketBinary(ws, data)));
    // e.g. a message over maxPayload sent in fragments (Vert.x drops it and reports it here) or a broken connection
    ws.exceptionHandler(err -> session.execute(() -> session.onWebSocketError(ws, err)));
    ws.closeHandler(v -> session.execute(() -> session.onWebSocketClosed(ws)));
  }

  // ------------------------------------------------------------------------------------------------------ closing

  /**
   * Stops accepting new sessions and closes the open ones gracefully (pending polls answered, WebSockets
   * closed); completes when every session has run its close.
   */
  public Future<Void> close(String reason) {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    for (EngineSession s : sessions.values()) {
      Promise<Void> done = Promise.promise();
      s.execute(() -> {
        s.close(reason);
        done.tryComplete();
      });
      all.add(done.future());
    }
    return Future.all(all).mapEmpty();
  }
}
