package crm.socket.io;

import io.vertx.core.json.JsonArray;

/**
 * Handles one event for every socket of a namespace ({@link Namespace#on}): one handler object for all sockets
 * instead of one per socket, so idle sockets cost no memory for it.
 */
@FunctionalInterface
public interface SocketEventHandler {
  void handle(Socket socket, JsonArray args, Ack ack);
}
