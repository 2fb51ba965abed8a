package crm.http;

import crm.auth.Authenticator;
import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.RateLimiter.Bucket;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Declares the /api/v2 routes. Every route names the permission it needs (or {@link #PUBLIC}) and its rate-limit
 * bucket; the chain is always: read the token -> count against the limit -> check the permission -> handler.
 */
public final class ApiRouter {
  public static final String PUBLIC = null;
  private static final String AUTH_ERROR = "authError";

  /** One declared route, for the OpenAPI and RBAC tests. */
  public record Spec(HttpMethod method, String path, String permission, Bucket bucket) {}

  private final Router router;
  private final Authenticator auth;
  private final RateLimiter limiter;
  private final int maxDepth;
  private final List<Spec> specs = new ArrayList<>();

  ApiRouter(Router router, Authenticator auth, RateLimiter limiter, int maxDepth) {
    this.router = router;
    this.auth = auth;
    this.limiter = limiter;
    this.maxDepth = maxDepth;
  }

  public Router router() { return router; }

  public List<Spec> specs() { return Collections.unmodifiableList(specs); }

  public void get(String path, String permission, Handler<RoutingContext> handler) {
    route(HttpMethod.GET, path, permission, Bucket.DEFAULT, handler);
  }

  public void post(String path, String permission, Handler<RoutingContext> handler) {
    route(HttpMethod.POST, path, permission, Bucket.DEFAULT, handler);
  }

  public void put(String path, String permission, Handler<RoutingContext> handler) {
    route(HttpMethod.PUT, path, permission, Bucket.DEFAULT, handler);
  }

  public void patch(String path, String permission, Handler<RoutingContext> handler) {
    route(HttpMethod.PATCH, path, permission, Bucket.DEFAULT, handler);
  }

  public void delete(String path, String permission, Handler<RoutingContext> handler) {
    route(HttpMethod.DELETE, path, permission, Bucket.DEFAULT, handler);
  }

  public void route(HttpMethod method, String path, String permission, Bucket bucket, Handler<RoutingContext> handler) {
    specs.add(new Spec(method, path, permission, bucket));
    router.route(method, path)
        .handler(this::readToken)
        .handler(ctx -> rateLimit(ctx, bucket))
        .handler(ctx -> authorize(ctx, permission))
        .handler(ctx -> {
          try {
            Http.checkMediaType(ctx);
            ctx.put(Http.MAX_DEPTH, maxDepth);
            handler.handle(ctx);
          } catch (CrmException e) {
            ctx.fail(e);
          }
        });
  }

  private void readToken(RoutingContext ctx) {
    String token = Authenticator.bearer(ctx.request().getHeader("Authorization"));
    if (token == null) {
      ctx.next();
      return;
    }
    auth.authenticate(token).onComplete(ar -> {
      if (ar.succeeded()) ctx.put(Http.PRINCIPAL, ar.result());
      else ctx.put(AUTH_ERROR, ar.cause());
      ctx.next();
    });
  }

  private void rateLimit(RoutingContext ctx, Bucket bucket) {
    Principal p = Http.principal(ctx);
    String caller = p != null ? "agent:" + p.agentId() : "ip:" + ctx.request().remoteAddress().hostAddress();
    limiter.hit(bucket, caller).onComplete(ar -> {
      if (ar.failed()) { // the limiter's store failing must not take the API down
        ctx.next();
        return;
      }
      RateLimiter.Decision d = ar.result();
      ctx.response()
          .putHeader("X-RateLimit-Limit", String.valueOf(d.limit()))
          .putHeader("X-RateLimit-Remaining", String.valueOf(d.remaining()))
          .putHeader("X-RateLimit-Reset", String.valueOf(d.resetEpochSeconds()));
      if (d.allowed()) ctx.next();
      else ctx.fail(RateLimiter.exceeded(d));
    });
  }

  private static void authorize(RoutingContext ctx, String permission) {
    if (permission == PUBLIC) {
      ctx.next();
      return;
    }
    Principal p = Http.principal(ctx);
    if (p == null) {
      Throwable err = ctx.get(AUTH_ERROR);
      ctx.fail(err != null ? err : new CrmException(ErrorCode.AUTH_TOKEN_INVALID, "Authentication required: send Authorization: Bearer <token>"));
      return;
    }
    if (!p.can(permission)) {
      ctx.fail(new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, "Missing permission " + permission, null,
          new io.vertx.core.json.JsonObject().put("required", permission)));
      return;
    }
    ctx.next();
  }
}
