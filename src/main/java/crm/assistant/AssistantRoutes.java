package crm.assistant;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import io.vertx.core.json.JsonObject;

/** {@code /api/v2/assistant}: the recorded turns (supervisors and admins) and whether the assistant answers at all. */
public final class AssistantRoutes {
  private AssistantRoutes() {}

  public static void mount(ApiRouter api, Bus bus) {
    api.get("/assistant/turns", Permission.READ_ANALYTICS, ctx -> {
      Pagination p = Pagination.of(ctx);
      JsonObject body = new JsonObject().put("page", p.page()).put("limit", p.limit());
      String conversationId = ctx.request().getParam("conversationId");
      if (conversationId != null) body.put("conversationId", conversationId);
      Http.reply(ctx, bus.request(Addresses.ASSISTANT_TURNS, body));
    });
    api.get("/assistant/status", Permission.READ_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.ASSISTANT_STATUS, new JsonObject())));
  }
}
