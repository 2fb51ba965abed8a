package crm.socket.io;

import io.vertx.core.json.JsonArray;

/** Handles one event of one socket: its arguments (binary ones are Buffers) and the ack callback ({@link Ack#NONE} when none). */
@FunctionalInterface
public interface EventHandler {
  void handle(JsonArray args, Ack ack);
}
