package crm.http;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Jwt;
import crm.auth.Permission;
import crm.auth.Roles;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sessions end to end: refresh-token rotation and reuse detection, access-token verification (expired, forged,
 * tampered, unsigned, garbage), logout, and the sessions of deactivated agents and agents whose rights changed.
 */
class AuthSessionTest {
  private static final String ME = "/api/v2/auth/me";
  private static final String REFRESH = "/api/v2/auth/refresh";
  private static final String LOGOUT = "/api/v2/auth/logout";
  private static final String PASSWORD = "agent-password-1";

  static TestApp app;
  static String adminToken;
  static JWTAuth testSigner;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    adminToken = app.adminToken();
    testSigner = signer(TestApp.JWT_SECRET);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  // ---- refresh tokens

  @Test
  void refresh_returns_a_new_token_pair_in_the_same_session_and_the_chain_keeps_rotating() {
    JsonObject agent = newAgent("rotate", Roles.AGENT);
    JsonObject login = app.login(agent.getString("email"), PASSWORD);

    HttpResponse<Buffer> first = refresh(login.getString("refreshToken"));
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    JsonObject r1 = first.bodyAsJsonObject();
    assertThat(r1.getBoolean("success")).isTrue();
    assertThat(r1.getInteger("expiresIn")).isEqualTo(3600);
    assertThat(r1.getString("token")).isNotBlank();
    assertThat(r1.getString("refreshToken")).isNotBlank().isNotEqualTo(login.getString("refreshToken"));

    JsonObject before = claims(login.getString("token"));
    JsonObject after = claims(r1.getString("token"));
    assertThat(after.getString("sub")).isEqualTo(agent.getString("_id"));
    assertThat(after.getString("sid")).as("refresh stays in the login's session").isEqualTo(before.getString("sid"));
    assertThat(after.getString("role")).isEqualTo(Roles.AGENT);
    assertThat(after.getString("iss")).isEqualTo(Jwt.ISSUER);
    assertThat(after.getLong("exp") - after.getLong("iat")).isEqualTo(3600L);

    HttpResponse<Buffer> me = app.get(ME, r1.getString("token"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonObject("agent").getString("_id")).isEqualTo(agent.getString("_id"));

    // the newest refresh token is the one that works
    HttpResponse<Buffer> second = refresh(r1.getString("refreshToken"));
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
    String r2 = second.bodyAsJsonObject().getString("refreshToken");
    assertThat(r2).isNotEqualTo(r1.getString("refreshToken")).isNotEqualTo(login.getString("refreshToken"));

    // the spent ones are refused
    assertError(refresh(login.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(refresh(r1.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
  }

  @Test
  void reusing_a_spent_refresh_token_revokes_the_whole_session_but_not_the_agents_other_sessions() {
    JsonObject agent = newAgent("reuse", Roles.AGENT);
    JsonObject other = app.login(agent.getString("email"), PASSWORD);
    JsonObject login = app.login(agent.getString("email"), PASSWORD);
    String t1 = login.getString("token");
    String r1 = login.getString("refreshToken");

    HttpResponse<Buffer> rotated = refresh(r1);
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    String t2 = rotated.bodyAsJsonObject().getString("token");
    String r2 = rotated.bodyAsJsonObject().getString("refreshToken");
    assertThat(app.get(ME, t1).statusCode()).isEqualTo(200);
    assertThat(app.get(ME, t2).statusCode()).isEqualTo(200);

    // r1 was spent: presenting it again means it was stolen or replayed
    assertError(refresh(r1), 401, "AUTH_TOKEN_INVALID", REFRESH);

    // the whole family is gone: the newest refresh token and every access token of the session
    assertError(refresh(r2), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(app.get(ME, t1), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(app.get(ME, t2), 401, "AUTH_TOKEN_INVALID", ME);

    // the agent's other session is untouched
    assertThat(app.get(ME, other.getString("token")).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> otherRefresh = refresh(other.getString("refreshToken"));
    assertThat(otherRefresh.statusCode()).as(otherRefresh.bodyAsString()).isEqualTo(200);
    assertThat(app.get(ME, otherRefresh.bodyAsJsonObject().getString("token")).statusCode()).isEqualTo(200);
  }

  @Test
  void refresh_with_an_unknown_missing_or_non_string_token_is_refused() {
    assertError(refresh("not-a-refresh-token-" + UUID.randomUUID()), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertFieldError(app.post(REFRESH, null, new JsonObject()), 400, "VALIDATION_FAILED", REFRESH, "refreshToken");
    assertFieldError(app.post(REFRESH, null, new JsonObject().put("refreshToken", new JsonObject().put("$ne", ""))),
        400, "VALIDATION_FAILED", REFRESH, "refreshToken");
    // oversized input is refused before it reaches the store
    assertFieldError(refresh("r".repeat(513)), 400, "VALIDATION_FAILED", REFRESH, "refreshToken");
  }

  // ---- access tokens

  @Test
  void a_token_signed_with_the_test_secret_is_accepted_so_the_forgery_tests_below_are_meaningful() {
    JsonObject claims = adminClaims();
    String token = sign(claims, Instant.now().getEpochSecond() + 600);
    HttpResponse<Buffer> me = app.get(ME, token);
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonObject("agent").getString("email")).isEqualTo(TestApp.ADMIN_EMAIL);
  }

  @Test
  void an_expired_access_token_is_AUTH_TOKEN_EXPIRED() {
    long now = Instant.now().getEpochSecond();
    JsonObject claims = adminClaims().put("iat", now - 7200);
    String expired = sign(claims, now - 3600);
    assertError(app.get(ME, expired), 401, "AUTH_TOKEN_EXPIRED", ME);
    assertError(app.get("/api/v2/agents", expired), 401, "AUTH_TOKEN_EXPIRED", "/api/v2/agents");

    // expired one second ago: no leeway
    String justExpired = sign(adminClaims().put("iat", now - 3601), now - 1);
    assertError(app.get(ME, justExpired), 401, "AUTH_TOKEN_EXPIRED", ME);
  }

  @Test
  void a_token_with_a_tampered_signature_is_AUTH_TOKEN_INVALID() {
    String token = adminToken;
    String[] parts = token.split("\\.");
    // change a character in the middle of the signature (the last one may only carry padding bits)
    char[] sig = parts[2].toCharArray();
    int i = sig.length / 2;
    sig[i] = sig[i] == 'A' ? 'B' : 'A';
    String tampered = parts[0] + "." + parts[1] + "." + new String(sig);
    assertError(app.get(ME, tampered), 401, "AUTH_TOKEN_INVALID", ME);

    // a correct-looking signature made with another secret
    String forged = signWith(signer("another-secret-0123456789-0123456789-0123"), adminClaims(),
        Instant.now().getEpochSecond() + 600);
    assertError(app.get(ME, forged), 401, "AUTH_TOKEN_INVALID", ME);

    // no signature at all
    assertError(app.get(ME, parts[0] + "." + parts[1] + "."), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(app.get(ME, parts[0] + "." + parts[1]), 401, "AUTH_TOKEN_INVALID", ME);
  }

  @Test
  void a_token_whose_payload_was_edited_to_claim_admin_rights_is_AUTH_TOKEN_INVALID() {
    JsonObject agent = newAgent("tamper", Roles.AGENT);
    String token = app.login(agent.getString("email"), PASSWORD).getString("token");
    assertError(app.get("/api/v2/agents", token), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents");

    String[] parts = token.split("\\.");
    JsonObject payload = claims(token);
    payload.put("role", Roles.ADMIN).put("permissions", new JsonArray(Roles.permissionsOf(Roles.ADMIN)));
    String tampered = parts[0] + "." + b64(payload.encode()) + "." + parts[2];

    assertError(app.get("/api/v2/agents", tampered), 401, "AUTH_TOKEN_INVALID", "/api/v2/agents");
    assertError(app.get(ME, tampered), 401, "AUTH_TOKEN_INVALID", ME);

    // only the role changed, permissions kept: still refused
    JsonObject roleOnly = claims(token).put("role", Roles.ADMIN);
    assertError(app.get(ME, parts[0] + "." + b64(roleOnly.encode()) + "." + parts[2]), 401, "AUTH_TOKEN_INVALID", ME);
  }

  @Test
  void an_unsigned_alg_none_token_is_AUTH_TOKEN_INVALID() {
    String header = b64(new JsonObject().put("alg", "none").put("typ", "JWT").encode());
    JsonObject payload = adminClaims().put("iss", Jwt.ISSUER)
        .put("iat", Instant.now().getEpochSecond()).put("exp", Instant.now().getEpochSecond() + 600);
    String none = header + "." + b64(payload.encode()) + ".";
    assertError(app.get(ME, none), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(app.get("/api/v2/agents", none), 401, "AUTH_TOKEN_INVALID", "/api/v2/agents");
    // the same without the trailing dot, and with "None" spelled differently
    assertError(app.get(ME, header + "." + b64(payload.encode())), 401, "AUTH_TOKEN_INVALID", ME);
    String noneUpper = b64(new JsonObject().put("alg", "NONE").put("typ", "JWT").encode());
    assertError(app.get(ME, noneUpper + "." + b64(payload.encode()) + "."), 401, "AUTH_TOKEN_INVALID", ME);
  }

  @Test
  void garbage_tokens_are_AUTH_TOKEN_INVALID() {
    for (String garbage : List.of("garbage", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.%%%.xyz",
        b64("{not json") + "." + b64("{}") + ".abc", "x".repeat(9000))) {
      assertError(app.get(ME, garbage), 401, "AUTH_TOKEN_INVALID", ME);
    }
  }

  @Test
  void a_validly_signed_token_with_a_wrong_issuer_or_missing_claims_is_AUTH_TOKEN_INVALID() {
    long exp = Instant.now().getEpochSecond() + 600;
    JWTOptions wrongIssuer = new JWTOptions().setAlgorithm("HS256").setIssuer("someone-else");
    String otherIssuer = testSigner.generateToken(adminClaims().put("exp", exp), wrongIssuer);
    assertError(app.get(ME, otherIssuer), 401, "AUTH_TOKEN_INVALID", ME);

    JsonObject noSid = adminClaims();
    noSid.remove("sid");
    assertError(app.get(ME, sign(noSid, exp)), 401, "AUTH_TOKEN_INVALID", ME);

    JsonObject noSub = adminClaims();
    noSub.remove("sub");
    assertError(app.get(ME, sign(noSub, exp)), 401, "AUTH_TOKEN_INVALID", ME);
  }

  @Test
  void the_authorization_header_needs_the_bearer_scheme() {
    assertError(withAuthorization(ME, adminToken), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(withAuthorization(ME, "Basic " + Base64.getEncoder().encodeToString(
        (TestApp.ADMIN_EMAIL + ":" + TestApp.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8))), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(withAuthorization(ME, "Bearer"), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(withAuthorization(ME, "Bearer "), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(withAuthorization(ME, "Token " + adminToken), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(app.get(ME, null), 401, "AUTH_TOKEN_INVALID", ME);
    // the scheme is case-insensitive (RFC 7235)
    assertThat(withAuthorization(ME, "bearer " + adminToken).statusCode()).isEqualTo(200);
    assertThat(withAuthorization(ME, "Bearer " + adminToken).statusCode()).isEqualTo(200);
  }

  // ---- logout

  @Test
  void logout_ends_that_session_only() {
    JsonObject agent = newAgent("logout", Roles.AGENT);
    JsonObject a = app.login(agent.getString("email"), PASSWORD);
    JsonObject b = app.login(agent.getString("email"), PASSWORD);

    HttpResponse<Buffer> out = app.post(LOGOUT, a.getString("token"),
        new JsonObject().put("refreshToken", a.getString("refreshToken")));
    assertThat(out.statusCode()).as(out.bodyAsString()).isEqualTo(200);
    assertThat(out.bodyAsJsonObject().getBoolean("success")).isTrue();

    assertError(app.get(ME, a.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(a.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(app.post(LOGOUT, a.getString("token"), new JsonObject()), 401, "AUTH_TOKEN_INVALID", LOGOUT);

    // the second session of the same agent keeps working, refresh included
    HttpResponse<Buffer> me = app.get(ME, b.getString("token"));
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> refreshed = refresh(b.getString("refreshToken"));
    assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
    assertThat(app.get(ME, refreshed.bodyAsJsonObject().getString("token")).statusCode()).isEqualTo(200);
  }

  @Test
  void logout_without_a_body_also_ends_the_sessions_refresh_token() {
    JsonObject agent = newAgent("logout-nobody", Roles.AGENT);
    JsonObject s = app.login(agent.getString("email"), PASSWORD);
    HttpResponse<Buffer> out = app.post(LOGOUT, s.getString("token"), null);
    assertThat(out.statusCode()).as(out.bodyAsString()).isEqualTo(200);
    assertError(app.get(ME, s.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(s.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(app.post(LOGOUT, null, null), 401, "AUTH_TOKEN_INVALID", LOGOUT);
  }

  // ---- deactivation, reactivation, changed rights

  @Test
  void a_deactivated_agent_cannot_log_in_or_refresh_and_its_tokens_are_refused_until_reactivated() {
    JsonObject agent = newAgent("deactivate", Roles.AGENT);
    String id = agent.getString("_id");
    String email = agent.getString("email");
    JsonObject session = app.login(email, PASSWORD);

    HttpResponse<Buffer> off = app.post("/api/v2/agents/" + id + "/deactivate", adminToken, null);
    assertThat(off.statusCode()).as(off.bodyAsString()).isEqualTo(200);
    assertThat(off.bodyAsJsonObject().getJsonObject("agent").getBoolean("isActive")).isFalse();
    assertThat(off.bodyAsJsonObject().getJsonObject("agent").getString("status")).isEqualTo("offline");

    assertError(app.get(ME, session.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(session.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(login(email, PASSWORD), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/auth/login");
    // a wrong password tells nothing about the account's state
    assertError(login(email, "wrong-password-1"), 401, "AUTH_CREDENTIALS_INVALID", "/api/v2/auth/login");

    HttpResponse<Buffer> on = app.post("/api/v2/agents/" + id + "/activate", adminToken, null);
    assertThat(on.statusCode()).as(on.bodyAsString()).isEqualTo(200);
    assertThat(on.bodyAsJsonObject().getJsonObject("agent").getBoolean("isActive")).isTrue();

    JsonObject again = app.login(email, PASSWORD);
    HttpResponse<Buffer> me = app.get(ME, again.getString("token"));
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonObject("agent").getBoolean("isActive")).isTrue();
    // reactivation does not bring the old session back
    assertError(app.get(ME, session.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(session.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
  }

  @Test
  void deactivating_through_put_isActive_false_or_delete_also_ends_the_sessions() {
    JsonObject agent = newAgent("deactivate-put", Roles.AGENT);
    String id = agent.getString("_id");
    JsonObject s1 = app.login(agent.getString("email"), PASSWORD);
    HttpResponse<Buffer> put = app.put("/api/v2/agents/" + id, adminToken, new JsonObject().put("isActive", false));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    assertError(app.get(ME, s1.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(s1.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);

    assertThat(app.post("/api/v2/agents/" + id + "/activate", adminToken, null).statusCode()).isEqualTo(200);
    JsonObject s2 = app.login(agent.getString("email"), PASSWORD);
    HttpResponse<Buffer> del = app.send(HttpMethod.DELETE, "/api/v2/agents/" + id, adminToken, null);
    assertThat(del.statusCode()).as(del.bodyAsString()).isEqualTo(200);
    assertThat(del.bodyAsJsonObject().getJsonObject("agent").getBoolean("isActive")).isFalse();
    assertError(app.get(ME, s2.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(s2.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
  }

  @Test
  void a_role_change_ends_the_old_sessions_and_the_next_login_carries_the_new_permissions() {
    JsonObject agent = newAgent("promote", Roles.AGENT);
    String id = agent.getString("_id");
    JsonObject old = app.login(agent.getString("email"), PASSWORD);
    assertError(app.get("/api/v2/agents", old.getString("token")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/agents");

    HttpResponse<Buffer> put = app.put("/api/v2/agents/" + id, adminToken, new JsonObject().put("role", Roles.SUPERVISOR));
    assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
    JsonObject updated = put.bodyAsJsonObject().getJsonObject("agent");
    assertThat(updated.getString("role")).isEqualTo(Roles.SUPERVISOR);
    assertThat(updated.getJsonArray("permissions").getList())
        .containsExactlyInAnyOrderElementsOf(Roles.permissionsOf(Roles.SUPERVISOR));

    assertError(app.get(ME, old.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(old.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);

    JsonObject fresh = app.login(agent.getString("email"), PASSWORD);
    assertThat(fresh.getJsonObject("agent").getString("role")).isEqualTo(Roles.SUPERVISOR);
    JsonObject c = claims(fresh.getString("token"));
    assertThat(c.getString("role")).isEqualTo(Roles.SUPERVISOR);
    assertThat(c.getJsonArray("permissions").getList())
        .containsExactlyInAnyOrderElementsOf(Roles.permissionsOf(Roles.SUPERVISOR))
        .contains(Permission.READ_AGENTS)
        .doesNotContain(Permission.WRITE_AGENTS);
    HttpResponse<Buffer> list = app.get("/api/v2/agents", fresh.getString("token"));
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    assertThat(app.get(ME, fresh.getString("token")).statusCode()).isEqualTo(200);
  }

  @Test
  void a_password_change_ends_the_sessions_but_a_name_change_does_not() {
    JsonObject agent = newAgent("password", Roles.AGENT);
    String id = agent.getString("_id");
    JsonObject s = app.login(agent.getString("email"), PASSWORD);

    HttpResponse<Buffer> rename = app.put("/api/v2/agents/" + id, adminToken, new JsonObject().put("firstName", "Renamed"));
    assertThat(rename.statusCode()).as(rename.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> me = app.get(ME, s.getString("token"));
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonObject("agent").getString("firstName")).isEqualTo("Renamed");

    HttpResponse<Buffer> pw = app.put("/api/v2/agents/" + id, adminToken, new JsonObject().put("password", "brand-new-password"));
    assertThat(pw.statusCode()).as(pw.bodyAsString()).isEqualTo(200);
    assertThat(pw.bodyAsString()).doesNotContain("passwordHash").doesNotContain("argon2");
    assertError(app.get(ME, s.getString("token")), 401, "AUTH_TOKEN_INVALID", ME);
    assertError(refresh(s.getString("refreshToken")), 401, "AUTH_TOKEN_INVALID", REFRESH);
    assertError(login(agent.getString("email"), PASSWORD), 401, "AUTH_CREDENTIALS_INVALID", "/api/v2/auth/login");
    assertThat(app.get(ME, app.login(agent.getString("email"), "brand-new-password").getString("token")).statusCode())
        .isEqualTo(200);
  }

  // ---- helpers

  private static JsonObject newAgent(String tag, String role) {
    String email = tag + "-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    return app.createAgent(adminToken, email, PASSWORD, role);
  }

  private static HttpResponse<Buffer> refresh(String refreshToken) {
    return app.post(REFRESH, null, new JsonObject().put("refreshToken", refreshToken));
  }

  private static HttpResponse<Buffer> login(String email, String password) {
    return app.post("/api/v2/auth/login", null, new JsonObject().put("email", email).put("password", password));
  }

  private static HttpResponse<Buffer> withAuthorization(String path, String header) {
    try {
      return app.client.get(path).putHeader("Authorization", header).send().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The claims of the admin's real session (sub, sid, email, role, permissions), without iat/exp/iss. */
  private static JsonObject adminClaims() {
    JsonObject c = claims(adminToken);
    return new JsonObject().put("sub", c.getString("sub")).put("sid", c.getString("sid"))
        .put("email", c.getString("email")).put("role", c.getString("role"))
        .put("permissions", c.getJsonArray("permissions"));
  }

  static JsonObject claims(String token) {
    String[] parts = token.split("\\.");
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
  }

  static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static JWTAuth signer(String secret) {
    return JWTAuth.create(app.vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
  }

  private static String sign(JsonObject claims, long exp) {
    return signWith(testSigner, claims, exp);
  }

  /** HS256, issuer whatsapp-crm, the given {@code exp} (and {@code iat} when the claims carry none: now). */
  private static String signWith(JWTAuth auth, JsonObject claims, long exp) {
    return auth.generateToken(claims.copy().put("exp", exp),
        new JWTOptions().setAlgorithm("HS256").setIssuer(Jwt.ISSUER));
  }
}
