package crm.http;

import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.bus.JsonBounds;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RequestBody;
import io.vertx.ext.web.RoutingContext;

/** Small helpers every route uses: the JSON body, the caller, and success responses. */
public final class Http {
  private Http() {}

  static final String PRINCIPAL = "principal";
  /** Context key: the nesting limit for JSON bodies ({@code JSON_MAX_DEPTH}), set by {@link ApiRouter}. */
  static final String MAX_DEPTH = "jsonMaxDepth";

  /**
   * The JSON object body: 415 when a body is declared anything but JSON, 400 when malformed, not an object, nested
   * deeper than {@code JSON_MAX_DEPTH} or holding a number no database stores (the field is named).
   */
  public static JsonObject body(RoutingContext ctx) {
    checkMediaType(ctx);
    RequestBody body = ctx.body();
    // length() is -1 when the request carried no body at all (no Content-Length, no Transfer-Encoding)
    if (body == null || body.length() <= 0) return new JsonObject();
    String text = body.asString("UTF-8").strip();
    if (!text.startsWith("{")) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "The body must be a JSON object");
    }
    Integer limit = ctx.get(MAX_DEPTH);
    int maxDepth = limit == null ? JsonBounds.DEFAULT_MAX_DEPTH : limit;
    JsonBounds.Violation deep = JsonBounds.scanDepth(text, maxDepth);
    if (deep != null) throw CrmException.validation(deep.path(), deep.message());
    JsonObject json;
    try {
      json = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Malformed JSON body");
    }
    JsonBounds.check(json, maxDepth);
    return json;
  }

  /**
   * 415 for a request that carries a body declared as anything but JSON (a form, a multipart upload, text), whether
   * or not the route reads it: such a body is parsed as form data, which would otherwise look like an empty object.
   */
  static void checkMediaType(RoutingContext ctx) {
    if (!hasBody(ctx)) return;
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !isJson(type)) {
      throw new CrmException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }
  }

  private static boolean isJson(String contentType) {
    String t = contentType.toLowerCase(java.util.Locale.ROOT).strip();
    int semi = t.indexOf(';');
    String media = (semi < 0 ? t : t.substring(0, semi)).strip();
    if (!media.equals("application/json") && !(media.startsWith("application/") && media.endsWith("+json"))) return false;
    if (semi < 0) return true;
    // JSON is UTF-8 (RFC 8259); a charset parameter may only say so
    for (String param : t.substring(semi + 1).split(";")) {
      String p = param.strip();
      if (p.startsWith("charset=") && !p.substring(8).replace("\"", "").strip().matches("utf-?8")) return false;
    }
    return true;
  }

  private static boolean hasBody(RoutingContext ctx) {
    RequestBody body = ctx.body();
    if (body != null && body.length() > 0) return true;
    String length = ctx.request().getHeader("Content-Length");
    if (length != null) return !length.strip().equals("0");
    return ctx.request().getHeader("Transfer-Encoding") != null;
  }

  /**
   * Why the request's bearer token was refused (expired, invalid, revoked), or null when it had none or it was valid:
   * for routes that also take another credential and answer the token's own error when that is absent.
   */
  public static Throwable tokenError(RoutingContext ctx) {
    return ctx.get(ApiRouter.AUTH_ERROR);
  }

  /** The authenticated caller (routes behind a permission always have one). */
  public static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** {@code {caller: {agentId, role, permissions}}}: who is asking, as the domains' visibility rules need it. */
  public static JsonObject withCaller(RoutingContext ctx) {
    Principal p = principal(ctx);
    return new JsonObject().put("caller", new JsonObject().put("agentId", p.agentId()).put("role", p.role())
        .put("permissions", new io.vertx.core.json.JsonArray(java.util.List.copyOf(p.permissions()))));
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
        .end(body.toBuffer()); // UTF-8 written directly: no String in between (a third of a list page's time)
  }

  /** Completes the request from a future: its JSON on success, the error envelope on failure. */
  public static void reply(RoutingContext ctx, Future<JsonObject> result) {
    result.onSuccess(json -> ok(ctx, json)).onFailure(ctx::fail);
  }
}
