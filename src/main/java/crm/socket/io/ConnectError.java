package crm.socket.io;

import io.vertx.core.json.JsonObject;

/**
 * Refuses a namespace CONNECT: the client gets {@code 44{"message":...,"data":...}} (socket.io-client's
 * {@code connect_error} with {@code err.message} and {@code err.data}).
 */
public final class ConnectError extends RuntimeException {
  private final JsonObject data;

  public ConnectError(String message, JsonObject data) {
    super(message, null, false, false);
    this.data = data;
  }

  public JsonObject data() {
    return data;
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("message", getMessage());
    if (data != null) json.put("data", data);
    return json;
  }
}
