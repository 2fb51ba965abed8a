package crm;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop and a start on the same data directory with the H2 backend and no JWT_SECRET: agents, sessions and the
 * generated signing secret (kept in {@code <data dir>/jwt-secret}) all survive; the admin is seeded only once.
 */
class RestartPersistenceTest {
  private static final String AGENT_EMAIL = "restart.agent@crm.test";
  private static final String AGENT_PASSWORD = "agent-password-1";

  @TempDir
  Path dataDir;

  private JsonObject config() {
    return new JsonObject()
        .put("CRM_DB_BACKEND", "h2")
        .put("CRM_DATA_DIR", dataDir.toString())
        .put("JWT_SECRET", ""); // none given: the app generates one and keeps it in the data dir
  }

  @Test
  void agents_sessions_and_the_generated_secret_survive_a_restart() throws Exception {
    String agentId;
    String oldToken;
    String oldRefresh;
    String secret;
    TestApp first = TestApp.start(config());
    try {
      Path secretFile = dataDir.resolve("jwt-secret");
      assertThat(secretFile).exists();
      secret = Files.readString(secretFile).trim();
      assertThat(secret).hasSizeGreaterThanOrEqualTo(43);
      assertThat(Files.getPosixFilePermissions(secretFile))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      assertThat(first.app.deployedConfig().getString("JWT_SECRET")).isEqualTo(secret);

      String admin = first.adminToken();
      agentId = first.createAgent(admin, AGENT_EMAIL, AGENT_PASSWORD, "agent").getString("_id");
      JsonObject login = first.login(AGENT_EMAIL, AGENT_PASSWORD);
      oldToken = login.getString("token");
      oldRefresh = login.getString("refreshToken");
      assertThat(first.get("/api/v2/auth/me", oldToken).statusCode()).isEqualTo(200);
      assertThat(adminTotal(first, admin)).isEqualTo(1);
    } finally {
      first.close();
    }

    TestApp second = TestApp.start(config());
    try {
      assertThat(Files.readString(dataDir.resolve("jwt-secret")).trim()).as("secret kept, not regenerated").isEqualTo(secret);
      assertThat(second.app.deployedConfig().getString("JWT_SECRET")).isEqualTo(secret);

      // the access token issued before the restart is still valid (same secret)
      HttpResponse<Buffer> me = second.get("/api/v2/auth/me", oldToken);
      assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
      assertThat(me.bodyAsJsonObject().getJsonObject("agent").getString("_id")).isEqualTo(agentId);

      // the refresh token issued before the restart still rotates, once
      HttpResponse<Buffer> refreshed = second.post("/api/v2/auth/refresh", null, new JsonObject().put("refreshToken", oldRefresh));
      assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
      String newToken = refreshed.bodyAsJsonObject().getString("token");
      String newRefresh = refreshed.bodyAsJsonObject().getString("refreshToken");
      assertThat(newRefresh).isNotBlank().isNotEqualTo(oldRefresh);
      assertThat(second.get("/api/v2/auth/me", newToken).statusCode()).isEqualTo(200);

      // the agent still exists and logs in with its password
      JsonObject login = second.login(AGENT_EMAIL, AGENT_PASSWORD);
      assertThat(login.getJsonObject("agent").getString("_id")).isEqualTo(agentId);

      // the admin was not seeded a second time
      String admin = second.adminToken();
      assertThat(adminTotal(second, admin)).isEqualTo(1);
      HttpResponse<Buffer> all = second.get("/api/v2/agents", admin);
      assertThat(all.bodyAsJsonObject().getJsonObject("pagination").getLong("totalCount")).isEqualTo(2);
    } finally {
      second.close();
    }
  }

  @Test
  void a_configured_secret_replaces_the_generated_one_and_old_tokens_stop_working() {
    String oldToken;
    TestApp first = TestApp.start(config());
    try {
      oldToken = first.adminToken();
    } finally {
      first.close();
    }
    TestApp second = TestApp.start(config().put("JWT_SECRET", TestApp.JWT_SECRET));
    try {
      HttpResponse<Buffer> me = second.get("/api/v2/auth/me", oldToken);
      assertThat(me.statusCode()).isEqualTo(401);
      assertThat(me.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("AUTH_TOKEN_INVALID");
      // the data itself is still there
      assertThat(second.get("/api/v2/auth/me", second.adminToken()).statusCode()).isEqualTo(200);
    } finally {
      second.close();
    }
  }

  private static long adminTotal(TestApp app, String adminToken) {
    HttpResponse<Buffer> res = app.get("/api/v2/agents?role=admin", adminToken);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonObject("pagination").getLong("totalCount");
  }
}
