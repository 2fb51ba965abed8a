package crm.hostile;

import crm.http.ApiRouter;
import crm.http.HttpVerticle;
import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import crm.support.Wa;
import crm.whatsapp.WebhookPayloads;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The application under attack and what the attacks need: the route table taken from the real router, the OpenAPI
 * document (base bodies), agents with tokens, and an existing customer, conversation (made by a signed webhook) and
 * ticket. Started again from scratch when a class left the server unusable, so the next class still tests something.
 */
final class Env implements AutoCloseable {
  static final String PASSWORD = "hostile-password-1";
  static final String PHONE_ID = Inbox.PHONE_ID;

  final TestApp app;
  final Wa wa;
  final Wire wire;
  final MongoClient db;
  final List<ApiRouter.Spec> specs;
  final JsonObject openapi;

  final String adminToken;
  final String adminId;
  /** A plain agent (role agent) who sends the "as agent" requests. */
  final Actor agent;
  /** The agent whose id fills /agents/:id: hostile requests may legitimately change it. */
  final Actor victim;
  /** Logs in after every class (the sentinel's write check). */
  final Actor sentinel;
  /** Logs in for throwaway sessions (logout and refresh need a live one each). */
  final Actor sessions;

  final String customerId;
  final String customerPhone;
  final String conversationId;
  final String ticketId;
  final JsonArray categories;
  final JsonObject assistant;

  /** Customers the sentinel created: its own writes, which explain themselves. */
  final java.util.Set<String> sentinelWrites = java.util.concurrent.ConcurrentHashMap.newKeySet();

  record Actor(String id, String email, String role, String token, List<String> permissions) {
    boolean can(String permission) {
      return permission == null || permission.equals("authenticated") || permissions.contains(permission);
    }
  }

  private Env(TestApp app) {
    this.app = app;
    this.wa = new Wa(app);
    this.wire = new Wire(app.vertx, app.port);
    this.db = DbSnapshot.client(app.vertx, app.app.deployedConfig());
    try {
      Mongo mongo = new Mongo(app.vertx, app.app.deployedConfig());
      this.specs = HttpVerticle.routes(app.vertx, app.app.deployedConfig(), mongo).await(10, TimeUnit.SECONDS).api().specs();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    this.openapi = resource("openapi.json");
    JsonObject adminLogin = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    this.adminToken = adminLogin.getString("token");
    this.adminId = adminLogin.getJsonObject("agent").getString("id");
    this.agent = actor("agent", "hostile-agent");
    this.victim = actor("agent", "hostile-victim");
    this.sentinel = actor("agent", "hostile-sentinel");
    this.sessions = actor("agent", "hostile-sessions");

    this.customerPhone = Inbox.phone();
    String wamid = Inbox.wamid();
    HttpResponse<Buffer> hook = wa.post(WebhookPayloads.text(PHONE_ID, customerPhone, "Fixture Customer", wamid, "hola fixture",
        Instant.now().getEpochSecond()));
    if (hook.statusCode() != 200) throw new IllegalStateException("fixture webhook answered " + hook.statusCode());
    JsonObject conversation = awaitConversation(customerPhone);
    this.conversationId = conversation.getString("_id");
    this.customerId = conversation.getJsonObject("customer").getString("_id");
    this.categories = ok(app.get("/api/v2/config/ticket-categories", adminToken)).getJsonArray("categories");
    this.assistant = ok(app.get("/api/v2/config/assistant", adminToken)).getJsonObject("config");
    JsonObject ticket = ok(app.post("/api/v2/tickets", adminToken, new JsonObject().put("customerId", customerId)
        .put("conversationId", conversationId).put("subject", "Fixture ticket").put("description", "made by the hostile suite")
        .put("category", categories.getJsonObject(0).getString("id"))));
    this.ticketId = ticket.getJsonObject("ticket").getString("_id");
  }

  /**
   * The embedded H2 backend (production's default) unless {@code -Dhostile.backend=memory}: a document nested 600 deep
   * took the H2 store down at its next commit while the memory backend kept it, so memory alone would hide that.
   */
  static Env start() {
    TestApp app = TestApp.start(Wa.config().put("JSON_BODY_LIMIT", 1_048_576).put("CRM_DB_BACKEND", System.getProperty("hostile.backend", "h2"))
        // nothing leaves the machine: media downloads of hostile media messages go to a closed local port
        .put("WHATSAPP_API_URL", "http://127.0.0.1:9")
        // the observer socket is read only between attacks: no heartbeat may end it meanwhile (heartbeats are not
        // what this suite is about; SocketHeartbeatTest is)
        .put("SOCKET_PING_INTERVAL_MS", 300_000).put("SOCKET_PING_TIMEOUT_MS", 300_000));
    try {
      return new Env(app);
    } catch (RuntimeException | Error e) {
      app.close();
      throw e;
    }
  }

  private Actor actor(String role, String prefix) {
    String email = prefix + "-" + Inbox.token() + "@crm.test";
    JsonObject a = app.createAgent(adminToken, email, PASSWORD, role);
    JsonObject login = app.login(email, PASSWORD);
    List<String> perms = login.getJsonObject("agent").getJsonArray("permissions").stream().map(String::valueOf).toList();
    return new Actor(a.getString("_id"), email, role, login.getString("token"), perms);
  }

  /** A new session of the sessions agent: {token, refreshToken}. */
  JsonObject freshSession() {
    return app.login(sessions.email(), PASSWORD);
  }

  private JsonObject awaitConversation(String phone) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      JsonArray list = ok(app.get("/api/v2/conversations?search=" + phone, adminToken)).getJsonArray("conversations");
      if (!list.isEmpty()) return list.getJsonObject(0);
      sleep(50);
    }
    throw new IllegalStateException("the fixture webhook made no conversation within 15 s");
  }

  static JsonObject ok(HttpResponse<Buffer> res) {
    if (res.statusCode() / 100 != 2) throw new IllegalStateException("fixture request answered " + res.statusCode() + " " + res.bodyAsString());
    return res.bodyAsJsonObject();
  }

  static JsonObject resource(String name) {
    try (InputStream in = Env.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("no resource " + name);
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** GET /ready answers 200 (within the wire's timeout). */
  boolean ready() {
    Wire.Outcome out = wire.send(HttpMethod.GET, "/ready", Wire.headers(), null);
    return out.status() == 200;
  }

  /** What a class checks the server can still do: a write (a new customer), then read it back, and a login. */
  String sentinelProblem() {
    if (!ready()) return "GET /ready did not answer 200";
    String phone = Inbox.phone();
    Wire.Outcome created = wire.send(HttpMethod.POST, "/api/v2/customers",
        Wire.headers("Authorization", "Bearer " + sentinel.token(), "Content-Type", "application/json"),
        new JsonObject().put("phoneNumber", phone).put("firstName", "Sentinel").encode().getBytes(StandardCharsets.UTF_8));
    if (created.status() != 201) return "sentinel POST /api/v2/customers -> " + created.describe();
    JsonObject customer = created.json() == null ? null : created.json().getJsonObject("customer");
    if (customer != null) sentinelWrites.add(customer.getString("_id"));
    Wire.Outcome read = wire.send(HttpMethod.GET, "/api/v2/customers/" + phone,
        Wire.headers("Authorization", "Bearer " + sentinel.token()), null);
    if (read.status() != 200) return "sentinel GET /api/v2/customers/" + phone + " -> " + read.describe();
    Wire.Outcome login = wire.send(HttpMethod.POST, "/api/v2/auth/login", Wire.headers("Content-Type", "application/json"),
        new JsonObject().put("email", sentinel.email()).put("password", PASSWORD).encode().getBytes(StandardCharsets.UTF_8));
    if (login.status() != 200) return "sentinel POST /api/v2/auth/login -> " + login.describe();
    return null;
  }

  @Override
  public void close() {
    try {
      wire.close();
      db.close();
    } finally {
      app.close();
    }
  }
}
