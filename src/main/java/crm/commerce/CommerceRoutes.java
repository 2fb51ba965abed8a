package crm.commerce;

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
 * {@code /api/v2/commerce}: the catalog (admins import it; everyone who reads the configuration may read it, agents
 * answer customers about products) and the orders (supervisors and admins, {@code manage:tickets}: orders are that
 * business's work items). The assistant's functions are bus requests only (spec: AI functions only).
 */
public final class CommerceRoutes {
  private CommerceRoutes() {}

  public static void mount(ApiRouter api, Bus bus) {
    api.post("/commerce/products/import", Permission.WRITE_CONFIG, ctx -> {
      JsonObject body = Http.body(ctx);
      Http.reply(ctx, bus.request(Addresses.COMMERCE_IMPORT_PRODUCTS, new JsonObject().put("products", body.getValue("products"))));
    });
    api.get("/commerce/products", Permission.READ_CONFIG, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = new JsonObject().put("page", page.page()).put("limit", page.limit());
      copy(ctx, req, "query");
      bus.request(Addresses.COMMERCE_LIST_PRODUCTS, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("products", res.getJsonArray("products")).put("pagination", page.info(res.getLong("total")))
          .put("total", res.getLong("total")))).onFailure(ctx::fail);
    });
    api.get("/commerce/products/:id", Permission.READ_CONFIG, ctx -> {
      String id = ctx.pathParam("id");
      JsonObject req = crm.storage.Mongo.isObjectId(id) ? new JsonObject().put("id", id) : new JsonObject().put("sku", id);
      Http.reply(ctx, bus.request(Addresses.COMMERCE_GET_PRODUCT, req));
    });
    api.get("/commerce/orders", Permission.MANAGE_TICKETS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = new JsonObject().put("page", page.page()).put("limit", page.limit());
      copy(ctx, req, "status", "phone");
      bus.request(Addresses.COMMERCE_LIST_ORDERS, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("orders", res.getJsonArray("orders")).put("pagination", page.info(res.getLong("total")))
          .put("total", res.getLong("total")))).onFailure(ctx::fail);
    });
    api.put("/commerce/orders/:id/status", Permission.MANAGE_TICKETS, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = new JsonObject().put("id", ctx.pathParam("id")).put("by", Http.principal(ctx).agentId());
      for (String key : List.of("status", "tracking_number", "trackingNumber", "note")) {
        if (body.getValue(key) != null) req.put(key, body.getValue(key));
      }
      Http.reply(ctx, bus.request(Addresses.COMMERCE_SET_ORDER_STATUS, req));
    });
  }

  private static void copy(RoutingContext ctx, JsonObject req, String... names) {
    for (String name : names) {
      if (ctx.queryParam(name).size() > 1) throw CrmException.validation(name, name + " must be given once");
      String v = ctx.request().getParam(name);
      if (v != null && !v.isEmpty()) req.put(name, v);
    }
  }
}
