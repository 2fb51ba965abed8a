package crm.whatsapp;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /api/v2/whatsapp}: intake statistics, the dead letters with their retry (admins), and the templates agents may
 * send.
 */
public final class WhatsappApiRoutes {
  private WhatsappApiRoutes() {}

  public static void mount(ApiRouter api, Bus bus) {
    api.get("/whatsapp/stats", Permission.READ_ANALYTICS, ctx ->
        Http.reply(ctx, bus.request(Addresses.WHATSAPP_STATS, new JsonObject())));
    // whoever sends messages picks a template when the 24 h window is closed (Meta is asked within DEADLINE_MS)
    api.get("/whatsapp/templates", Permission.WRITE_MESSAGES, ctx -> Http.reply(ctx,
        bus.request(Addresses.WHATSAPP_TEMPLATES, new JsonObject(), TemplateCatalog.DEADLINE_MS + 5_000)));
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
