package crm.http;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * /config: ticket categories, assistant settings and industry presets (spec: Configuration Endpoints). Everyone
 * who works tickets may read (agents need the categories to create one); only admins change (NOTES.md row 20).
 * Validation happens in the config verticle, so the bus contract holds whoever calls it.
 */
final class ConfigRoutes {
  private ConfigRoutes() {}

  static void mount(ApiRouter api, Bus bus) {
    api.get("/config/ticket-categories", Permission.READ_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.CONFIG_CATEGORIES_GET, new JsonObject())));
    api.put("/config/ticket-categories", Permission.WRITE_CONFIG, ctx -> {
      JsonObject body = Http.body(ctx);
      Http.reply(ctx, bus.request(Addresses.CONFIG_CATEGORIES_SET, by(ctx).put("categories", body.getValue("categories")))
          .map(res -> new JsonObject().put("message", res.getString("message")).put("categories", res.getJsonArray("categories"))));
    });
    api.get("/config/assistant", Permission.READ_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.CONFIG_ASSISTANT_GET, new JsonObject())));
    api.put("/config/assistant", Permission.WRITE_CONFIG, ctx -> {
      JsonObject body = Http.body(ctx);
      // the GET's shape ({config:{...}}) or the settings themselves
      Object config = body.size() == 1 && body.getValue("config") instanceof JsonObject c ? c : body;
      Http.reply(ctx, bus.request(Addresses.CONFIG_ASSISTANT_SET, by(ctx).put("config", config)));
    });
    api.get("/config/presets", Permission.READ_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.CONFIG_PRESETS_LIST, new JsonObject())));
    api.post("/config/presets/load", Permission.WRITE_CONFIG, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = by(ctx);
      if (body.getValue("presetId") != null) req.put("presetId", body.getValue("presetId"));
      Http.reply(ctx, bus.request(Addresses.CONFIG_PRESETS_LOAD, req));
    });
  }

  private static JsonObject by(RoutingContext ctx) {
    return new JsonObject().put("updatedBy", Http.principal(ctx).agentId());
  }
}
