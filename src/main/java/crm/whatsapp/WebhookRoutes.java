package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.ErrorEnvelope;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * {@code /webhooks/whatsapp}: Meta's verification handshake, and the signed POST. A POST is answered 200 only after
 * the WhatsApp verticle has stored its raw body durably; a bad signature, a body that is not a WhatsApp business
 * account notification, or an oversized body is refused and nothing is stored.
 */
public final class WebhookRoutes {
  public static final String PATH = "/webhooks/whatsapp";
  /** Bodies above this are verified and parsed on a worker thread instead of the event loop. */
  private static final int INLINE_LIMIT = 256 * 1024;

  private WebhookRoutes() {}

  public static void mount(Vertx vertx, Router router, JsonObject cfg) {
    String verifyToken = cfg.getString("WHATSAPP_VERIFY_TOKEN", "");
    String appSecret = cfg.getString("WHATSAPP_APP_SECRET", "");
    Bus bus = new Bus(vertx);

    router.get(PATH).handler(ctx -> {
      String mode = ctx.request().getParam("hub.mode");
      String token = ctx.request().getParam("hub.verify_token");
      String challenge = ctx.request().getParam("hub.challenge");
      if ("subscribe".equals(mode) && !verifyToken.isEmpty() && verifyToken.equals(token) && challenge != null) {
        ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(challenge);
      } else {
        ctx.fail(new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Webhook verification failed"));
      }
    });

    router.post(PATH)
        .handler(BodyHandler.create(false).setMergeFormAttributes(false)
            .setBodyLimit(cfg.getInteger("WHATSAPP_WEBHOOK_BODY_LIMIT", 4 * 1_048_576)))
        .handler(ctx -> receive(vertx, bus, appSecret, ctx));
  }

  private static void receive(Vertx vertx, Bus bus, String appSecret, RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null) body = Buffer.buffer();
    String signature = ctx.request().getHeader("X-Hub-Signature-256");
    Buffer raw = body;
    Future<JsonObject> checked = raw.length() > INLINE_LIMIT
        ? vertx.executeBlocking(() -> check(appSecret, raw, signature), false)
        : Future.succeededFuture().map(v -> check(appSecret, raw, signature));
    checked
        // this node's intake (every node has one): a webhook this node took is stored by it, whatever other nodes do
        .compose(intake -> bus.requestLocal(Addresses.WHATSAPP_INTAKE, intake))
        .onSuccess(stored -> ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end("EVENT_RECEIVED"))
        .onFailure(err -> ErrorEnvelope.send(ctx, err instanceof CrmException ce ? ce : crm.bus.Bus.fromReply(err)));
  }

  /**
   * Signature, then shape; returns what the intake takes: the body as text and who it is about (see
   * {@link InboundParser#subject}). Throws the envelope's error otherwise.
   */
  static JsonObject check(String appSecret, Buffer raw, String signature) {
    if (!WebhookSignature.verify(appSecret, raw.getBytes(), signature)) {
      throw new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Missing or invalid X-Hub-Signature-256");
    }
    String text = raw.toString(java.nio.charset.StandardCharsets.UTF_8);
    JsonObject json;
    try {
      String trimmed = text.strip();
      if (!trimmed.startsWith("{")) throw new DecodeException("not an object");
      json = new JsonObject(trimmed);
    } catch (DecodeException | ClassCastException e) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "The body is not a JSON object");
    }
    if (!InboundParser.isWhatsappBusinessAccount(json)) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Not a whatsapp_business_account notification", "object", null);
    }
    return new JsonObject().put("raw", text).put("subject", InboundParser.subject(json));
  }
}
