package crm.files;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Roles;
import crm.storage.MediaStore;
import crm.storage.Mongo;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/v2/media/:id through the whole application: headers, bytes, auth and not-found envelopes. */
class MediaRoutesTest {
  static TestApp app;
  static Mongo mongo;
  static MediaStore store;
  static String adminToken;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    mongo = new Mongo(app.vertx, app.app.deployedConfig());
    store = new MediaStore(app.vertx, mongo);
    adminToken = app.adminToken();
  }

  @AfterAll
  static void stop() {
    mongo.close();
    app.close();
  }

  @Test
  void a_stored_file_is_served_with_its_type_length_name_and_caching_headers() throws Exception {
    byte[] bytes = new byte[700_000];
    new Random(7).nextBytes(bytes);
    String id = put(bytes, "Foto März 2026.png", "image/png");

    HttpResponse<Buffer> res = app.get("/api/v2/media/" + id, adminToken);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).isEqualTo("image/png");
    assertThat(res.getHeader("Content-Length")).isEqualTo(String.valueOf(bytes.length));
    assertThat(res.getHeader("Content-Disposition")).isEqualTo("inline; filename*=UTF-8''Foto%20M%C3%A4rz%202026.png");
    assertThat(res.getHeader("Cache-Control")).isEqualTo("private, max-age=86400");
    assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(res.getHeader("Content-Security-Policy")).isEqualTo("sandbox");
    assertThat(res.getHeader("X-RateLimit-Limit")).as("an API route like any other").isNotNull();
    assertThat(res.body().getBytes()).isEqualTo(bytes);
  }

  @Test
  void media_is_not_compressed_even_when_the_client_accepts_gzip() throws Exception {
    byte[] text = "hello hello hello hello hello hello hello hello\n".repeat(2000).getBytes();
    String id = put(text, "notes.txt", "text/plain; charset=utf-8");

    HttpResponse<Buffer> res = app.client.get("/api/v2/media/" + id).putHeader("Authorization", "Bearer " + adminToken)
        .putHeader("Accept-Encoding", "gzip, deflate").send().await(30, TimeUnit.SECONDS);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Encoding")).isNull();
    assertThat(res.getHeader("Content-Length")).isEqualTo(String.valueOf(text.length));
    assertThat(res.getHeader("Content-Type")).isEqualTo("text/plain; charset=utf-8");
    assertThat(res.body().getBytes()).isEqualTo(text);
  }

  @Test
  void an_agent_may_read_media() throws Exception {
    String email = "media-agent-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    app.createAgent(adminToken, email, "media-password-1", Roles.AGENT);
    String token = app.login(email, "media-password-1").getString("token");
    String id = put("%PDF-1.4 tiny".getBytes(), "invoice.pdf", "application/pdf");

    HttpResponse<Buffer> res = app.get("/api/v2/media/" + id, token);

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsString()).isEqualTo("%PDF-1.4 tiny");
  }

  @Test
  void without_a_valid_token_it_is_401() throws Exception {
    String id = put("secret".getBytes(), "s.txt", "text/plain");
    String path = "/api/v2/media/" + id;
    assertError(app.get(path, null), 401, "AUTH_TOKEN_INVALID", path);
    assertError(app.get(path, "not-a-jwt"), 401, "AUTH_TOKEN_INVALID", path);
  }

  @Test
  void unknown_and_malformed_ids_are_404() throws Exception {
    String unknown = "/api/v2/media/0123456789abcdef01234567";
    assertError(app.get(unknown, adminToken), 404, "RESOURCE_NOT_FOUND", unknown);
    String malformed = "/api/v2/media/nope";
    assertError(app.get(malformed, adminToken), 404, "RESOURCE_NOT_FOUND", malformed);

    String deleted = put("gone".getBytes(), "gone.txt", "text/plain");
    store.delete(deleted).await(10, TimeUnit.SECONDS);
    assertError(app.get("/api/v2/media/" + deleted, adminToken), 404, "RESOURCE_NOT_FOUND", "/api/v2/media/" + deleted);
  }

  private static String put(byte[] bytes, String filename, String contentType) throws Exception {
    Path file = Files.write(dir.resolve(UUID.randomUUID().toString()), bytes);
    var source = app.vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true)).await(10, TimeUnit.SECONDS);
    JsonObject stored = store.put(source, filename, contentType).await(30, TimeUnit.SECONDS);
    return stored.getString("fileId");
  }
}
