package crm.socket.io;

import io.vertx.core.json.JsonArray;

/** The acknowledgement callback of a received event. Only the first call answers; without a requested ack it does nothing. */
public interface Ack {
  /** True when the client asked for an acknowledgement. */
  boolean requested();

  /** Answers with these arguments (JSON values, Buffer or byte[] for binary). */
  void send(Object... args);

  /** Answers with the elements of {@code args} as the arguments. */
  void sendArgs(JsonArray args);

  Ack NONE = new Ack() {
    @Override public boolean requested() { return false; }

    @Override public void send(Object... args) { }

    @Override public void sendArgs(JsonArray args) { }
  };
}
