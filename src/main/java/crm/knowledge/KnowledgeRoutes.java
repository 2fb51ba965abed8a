package crm.knowledge;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /api/v2/knowledge-articles}: the knowledge base, managed by admins ({@code write:config}, as the rest of the
 * business configuration) and readable by supervisors and admins. Reading needs {@code manage:tickets}, the
 * permission exactly those two roles hold ({@code read:config} would let agents in too, and a new permission would
 * not reach the agents already stored with their permission lists). Validation happens in the knowledge verticle.
 */
public final class KnowledgeRoutes {
  private KnowledgeRoutes() {}

  static final String PATH = "/knowledge-articles";

  public static void mount(ApiRouter api, Bus bus) {
    api.get(PATH, Permission.MANAGE_TICKETS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = new JsonObject().put("skip", page.skip()).put("limit", page.limit());
      copy(ctx, req, "search", "businessType");
      bus.request(Addresses.KNOWLEDGE_LIST, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("articles", res.getJsonArray("articles")).put("pagination", page.info(res.getLong("total")))))
          .onFailure(ctx::fail);
    });
    api.get(PATH + "/:id", Permission.MANAGE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.KNOWLEDGE_GET, id(ctx))));
    api.post(PATH, Permission.WRITE_CONFIG, ctx -> {
      JsonObject req = by(ctx).put("article", Http.body(ctx));
      bus.request(Addresses.KNOWLEDGE_CREATE, req).onSuccess(res -> Http.created(ctx, res)).onFailure(ctx::fail);
    });
    api.put(PATH + "/:id", Permission.WRITE_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.KNOWLEDGE_UPDATE, id(ctx).put("changes", Http.body(ctx)))));
    api.delete(PATH + "/:id", Permission.WRITE_CONFIG, ctx ->
        Http.reply(ctx, bus.request(Addresses.KNOWLEDGE_DELETE, id(ctx))));
  }

  /** The path id and the caller (a body cannot choose either). */
  private static JsonObject id(RoutingContext ctx) {
    return by(ctx).put("id", ctx.pathParam("id"));
  }

  private static JsonObject by(RoutingContext ctx) {
    return new JsonObject().put("by", Http.principal(ctx).agentId());
  }

  private static void copy(RoutingContext ctx, JsonObject req, String... names) {
    for (String name : names) {
      List<String> values = ctx.queryParam(name);
      if (values.size() > 1) throw CrmException.validation(name, name + " must be given once");
      if (!values.isEmpty() && !values.get(0).isEmpty()) req.put(name, values.get(0));
    }
  }
}
