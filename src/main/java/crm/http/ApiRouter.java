package crm.http;

import crm.auth.Authenticator;
import crm.auth.Principal;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.RateLimiter.Bucket;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Declares the /api/v2 routes. Every route names the permission it needs (or {@link #PUBLIC}) and its rate-limit
 * bucket; the chain is always: read the token -> count against the limit -> check the permission -> handler.
 */
public final class ApiRouter {
  public static final String PUBLIC = null;
  static final String AUTH_ERROR = "authError";

  /** One declared route, for the OpenAPI and RBAC tests. */
  public record Spec(HttpMethod method, String path, String permission, Bucket bucket) {}

  /**
   * A second credential one route accepts besides a token (a signed link): {@link #presented} says whether the
   * request carries it, {@link #verify} fails with the API error when it is not valid.
   */
  public interface Credential {
    boolean presented(RoutingContext ctx);

    void verify(RoutingContext ctx) throws CrmException;
  }

  /** What a request of a streamed route may still send after it has been answered: read and dropped up to this. */
  public static final long DRAIN_LIMIT = 32L * 1024 * 1024;

  private final Router router;
  private final Authenticator auth;
  private final RateLimiter limiter;
  private final ClientAddress clients;
  private final int maxDepth;
  private final List<Spec> specs = new ArrayList<>();
  private final Set<String> streamed = ConcurrentHashMap.newKeySet();

  ApiRouter(Router router, Authenticator auth, RateLimiter limiter, int maxDepth, ClientAddress clients) {
    this.clients = clients;
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
    route(method, path, permission, bucket, null, handler);
  }

  /** As {@link #route}, also letting in a request that carries a valid {@code credential} instead of a token. */
  public void route(HttpMethod method, String path, String permission, Bucket bucket, Credential credential,
                    Handler<RoutingContext> handler) {
    specs.add(new Spec(method, path, permission, bucket));
    router.route(method, path)
        .handler(this::readToken)
        .handler(ctx -> rateLimit(ctx, bucket))
        .handler(ctx -> authorize(ctx, permission, credential))
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

  /**
   * A route whose body the handler streams itself (a file upload): the JSON body handler leaves it alone, the request
   * is paused until the handler reads it, and no JSON media type is asked for. Whatever the request still sends once
   * it is answered (a refusal before the handler, an upload refused midway) is read and dropped, up to
   * {@link #DRAIN_LIMIT} bytes; past that its connection is closed.
   */
  public void stream(HttpMethod method, String path, String permission, Bucket bucket, Handler<RoutingContext> handler) {
    specs.add(new Spec(method, path, permission, bucket));
    streamed.add(method.name() + " " + path);
    router.route(method, path)
        .handler(this::readToken)
        .handler(ctx -> rateLimit(ctx, bucket))
        .handler(ctx -> authorize(ctx, permission, null))
        .handler(handler);
  }

  /**
   * The router's body handler, except on streamed routes: those are paused (their bytes wait for the handler, through
   * the asynchronous token and rate-limit checks) and drained once answered.
   */
  Handler<RoutingContext> bodyHandler(Handler<RoutingContext> body) {
    return ctx -> {
      if (!isStreamed(ctx)) {
        body.handle(ctx);
        return;
      }
      HttpServerRequest req = ctx.request();
      req.pause();
      ctx.addEndHandler(v -> drain(req));
      ctx.next();
    };
  }

  private boolean isStreamed(RoutingContext ctx) {
    if (streamed.isEmpty()) return false;
    String path = ctx.normalizedPath();
    String mount = ctx.mountPoint() == null ? "" : ctx.mountPoint();
    if (mount.endsWith("/")) mount = mount.substring(0, mount.length() - 1);
    if (!path.startsWith(mount)) return false;
    path = path.substring(mount.length());
    if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
    return streamed.contains(ctx.request().method().name() + " " + path);
  }

  /** Reads and drops what an answered request still sends; closes the connection past {@link #DRAIN_LIMIT}. */
  public static void drain(HttpServerRequest req) {
    if (req.isEnded()) return;
    long[] seen = {0};
    try {
      req.handler(buf -> {
        seen[0] += buf.length();
        if (seen[0] > DRAIN_LIMIT) req.connection().close();
      });
      if (req.isExpectMultipart()) req.uploadHandler(part -> part.handler(null));
      req.resume();
    } catch (IllegalStateException ended) {
      // ended meanwhile: nothing left to read
    }
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
    String caller = p != null ? "agent:" + p.agentId() : "ip:" + clients.of(ctx.request());
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

  private static void authorize(RoutingContext ctx, String permission, Credential credential) {
    if (permission == PUBLIC) {
      ctx.next();
      return;
    }
    Principal p = Http.principal(ctx);
    if (credential != null && (p == null || !p.can(permission)) && credential.presented(ctx)) {
      try {
        credential.verify(ctx);
      } catch (CrmException e) {
        ctx.fail(e);
        return;
      }
      ctx.next();
      return;
    }
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
