package crm.conversation;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.http.ApiRouter;
import crm.http.Http;
import crm.http.Pagination;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** /customers (spec: Customer endpoints), served by {@link CustomerApi} on the bus. */
public final class CustomerRoutes {
  private CustomerRoutes() {}

  public static void mount(ApiRouter api, Bus bus) {
    api.get("/customers", Permission.READ_CUSTOMERS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = new JsonObject().put("skip", page.skip()).put("limit", page.limit());
      ConversationRoutes.copy(ctx, req, "search", "sortBy", "sortOrder");
      JsonArray tags = ConversationRoutes.listParam(ctx, "tags");
      if (tags != null) req.put("tags", tags);
      bus.request(Addresses.CUSTOMER_LIST, req).onSuccess(res -> Http.ok(ctx, new JsonObject()
          .put("customers", res.getJsonArray("customers")).put("pagination", page.info(res.getLong("total")))))
          .onFailure(ctx::fail);
    });
    // :id is the customer id or a phone number in any usual form (the spec's GET /customers/:phoneNumber)
    api.get("/customers/:id", Permission.READ_CUSTOMERS, ctx ->
        Http.reply(ctx, bus.request(Addresses.CUSTOMER_GET, new JsonObject().put("id", ctx.pathParam("id")))));
    api.post("/customers", Permission.WRITE_CUSTOMERS, ctx -> bus.request(Addresses.CUSTOMER_CREATE, Http.body(ctx))
        .onSuccess(res -> Http.created(ctx, res)).onFailure(ctx::fail));
    api.put("/customers/:id", Permission.WRITE_CUSTOMERS, ctx -> Http.reply(ctx, bus.request(Addresses.CUSTOMER_UPDATE,
        new JsonObject().put("id", ctx.pathParam("id")).put("changes", Http.body(ctx)))));
  }
}
