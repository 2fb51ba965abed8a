package crm.http;

import static crm.support.ApiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fixed-window limits: AUTH=3 and DEFAULT=5 per 60 s window, counted per client IP when anonymous and per agent
 * when authenticated. Every test talks from its own loopback address (127.0.0.x), so each starts with fresh IP
 * buckets. A test may straddle a window boundary: the assertions look at the responses of the window the decisive
 * response belongs to (same X-RateLimit-Reset), never at the clock.
 */
class RateLimitTest {
  private static final String LOGIN = "/api/v2/auth/login";
  private static final String ME = "/api/v2/auth/me";
  private static final int AUTH_LIMIT = 3;
  private static final int DEFAULT_LIMIT = 5;
  private static final int WINDOW = 60;
  private static final String PASSWORD = "agent-password-1";

  static TestApp app;
  static final Map<String, WebClient> clients = new ConcurrentHashMap<>();
  static String tokenA;
  static String tokenB;
  static String tokenC;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject()
        .put("RATE_LIMIT_AUTH", AUTH_LIMIT)
        .put("RATE_LIMIT_DEFAULT", DEFAULT_LIMIT)
        .put("RATE_LIMIT_WINDOW_SECONDS", WINDOW));
    // one login per source address, so no IP's auth budget is touched by the setup
    String admin = login(from("127.0.0.10"), TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD).bodyAsJsonObject().getString("token");
    // three creations: 3 of the admin's 5 default requests
    app.createAgent(admin, "rl-a@crm.test", PASSWORD, "agent");
    app.createAgent(admin, "rl-b@crm.test", PASSWORD, "agent");
    app.createAgent(admin, "rl-c@crm.test", PASSWORD, "agent");
    tokenA = login(from("127.0.0.11"), "rl-a@crm.test", PASSWORD).bodyAsJsonObject().getString("token");
    tokenB = login(from("127.0.0.12"), "rl-b@crm.test", PASSWORD).bodyAsJsonObject().getString("token");
    tokenC = login(from("127.0.0.13"), "rl-c@crm.test", PASSWORD).bodyAsJsonObject().getString("token");
    assertThat(List.of(tokenA, tokenB, tokenC)).allSatisfy(t -> assertThat(t).isNotBlank());
  }

  @AfterAll
  static void stop() {
    clients.values().forEach(WebClient::close);
    app.close();
  }

  /** A client whose connections come from {@code ip} (any 127.0.0.0/8 address is loopback on Linux). */
  static WebClient from(String ip) {
    return clients.computeIfAbsent(ip, a -> WebClient.create(app.vertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(app.port).setLocalAddress(a).setKeepAlive(true)));
  }

  static HttpResponse<Buffer> login(WebClient c, String email, String password) {
    return c.post(LOGIN).sendJsonObject(new JsonObject().put("email", email).put("password", password)).await();
  }

  static HttpResponse<Buffer> me(WebClient c, String token) {
    HttpRequest<Buffer> req = c.get(ME);
    if (token != null) req.putHeader("Authorization", "Bearer " + token);
    return req.send().await();
  }

  static long reset(HttpResponse<Buffer> res) {
    return Long.parseLong(res.getHeader("X-RateLimit-Reset"));
  }

  static int remaining(HttpResponse<Buffer> res) {
    return Integer.parseInt(res.getHeader("X-RateLimit-Remaining"));
  }

  static int limit(HttpResponse<Buffer> res) {
    return Integer.parseInt(res.getHeader("X-RateLimit-Limit"));
  }

  /** Sends until the first 429 (at most {@code max} requests) and returns every response, the 429 last. */
  static List<HttpResponse<Buffer>> untilLimited(java.util.function.Supplier<HttpResponse<Buffer>> send, int max) {
    List<HttpResponse<Buffer>> all = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      HttpResponse<Buffer> res = send.get();
      all.add(res);
      if (res.statusCode() == 429) return all;
    }
    throw new AssertionError("no 429 after " + max + " requests: "
        + all.stream().map(r -> r.statusCode() + " remaining=" + r.getHeader("X-RateLimit-Remaining")).toList());
  }

  /** The responses before the final 429 that belong to the same window as it. */
  static List<HttpResponse<Buffer>> sameWindowBeforeLast(List<HttpResponse<Buffer>> all) {
    long w = reset(all.get(all.size() - 1));
    return all.subList(0, all.size() - 1).stream().filter(r -> reset(r) == w).toList();
  }

  static void assertRetryAfter(HttpResponse<Buffer> res, long nowAfter) {
    String header = res.getHeader("Retry-After");
    assertThat(header).as("Retry-After").isNotNull().matches("[0-9]+");
    long retry = Long.parseLong(header);
    assertThat(retry).isBetween(1L, (long) WINDOW);
    // it points at the end of the window (give or take the seconds a loaded machine took to answer)
    assertThat(nowAfter + retry).isBetween(reset(res) - 1, reset(res) + 5);
  }

  @Test
  void fourth_login_from_one_ip_in_a_window_is_429_with_retry_after() {
    WebClient c = from("127.0.0.20");
    List<HttpResponse<Buffer>> all = untilLimited(() -> login(c, TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD), 8);
    HttpResponse<Buffer> limited = all.get(all.size() - 1);
    long now = System.currentTimeMillis() / 1000;

    // a fresh address: in the 429's window exactly AUTH_LIMIT logins went through, counting down to 0
    List<HttpResponse<Buffer>> before = sameWindowBeforeLast(all);
    assertThat(before).extracting(HttpResponse::statusCode).containsExactly(200, 200, 200);
    assertThat(before).extracting(RateLimitTest::remaining).containsExactly(2, 1, 0);
    assertThat(before).extracting(RateLimitTest::limit).containsOnly(AUTH_LIMIT);

    JsonObject error = assertError(limited, 429, "RATE_LIMIT_EXCEEDED", LOGIN);
    assertThat(error.getJsonObject("details").getInteger("limit")).isEqualTo(AUTH_LIMIT);
    assertThat(limit(limited)).isEqualTo(AUTH_LIMIT);
    assertThat(remaining(limited)).isZero();
    assertRetryAfter(limited, now);

    // still limited while the window lasts; a wrong password or a bad body does not get through either
    HttpResponse<Buffer> again = c.post(LOGIN).sendJsonObject(new JsonObject().put("email", 1)).await();
    if (reset(again) == reset(limited)) {
      assertError(again, 429, "RATE_LIMIT_EXCEEDED", LOGIN);
      assertThat(again.getHeader("Retry-After")).matches("[0-9]+");
    }

    // another address has its own auth budget
    HttpResponse<Buffer> other = login(from("127.0.0.21"), TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(remaining(other)).isEqualTo(AUTH_LIMIT - 1);
  }

  @Test
  void exhausted_auth_bucket_does_not_block_other_buckets() {
    WebClient c = from("127.0.0.25");
    HttpResponse<Buffer> first = login(c, TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    assertThat(first.statusCode()).isEqualTo(200);
    String token = first.bodyAsJsonObject().getString("token");
    List<HttpResponse<Buffer>> all = untilLimited(() -> login(c, "nobody@crm.test", "whatever"), 8);
    long w = reset(all.get(all.size() - 1));

    // the token obtained before still works from the same address: GET /auth/me is in the default bucket
    HttpResponse<Buffer> me = me(c, token);
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(limit(me)).isEqualTo(DEFAULT_LIMIT);
    // and so does an anonymous default-bucket request of that address: it is refused for the token, not the limit
    HttpResponse<Buffer> anonymous = me(c, null);
    assertError(anonymous, 401, "AUTH_TOKEN_INVALID", ME);
    assertThat(limit(anonymous)).isEqualTo(DEFAULT_LIMIT);
    assertThat(remaining(anonymous)).isEqualTo(DEFAULT_LIMIT - 1);

    // while logins from that address are still refused in the same window
    HttpResponse<Buffer> login = login(c, TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
    if (reset(login) == w) assertThat(login.statusCode()).isEqualTo(429);
  }

  @Test
  void authenticated_calls_are_counted_per_agent() {
    WebClient c = from("127.0.0.30"); // both agents call from the same address
    List<HttpResponse<Buffer>> a = untilLimited(() -> me(c, tokenA), 12);
    HttpResponse<Buffer> limited = a.get(a.size() - 1);
    long now = System.currentTimeMillis() / 1000;
    List<HttpResponse<Buffer>> before = sameWindowBeforeLast(a);
    assertThat(before).extracting(HttpResponse::statusCode).containsOnly(200);
    assertThat(before).extracting(RateLimitTest::remaining).containsExactly(4, 3, 2, 1, 0);
    assertError(limited, 429, "RATE_LIMIT_EXCEEDED", ME);
    assertRetryAfter(limited, now);

    // B, same address, same window: its own full budget
    HttpResponse<Buffer> b = me(c, tokenB);
    assertThat(b.statusCode()).as(b.bodyAsString()).isEqualTo(200);
    assertThat(b.bodyAsJsonObject().getJsonObject("agent").getString("email")).isEqualTo("rl-b@crm.test");
    assertThat(limit(b)).isEqualTo(DEFAULT_LIMIT);
    assertThat(remaining(b)).isEqualTo(DEFAULT_LIMIT - 1);
    // the address's anonymous budget is untouched too
    HttpResponse<Buffer> anonymous = me(c, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(remaining(anonymous)).isEqualTo(DEFAULT_LIMIT - 1);

    // and A stays limited, whatever address it calls from, until its window ends
    HttpResponse<Buffer> aElsewhere = me(from("127.0.0.31"), tokenA);
    if (reset(aElsewhere) == reset(limited)) {
      assertError(aElsewhere, 429, "RATE_LIMIT_EXCEEDED", ME);
    }
  }

  @Test
  void rate_limit_headers_on_every_api_response() {
    WebClient c = from("127.0.0.40");
    List<HttpResponse<Buffer>> calls = new ArrayList<>();
    List<long[]> clock = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long before = System.currentTimeMillis() / 1000;
      calls.add(me(c, tokenC));
      clock.add(new long[] {before, System.currentTimeMillis() / 1000});
    }
    for (int i = 0; i < calls.size(); i++) {
      HttpResponse<Buffer> res = calls.get(i);
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(limit(res)).isEqualTo(DEFAULT_LIMIT);
      // an epoch second in the future, at most one window away
      assertThat(reset(res)).isGreaterThan(clock.get(i)[0]).isLessThanOrEqualTo(clock.get(i)[1] + WINDOW);
      if (i == 0 || reset(res) != reset(calls.get(i - 1))) {
        assertThat(remaining(res)).as("first call of agent C in a window").isEqualTo(DEFAULT_LIMIT - 1);
      } else {
        assertThat(remaining(res)).as("one less per request").isEqualTo(remaining(calls.get(i - 1)) - 1);
      }
    }

    // errors of rate-limited routes carry them as well: 401, 400 and a failed login
    List<HttpResponse<Buffer>> errors = List.of(
        me(c, null),
        me(c, "not-a-token"),
        c.post(LOGIN).sendJsonObject(new JsonObject().put("email", 42)).await(),
        login(c, "nobody@crm.test", "wrong-password"));
    assertThat(errors).extracting(HttpResponse::statusCode).containsExactly(401, 401, 400, 401);
    for (HttpResponse<Buffer> res : errors) {
      assertThat(res.getHeader("X-RateLimit-Limit")).matches("[0-9]+");
      assertThat(res.getHeader("X-RateLimit-Remaining")).matches("[0-9]+");
      assertThat(res.getHeader("X-RateLimit-Reset")).matches("[0-9]{10}");
    }
    assertThat(limit(errors.get(2))).isEqualTo(AUTH_LIMIT);
    assertThat(limit(errors.get(3))).isEqualTo(AUTH_LIMIT);
    if (reset(errors.get(2)) == reset(errors.get(3))) {
      assertThat(remaining(errors.get(3))).isEqualTo(remaining(errors.get(2)) - 1);
    }
  }
}
