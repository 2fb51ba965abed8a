package crm.http;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** NOTES.md row 11: every non-2xx answer is {success:false, error:{code,message,details?,field?}, timestamp, path}. */
class ErrorEnvelopeTest {
  private static final String LOGIN = "/api/v2/auth/login";
  private static final int BODY_LIMIT = 2048;
  private static final String UUID_RE = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("JSON_BODY_LIMIT", BODY_LIMIT));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static HttpResponse<Buffer> raw(HttpMethod method, String path, String contentType, String body) {
    var req = app.client.request(method, path);
    if (contentType != null) req.putHeader("Content-Type", contentType);
    return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await();
  }

  private static JsonObject credentials() {
    return new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", TestApp.ADMIN_PASSWORD);
  }

  // ---- 404 / 405 ----

  @Test
  void unknown_route_under_api_is_404_envelope() {
    assertError(app.get("/api/v2/no-such-thing", null), 404, "RESOURCE_NOT_FOUND", "/api/v2/no-such-thing");
    assertError(app.get("/api/v2/agents/x/y/z", app.adminToken()), 404, "RESOURCE_NOT_FOUND", "/api/v2/agents/x/y/z");
    assertError(app.post("/api/v2/nothing-here", null, new JsonObject().put("a", 1)), 404, "RESOURCE_NOT_FOUND",
        "/api/v2/nothing-here");
    // the path is the path, without the query string
    assertError(app.get("/api/v2/nope?secret=1&x=2", null), 404, "RESOURCE_NOT_FOUND", "/api/v2/nope");
  }

  @Test
  void unknown_route_outside_api_is_404_envelope() {
    // "/" and other paths outside the server's own are the console's (crm.console.ConsoleRoutesTest); a missing file is not
    for (String path : List.of("/nope.txt", "/js/nope.js", "/api/v1/agents", "/api/v2x/auth/login", "/api",
        "/webhooks/nope")) {
      assertError(app.get(path, null), 404, "RESOURCE_NOT_FOUND", path);
    }
  }

  @Test
  void wrong_method_on_existing_route_is_405_envelope() {
    assertError(app.send(HttpMethod.DELETE, LOGIN, null, null), 405, "METHOD_NOT_ALLOWED", LOGIN);
    assertError(app.get(LOGIN, null), 405, "METHOD_NOT_ALLOWED", LOGIN);
    assertError(app.put("/api/v2/auth/me", null, new JsonObject()), 405, "METHOD_NOT_ALLOWED", "/api/v2/auth/me");
    assertError(app.send(HttpMethod.DELETE, "/health", null, null), 405, "METHOD_NOT_ALLOWED", "/health");
  }

  // ---- body: size, media type, syntax, shape, types ----

  @Test
  void body_over_the_limit_is_413_envelope() {
    JsonObject big = credentials().put("pad", "x".repeat(BODY_LIMIT * 2));
    // its own connection: the server answers before reading the whole body
    WebClient once = WebClient.create(app.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(app.port).setKeepAlive(false));
    try {
      HttpResponse<Buffer> res = once.post(LOGIN).sendJsonObject(big).await();
      assertError(res, 413, "PAYLOAD_TOO_LARGE", LOGIN);
    } finally {
      once.close();
    }
    // just under the limit the body is read and the request goes on to the credentials check
    JsonObject fits = credentials().put("password", "wrong-password").put("pad", "x".repeat(BODY_LIMIT - 200));
    assertThat(fits.encode().length()).isLessThan(BODY_LIMIT);
    assertError(app.post(LOGIN, null, fits), 401, "AUTH_CREDENTIALS_INVALID", LOGIN);
    // and the server still serves
    assertThat(app.get("/health", null).statusCode()).isEqualTo(200);
  }

  private record Answer(int status, String body) {}

  @Test
  void chunked_body_over_the_limit_is_413_envelope() throws Exception {
    // raw bytes: a client library may still be writing when the early 413 arrives, which makes it flaky to observe
    String body = "{\"email\":\"a@b.c\",\"pad\":\"" + "y".repeat(2 * BODY_LIMIT) + "\"}";
    String chunked = Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    String answer = raw("POST " + LOGIN + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked);
    assertThat(answer).matches("(?s)HTTP/1\\.1 413 .*");
    JsonObject json = rawBody(answer);
    assertThat(json.getBoolean("success")).isFalse();
    assertThat(json.getJsonObject("error").getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(json.getString("path")).isEqualTo(LOGIN);
  }

  @Test
  void non_json_content_type_is_415_envelope() {
    String json = credentials().encode();
    assertError(raw(HttpMethod.POST, LOGIN, "text/plain", json), 415, "UNSUPPORTED_MEDIA_TYPE", LOGIN);
    assertError(raw(HttpMethod.POST, LOGIN, "application/x-www-form-urlencoded", "email=a&password=b"), 415,
        "UNSUPPORTED_MEDIA_TYPE", LOGIN);
    assertError(raw(HttpMethod.POST, LOGIN, null, json), 415, "UNSUPPORTED_MEDIA_TYPE", LOGIN);
    // the same body declared JSON logs in: it was the media type that was refused
    assertThat(raw(HttpMethod.POST, LOGIN, "application/json; charset=utf-8", json).statusCode()).isEqualTo(200);
  }

  /** Issue 14, finding 5: a form or multipart body is not an empty JSON object, even on a route that reads no body. */
  @Test
  void multipart_and_form_bodies_are_415_on_every_json_route() {
    String admin = app.adminToken();
    String boundary = "----crm" + System.nanoTime();
    String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c\r\n--" + boundary + "--\r\n";
    for (String path : List.of(LOGIN, "/api/v2/auth/logout", "/api/v2/customers")) {
      var req = app.client.post(path).putHeader("Content-Type", "multipart/form-data; boundary=" + boundary);
      if (!path.equals(LOGIN)) req.putHeader("Authorization", "Bearer " + admin);
      assertError(req.sendBuffer(Buffer.buffer(multipart)).await(), 415, "UNSUPPORTED_MEDIA_TYPE", path);
      var form = app.client.post(path).putHeader("Content-Type", "application/x-www-form-urlencoded");
      if (!path.equals(LOGIN)) form.putHeader("Authorization", "Bearer " + admin);
      assertError(form.sendBuffer(Buffer.buffer("email=a%40b.c")).await(), 415, "UNSUPPORTED_MEDIA_TYPE", path);
    }
    // JSON declared with a charset other than UTF-8 is not JSON as RFC 8259 defines it
    assertError(raw(HttpMethod.POST, LOGIN, "application/json; charset=latin1", credentials().encode()), 415,
        "UNSUPPORTED_MEDIA_TYPE", LOGIN);
    // the token was not spent by the refused logout
    assertThat(app.get("/api/v2/auth/me", admin).statusCode()).isEqualTo(200);
  }

  /** Issue 14: JSON nested deeper than JSON_MAX_DEPTH (32) is refused naming where, before anything reads it. */
  @Test
  void json_nested_too_deep_is_400_naming_the_field() {
    String admin = app.adminToken();
    JsonObject deep = new JsonObject().put("leaf", 1);
    for (int i = 0; i < 40; i++) deep = new JsonObject().put("k", deep);
    JsonObject body = new JsonObject().put("phoneNumber", "529990000301").put("customFields", deep);
    JsonObject error = assertError(app.post("/api/v2/customers", admin, body), 400, "VALIDATION_FAILED", "/api/v2/customers");
    assertThat(error.getString("field")).startsWith("customFields.k.k.k");
    // an array nested too deep at the top level, and just within the limit is accepted by the parser
    JsonArray arr = new JsonArray();
    for (int i = 0; i < 40; i++) arr = new JsonArray().add(arr);
    assertThat(assertError(app.post(LOGIN, null, new JsonObject().put("email", arr).encode()), 400, "VALIDATION_FAILED",
        LOGIN).getString("field")).startsWith("email[0][0]");
    JsonObject fine = new JsonObject().put("v", 1);
    for (int i = 0; i < 30; i++) fine = new JsonObject().put("k", fine);
    HttpResponse<Buffer> ok = app.post("/api/v2/customers", admin, new JsonObject().put("phoneNumber", "529990000302")
        .put("customFields", new JsonObject().put("a", 1)).put("ignored", fine));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
  }

  /** A number no database holds (beyond 64 bits) is the client's mistake, not a 500 from the encoder. */
  @Test
  void numbers_beyond_64_bits_are_400_naming_the_field() {
    String admin = app.adminToken();
    String body = "{\"phoneNumber\":\"529990000303\",\"customFields\":{\"n\":123456789012345678901234567890}}";
    assertThat(assertError(app.post("/api/v2/customers", admin, body), 400, "VALIDATION_FAILED", "/api/v2/customers")
        .getString("field")).isEqualTo("customFields.n");
  }

  @Test
  void malformed_json_is_400_validation_failed() {
    for (String bad : List.of("{bad", "{\"email\":\"a@b.c\",", "{\"email\" \"x\"}", "{'email':'a@b.c'}x")) {
      JsonObject error = assertError(app.post(LOGIN, null, bad), 400, "VALIDATION_FAILED", LOGIN);
      assertThat(error.getString("message")).doesNotContain("Exception").doesNotContain("jackson");
    }
  }

  @Test
  void json_that_is_not_an_object_is_400() {
    String array = new JsonArray().add(credentials()).encode();
    for (String notObject : List.of(array, "[]", "\"admin@crm.test\"", "42", "null", "true")) {
      assertError(app.post(LOGIN, null, notObject), 400, "VALIDATION_FAILED", LOGIN);
    }
  }

  @Test
  void wrong_value_types_are_400_with_the_field() {
    JsonObject numberEmail = new JsonObject().put("email", 12345).put("password", "x");
    assertThat(assertError(app.post(LOGIN, null, numberEmail), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("email");

    JsonObject objectPassword = new JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", new JsonObject().put("value", TestApp.ADMIN_PASSWORD));
    assertThat(assertError(app.post(LOGIN, null, objectPassword), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("password");

    JsonObject arrayPassword = new JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", new JsonArray().add(TestApp.ADMIN_PASSWORD));
    assertThat(assertError(app.post(LOGIN, null, arrayPassword), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("password");

    JsonObject missing = new JsonObject().put("email", TestApp.ADMIN_EMAIL);
    assertThat(assertError(app.post(LOGIN, null, missing), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("password");
  }

  @Test
  void operator_objects_as_values_are_400_not_401_or_500() {
    JsonObject neEmail = new JsonObject().put("email", new JsonObject().putNull("$ne")).put("password", "x");
    assertThat(assertError(app.post(LOGIN, null, neEmail), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("email");

    JsonObject gtPassword = new JsonObject().put("email", TestApp.ADMIN_EMAIL)
        .put("password", new JsonObject().put("$gt", ""));
    assertThat(assertError(app.post(LOGIN, null, gtPassword), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("password");

    JsonObject regexEmail = new JsonObject().put("email", new JsonObject().put("$regex", ".*")).put("password", "x");
    assertThat(assertError(app.post(LOGIN, null, regexEmail), 400, "VALIDATION_FAILED", LOGIN)
        .getString("field")).isEqualTo("email");
  }

  // ---- malformed percent-encoding: the client's fault, so 400, never 500 or no answer ----

  @Test
  void malformed_percent_encoding_in_the_path_is_400() {
    String admin = app.adminToken();
    for (String path : List.of("/%zz", "/api/v2/%zz", "/api/v2/agents/%zz", "/api/v2/agents/%")) {
      assertError(app.get(path, admin), 400, "VALIDATION_FAILED", path);
    }
  }

  @Test
  void malformed_percent_encoding_in_the_query_is_400() {
    String admin = app.adminToken();
    for (String query : List.of("?page=%zz", "?limit=2&search=%", "?role=%E0%A4%")) {
      assertError(app.get("/api/v2/agents" + query, admin), 400, "VALIDATION_FAILED", "/api/v2/agents");
    }
    // a well-encoded query still works
    assertThat(app.get("/api/v2/agents?search=%40crm.test&limit=5", admin).statusCode()).isEqualTo(200);
  }

  /** Issue 14, finding 4: the webhook verification and every other route outside the API answer 400 too. */
  @Test
  void malformed_percent_encoding_outside_the_api_is_400() {
    for (String path : List.of("/webhooks/whatsapp", "/health", "/ready", "/metrics")) {
      assertError(app.get(path + "?hub.mode=%zz&hub.challenge=1", null), 400, "VALIDATION_FAILED", path);
    }
    assertError(app.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=%E0%A4%&hub.challenge=1", null), 400,
        "VALIDATION_FAILED", "/webhooks/whatsapp");
  }

  @Test
  void form_post_with_malformed_query_gets_an_answer() {
    HttpResponse<Buffer> res = app.client.post(LOGIN + "?x=%zz")
        .putHeader("Content-Type", "application/x-www-form-urlencoded")
        .timeout(10_000)
        .sendBuffer(Buffer.buffer("email=a&password=b"))
        .await();
    // refused for the query or for the media type, either way a prompt envelope
    assertThat(res.statusCode()).as(res.bodyAsString()).isIn(400, 415);
    assertError(res, res.statusCode(), res.statusCode() == 400 ? "VALIDATION_FAILED" : "UNSUPPORTED_MEDIA_TYPE", LOGIN);
  }

  // ---- 401 ----

  @Test
  void missing_or_garbage_token_is_401_envelope() {
    assertError(app.get("/api/v2/auth/me", null), 401, "AUTH_TOKEN_INVALID", "/api/v2/auth/me");
    assertError(app.get("/api/v2/auth/me", "not.a.jwt"), 401, "AUTH_TOKEN_INVALID", "/api/v2/auth/me");
  }

  // ---- 500 ----

  @Test
  void internal_error_never_leaks_the_exception() {
    Router router = Router.router(app.vertx);
    router.get("/boom").handler(ctx -> {
      throw new RuntimeException("secret detail");
    });
    router.get("/async-boom").handler(ctx -> ctx.fail(new IllegalStateException("secret detail",
        new NullPointerException("secret detail"))));
    router.get("/fail-500").handler(ctx -> ctx.fail(500));
    router.route().failureHandler(ErrorEnvelope::handle);
    router.errorHandler(500, ErrorEnvelope::handle);
    HttpServer server = app.vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    WebClient client = WebClient.create(app.vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.actualPort()));
    try {
      for (String path : List.of("/boom", "/async-boom", "/fail-500")) {
        HttpResponse<Buffer> res = client.get(path).putHeader("X-Request-Id", "boom-1").send().await();
        // this router has no RequestLog: the envelope itself must not depend on it
        String body = res.bodyAsString();
        assertThat(res.statusCode()).as(body).isEqualTo(500);
        JsonObject json = new JsonObject(body);
        assertThat(json.getBoolean("success")).isFalse();
        assertThat(json.getJsonObject("error").getString("code")).isEqualTo("INTERNAL_SERVER_ERROR");
        assertThat(json.getJsonObject("error").getString("message")).isNotBlank();
        assertThat(json.getString("path")).isEqualTo(path);
        assertThat(json.getString("timestamp")).endsWith("Z");
        assertThat(body).doesNotContain("secret detail").doesNotContain("Exception").doesNotContain("at crm.")
            .doesNotContain("at io.vertx");
        assertThat(json.getJsonObject("error").containsKey("details")).isFalse();
      }
    } finally {
      client.close();
      server.close().await();
    }
  }

  // ---- probes ----

  @Test
  void ready_and_health_answer_200() {
    HttpResponse<Buffer> ready = app.get("/ready", null);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("READY");
    HttpResponse<Buffer> health = app.get("/health", null);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  // ---- request id ----

  @Test
  void every_response_carries_a_request_id() {
    List<HttpResponse<Buffer>> all = List.of(
        app.get("/health", null),
        app.get("/ready", null),
        app.get("/nope", null),
        app.get("/api/v2/nope", null),
        app.get("/api/v2/auth/me", null),
        app.send(HttpMethod.DELETE, LOGIN, null, null),
        app.post(LOGIN, null, "{bad"),
        app.post(LOGIN, null, credentials()));
    List<String> ids = all.stream().map(r -> r.getHeader("X-Request-Id")).toList();
    assertThat(ids).allSatisfy(id -> assertThat(id).matches(UUID_RE));
    assertThat(ids).doesNotHaveDuplicates();
  }

  @Test
  void sane_request_id_is_echoed_and_insane_one_replaced() {
    for (String sane : List.of("abc-123", "req_42.a:b-C", "x".repeat(64))) {
      HttpResponse<Buffer> res = app.client.get("/api/v2/nope").putHeader("X-Request-Id", sane).send().await();
      assertThat(res.getHeader("X-Request-Id")).isEqualTo(sane);
    }
    for (String insane : List.of("x".repeat(500), "x".repeat(65), "has spaces", "semi;colon", "<script>", "ü-nicode")) {
      HttpResponse<Buffer> res = app.client.get("/health").putHeader("X-Request-Id", insane).send().await();
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.getHeader("X-Request-Id")).as("for %s", insane).isNotEqualTo(insane).matches(UUID_RE);
    }
  }

  // ---- requests Vert.x refuses before routing

  /** Sends raw bytes on a socket and returns the whole answer (status line, headers, body). */
  private static String raw(String request) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = socket.getInputStream().read(buf)) > 0; ) out.write(buf, 0, n);
      } catch (java.net.SocketTimeoutException done) {
        // the server kept the connection open: what arrived is the answer
      }
      return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static JsonObject rawBody(String answer) {
    return new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4).trim());
  }

  @Test
  void a_request_line_too_long_is_414_with_the_envelope() throws Exception {
    String answer = raw("GET /api/v2/agents?q=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(answer).matches("(?s)HTTP/1\\.[01] 414 .*");
    JsonObject body = rawBody(answer);
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getJsonObject("error").getString("code")).isEqualTo("URI_TOO_LONG");
    assertThat(body.getString("timestamp")).isNotBlank();
  }

  @Test
  void headers_too_large_are_431_with_the_envelope() throws Exception {
    String answer = raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
    assertThat(answer).matches("(?s)HTTP/1\\.[01] 431 .*");
    assertThat(rawBody(answer).getJsonObject("error").getString("code")).isEqualTo("HEADERS_TOO_LARGE");
  }

  @Test
  void a_garbage_request_is_400_with_the_envelope() throws Exception {
    String answer = raw("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    assertThat(answer).matches("(?s)HTTP/1\\.[01] 400 .*");
    assertThat(rawBody(answer).getJsonObject("error").getString("code")).isEqualTo("VALIDATION_FAILED");
  }
}
