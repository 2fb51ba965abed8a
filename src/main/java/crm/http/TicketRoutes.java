package crm.http;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** /tickets, /customers/:customerId/tickets, /conversations/:conversationId/tickets (spec: Ticket endpoints, Tickets API). */
final class TicketRoutes {
  private TicketRoutes() {}

  /** Long enough for a resolution whose WhatsApp notice is retried (WHATSAPP_SEND_DEADLINE_MS) and then sent as a template. */
  private static final long NOTIFYING_TIMEOUT_MS = 45_000;
  private static final List<String> FILTERS = List.of("status", "priority", "category", "assignedAgent", "customerId", "search",
      "dateFrom", "dateTo", "businessType");

  static void mount(ApiRouter api, Bus bus) {
    api.get("/tickets", Permission.READ_TICKETS, ctx -> {
      Pagination page = Pagination.of(ctx);
      JsonObject req = filters(ctx).put("skip", page.skip()).put("limit", page.limit());
      bus.request(Addresses.TICKET_LIST, req).onSuccess(res -> {
        long total = res.getLong("total");
        JsonObject info = page.info(total);
        Http.ok(ctx, new JsonObject().put("tickets", res.getJsonArray("tickets")).put("pagination", info)
            .put("total", total).put("page", page.page()).put("pages", info.getInteger("totalPages")));
      }).onFailure(ctx::fail);
    });
    // before /tickets/:id, which would take "statistics" for an id
    api.get("/tickets/statistics", Permission.READ_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_STATISTICS, filters(ctx))));
    api.get("/tickets/:id", Permission.READ_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_GET, ticket(ctx))));
    api.post("/tickets", Permission.WRITE_TICKETS, ctx -> {
      JsonObject req = Http.body(ctx).copy().put("caller", Http.withCaller(ctx).getJsonObject("caller"));
      bus.request(Addresses.TICKET_CREATE, req).onSuccess(res -> Http.created(ctx, res)).onFailure(ctx::fail);
    });
    api.put("/tickets/:id/status", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_SET_STATUS, withBody(ctx), NOTIFYING_TIMEOUT_MS)));
    api.patch("/tickets/:id/status", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_SET_STATUS, withBody(ctx), NOTIFYING_TIMEOUT_MS)));
    api.put("/tickets/:id/resolve", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_RESOLVE, withBody(ctx), NOTIFYING_TIMEOUT_MS)));
    api.post("/tickets/:id/resolve", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_RESOLVE, withBody(ctx), NOTIFYING_TIMEOUT_MS)));
    api.put("/tickets/:id/assign", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_ASSIGN, withBody(ctx))));
    api.post("/tickets/:id/notes", Permission.WRITE_TICKETS, ctx ->
        bus.request(Addresses.TICKET_ADD_NOTE, withBody(ctx), NOTIFYING_TIMEOUT_MS)
            .onSuccess(res -> Http.created(ctx, res)).onFailure(ctx::fail));
    api.put("/tickets/:id/escalate", Permission.WRITE_TICKETS, ctx ->
        Http.reply(ctx, bus.request(Addresses.TICKET_ESCALATE, withBody(ctx))));

    // :customerId is the customer id or a phone number (NOTES row 8)
    api.get("/customers/:customerId/tickets", Permission.READ_TICKETS, ctx -> {
      JsonObject req = Http.withCaller(ctx).put("customer", ctx.pathParam("customerId"));
      copy(ctx, req, "status", "businessType");
      String limit = ctx.request().getParam("limit");
      if (limit != null && !limit.isEmpty()) req.put("limit", Pagination.of(ctx).limit());
      Http.reply(ctx, bus.request(Addresses.TICKET_LIST_FOR_CUSTOMER, req));
    });
    api.get("/conversations/:conversationId/tickets", Permission.READ_TICKETS, ctx -> {
      JsonObject req = Http.withCaller(ctx).put("conversationId", ctx.pathParam("conversationId"));
      copy(ctx, req, "businessType");
      Http.reply(ctx, bus.request(Addresses.TICKET_LIST_FOR_CONVERSATION, req));
    });
  }

  private static JsonObject filters(RoutingContext ctx) {
    JsonObject req = Http.withCaller(ctx);
    copy(ctx, req, FILTERS.toArray(String[]::new));
    return req;
  }

  private static JsonObject ticket(RoutingContext ctx) {
    return Http.withCaller(ctx).put("id", ctx.pathParam("id"));
  }

  /** The JSON body with the caller and the ticket id set by the server (a body cannot choose them). */
  private static JsonObject withBody(RoutingContext ctx) {
    JsonObject body = Http.body(ctx).copy();
    body.remove("caller");
    return body.mergeIn(ticket(ctx));
  }

  private static void copy(RoutingContext ctx, JsonObject req, String... names) {
    for (String name : names) {
      List<String> values = ctx.queryParam(name);
      if (values.size() > 1) throw CrmException.validation(name, name + " must be given once");
      String v = ctx.request().getParam(name);
      if (v != null && !v.isEmpty()) req.put(name, v);
    }
  }
}
