package crm.console;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's files at {@code /} (crm.console.ConsoleRoutes): socket.io-client's browser bundle from npm in the jar,
 * revalidated caching, deep links answered with the single page, and nothing of the server's shadowed.
 */
class ConsoleRoutesTest {
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start();
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  static HttpResponse<Buffer> get(String path) throws Exception {
    return app.client.request(HttpMethod.GET, path).send().await(30, TimeUnit.SECONDS);
  }

  @Test
  void socket_io_clients_browser_bundle_is_served_from_the_jar_with_revalidation() throws Exception {
    HttpResponse<Buffer> res = get("/vendor/socket.io.esm.min.js");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).contains("javascript");
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(res.getHeader("Last-Modified")).isNotBlank();
    assertThat(res.bodyAsString()).contains("export").hasSizeGreaterThan(10_000);

    HttpResponse<Buffer> again = app.client.request(HttpMethod.GET, "/vendor/socket.io.esm.min.js")
        .putHeader("If-Modified-Since", res.getHeader("Last-Modified")).send().await(30, TimeUnit.SECONDS);
    assertThat(again.statusCode()).isEqualTo(304);
  }

  @Test
  void a_deep_link_answers_the_single_page_and_a_missing_asset_stays_404() throws Exception {
    HttpResponse<Buffer> root = get("/");
    HttpResponse<Buffer> deep = get("/conversations/abc123");
    assertThat(deep.statusCode()).isEqualTo(root.statusCode());
    assertThat(deep.bodyAsString()).isEqualTo(root.bodyAsString());
    assertThat(get("/js/no-such-module.js").statusCode()).isEqualTo(404);
  }

  @Test
  void head_answers_as_get_without_the_body() throws Exception {
    for (String path : new String[] {"/", "/conversations/abc123", "/js/app.js"}) {
      HttpResponse<Buffer> got = get(path);
      HttpResponse<Buffer> head = app.client.request(HttpMethod.HEAD, path).send().await(30, TimeUnit.SECONDS);
      assertThat(head.statusCode()).as(path).isEqualTo(200);
      assertThat(head.getHeader("Content-Type").replace(" ", "")).as(path)
          .isEqualToIgnoringCase(got.getHeader("Content-Type").replace(" ", ""));
      assertThat(head.getHeader("Content-Length")).as(path).isEqualTo(String.valueOf(got.body().length()));
      assertThat(head.body() == null ? 0 : head.body().length()).as(path).isZero();
    }
    assertThat(app.client.request(HttpMethod.HEAD, "/js/no-such-module.js").send().await(30, TimeUnit.SECONDS)
        .statusCode()).isEqualTo(404);
  }

  @Test
  void the_servers_own_paths_are_never_shadowed() throws Exception {
    assertThat(get("/health").bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(get("/ready").getHeader("Content-Type")).contains("json");
    assertThat(get("/metrics").getHeader("Content-Type")).doesNotContain("text/html");
    for (String path : new String[] {"/api/v2/no-such-route", "/api/v2", "/api", "/api/v3/x", "/webhooks/whatsapp",
        "/webhooks/nope", "/files/nope", "/media/nope", "/socket.io/", "/socket.io/x"}) {
      HttpResponse<Buffer> res = get(path);
      assertThat(res.statusCode()).as(path).isNotEqualTo(200);
      assertThat(String.valueOf(res.getHeader("Content-Type"))).as(path).doesNotContain("text/html");
    }
    HttpResponse<Buffer> post = app.client.request(HttpMethod.POST, "/conversations/abc").send().await(30, TimeUnit.SECONDS);
    assertThat(post.statusCode()).isGreaterThanOrEqualTo(400);
  }

  @Test
  void the_consoles_own_origin_needs_no_cors_origins_entry_but_another_origin_still_does() throws Exception {
    String self = "http://127.0.0.1:" + app.port;
    io.vertx.core.json.JsonObject login = new io.vertx.core.json.JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", TestApp.ADMIN_PASSWORD);
    HttpResponse<Buffer> same = app.client.request(HttpMethod.POST, "/api/v2/auth/login").putHeader("Origin", self)
        .sendJsonObject(login).await(30, TimeUnit.SECONDS);
    assertThat(same.statusCode()).as(same.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> other = app.client.request(HttpMethod.POST, "/api/v2/auth/login")
        .putHeader("Origin", "http://evil.example:" + app.port).sendJsonObject(login).await(30, TimeUnit.SECONDS);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.bodyAsString()).contains("ORIGIN_NOT_ALLOWED");

    String handshake = "/socket.io/?EIO=4&transport=polling";
    assertThat(app.client.request(HttpMethod.GET, handshake).putHeader("Origin", self).send().await(30, TimeUnit.SECONDS)
        .statusCode()).isEqualTo(200);
    assertThat(app.client.request(HttpMethod.GET, handshake).putHeader("Origin", "http://evil.example").send()
        .await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(403);
  }
}
