package crm.support;

import crm.App;
import crm.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The whole application, started as production starts it ({@link App}), on a random port with the embedded
 * database (in memory unless the test asks for H2), plus a web client. Tests call it from the JUnit thread and
 * wait with {@code await()}; the server side runs on event loops as usual.
 */
public final class TestApp implements AutoCloseable {
  public static final String ADMIN_EMAIL = "admin@crm.test";
  public static final String ADMIN_PASSWORD = "admin-password-1";
  public static final String JWT_SECRET = "test-secret-0123456789-0123456789-0123456789";

  public final Vertx vertx;
  public final App app;
  public final WebClient client;
  public final int port;
  public final AppConfig config;
  public final Path dataDir;

  private final boolean ownsDataDir;

  private TestApp(Vertx vertx, App app, AppConfig config, Path dataDir, boolean ownsDataDir) {
    this.ownsDataDir = ownsDataDir;
    this.vertx = vertx;
    this.app = app;
    this.config = config;
    this.dataDir = dataDir;
    this.port = app.httpPort();
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true));
  }

  /** Test defaults: cheap password hashing, generous rate limits, one HTTP instance, a temp data dir. */
  public static JsonObject defaults() {
    Path dir;
    try {
      dir = Files.createTempDirectory("crm-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new JsonObject()
        .put("PORT", 0).put("HOST", "127.0.0.1").put("HTTP_INSTANCES", 1)
        .put("CRM_DB_BACKEND", "memory").put("CRM_DATA_DIR", dir.toString())
        .put("JWT_SECRET", JWT_SECRET)
        .put("CRM_ADMIN_EMAIL", ADMIN_EMAIL).put("CRM_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .put("PASSWORD_HASH_MEMORY_KB", 1024).put("PASSWORD_HASH_ITERATIONS", 1)
        .put("RATE_LIMIT_AUTH", 10_000).put("RATE_LIMIT_MESSAGES", 10_000)
        .put("RATE_LIMIT_UPLOAD", 10_000).put("RATE_LIMIT_DEFAULT", 10_000)
        .put("SHUTDOWN_GRACE_SECONDS", 1)
        // a few start-up socket handshakes (production: 300): every test runs after one, as production does
        .put("SOCKET_WARMUP", 8);
  }

  public static TestApp start() {
    return start(new JsonObject());
  }

  /** Starts with {@link #defaults()} overridden by {@code overrides}. */
  public static TestApp start(JsonObject overrides) {
    return start(overrides, vertx -> { });
  }

  /** As {@link #start(JsonObject)}, with {@code beforeStart} called on the Vert.x instance before the app starts. */
  public static TestApp start(JsonObject overrides, java.util.function.Consumer<Vertx> beforeStart) {
    JsonObject defaults = defaults();
    String ownDir = overrides.containsKey("CRM_DATA_DIR") ? null : defaults.getString("CRM_DATA_DIR");
    if (ownDir == null) deleteTree(Path.of(defaults.getString("CRM_DATA_DIR")));
    JsonObject raw = defaults.mergeIn(overrides);
    AppConfig cfg = AppConfig.from(raw);
    Vertx vertx = Vertx.builder().with(new VertxOptions()
        .setBlockedThreadCheckInterval(200)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)).setEnabled(true)))
        .build();
    try {
      beforeStart.accept(vertx);
      App app = App.start(vertx, cfg).await(60, TimeUnit.SECONDS);
      return new TestApp(vertx, app, cfg, Path.of(cfg.dataDir()), ownDir != null);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("test app did not start", e);
    }
  }

  public HttpResponse<Buffer> send(HttpMethod method, String path, String token, Object body) {
    HttpRequest<Buffer> req = client.request(method, path);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    try {
      if (body == null) return req.send().await(30, TimeUnit.SECONDS);
      if (body instanceof JsonObject json) return req.sendJsonObject(json).await(30, TimeUnit.SECONDS);
      if (body instanceof String s) {
        return req.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(s)).await(30, TimeUnit.SECONDS);
      }
      if (body instanceof Buffer b) return req.sendBuffer(b).await(30, TimeUnit.SECONDS);
      throw new IllegalArgumentException("body type " + body.getClass());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
  }

  public HttpResponse<Buffer> get(String path, String token) {
    return send(HttpMethod.GET, path, token, null);
  }

  public HttpResponse<Buffer> post(String path, String token, Object body) {
    return send(HttpMethod.POST, path, token, body);
  }

  public HttpResponse<Buffer> put(String path, String token, Object body) {
    return send(HttpMethod.PUT, path, token, body);
  }

  /** Logs in and returns the whole login response (asserting 200). */
  public JsonObject login(String email, String password) {
    HttpResponse<Buffer> res = post("/api/v2/auth/login", null, new JsonObject().put("email", email).put("password", password));
    if (res.statusCode() != 200) {
      throw new AssertionError("login of " + email + " answered " + res.statusCode() + " " + res.bodyAsString());
    }
    return res.bodyAsJsonObject();
  }

  public String adminToken() {
    return login(ADMIN_EMAIL, ADMIN_PASSWORD).getString("token");
  }

  /** Creates an agent through the API as admin and returns it. */
  public JsonObject createAgent(String adminToken, String email, String password, String role) {
    HttpResponse<Buffer> res = post("/api/v2/agents", adminToken, new JsonObject()
        .put("email", email).put("password", password).put("firstName", "Test").put("lastName", "Agent").put("role", role));
    if (res.statusCode() != 201) throw new AssertionError("create agent answered " + res.statusCode() + " " + res.bodyAsString());
    return res.bodyAsJsonObject().getJsonObject("agent");
  }

  /** Stops the app gracefully and closes Vert.x. */
  @Override
  public void close() {
    try {
      app.stop().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing Vert.x below releases what is left
    }
    try {
      vertx.close().await(30, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already closed
    }
    if (ownsDataDir) deleteTree(dataDir);
  }

  /** Deletes a directory tree (test temp dirs); missing is fine. */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir left behind is harmless
    }
  }
}
