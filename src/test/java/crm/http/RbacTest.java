package crm.http;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Permission;
import crm.auth.Roles;
import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Role-based access: what agents, supervisors and admins may do on /agents, and a walk over every declared route
 * (the real route table) checking that none is reachable without a token or without its permission.
 */
class RbacTest {
  private static final String PASSWORD = "rbac-password-1";
  private static final String SOME_ID = "0123456789abcdef01234567";

  static TestApp app;
  static String adminToken;
  static List<ApiRouter.Spec> specs;
  static Mongo routesMongo;

  @BeforeAll
  static void start() throws Exception {
    app = TestApp.start();
    adminToken = app.adminToken();
    JsonObject cfg = app.app.deployedConfig();
    routesMongo = new Mongo(app.vertx, cfg);
    HttpVerticle.Routes routes = HttpVerticle.routes(app.vertx, cfg, routesMongo).await(30, TimeUnit.SECONDS);
    specs = List.copyOf(routes.api().specs());
  }

  @AfterAll
  static void stop() {
    if (routesMongo != null) routesMongo.close();
    app.close();
  }

  // ---- /agents by role

  @Test
  void an_agent_may_not_list_read_create_or_change_agents() throws Exception {
    JsonObject me = newAgent("rbac-agent", Roles.AGENT);
    String token = app.login(me.getString("email"), PASSWORD).getString("token");
    JsonObject target = newAgent("rbac-target", Roles.AGENT);
    String path = "/api/v2/agents/" + target.getString("_id");

    JsonObject err = assertError(app.get("/api/v2/agents", token), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents");
    assertThat(err.getJsonObject("details").getString("required")).isEqualTo(Permission.READ_AGENTS);
    assertError(app.get(path, token), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);

    String email = "rbac-made-by-agent-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    err = assertError(app.post("/api/v2/agents", token, newAgentBody(email, Roles.ADMIN)),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents");
    assertThat(err.getJsonObject("details").getString("required")).isEqualTo(Permission.WRITE_AGENTS);
    assertThat(countByEmail(email)).as("nothing created").isZero();

    assertError(app.put("/api/v2/agents/" + me.getString("_id"), token, new JsonObject().put("role", Roles.ADMIN)),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents/" + me.getString("_id"));
    assertError(app.post(path + "/deactivate", token, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path + "/deactivate");
    assertError(app.send(HttpMethod.DELETE, path, token, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertThat(agent(target.getString("_id")).getBoolean("isActive")).isTrue();
    assertThat(agent(me.getString("_id")).getString("role")).as("no self-promotion").isEqualTo(Roles.AGENT);

    // what every authenticated caller may do
    assertThat(app.get("/api/v2/auth/me", token).statusCode()).isEqualTo(200);
  }

  @Test
  void a_supervisor_may_read_agents_but_not_create_or_change_them() throws Exception {
    JsonObject sup = newAgent("rbac-supervisor", Roles.SUPERVISOR);
    String token = app.login(sup.getString("email"), PASSWORD).getString("token");
    JsonObject target = newAgent("rbac-target", Roles.AGENT);
    String path = "/api/v2/agents/" + target.getString("_id");

    HttpResponse<Buffer> list = app.get("/api/v2/agents", token);
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    assertThat(list.bodyAsJsonObject().getJsonArray("agents")).isNotEmpty();
    HttpResponse<Buffer> one = app.get(path, token);
    assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject().getJsonObject("agent").getString("_id")).isEqualTo(target.getString("_id"));

    String email = "rbac-made-by-sup-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    assertError(app.post("/api/v2/agents", token, newAgentBody(email, Roles.AGENT)),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents");
    assertThat(countByEmail(email)).as("nothing created").isZero();

    assertError(app.put(path, token, new JsonObject().put("firstName", "Changed")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    String self = "/api/v2/agents/" + sup.getString("_id");
    assertError(app.put(self, token, new JsonObject().put("role", Roles.ADMIN)), 403, "AUTH_INSUFFICIENT_PERMISSIONS", self);
    assertError(app.post(path + "/deactivate", token, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path + "/deactivate");
    assertError(app.send(HttpMethod.DELETE, path, token, null), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);

    JsonObject after = agent(target.getString("_id"));
    assertThat(after.getString("firstName")).isEqualTo("Test");
    assertThat(after.getBoolean("isActive")).isTrue();
    assertThat(agent(sup.getString("_id")).getString("role")).isEqualTo(Roles.SUPERVISOR);
  }

  @Test
  void an_admin_may_list_create_change_deactivate_and_activate_agents() {
    HttpResponse<Buffer> list = app.get("/api/v2/agents", adminToken);
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);

    String email = "rbac-made-by-admin-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    HttpResponse<Buffer> created = app.post("/api/v2/agents", adminToken, newAgentBody(email, Roles.AGENT));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getJsonObject("agent").getString("_id");
    String path = "/api/v2/agents/" + id;

    HttpResponse<Buffer> put = app.put(path, adminToken, new JsonObject().put("lastName", "Changed").put("role", Roles.SUPERVISOR));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    assertThat(put.bodyAsJsonObject().getJsonObject("agent").getString("lastName")).isEqualTo("Changed");
    assertThat(put.bodyAsJsonObject().getJsonObject("agent").getString("role")).isEqualTo(Roles.SUPERVISOR);

    HttpResponse<Buffer> off = app.post(path + "/deactivate", adminToken, null);
    assertThat(off.statusCode()).as(off.bodyAsString()).isEqualTo(200);
    assertThat(agent(id).getBoolean("isActive")).isFalse();
    HttpResponse<Buffer> on = app.post(path + "/activate", adminToken, null);
    assertThat(on.statusCode()).as(on.bodyAsString()).isEqualTo(200);
    assertThat(agent(id).getBoolean("isActive")).isTrue();
    HttpResponse<Buffer> del = app.send(HttpMethod.DELETE, path, adminToken, null);
    assertThat(del.statusCode()).as(del.bodyAsString()).isEqualTo(200);
    assertThat(agent(id).getBoolean("isActive")).isFalse();
  }

  // ---- the route table

  @Test
  void the_only_public_routes_are_login_and_refresh() {
    Set<String> pub = specs.stream().filter(s -> s.permission() == ApiRouter.PUBLIC)
        .map(s -> s.method().name() + " " + s.path()).collect(Collectors.toSet());
    assertThat(pub).containsExactlyInAnyOrder("POST /auth/login", "POST /auth/refresh");
    // sanity: the walk below has something to walk
    assertThat(specs).hasSizeGreaterThan(pub.size());
    assertThat(specs.stream().map(s -> s.method().name() + " " + s.path()))
        .contains("GET /auth/me", "POST /auth/logout", "GET /agents", "POST /agents", "PUT /agents/:id");
  }

  @Test
  void every_route_names_a_known_permission() {
    List<String> known = new ArrayList<>(Permission.ALL);
    known.add(Permission.AUTHENTICATED);
    for (ApiRouter.Spec s : specs) {
      if (s.permission() == ApiRouter.PUBLIC) continue;
      assertThat(s.permission()).as("permission of %s %s", s.method(), s.path()).isIn(known);
    }
    // and admins hold every permission there is
    assertThat(Roles.permissionsOf(Roles.ADMIN)).containsExactlyInAnyOrderElementsOf(Permission.ALL);
  }

  @Test
  void every_protected_route_answers_401_without_a_valid_token() {
    List<String> walked = new ArrayList<>();
    for (ApiRouter.Spec s : specs) {
      if (s.permission() == ApiRouter.PUBLIC) continue;
      String path = HttpVerticle.API_PREFIX + concrete(s.path());
      Object body = hasBody(s.method()) ? new JsonObject() : null;
      assertError(app.send(s.method(), path, null, body), 401, "AUTH_TOKEN_INVALID", path);
      assertError(app.send(s.method(), path, "not-a-jwt", body), 401, "AUTH_TOKEN_INVALID", path);
      walked.add(s.method() + " " + path);
    }
    assertThat(walked).hasSize(specs.size() - 2);
  }

  @Test
  void every_route_refuses_roles_without_its_permission() {
    for (String role : List.of(Roles.AGENT, Roles.SUPERVISOR)) {
      JsonObject who = newAgent("rbac-walk-" + role, role);
      String token = app.login(who.getString("email"), PASSWORD).getString("token");
      List<String> granted = Roles.permissionsOf(role);
      int refused = 0;
      for (ApiRouter.Spec s : specs) {
        if (s.permission() == ApiRouter.PUBLIC || s.permission().equals(Permission.AUTHENTICATED)
            || granted.contains(s.permission())) {
          continue;
        }
        String path = HttpVerticle.API_PREFIX + concrete(s.path());
        Object body = hasBody(s.method()) ? new JsonObject() : null;
        JsonObject err = assertError(app.send(s.method(), path, token, body), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
        assertThat(err.getJsonObject("details").getString("required")).isEqualTo(s.permission());
        refused++;
      }
      assertThat(refused).as("routes refused to %s", role).isPositive();
    }
  }

  // ---- helpers

  private static String concrete(String path) {
    return path.replaceAll(":[A-Za-z0-9_]+", SOME_ID).replace("*", "x");
  }

  private static boolean hasBody(HttpMethod m) {
    return m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.PATCH;
  }

  private static JsonObject newAgent(String tag, String role) {
    String email = tag + "-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    return app.createAgent(adminToken, email, PASSWORD, role);
  }

  private static JsonObject newAgentBody(String email, String role) {
    return new JsonObject().put("email", email).put("password", PASSWORD)
        .put("firstName", "Made").put("lastName", "ByTest").put("role", role);
  }

  private static JsonObject agent(String id) {
    HttpResponse<Buffer> res = app.get("/api/v2/agents/" + id, adminToken);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("agent");
  }

  private static long countByEmail(String email) throws Exception {
    HttpResponse<Buffer> res = app.client.get("/api/v2/agents").addQueryParam("search", email)
        .putHeader("Authorization", "Bearer " + adminToken).send().await(30, TimeUnit.SECONDS);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("pagination").getLong("totalCount");
  }
}
