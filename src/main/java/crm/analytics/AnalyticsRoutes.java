package crm.analytics;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.http.ApiRouter;
import crm.http.Http;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /api/v2/analytics}: the dashboard for everyone who works the inbox ({@code read:conversations}; the
 * analytics verticle answers the team's numbers to callers holding {@code read:analytics}, supervisors and admins, and
 * an agent's own to everyone else), and the per-agent table for supervisors and admins ({@code read:analytics}).
 */
public final class AnalyticsRoutes {
  private AnalyticsRoutes() {}

  private static final List<String> PARAMS = List.of("dateFrom", "dateTo", "tz", "agentId");

  public static void mount(ApiRouter api, Bus bus) {
    api.get("/analytics/dashboard", Permission.READ_CONVERSATIONS, ctx ->
        Http.reply(ctx, bus.request(Addresses.ANALYTICS_DASHBOARD, request(ctx))));
    api.get("/analytics/agents", Permission.READ_ANALYTICS, ctx ->
        Http.reply(ctx, bus.request(Addresses.ANALYTICS_AGENTS, request(ctx))));
  }

  private static JsonObject request(RoutingContext ctx) {
    JsonObject req = Http.withCaller(ctx);
    for (String name : PARAMS) {
      List<String> values = ctx.queryParam(name);
      if (values.size() > 1) throw CrmException.validation(name, name + " must be given once");
      if (!values.isEmpty() && !values.get(0).isEmpty()) req.put(name, values.get(0));
    }
    return req;
  }
}
