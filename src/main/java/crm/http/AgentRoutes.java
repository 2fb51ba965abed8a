package crm.http;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** /agents: the admin's management of agents (supervisors may read). */
final class AgentRoutes {
  private AgentRoutes() {}

  static void mount(ApiRouter api, Bus bus) {
    api.get("/agents", Permission.READ_AGENTS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = new JsonObject().put("skip", page.skip()).put("limit", page.limit());
      copyParam(ctx, req, "role");
      copyParam(ctx, req, "status");
      copyParam(ctx, req, "search");
      String active = ctx.request().getParam("isActive");
      if (active != null) {
        if (!active.equals("true") && !active.equals("false")) throw CrmException.validation("isActive", "isActive must be true or false");
        req.put("isActive", Boolean.parseBoolean(active));
      }
      bus.request(Addresses.AGENT_LIST, req)
          .onSuccess(res -> Http.ok(ctx, new JsonObject()
              .put("agents", res.getJsonArray("agents"))
              .put("pagination", page.info(res.getLong("total")))))
          .onFailure(ctx::fail);
    });

    api.post("/agents", Permission.WRITE_AGENTS, ctx -> bus.request(Addresses.AGENT_CREATE, Http.body(ctx))
        .onSuccess(res -> Http.created(ctx, res)).onFailure(ctx::fail));

    api.get("/agents/:id", Permission.READ_AGENTS, ctx ->
        Http.reply(ctx, bus.request(Addresses.AGENT_GET, new JsonObject().put("id", ctx.pathParam("id")))));

    api.put("/agents/:id", Permission.WRITE_AGENTS, ctx -> Http.reply(ctx, bus.request(Addresses.AGENT_UPDATE,
        new JsonObject().put("id", ctx.pathParam("id")).put("changes", Http.body(ctx)))));

    api.post("/agents/:id/deactivate", Permission.WRITE_AGENTS, ctx -> setActive(ctx, bus, false));
    api.delete("/agents/:id", Permission.WRITE_AGENTS, ctx -> setActive(ctx, bus, false));
    api.post("/agents/:id/activate", Permission.WRITE_AGENTS, ctx -> setActive(ctx, bus, true));
  }

  private static void setActive(RoutingContext ctx, Bus bus, boolean active) {
    Http.reply(ctx, bus.request(Addresses.AGENT_SET_ACTIVE,
        new JsonObject().put("id", ctx.pathParam("id")).put("active", active)));
  }

  private static void copyParam(RoutingContext ctx, JsonObject req, String name) {
    String v = ctx.request().getParam(name);
    if (v != null && !v.isEmpty()) req.put(name, v);
  }
}
