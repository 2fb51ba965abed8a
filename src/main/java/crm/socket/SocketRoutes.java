package crm.socket;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/** Mounts the socket endpoints on the HTTP server's router: same server, same port, no body handler. */
public final class SocketRoutes {
  private SocketRoutes() {}

  public static void mount(Vertx vertx, Router root, JsonObject cfg) {
    SocketRuntime runtime = SocketRuntime.of(vertx, cfg);
    root.route("/socket.io/*").handler(runtime.engine()::handle);
    if (runtime.echo() != null) root.route("/engine.io/*").handler(runtime.echo()::handle);
  }

  /**
   * WebSocket settings of the HTTP server: messages up to maxPayload (Vert.x's defaults, 64 KiB frames and
   * 256 KiB messages, are too small), and no permessage-deflate, as Engine.IO's own default: a deflate context
   * costs hundreds of KiB per idle connection, and clients compressing asynchronously reorder their frames
   * against their HTTP requests (the upgrade's probe against the last poll).
   */
  public static HttpServerOptions serverOptions(HttpServerOptions options, JsonObject cfg) {
    int max = SocketRuntime.engineOptions(cfg).maxPayload();
    return options.setMaxWebSocketFrameSize(max).setMaxWebSocketMessageSize(max)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false);
  }
}
