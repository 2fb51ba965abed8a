package crm.files;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Roles;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RATE_LIMIT_UPLOAD (5 per minute per agent, the spec's): the sixth upload of a window is 429 with the envelope and
 * Retry-After, and stores nothing; other agents and other routes keep their own budgets. Windows are fixed (aligned
 * on the clock), so the assertions look at the window the refusal belongs to (its X-RateLimit-Reset), never at the
 * clock: a run that straddles a window boundary simply counts in the next window.
 */
class UploadRateLimitTest {
  static TestApp app;
  static String tokenA;
  static String tokenB;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("RATE_LIMIT_UPLOAD", 5).put("RATE_LIMIT_WINDOW_SECONDS", 60));
    String admin = app.adminToken();
    app.createAgent(admin, "rl-upload-a@crm.test", "upload-password-1", Roles.AGENT);
    app.createAgent(admin, "rl-upload-b@crm.test", "upload-password-1", Roles.AGENT);
    tokenA = app.login("rl-upload-a@crm.test", "upload-password-1").getString("token");
    tokenB = app.login("rl-upload-b@crm.test", "upload-password-1").getString("token");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void the_sixth_upload_of_a_minute_is_429_and_stores_nothing() throws Exception {
    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    HttpResponse<Buffer> refused = null;
    for (int i = 0; i < 12 && refused == null; i++) {
      HttpResponse<Buffer> res = upload(tokenA);
      answers.add(res);
      if (res.statusCode() == 429) refused = res;
      else assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(201);
    }
    assertThat(refused).as("a 429 within 12 uploads").isNotNull();
    String window = refused.getHeader("X-RateLimit-Reset");
    long acceptedInWindow = answers.stream()
        .filter(r -> r.statusCode() == 201 && window.equals(r.getHeader("X-RateLimit-Reset"))).count();
    assertThat(acceptedInWindow).as("uploads accepted in the refusal's window").isEqualTo(5);

    JsonObject err = assertError(refused, 429, "RATE_LIMIT_EXCEEDED", "/api/v2/upload");
    assertThat(err.getJsonObject("details").getInteger("limit")).isEqualTo(5);
    assertThat(refused.getHeader("X-RateLimit-Limit")).isEqualTo("5");
    assertThat(refused.getHeader("X-RateLimit-Remaining")).isEqualTo("0");
    assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 60L);
    long accepted = answers.stream().filter(r -> r.statusCode() == 201).count();
    assertThat(count("media.files")).as("only the accepted uploads are stored").isEqualTo(accepted);

    // another agent has a budget of their own, and agent A's other requests are not counted as uploads
    assertThat(upload(tokenB).statusCode()).isEqualTo(201);
    assertThat(app.get("/api/v2/auth/me", tokenA).statusCode()).isEqualTo(200);
  }

  private static HttpResponse<Buffer> upload(String token) throws Exception {
    MultipartForm form = MultipartForm.create().binaryFileUpload("file", "a.png", Buffer.buffer(Samples.png()), "image/png");
    return app.client.post("/api/v2/upload").putHeader("Authorization", "Bearer " + token).sendMultipartForm(form)
        .await(30, TimeUnit.SECONDS);
  }

  private static long count(String collection) throws Exception {
    crm.storage.Mongo mongo = new crm.storage.Mongo(app.vertx, app.app.deployedConfig());
    try {
      return mongo.client().count(collection, new JsonObject()).await(10, TimeUnit.SECONDS);
    } finally {
      mongo.close();
    }
  }
}
