package crm.http;

import crm.auth.Permission;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.http.RateLimiter.Bucket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

/** /auth: login, refresh, logout, me. */
final class AuthRoutes {
  private AuthRoutes() {}

  static void mount(ApiRouter api, Bus bus) {
    api.route(HttpMethod.POST, "/auth/login", ApiRouter.PUBLIC, Bucket.AUTH, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = new JsonObject()
          .put("email", Check.requiredString(body, "email", 320))
          .put("password", Check.requiredString(body, "password", 256));
      Http.reply(ctx, bus.request(Addresses.AUTH_LOGIN, req));
    });

    api.route(HttpMethod.POST, "/auth/refresh", ApiRouter.PUBLIC, Bucket.AUTH, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = new JsonObject().put("refreshToken", Check.requiredString(body, "refreshToken", 512));
      Http.reply(ctx, bus.request(Addresses.AUTH_REFRESH, req));
    });

    api.post("/auth/logout", Permission.AUTHENTICATED, ctx -> {
      JsonObject body = Http.body(ctx);
      JsonObject req = new JsonObject().put("sessionId", Http.principal(ctx).sessionId());
      String refresh = Check.optionalString(body, "refreshToken", 512);
      if (refresh != null) req.put("refreshToken", refresh);
      Http.reply(ctx, bus.request(Addresses.AUTH_LOGOUT, req));
    });

    api.get("/auth/me", Permission.AUTHENTICATED, ctx ->
        Http.reply(ctx, bus.request(Addresses.AGENT_GET, new JsonObject().put("id", Http.principal(ctx).agentId()))));
  }
}
