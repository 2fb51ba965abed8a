package crm.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a JUnit test hands to the Node.js bridge scenarios ({@code src/test/node/crm.mjs}) in {@code CRM_TEST}: the
 * server URL(s), the webhook secret and phone number id, and agents made through the API (created by the admin,
 * logged in): {@code {url, urlB?, appSecret, phoneNumberId, agents: {name: {id, token, role, firstName, lastName, email?,
 * password?}}}} (email and password of the agents made here, for tests that log in through a page).
 */
public final class NodeContext implements AutoCloseable {
  private final WebClient client;
  private final JsonObject ctx;
  private final JsonObject agents = new JsonObject();
  private final JsonObject emails = new JsonObject();
  private final String adminToken;

  /** Against the node listening on {@code port}; logs the admin in as agent {@code admin}. */
  public NodeContext(Vertx vertx, int port) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.ctx = new JsonObject().put("url", url(port)).put("appSecret", Wa.APP_SECRET).put("phoneNumberId", Inbox.PHONE_ID)
        .put("agents", agents);
    JsonObject login = login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    this.adminToken = login.getString("token");
    JsonObject admin = login.getJsonObject("agent");
    agents.put("admin", new JsonObject().put("id", admin.getString("id", admin.getString("_id"))).put("token", adminToken)
        .put("role", "admin").put("firstName", admin.getString("firstName")).put("lastName", admin.getString("lastName")));
  }

  public static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  /** Sets another key of the context (urlB, ...). */
  public NodeContext put(String key, Object value) {
    ctx.put(key, value);
    return this;
  }

  /** A new agent of this role and name, created by the admin and logged in, as {@code agents.<name>}; returns its id. */
  public String agent(String name, String role, String firstName, String lastName) {
    String email = name.toLowerCase(Locale.ROOT) + "-" + Inbox.token() + "@crm.test";
    HttpResponse<Buffer> res = send(client.post("/api/v2/agents").putHeader("Authorization", "Bearer " + adminToken),
        new JsonObject().put("email", email).put("password", Inbox.PASSWORD).put("firstName", firstName)
            .put("lastName", lastName).put("role", role));
    if (res.statusCode() != 201) throw new AssertionError("create agent answered " + res.statusCode() + " " + res.bodyAsString());
    String id = res.bodyAsJsonObject().getJsonObject("agent").getString("_id");
    agents.put(name, new JsonObject().put("id", id).put("token", login(email, Inbox.PASSWORD).getString("token"))
        .put("role", role).put("firstName", firstName).put("lastName", lastName).put("email", email).put("password", Inbox.PASSWORD));
    emails.put(name, email);
    return id;
  }

  /** A token of another login (another session) of the agent {@code name}. */
  public String loginAgain(String name) {
    return login(emails.getString(name), Inbox.PASSWORD).getString("token");
  }

  public String id(String name) {
    return agents.getJsonObject(name).getString("id");
  }

  public String token(String name) {
    return agents.getJsonObject(name).getString("token");
  }

  /** The email the agent {@code name} logs in with (its password is {@link Inbox#PASSWORD}). */
  public String email(String name) {
    return emails.getString(name);
  }

  /** GET {@code /api/v2<path>} as the admin; the JSON body of a 200. */
  public JsonObject adminGet(String path) {
    try {
      HttpResponse<Buffer> res = client.get("/api/v2" + path).putHeader("Authorization", "Bearer " + adminToken).send()
          .await(30, TimeUnit.SECONDS);
      if (res.statusCode() != 200) throw new AssertionError("GET " + path + " answered " + res.statusCode() + " " + res.bodyAsString());
      return res.bodyAsJsonObject();
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The environment for {@link NodeRunner}: {@code CRM_TEST}. */
  public Map<String, String> env() {
    return Map.of("CRM_TEST", ctx.encode());
  }

  private JsonObject login(String email, String password) {
    HttpResponse<Buffer> res = send(client.post("/api/v2/auth/login"), new JsonObject().put("email", email).put("password", password));
    if (res.statusCode() != 200) throw new AssertionError("login of " + email + " answered " + res.statusCode() + " " + res.bodyAsString());
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> send(io.vertx.ext.web.client.HttpRequest<Buffer> req, JsonObject body) {
    try {
      return req.sendJsonObject(body).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
