package crm.http;

import crm.auth.Authenticator;
import crm.auth.Permission;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.socket.SocketRoutes;
import crm.socket.engineio.EngineOptions;
import crm.storage.Mongo;
import crm.whatsapp.WebhookRoutes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The HTTP front: /api/v2 (JWT, RBAC, rate limits, validation, error envelope), /health, /ready, /metrics, /socket.io/. */
public final class HttpVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
  public static final String API_PREFIX = "/api/v2";
  private static final String SAME_ORIGIN = "crm.sameOrigin";
  public static final String RUNTIME_MAP = "crm.runtime";
  /** Key of {@link #RUNTIME_MAP} present while {@code crm.App} is still starting: /ready answers 503 meanwhile. */
  public static final String STARTING = "starting";

  private HttpServer server;
  private Mongo mongo;

  /** The built routers: the root one to serve, the API one for route introspection. */
  public record Routes(Router root, ApiRouter api) {}

  @Override
  public Future<?> start() {
    JsonObject cfg = config();
    mongo = new Mongo(vertx, cfg);
    return routes(vertx, cfg, mongo).compose(routes -> {
      HttpServerOptions options = SocketRoutes.serverOptions(new HttpServerOptions()
          .setCompressionSupported(true)
          .setMaxInitialLineLength(8192)
          .setMaxHeaderSize(16 * 1024), cfg);
      server = vertx.createHttpServer(options).requestHandler(routes.root())
          .invalidRequestHandler(ErrorEnvelope::invalidRequest);
      return server.listen(cfg.getInteger("PORT", 5000), cfg.getString("HOST", "0.0.0.0"));
    }).onSuccess(s -> {
      vertx.sharedData().getLocalMap(RUNTIME_MAP).put("http.port", s.actualPort());
      log.debug("HTTP listening on {}", s.actualPort());
    });
  }

  @Override
  public Future<?> stop() {
    int grace = config().getInteger("SHUTDOWN_GRACE_SECONDS", 10);
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(grace, TimeUnit.SECONDS);
    return closed.onComplete(ar -> { if (mongo != null) mongo.close(); });
  }

  /** Builds every route; used by the verticle and by the tests that walk the route table. */
  public static Future<Routes> routes(Vertx vertx, JsonObject cfg, Mongo mongo) {
    Future<Buffer> openapi = vertx.fileSystem().readFile("openapi.json");
    return Future.all(Authenticator.create(vertx, cfg), openapi).map(all -> {
      Authenticator auth = all.resultAt(0);
      Buffer openapiDoc = all.resultAt(1);
      Bus bus = new Bus(vertx);

      Router root = Router.router(vertx);
      root.route().handler(new RequestLog());
      SocketRoutes.mount(vertx, root, cfg); // Engine.IO / Socket.IO at /socket.io/ (crm.socket), with its own error codes
      // a query string that does not decode (?hub.mode=%zz) is the client's mistake on every other route, not a 500
      root.route().handler(HttpVerticle::checkQuery);
      // browsers call the API; /health, /ready and /metrics are for probes and scrapers, which send no Origin
      List<String> origins = origins(cfg.getString("CORS_ORIGINS", "http://localhost:4200"));
      // a page of the server's own origin (the built-in console, crm.console) is not cross-origin: no CORS_ORIGINS entry
      root.route(API_PREFIX + "/*").handler(ctx -> {
        String origin = ctx.request().getHeader("Origin");
        if (origin != null && EngineOptions.sameOrigin(origin, ctx.request().getHeader("Host"))) {
          ctx.put(SAME_ORIGIN, true);
          ctx.next();
        } else if (origin != null && !origins.contains("*") && !origins.contains(origin)) {
          ctx.fail(new CrmException(ErrorCode.ORIGIN_NOT_ALLOWED, "Origin " + origin + " is not allowed (CORS_ORIGINS)"));
        } else {
          ctx.next();
        }
      });
      CorsHandler cors = cors(origins);
      root.route(API_PREFIX + "/*").handler(ctx -> {
        if (Boolean.TRUE.equals(ctx.get(SAME_ORIGIN))) ctx.next();
        else cors.handle(ctx);
      });

      root.get("/health").handler(ctx -> Http.ok(ctx, new JsonObject().put("status", "UP")));
      root.get("/ready").handler(ctx -> {
        if (vertx.sharedData().getLocalMap(RUNTIME_MAP).get(STARTING) != null) {
          ErrorEnvelope.sendExpected(ctx, new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "Starting"));
          return;
        }
        mongo.ping()
            .timeout(3, TimeUnit.SECONDS)
            .onSuccess(v -> Http.ok(ctx, new JsonObject().put("status", "READY").put("database", "up")))
            .onFailure(err -> ctx.fail(new CrmException(ErrorCode.DATABASE_ERROR, "Database unreachable")));
      });
      if (vertx.isMetricsEnabled()) {
        root.get("/metrics").handler(PrometheusScrapingHandler.create());
      } else {
        root.get("/metrics").handler(ctx -> ctx.fail(new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "Metrics are disabled")));
      }

      WebhookRoutes.mount(vertx, root, cfg);

      Router apiRouter = Router.router(vertx);
      ApiRouter api = new ApiRouter(apiRouter, auth, new RateLimiter(vertx, cfg),
          cfg.getInteger("JSON_MAX_DEPTH", crm.bus.JsonBounds.DEFAULT_MAX_DEPTH),
          new ClientAddress(java.util.Arrays.stream(cfg.getString("TRUSTED_PROXIES", "").split(","))
              .map(String::trim).filter(x -> !x.isEmpty()).toList()));
      // no merging of form attributes into the params: the API takes JSON only, and merging decodes the query string
      // in the body's end handler, where a malformed one threw out of the router and the request never got an answer.
      // Streamed routes (file uploads) are left alone: their handlers read the body as it comes.
      apiRouter.route().handler(api.bodyHandler(BodyHandler.create(false).setMergeFormAttributes(false)
          .setBodyLimit(cfg.getInteger("JSON_BODY_LIMIT", 1_048_576))));
      AuthRoutes.mount(api, bus);
      AgentRoutes.mount(api, bus);
      crm.conversation.CustomerRoutes.mount(api, bus); // /customers (crm.conversation)
      crm.conversation.ConversationRoutes.mount(api, bus); // /conversations (crm.conversation)
      ConfigRoutes.mount(api, bus); // /config: categories, assistant, presets (crm.config)
      TicketRoutes.mount(api, bus);
      crm.whatsapp.WhatsappApiRoutes.mount(api, bus, cfg); // stats, dead letters, templates, sandbox typing (crm.whatsapp)
      crm.knowledge.KnowledgeRoutes.mount(api, bus); // /knowledge-articles (crm.knowledge)
      crm.assistant.AssistantRoutes.mount(api, bus); // turns, status (crm.assistant)
      crm.commerce.CommerceRoutes.mount(api, bus); // catalog and orders (crm.commerce)
      crm.files.FileRoutes.mount(api, vertx, cfg, mongo); // uploads, /files and /media (crm.files)
      crm.analytics.AnalyticsRoutes.mount(api, bus); // dashboard and per-agent table (crm.analytics)
      api.get("/openapi.json", Permission.AUTHENTICATED, ctx -> ctx.response()
          .putHeader("Content-Type", "application/json; charset=utf-8").end(openapiDoc));

      root.route(API_PREFIX + "/*").subRouter(apiRouter);
      crm.console.ConsoleRoutes.mount(vertx, root); // the agent console at / (crm.console), last: it shadows nothing

      for (Router r : List.of(root, apiRouter)) {
        r.route().failureHandler(ErrorEnvelope::handle);
        for (int status : new int[] {400, 401, 403, 404, 405, 413, 415, 429, 500, 503}) {
          r.errorHandler(status, ErrorEnvelope.forStatus(status));
        }
      }
      return new Routes(root, api);
    });
  }

  private static void checkQuery(io.vertx.ext.web.RoutingContext ctx) {
    try {
      ctx.request().params();
    } catch (IllegalArgumentException e) {
      ctx.fail(new CrmException(ErrorCode.VALIDATION_FAILED, "Malformed query string: invalid percent-encoding"));
      return;
    }
    ctx.next();
  }

  static List<String> origins(String csv) {
    return List.of(csv.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static CorsHandler cors(List<String> list) {
    CorsHandler cors = CorsHandler.create();
    boolean any = list.contains("*");
    if (any) {
      cors.addOrigin("*");
    } else {
      cors.addOrigins(list).allowCredentials(true);
    }
    return cors
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE,
            HttpMethod.OPTIONS))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "X-Request-Id", "Idempotency-Key", "Accept"))
        .exposedHeaders(Set.of("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After",
            "X-Request-Id"))
        .maxAgeSeconds(600);
  }
}
