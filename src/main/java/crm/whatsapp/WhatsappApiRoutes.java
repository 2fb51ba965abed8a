package crm.whatsapp;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /api/v2/whatsapp}: intake statistics, the dead letters with their retry (admins), the templates agents may
 * send, and in sandbox mode the customer's typing indicator, for whoever plays the customer.
 */
public final class WhatsappApiRoutes {
  private WhatsappApiRoutes() {}

  public static void mount(ApiRouter api, Bus bus, JsonObject cfg) {
    boolean sandbox = WhatsappSender.sandbox(cfg);
    api.get("/whatsapp/stats", Permission.READ_ANALYTICS, ctx ->
        Http.reply(ctx, bus.request(Addresses.WHATSAPP_STATS, new JsonObject())));
    // whoever sends messages picks a template when the 24 h window is closed (Meta is asked within DEADLINE_MS)
    api.get("/whatsapp/templates", Permission.WRITE_MESSAGES, ctx -> Http.reply(ctx,
        bus.request(Addresses.WHATSAPP_TEMPLATES, new JsonObject(), TemplateCatalog.DEADLINE_MS + 5_000)));
    // play the customer: sandbox mode only (Meta reports no customer typing, and a real customer's is not ours to fake).
    // write:messages, not manage:whatsapp: whoever tries the product plays the customer of the conversations they work;
    // the caller must see the conversation, and the indicator reaches only those who see it
    api.post("/whatsapp/sandbox/typing", Permission.WRITE_MESSAGES, ctx -> {
      if (!sandbox) {
        ctx.fail(404); // as if there were no such route
        return;
      }
      JsonObject body = Http.body(ctx);
      Boolean typing = Check.optionalBoolean(body, "isTyping");
      if (typing == null) throw CrmException.validation("isTyping", "isTyping (true or false) is required");
      JsonObject req = Http.withCaller(ctx).put("conversationId", Check.requiredString(body, "conversationId", 64))
          .put("isTyping", typing);
      Http.reply(ctx, bus.request(Addresses.CONVERSATION_CUSTOMER_TYPING, req));
    });
    api.get("/whatsapp/dead-letters", Permission.MANAGE_WHATSAPP, ctx -> {
      Pagination p = Pagination.of(ctx);
      Http.reply(ctx, bus.request(Addresses.WHATSAPP_DEAD_LETTERS,
          new JsonObject().put("page", p.page()).put("limit", p.limit())));
    });
    api.get("/whatsapp/dead-letters/:id", Permission.MANAGE_WHATSAPP, ctx ->
        Http.reply(ctx, bus.request(Addresses.WHATSAPP_DEAD_LETTER_GET, new JsonObject().put("id", id(ctx)))));
    api.post("/whatsapp/dead-letters/:id/retry", Permission.MANAGE_WHATSAPP, ctx ->
        Http.reply(ctx, bus.request(Addresses.WHATSAPP_DEAD_LETTER_RETRY, new JsonObject().put("id", id(ctx)))));
  }

  private static String id(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !id.matches("[0-9a-f]{24}")) {
      throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Dead letter");
    }
    return id;
  }
}
