package crm.http;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Roles;
import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin's management of agents: validation, duplicates, the agent's JSON, listing, and the last-admin rule. */
class AgentAdminTest {
  private static final String AGENTS = "/api/v2/agents";
  private static final String PASSWORD = "admin-test-password";

  static TestApp app;
  static String adminToken;
  static String adminId;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    JsonObject login = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    adminToken = login.getString("token");
    adminId = login.getJsonObject("agent").getString("_id");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  // ---- create: validation

  @Test
  void create_refuses_invalid_input_with_the_offending_field_and_creates_nothing() {
    long before = totalAgents();
    String email = uniqueEmail("valid");

    JsonObject noEmail = body(email);
    noEmail.remove("email");
    assertFieldError(create(noEmail), 400, "VALIDATION_FAILED", AGENTS, "email");
    assertFieldError(create(body(email).put("email", "")), 400, "VALIDATION_FAILED", AGENTS, "email");
    assertFieldError(create(body(email).put("email", "not-an-email")), 400, "EMAIL_INVALID", AGENTS, "email");
    assertFieldError(create(body(email).put("email", "two@@crm.test")), 400, "EMAIL_INVALID", AGENTS, "email");
    assertFieldError(create(body(email).put("email", "no-domain@")), 400, "EMAIL_INVALID", AGENTS, "email");
    assertFieldError(create(body(email).put("password", "short")), 400, "VALIDATION_FAILED", AGENTS, "password");
    assertFieldError(create(body(email).put("password", "1234567")), 400, "VALIDATION_FAILED", AGENTS, "password");
    JsonObject noPassword = body(email);
    noPassword.remove("password");
    assertFieldError(create(noPassword), 400, "VALIDATION_FAILED", AGENTS, "password");
    assertFieldError(create(body(email).put("firstName", 42)), 400, "VALIDATION_FAILED", AGENTS, "firstName");
    assertFieldError(create(body(email).put("firstName", "   ")), 400, "VALIDATION_FAILED", AGENTS, "firstName");
    JsonObject noLastName = body(email);
    noLastName.remove("lastName");
    assertFieldError(create(noLastName), 400, "VALIDATION_FAILED", AGENTS, "lastName");
    assertFieldError(create(body(email).put("lastName", new JsonArray().add("x"))), 400, "VALIDATION_FAILED", AGENTS, "lastName");
    assertFieldError(create(body(email).put("role", "superuser")), 400, "VALIDATION_FAILED", AGENTS, "role");
    assertFieldError(create(body(email).put("role", 1)), 400, "VALIDATION_FAILED", AGENTS, "role");
    assertFieldError(create(body(email).put("permissions", "all")), 400, "VALIDATION_FAILED", AGENTS, "permissions");
    assertFieldError(create(body(email).put("permissions", new JsonArray().add(7))), 400, "VALIDATION_FAILED", AGENTS,
        "permissions");

    // not a JSON object at all
    assertError(app.post(AGENTS, adminToken, "{\"email\": "), 400, "VALIDATION_FAILED", AGENTS);
    assertError(app.post(AGENTS, adminToken, "[]"), 400, "VALIDATION_FAILED", AGENTS);
    HttpResponse<Buffer> text = send(app.client.request(HttpMethod.POST, AGENTS)
        .putHeader("Authorization", "Bearer " + adminToken).putHeader("Content-Type", "text/plain"), body(email).encode());
    assertError(text, 415, "UNSUPPORTED_MEDIA_TYPE", AGENTS);

    assertThat(totalAgents()).as("nothing was created").isEqualTo(before);
    assertThat(search(email).getJsonArray("agents")).isEmpty();
  }

  @Test
  void operator_objects_in_place_of_strings_are_refused_not_executed() {
    long before = totalAgents();
    JsonObject gt = new JsonObject().put("$gt", "");
    assertFieldError(create(body("x@crm.test").put("email", gt)), 400, "VALIDATION_FAILED", AGENTS, "email");
    assertFieldError(create(body(uniqueEmail("op")).put("password", gt)), 400, "VALIDATION_FAILED", AGENTS, "password");
    assertFieldError(create(body(uniqueEmail("op")).put("role", new JsonObject().put("$ne", "agent"))),
        400, "VALIDATION_FAILED", AGENTS, "role");
    assertThat(totalAgents()).as("nothing was created").isEqualTo(before);

    // the same on login: no "log in as whoever matches {$gt: ''}"
    String login = "/api/v2/auth/login";
    assertFieldError(app.post(login, null, new JsonObject().put("email", gt).put("password", gt)),
        400, "VALIDATION_FAILED", login, "email");
    assertFieldError(app.post(login, null, new JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", new JsonObject().put("$ne", null))), 400, "VALIDATION_FAILED", login, "password");

    // and on update
    String path = AGENTS + "/" + adminId;
    assertFieldError(app.put(path, adminToken, new JsonObject().put("email", gt)), 400, "VALIDATION_FAILED", path, "email");
    assertFieldError(app.put(path, adminToken, new JsonObject().put("isActive", "false")),
        400, "VALIDATION_FAILED", path, "isActive");
    assertThat(agent(adminId).getString("email")).isEqualTo(TestApp.ADMIN_EMAIL);
    assertThat(agent(adminId).getBoolean("isActive")).isTrue();
  }

  @Test
  void a_duplicate_email_is_409_whatever_its_case_or_surrounding_spaces() {
    String email = uniqueEmail("dup");
    assertThat(create(body(email)).statusCode()).isEqualTo(201);
    long before = totalAgents();

    assertFieldError(create(body(email)), 409, "DUPLICATE_RESOURCE", AGENTS, "email");
    assertFieldError(create(body("  " + email.toUpperCase() + " ")), 409, "DUPLICATE_RESOURCE", AGENTS, "email");
    assertThat(totalAgents()).isEqualTo(before);

    // changing another agent's email to it is refused too
    JsonObject other = created(create(body(uniqueEmail("dup-other"))));
    String path = AGENTS + "/" + other.getString("_id");
    assertFieldError(app.put(path, adminToken, new JsonObject().put("email", email)), 409, "DUPLICATE_RESOURCE", path, "email");
    assertThat(agent(other.getString("_id")).getString("email")).isNotEqualTo(email);
  }

  // ---- create: the result

  @Test
  void a_created_agent_has_ids_role_permissions_status_and_no_secrets() {
    String email = uniqueEmail("Shape");
    HttpResponse<Buffer> res = create(body(email).put("email", " " + email.toUpperCase() + " ").put("role", "Supervisor"));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    assertThat(res.bodyAsString()).doesNotContain("passwordHash").doesNotContain("argon2").doesNotContain(PASSWORD);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    JsonObject a = body.getJsonObject("agent");
    assertThat(a.getString("_id")).matches("[0-9a-f]{24}");
    assertThat(a.getString("id")).isEqualTo(a.getString("_id"));
    assertThat(a.getString("email")).isEqualTo(email.toLowerCase());
    assertThat(a.getString("firstName")).isEqualTo("Ana");
    assertThat(a.getString("lastName")).isEqualTo("Tester");
    assertThat(a.getString("role")).isEqualTo(Roles.SUPERVISOR);
    assertThat(a.getJsonArray("permissions").getList()).containsExactlyElementsOf(Roles.permissionsOf(Roles.SUPERVISOR));
    assertThat(a.getString("status")).isEqualTo("offline");
    assertThat(a.getBoolean("isActive")).isTrue();
    assertThat(a.getJsonArray("assignedConversations")).isEmpty();
    assertThat(a.containsKey("passwordHash")).isFalse();
    assertThat(a.containsKey("tokensValidAfter")).isFalse();
    Instant createdAt = Instant.parse(a.getString("createdAt"));
    assertThat(a.getString("createdAt")).endsWith("Z");
    assertThat(createdAt).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));

    // the same through GET, and the new agent can log in
    HttpResponse<Buffer> get = app.get(AGENTS + "/" + a.getString("_id"), adminToken);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(get.bodyAsString()).doesNotContain("passwordHash");
    assertThat(get.bodyAsJsonObject().getJsonObject("agent")).isEqualTo(a);
    JsonObject login = app.login(email, PASSWORD);
    assertThat(login.getJsonObject("agent").getString("_id")).isEqualTo(a.getString("_id"));

    // role defaults to agent
    JsonObject plain = created(create(body(uniqueEmail("default-role"))));
    assertThat(plain.getString("role")).isEqualTo(Roles.AGENT);
    assertThat(plain.getJsonArray("permissions").getList()).containsExactlyElementsOf(Roles.permissionsOf(Roles.AGENT));

    // no list answer leaks hashes either
    HttpResponse<Buffer> list = app.get(AGENTS + "?limit=100", adminToken);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.bodyAsString()).doesNotContain("passwordHash").doesNotContain("argon2").doesNotContain("tokensValidAfter");
  }

  @Test
  void unknown_agents_are_404_AGENT_NOT_FOUND() {
    String unknown = "0123456789abcdef01234567";
    for (String id : List.of(unknown, "not-an-object-id")) {
      String path = AGENTS + "/" + id;
      assertError(app.get(path, adminToken), 404, "AGENT_NOT_FOUND", path);
      assertError(app.put(path, adminToken, new JsonObject().put("firstName", "X")), 404, "AGENT_NOT_FOUND", path);
      assertError(app.post(path + "/deactivate", adminToken, null), 404, "AGENT_NOT_FOUND", path + "/deactivate");
      assertError(app.post(path + "/activate", adminToken, null), 404, "AGENT_NOT_FOUND", path + "/activate");
    }
  }

  @Test
  void update_with_nothing_to_change_is_400() {
    JsonObject a = created(create(body(uniqueEmail("noop"))));
    String path = AGENTS + "/" + a.getString("_id");
    assertError(app.put(path, adminToken, new JsonObject()), 400, "VALIDATION_FAILED", path);
    assertFieldError(app.put(path, adminToken, new JsonObject().put("firstName", " ")), 400, "VALIDATION_FAILED", path,
        "firstName");
    assertFieldError(app.put(path, adminToken, new JsonObject().put("password", "short")), 400, "VALIDATION_FAILED", path,
        "password");
    assertFieldError(app.put(path, adminToken, new JsonObject().put("status", "sleeping")), 400, "VALIDATION_FAILED", path,
        "status");
    assertThat(agent(a.getString("_id"))).isEqualTo(a);
  }

  // ---- list

  @Test
  void the_list_is_paginated_newest_first() {
    String marker = marker();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(created(create(body(uniqueEmail("page")).put("lastName", marker + " " + i))).getString("_id"));
    }
    List<String> newestFirst = new ArrayList<>(ids);
    Collections.reverse(newestFirst);

    List<String> seen = new ArrayList<>();
    for (int page = 1; page <= 3; page++) {
      JsonObject res = list(Map.of("search", marker, "limit", "2", "page", String.valueOf(page)));
      JsonObject p = res.getJsonObject("pagination");
      assertThat(p).isEqualTo(new JsonObject().put("currentPage", page).put("totalPages", 3).put("totalCount", 5)
          .put("pageSize", 2).put("hasNext", page < 3).put("hasPrev", page > 1));
      JsonArray agents = res.getJsonArray("agents");
      assertThat(agents).hasSize(page < 3 ? 2 : 1);
      for (Object o : agents) seen.add(((JsonObject) o).getString("_id"));
    }
    assertThat(seen).containsExactlyElementsOf(newestFirst);

    JsonObject beyond = list(Map.of("search", marker, "limit", "2", "page", "4"));
    assertThat(beyond.getJsonArray("agents")).isEmpty();
    assertThat(beyond.getJsonObject("pagination").getBoolean("hasNext")).isFalse();
    assertThat(beyond.getJsonObject("pagination").getBoolean("hasPrev")).isTrue();

    JsonObject defaults = list(Map.of());
    assertThat(defaults.getBoolean("success")).isTrue();
    assertThat(defaults.getJsonObject("pagination").getInteger("currentPage")).isEqualTo(1);
    assertThat(defaults.getJsonObject("pagination").getInteger("pageSize")).isEqualTo(20);

    assertFieldError(listRaw(Map.of("page", "0")), 400, "VALIDATION_FAILED", AGENTS, "page");
    assertFieldError(listRaw(Map.of("page", "two")), 400, "VALIDATION_FAILED", AGENTS, "page");
    assertFieldError(listRaw(Map.of("limit", "101")), 400, "VALIDATION_FAILED", AGENTS, "limit");
    assertFieldError(listRaw(Map.of("limit", "0")), 400, "VALIDATION_FAILED", AGENTS, "limit");
    assertThat(list(Map.of("limit", "100")).getJsonObject("pagination").getInteger("pageSize")).isEqualTo(100);
  }

  @Test
  void the_list_filters_by_role_and_active_state() {
    String marker = marker();
    String agentId = created(create(body(uniqueEmail("f-agent")).put("lastName", marker))).getString("_id");
    String supId = created(create(body(uniqueEmail("f-sup")).put("lastName", marker).put("role", "supervisor"))).getString("_id");
    String offId = created(create(body(uniqueEmail("f-off")).put("lastName", marker))).getString("_id");
    assertThat(app.post(AGENTS + "/" + offId + "/deactivate", adminToken, null).statusCode()).isEqualTo(200);

    assertThat(ids(list(Map.of("search", marker)))).containsExactlyInAnyOrder(agentId, supId, offId);
    assertThat(ids(list(Map.of("search", marker, "role", "supervisor")))).containsExactly(supId);
    assertThat(ids(list(Map.of("search", marker, "role", "agent")))).containsExactlyInAnyOrder(agentId, offId);
    assertThat(ids(list(Map.of("search", marker, "role", "admin")))).isEmpty();
    assertThat(ids(list(Map.of("search", marker, "isActive", "false")))).containsExactly(offId);
    assertThat(ids(list(Map.of("search", marker, "isActive", "true")))).containsExactlyInAnyOrder(agentId, supId);
    assertThat(ids(list(Map.of("search", marker, "role", "agent", "isActive", "true")))).containsExactly(agentId);
    assertThat(ids(list(Map.of("search", marker, "status", "offline")))).containsExactlyInAnyOrder(agentId, supId, offId);
    JsonObject filtered = list(Map.of("search", marker, "role", "agent"));
    assertThat(filtered.getJsonObject("pagination").getLong("totalCount")).isEqualTo(2);

    // every listed admin is an admin, and only those
    for (Object o : list(Map.of("role", "admin", "limit", "100")).getJsonArray("agents")) {
      assertThat(((JsonObject) o).getString("role")).isEqualTo("admin");
    }

    assertFieldError(listRaw(Map.of("role", "boss")), 400, "VALIDATION_FAILED", AGENTS, "role");
    assertFieldError(listRaw(Map.of("isActive", "maybe")), 400, "VALIDATION_FAILED", AGENTS, "isActive");
    assertFieldError(listRaw(Map.of("status", "asleep")), 400, "VALIDATION_FAILED", AGENTS, "status");
  }

  @Test
  void search_matches_names_and_email_case_insensitively_and_regex_characters_literally() {
    String marker = marker();
    String star = created(create(body(uniqueEmail("rx")).put("lastName", marker + "a.*b"))).getString("_id");
    String plain = created(create(body(uniqueEmail("rx")).put("lastName", marker + "aZZb"))).getString("_id");
    String paren = created(create(body(uniqueEmail("rx")).put("lastName", marker + "(x|y)"))).getString("_id");
    String email = uniqueEmail("findme");
    String byEmail = created(create(body(email).put("lastName", marker + "mail"))).getString("_id");

    assertThat(ids(list(Map.of("search", marker)))).containsExactlyInAnyOrder(star, plain, paren, byEmail);
    assertThat(ids(list(Map.of("search", marker + "a.*")))).as("'.*' is not a wildcard").containsExactly(star);
    assertThat(ids(list(Map.of("search", marker + "a.*b")))).containsExactly(star);
    assertThat(ids(list(Map.of("search", marker + "(x|y)")))).containsExactly(paren);
    assertThat(ids(list(Map.of("search", marker + "x|y")))).as("'|' is not an alternation").isEmpty();
    assertThat(ids(list(Map.of("search", ".*" + marker)))).isEmpty();
    assertThat(ids(list(Map.of("search", marker.toUpperCase())))).containsExactlyInAnyOrder(star, plain, paren, byEmail);
    assertThat(ids(list(Map.of("search", email.toUpperCase())))).containsExactly(byEmail);

    // characters that would make an invalid regex are just text
    for (String odd : List.of("(", "[", "*", "\\", "a{2", "+", "?")) {
      HttpResponse<Buffer> res = listRaw(Map.of("search", odd));
      assertThat(res.statusCode()).as("search %s: %s", odd, res.bodyAsString()).isEqualTo(200);
    }
    // a search that matches everything by regex matches nothing literally
    assertThat(list(Map.of("search", "^.*$")).getJsonObject("pagination").getLong("totalCount")).isZero();
  }

  // ---- the last admin

  @Test
  void the_last_active_admin_cannot_be_deactivated_or_demoted() {
    JsonObject admins = list(Map.of("role", "admin", "isActive", "true"));
    assertThat(ids(admins)).as("precondition: the seeded admin is the only active admin").containsExactly(adminId);

    String path = AGENTS + "/" + adminId;
    assertError(app.post(path + "/deactivate", adminToken, null), 422, "BUSINESS_RULE_VIOLATION", path + "/deactivate");
    assertError(app.send(HttpMethod.DELETE, path, adminToken, null), 422, "BUSINESS_RULE_VIOLATION", path);
    assertError(app.put(path, adminToken, new JsonObject().put("isActive", false)), 422, "BUSINESS_RULE_VIOLATION", path);
    assertError(app.put(path, adminToken, new JsonObject().put("role", "supervisor")), 422, "BUSINESS_RULE_VIOLATION", path);
    assertError(app.put(path, adminToken, new JsonObject().put("role", "agent").put("firstName", "Demoted")),
        422, "BUSINESS_RULE_VIOLATION", path);

    JsonObject still = agent(adminId);
    assertThat(still.getString("role")).isEqualTo("admin");
    assertThat(still.getBoolean("isActive")).isTrue();
    assertThat(still.getString("firstName")).as("a refused update changes nothing").isEqualTo("Admin");
    assertThat(app.get("/api/v2/auth/me", adminToken).statusCode()).as("the admin's session survives").isEqualTo(200);
    // keeping the role is not a demotion
    assertThat(app.put(path, adminToken, new JsonObject().put("role", "admin")).statusCode()).isEqualTo(200);
    adminToken = app.adminToken(); // the no-op role write above ended the old session

    // with a second active admin, that one may be deactivated; then the seeded admin is the last one again
    JsonObject second = created(create(body(uniqueEmail("admin2")).put("role", "admin")));
    String secondPath = AGENTS + "/" + second.getString("_id");
    HttpResponse<Buffer> off = app.post(secondPath + "/deactivate", adminToken, null);
    assertThat(off.statusCode()).as(off.bodyAsString()).isEqualTo(200);
    assertError(app.post(path + "/deactivate", adminToken, null), 422, "BUSINESS_RULE_VIOLATION", path + "/deactivate");
    // an inactive admin does not count, and deactivating it again is harmless
    assertThat(app.post(secondPath + "/deactivate", adminToken, null).statusCode()).isEqualTo(200);

    // a second active admin may be demoted
    JsonObject third = created(create(body(uniqueEmail("admin3")).put("role", "admin")));
    HttpResponse<Buffer> demote = app.put(AGENTS + "/" + third.getString("_id"), adminToken, new JsonObject().put("role", "agent"));
    assertThat(demote.statusCode()).as(demote.bodyAsString()).isEqualTo(200);
    assertThat(ids(list(Map.of("role", "admin", "isActive", "true")))).containsExactly(adminId);
  }

  /**
   * Two admins deactivating each other at the same moment: check-then-write without a lock let both succeed and left
   * no active admin (reproduced on the first round before the fix). Runs on its own app.
   */
  @Test
  void two_admins_deactivating_each_other_at_once_leave_one_active_admin() throws Exception {
    try (TestApp own = TestApp.start()) {
      String seededToken = own.adminToken();
      String seededId = own.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD).getJsonObject("agent").getString("_id");
      for (int round = 0; round < 5; round++) {
        String email = "race-" + round + "-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
        JsonObject other = own.createAgent(seededToken, email, PASSWORD, "admin");
        String otherToken = own.login(email, PASSWORD).getString("token");
        Future<HttpResponse<Buffer>> a = own.client.post(AGENTS + "/" + other.getString("_id") + "/deactivate")
            .putHeader("Authorization", "Bearer " + seededToken).send();
        Future<HttpResponse<Buffer>> b = own.client.post(AGENTS + "/" + seededId + "/deactivate")
            .putHeader("Authorization", "Bearer " + otherToken).send();
        Future.join(a, b).await(30, TimeUnit.SECONDS);
        List<Integer> statuses = List.of(a.result().statusCode(), b.result().statusCode());
        // exactly one wins; the other is refused by the rule (422) or, if it came second, for its revoked session (401)
        assertThat(statuses).as("round %d", round).containsOnlyOnce(200).allMatch(s -> s == 200 || s == 401 || s == 422);
        if (b.result().statusCode() == 200) return; // the seeded admin is gone: its token no longer works for more rounds
      }
    }
  }

  // ---- encoding

  @Test
  void utf8_names_round_trip() {
    String email = uniqueEmail("utf8");
    JsonObject a = created(create(body(email).put("firstName", "María").put("lastName", "García Pérez ñ 😀")));
    assertThat(a.getString("firstName")).isEqualTo("María");
    assertThat(a.getString("lastName")).isEqualTo("García Pérez ñ 😀");

    JsonObject got = agent(a.getString("_id"));
    assertThat(got.getString("firstName")).isEqualTo("María");
    assertThat(got.getString("lastName")).isEqualTo("García Pérez ñ 😀");
    assertThat(ids(list(Map.of("search", "García Pérez ñ")))).contains(a.getString("_id"));
    assertThat(app.login(email, PASSWORD).getJsonObject("agent").getString("firstName")).isEqualTo("María");

    // raw UTF-8 bytes, JSON declared without a charset; and the response declares UTF-8
    String rawEmail = uniqueEmail("utf8-raw");
    byte[] raw = ("{\"email\":\"" + rawEmail + "\",\"password\":\"" + PASSWORD
        + "\",\"firstName\":\"José\",\"lastName\":\"Muñoz Ærø\"}").getBytes(StandardCharsets.UTF_8);
    HttpResponse<Buffer> res = send(app.client.request(HttpMethod.POST, AGENTS)
        .putHeader("Authorization", "Bearer " + adminToken).putHeader("Content-Type", "application/json"), Buffer.buffer(raw));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    assertThat(res.getHeader("Content-Type")).containsIgnoringCase("charset=utf-8");
    JsonObject rawAgent = new JsonObject(res.body().toString(StandardCharsets.UTF_8)).getJsonObject("agent");
    assertThat(rawAgent.getString("firstName")).isEqualTo("José");
    assertThat(rawAgent.getString("lastName")).isEqualTo("Muñoz Ærø");

    // a PUT with accented text works the same
    String path = AGENTS + "/" + a.getString("_id");
    HttpResponse<Buffer> put = app.put(path, adminToken, new JsonObject().put("firstName", "Zoë Ł"));
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(agent(a.getString("_id")).getString("firstName")).isEqualTo("Zoë Ł");
  }

  // ---- helpers

  private static String uniqueEmail(String tag) {
    return tag + "-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
  }

  /** A random word to find this test's agents by (letters only, so it is no regex). */
  private static String marker() {
    StringBuilder sb = new StringBuilder("mk");
    for (char c : UUID.randomUUID().toString().replace("-", "").substring(0, 10).toCharArray()) {
      sb.append((char) ('a' + Character.digit(c, 16)));
    }
    return sb.toString();
  }

  private static JsonObject body(String email) {
    return new JsonObject().put("email", email).put("password", PASSWORD).put("firstName", "Ana").put("lastName", "Tester");
  }

  private static HttpResponse<Buffer> create(JsonObject body) {
    return app.post(AGENTS, adminToken, body);
  }

  private static JsonObject created(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    return res.bodyAsJsonObject().getJsonObject("agent");
  }

  private static JsonObject agent(String id) {
    HttpResponse<Buffer> res = app.get(AGENTS + "/" + id, adminToken);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("agent");
  }

  private static HttpResponse<Buffer> listRaw(Map<String, String> params) {
    HttpRequest<Buffer> req = app.client.get(AGENTS).putHeader("Authorization", "Bearer " + adminToken);
    new LinkedHashMap<>(params).forEach(req::addQueryParam);
    return send(req, null);
  }

  private static JsonObject list(Map<String, String> params) {
    HttpResponse<Buffer> res = listRaw(params);
    assertThat(res.statusCode()).as("list %s: %s", params, res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    assertThat(body.getJsonArray("agents")).isNotNull();
    assertThat(body.getJsonObject("pagination")).isNotNull();
    return body;
  }

  private static List<String> ids(JsonObject listBody) {
    List<String> out = new ArrayList<>();
    for (Object o : listBody.getJsonArray("agents")) out.add(((JsonObject) o).getString("_id"));
    return out;
  }

  private static JsonObject search(String text) {
    return list(Map.of("search", text));
  }

  private static long totalAgents() {
    return list(Map.of()).getJsonObject("pagination").getLong("totalCount");
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> req, Object body) {
    try {
      if (body == null) return req.send().await(30, TimeUnit.SECONDS);
      if (body instanceof Buffer b) return req.sendBuffer(b).await(30, TimeUnit.SECONDS);
      return req.sendBuffer(Buffer.buffer((String) body)).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
