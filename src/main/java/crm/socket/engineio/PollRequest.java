package crm.socket.engineio;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;

/**
 * An HTTP request of a polling session, answered later and possibly from another event loop: the answer is
 * always written on the event loop of the request's own connection.
 */
final class PollRequest {
  private final HttpServerResponse response;
  private final ContextInternal context;

  PollRequest(HttpServerResponse response, ContextInternal context) {
    this.response = response;
    this.context = context;
  }

  void ok(String body) {
    respond(200, "text/plain; charset=UTF-8", body);
  }

  void error(EngineError error) {
    respond(error.status(), "application/json", error.body());
  }

  void respond(int status, String contentType, String body) {
    Runnable write = () -> {
      if (response.ended() || response.closed()) return;
      response.setStatusCode(status)
          .putHeader("Content-Type", contentType)
          .putHeader("Cache-Control", "no-store");
      if (status == 413) response.putHeader("Connection", "close");
      response.end(body);
    };
    if (context.nettyEventLoop().inEventLoop()) {
      write.run();
    } else {
      context.runOnContext(v -> write.run());
    }
  }

  /** Called (on the request's event loop) when the connection closes before the answer was written. */
  void onClosed(Runnable action) {
    response.closeHandler(v -> {
      if (!response.ended()) action.run();
    });
  }
}
