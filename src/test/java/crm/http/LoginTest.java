package crm.http;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LoginTest {
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void seeded_admin_logs_in_and_me_returns_the_agent() {
    JsonObject login = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    assertThat(login.getBoolean("success")).isTrue();
    assertThat(login.getInteger("expiresIn")).isEqualTo(3600);
    assertThat(login.getString("refreshToken")).isNotBlank();
    JsonObject agent = login.getJsonObject("agent");
    assertThat(agent.getString("email")).isEqualTo(TestApp.ADMIN_EMAIL);
    assertThat(agent.getString("role")).isEqualTo("admin");
    assertThat(agent.getString("id")).matches("[0-9a-f]{24}").isEqualTo(agent.getString("_id"));
    assertThat(agent.containsKey("passwordHash")).isFalse();

    HttpResponse<Buffer> me = app.get("/api/v2/auth/me", login.getString("token"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonObject("agent").getString("_id")).isEqualTo(agent.getString("_id"));
  }

  @Test
  void wrong_password_and_unknown_email_get_the_same_answer() {
    HttpResponse<Buffer> wrong = app.post("/api/v2/auth/login", null,
        new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", "not-the-password"));
    HttpResponse<Buffer> unknown = app.post("/api/v2/auth/login", null,
        new JsonObject().put("email", "nobody@crm.test").put("password", "not-the-password"));
    for (HttpResponse<Buffer> res : java.util.List.of(wrong, unknown)) {
      assertThat(res.statusCode()).isEqualTo(401);
      JsonObject body = res.bodyAsJsonObject();
      assertThat(body.getBoolean("success")).isFalse();
      assertThat(body.getJsonObject("error").getString("code")).isEqualTo("AUTH_CREDENTIALS_INVALID");
    }
    assertThat(wrong.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .isEqualTo(unknown.bodyAsJsonObject().getJsonObject("error").getString("message"));
  }
}
