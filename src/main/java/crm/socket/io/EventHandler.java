package crm.socket.io;

import io.vertx.core.json.JsonArray;

/**
 * Handles one event of one socket: its arguments and the ack callback ({@link Ack#NONE} when none). Binary
 * arguments are Buffers: read them with {@code args.getBuffer(i)} ({@code getValue} would give base64 text).
 */
@FunctionalInterface
public interface EventHandler {
  void handle(JsonArray args, Ack ack);
}
