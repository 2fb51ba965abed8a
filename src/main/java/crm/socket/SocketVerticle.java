package crm.socket;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Owns the lifecycle of the node's socket server ({@link SocketRuntime}); the HTTP verticle serves its routes.
 * Deployed after the HTTP verticle, so it is stopped first: open connections are closed gracefully (long polls
 * answered, WebSockets closed) before the HTTP server drains, instead of holding the drain for a ping period.
 * The bridge (bus events to rooms) and the cluster's share of connection state recovery ({@link SocketRecovery})
 * belong here.
 */
public final class SocketVerticle extends VerticleBase {
  private SocketRecovery recovery;

  @Override
  public Future<?> start() {
    SocketRuntime runtime = SocketRuntime.of(vertx, config());
    if (runtime.conformance()) return Future.succeededFuture(); // the protocol suites' echo handlers, no agents
    recovery = new SocketRecovery(vertx, runtime.io().namespace("/"));
    return recovery.start().compose(v -> new SocketBridge(vertx, runtime.io().namespace("/"),
        config().getInteger("JSON_MAX_DEPTH", crm.bus.JsonBounds.DEFAULT_MAX_DEPTH)).start());
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = SocketRuntime.of(vertx).close();
    return recovery == null ? closed : closed.eventually(recovery::stop);
  }
}
