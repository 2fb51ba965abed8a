package crm.socket.io;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Decides a namespace CONNECT. Succeed with the socket's data (what {@link Socket#data()} will return, e.g. the
 * authenticated principal); fail with a {@link ConnectError} to refuse with its message and data. Any other
 * failure refuses with a generic message. May complete on any thread.
 */
@FunctionalInterface
public interface AuthHook {
  Future<JsonObject> authorize(Handshake handshake);

  AuthHook ACCEPT_ALL = h -> Future.succeededFuture(new JsonObject());
}
