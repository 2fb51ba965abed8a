package crm.http;

import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

/** Small helpers every route uses: the JSON body, the caller, and success responses. */
public final class Http {
  private Http() {}

  static final String PRINCIPAL = "principal";

  /** The JSON object body: 415 when it is not declared JSON, 400 when malformed or not an object. */
  public static JsonObject body(RoutingContext ctx) {
    RequestBody body = ctx.body();
    // length() is -1 when the request carried no body at all (no Content-Length, no Transfer-Encoding)
    if (body == null || body.length() <= 0) return new JsonObject();
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      throw new CrmException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }
    String text = body.asString("UTF-8").strip();
    if (!text.startsWith("{")) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "The body must be a JSON object");
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Malformed JSON body");
    }
  }

  /** The authenticated caller (routes behind a permission always have one). */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  public static void ok(RoutingContext ctx, JsonObject body) {
    send(ctx, 200, body);
  }

  public static void created(RoutingContext ctx, JsonObject body) {
    send(ctx, 201, body);
  }

  public static void send(RoutingContext ctx, int status, JsonObject body) {
    if (!body.containsKey("success")) body = new JsonObject().put("success", true).mergeIn(body);
    ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.encode());
  }

  /** Completes the request from a future: its JSON on success, the error envelope on failure. */
  public static void reply(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(json -> ok(ctx, json)).onFailure(ctx::fail);
  }
}
