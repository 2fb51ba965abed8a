package crm.http;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** CORS for the Angular SPA: CORS_ORIGINS (default http://localhost:4200), credentials, exposed rate-limit headers. */
class CorsTest {
  private static final String SPA = "http://localhost:4200";
  private static final String LOGIN = "/api/v2/auth/login";

  static List<String> tokens(String header) {
    if (header == null) return List.of();
    return Arrays.stream(header.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty()).toList();
  }

  static HttpResponse<Buffer> preflight(TestApp app, String origin, String path) {
    return app.client.request(HttpMethod.OPTIONS, path)
        .putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", "POST")
        .putHeader("Access-Control-Request-Headers", "authorization,content-type")
        .send().await();
  }

  static HttpResponse<Buffer> getFrom(TestApp app, String origin, String path, String token) {
    var req = app.client.get(path).putHeader("Origin", origin);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    return req.send().await();
  }

  static void assertPreflightAllowed(HttpResponse<Buffer> res, String origin) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isBetween(200, 204);
    assertThat(res.getHeader("Access-Control-Allow-Origin")).isEqualTo(origin);
    assertThat(res.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(tokens(res.getHeader("Access-Control-Allow-Methods"))).contains("post");
    assertThat(tokens(res.getHeader("Access-Control-Allow-Headers"))).contains("authorization", "content-type");
  }

  /** The default configuration: only the Angular dev server. */
  @Nested
  class DefaultOrigins {
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
    void preflight_from_the_spa_allows_authorization_with_credentials() {
      assertPreflightAllowed(preflight(app, SPA, LOGIN), SPA);
      assertPreflightAllowed(preflight(app, SPA, "/api/v2/agents"), SPA);
    }

    @Test
    void actual_request_from_the_spa_exposes_the_rate_limit_headers() {
      String token = app.adminToken();
      HttpResponse<Buffer> res = getFrom(app, SPA, "/api/v2/auth/me", token);
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.getHeader("Access-Control-Allow-Origin")).isEqualTo(SPA);
      assertThat(res.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
      assertThat(tokens(res.getHeader("Access-Control-Expose-Headers")))
          .contains("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after");
      // and the headers it exposes are there to be read
      assertThat(res.getHeader("X-RateLimit-Limit")).isNotBlank();

      // error answers to the SPA carry CORS too, or the browser hides the envelope from it
      HttpResponse<Buffer> error = getFrom(app, SPA, "/api/v2/auth/me", null);
      assertError(error, 401, "AUTH_TOKEN_INVALID", "/api/v2/auth/me");
      assertThat(error.getHeader("Access-Control-Allow-Origin")).isEqualTo(SPA);
      assertThat(tokens(error.getHeader("Access-Control-Expose-Headers"))).contains("x-ratelimit-remaining");
    }

    @Test
    void foreign_origin_gets_no_allow_origin_and_an_envelope() {
      String evil = "http://evil.example.com";
      Map<String, HttpResponse<Buffer>> answers = new LinkedHashMap<>();
      answers.put(LOGIN, preflight(app, evil, LOGIN));
      answers.put("/api/v2/auth/me", getFrom(app, evil, "/api/v2/auth/me", null));
      answers.put("/health", getFrom(app, evil, "/health", null));
      answers.forEach((path, res) -> {
        assertThat(res.getHeader("Access-Control-Allow-Origin")).as(res.bodyAsString()).isNull();
        assertThat(res.getHeader("Access-Control-Allow-Credentials")).isNull();
        assertThat(res.statusCode() / 100).as("a refused origin is not redirected").isNotEqualTo(3);
        // refused or not, an error answer is an envelope
        if (res.statusCode() >= 400) {
          String code = new JsonObject(res.bodyAsString()).getJsonObject("error", new JsonObject()).getString("code");
          assertError(res, res.statusCode(), code, path);
        }
      });
      assertError(answers.get("/api/v2/auth/me"), 403, "ORIGIN_NOT_ALLOWED", "/api/v2/auth/me");
      // probes and scrapers are not browsers: /health answers whatever the Origin
      assertThat(answers.get("/health").statusCode()).isEqualTo(200);
      // a look-alike of the allowed origin is foreign as well
      for (String lookalike : List.of("http://localhost:4201", "https://localhost:4200", "http://localhost:4200.evil.com",
          "http://evil.com/http://localhost:4200")) {
        assertThat(preflight(app, lookalike, LOGIN).getHeader("Access-Control-Allow-Origin")).as(lookalike).isNull();
      }
    }
  }

  /** CORS_ORIGINS with two comma-separated origins. */
  @Nested
  class TwoOrigins {
    static final String ADMIN_UI = "https://crm.example.com";
    static TestApp app;

    @BeforeAll
    static void start() {
      app = TestApp.start(new JsonObject().put("CORS_ORIGINS", SPA + " , " + ADMIN_UI));
    }

    @AfterAll
    static void stop() {
      app.close();
    }

    @Test
    void both_origins_are_accepted_and_each_gets_its_own_name_back() {
      for (String origin : List.of(SPA, ADMIN_UI)) {
        assertPreflightAllowed(preflight(app, origin, LOGIN), origin);
        HttpResponse<Buffer> res = getFrom(app, origin, "/api/v2/auth/me", null);
        assertThat(res.statusCode()).isEqualTo(401);
        assertThat(res.getHeader("Access-Control-Allow-Origin")).isEqualTo(origin);
        // the answer depends on the Origin: caches must know
        assertThat(tokens(res.getHeader("Vary"))).contains("origin");
      }
      assertThat(preflight(app, "http://localhost:3000", LOGIN).getHeader("Access-Control-Allow-Origin")).isNull();
    }
  }
}
