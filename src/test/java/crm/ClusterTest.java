package crm;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ClusterNode;
import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes in this JVM, each a whole {@link App} on its own clustered Vert.x (Hazelcast configured by the
 * repository's cluster.xml, with a random cluster name so no other run can join): node A owns the embedded
 * database, node B uses it through MONGO_URI; both share JWT_SECRET. What must hold across nodes: rate limits are
 * counted cluster-wide, a logout on one node is honoured by the other, a token issued through one works on the
 * other. One cluster for the whole class (joining costs seconds).
 */
class ClusterTest {
  private static final String CLUSTER_NAME = ClusterNode.randomClusterName();
  private static final int AUTH_LIMIT = 4;

  static ClusterNode a;
  static ClusterNode b;

  @BeforeAll
  static void startCluster() throws Exception {
    JsonObject common = TestApp.defaults()
        .put("RATE_LIMIT_AUTH", AUTH_LIMIT)
        .put("RATE_LIMIT_WINDOW_SECONDS", 86_400); // one window per day: a roll-over mid-test is (nearly) impossible
    a = ClusterNode.start(common.copy(), CLUSTER_NAME);
    String sharedDb = a.mongoUri();
    assertThat(sharedDb).startsWith("mongodb://127.0.0.1:");
    b = ClusterNode.start(common.copy().put("MONGO_URI", sharedDb), CLUSTER_NAME);
    assertThat(a.cluster().getNodes()).hasSize(2);
    assertThat(b.cluster().getNodes()).hasSize(2);
  }

  @AfterAll
  static void stopCluster() {
    if (b != null) b.close();
    if (a != null) a.close();
  }

  /**
   * A client of both nodes from its own loopback source address (all of 127/8 is loopback): the AUTH bucket counts
   * per client IP, so each test gets its own budget and the tests do not depend on each other's order.
   */
  static final class Caller implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger(10);
    final String source = "127.0.0." + NEXT.getAndIncrement();
    final WebClient toA = client(a);
    final WebClient toB = client(b);

    private WebClient client(ClusterNode node) {
      return WebClient.create(node.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(node.port()).setLocalAddress(source).setKeepAlive(false));
    }

    WebClient to(ClusterNode node) {
      return node == a ? toA : toB;
    }

    HttpResponse<Buffer> request(ClusterNode node, HttpMethod method, String path, String token, JsonObject body) {
      HttpRequest<Buffer> req = to(node).request(method, path);
      if (token != null) req.putHeader("Authorization", "Bearer " + token);
      try {
        return (body == null ? req.send() : req.sendJsonObject(body)).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(method + " " + path + " on port " + node.port() + " failed", e);
      }
    }

    JsonObject login(ClusterNode node) {
      HttpResponse<Buffer> res = request(node, HttpMethod.POST, "/api/v2/auth/login", null,
          new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", TestApp.ADMIN_PASSWORD));
      assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
      return res.bodyAsJsonObject();
    }

    HttpResponse<Buffer> badLogin(ClusterNode node) {
      return request(node, HttpMethod.POST, "/api/v2/auth/login", null,
          new JsonObject().put("email", TestApp.ADMIN_EMAIL).put("password", "wrong-password"));
    }

    HttpResponse<Buffer> refresh(ClusterNode node, String refreshToken) {
      return request(node, HttpMethod.POST, "/api/v2/auth/refresh", null, new JsonObject().put("refreshToken", refreshToken));
    }

    HttpResponse<Buffer> me(ClusterNode node, String token) {
      return request(node, HttpMethod.GET, "/api/v2/auth/me", token, null);
    }

    /** Polls /auth/me on {@code node} until it answers 401 or {@code maxMs} pass; returns the last status. */
    int awaitRefused(ClusterNode node, String token, long maxMs) throws InterruptedException {
      long start = System.nanoTime();
      int status = me(node, token).statusCode();
      while (status != 401 && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(maxMs)) {
        Thread.sleep(50);
        status = me(node, token).statusCode();
      }
      return status;
    }

    @Override
    public void close() {
      toA.close();
      toB.close();
    }
  }

  // ---- (a) rate limits

  @Test
  void auth_rate_limit_is_shared_by_the_nodes() {
    for (int attempt = 1; ; attempt++) {
      try (Caller caller = new Caller()) {
        List<HttpResponse<Buffer>> within = List.of(
            caller.badLogin(a), caller.badLogin(a), caller.badLogin(b), caller.badLogin(b));
        HttpResponse<Buffer> fifthOnA = caller.badLogin(a);
        HttpResponse<Buffer> sixthOnB = caller.badLogin(b);
        long windows = within.stream().map(r -> r.getHeader("X-RateLimit-Reset")).distinct().count();
        if (windows > 1 && attempt == 1) continue; // the day's window rolled over mid-test: once more

        for (int i = 0; i < within.size(); i++) {
          HttpResponse<Buffer> res = within.get(i);
          assertThat(res.statusCode()).as("attempt %d: %s", i + 1, res.bodyAsString()).isEqualTo(401);
          assertThat(res.getHeader("X-RateLimit-Limit")).isEqualTo(String.valueOf(AUTH_LIMIT));
          assertThat(res.getHeader("X-RateLimit-Remaining")).as("remaining after attempt %d (A, A, B, B)", i + 1)
              .isEqualTo(String.valueOf(AUTH_LIMIT - 1 - i));
        }
        for (HttpResponse<Buffer> limited : List.of(fifthOnA, sixthOnB)) {
          assertThat(limited.statusCode()).as(limited.bodyAsString()).isEqualTo(429);
          assertThat(limited.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("RATE_LIMIT_EXCEEDED");
        }
        return;
      }
    }
  }

  // ---- (b) revocation

  @Test
  void logout_on_a_is_refused_by_b_within_two_seconds() throws Exception {
    try (Caller caller = new Caller()) {
      JsonObject login = caller.login(a);
      String token = login.getString("token");
      assertThat(caller.me(b, token).statusCode()).as("before logout, B accepts A's token").isEqualTo(200);

      HttpResponse<Buffer> logout = caller.request(a, HttpMethod.POST, "/api/v2/auth/logout", token, new JsonObject());
      assertThat(logout.statusCode()).as(logout.bodyAsString()).isEqualTo(200);

      assertThat(caller.awaitRefused(b, token, 2000)).as("B's answer to the logged-out token after 2 s").isEqualTo(401);
      HttpResponse<Buffer> onB = caller.me(b, token);
      assertThat(onB.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("AUTH_TOKEN_INVALID");
      // whichever node's agent service handled the logout, both nodes must have heard of it
      assertThat(caller.awaitRefused(a, token, 2000)).isEqualTo(401);

      // the session's refresh token is dead on every node too
      HttpResponse<Buffer> refresh = caller.refresh(b, login.getString("refreshToken"));
      assertThat(refresh.statusCode()).as(refresh.bodyAsString()).isEqualTo(401);
    }
  }

  @Test
  void logout_on_b_is_refused_by_a_within_two_seconds() throws Exception {
    try (Caller caller = new Caller()) {
      String token = caller.login(b).getString("token");
      assertThat(caller.me(a, token).statusCode()).isEqualTo(200);
      assertThat(caller.request(b, HttpMethod.POST, "/api/v2/auth/logout", token, new JsonObject()).statusCode()).isEqualTo(200);
      assertThat(caller.awaitRefused(a, token, 2000)).isEqualTo(401);
      assertThat(caller.awaitRefused(b, token, 2000)).isEqualTo(401);
    }
  }

  // ---- (c) tokens across nodes

  @Test
  void tokens_issued_through_one_node_work_on_the_other() {
    try (Caller caller = new Caller()) {
      JsonObject viaA = caller.login(a);
      HttpResponse<Buffer> meOnB = caller.me(b, viaA.getString("token"));
      assertThat(meOnB.statusCode()).as(meOnB.bodyAsString()).isEqualTo(200);
      assertThat(meOnB.bodyAsJsonObject().getJsonObject("agent").getString("email")).isEqualTo(TestApp.ADMIN_EMAIL);

      // a refresh token from A rotates on B, and the access token B hands out works on A
      HttpResponse<Buffer> refreshed = caller.refresh(b, viaA.getString("refreshToken"));
      assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
      assertThat(caller.me(a, refreshed.bodyAsJsonObject().getString("token")).statusCode()).isEqualTo(200);

      // data written through one node is read through the other (one database)
      String admin = viaA.getString("token");
      HttpResponse<Buffer> created = caller.request(a, HttpMethod.POST, "/api/v2/agents", admin, new JsonObject()
          .put("email", "cluster.agent@crm.test").put("password", "agent-password-1")
          .put("firstName", "Cluster").put("lastName", "Agent"));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      String id = created.bodyAsJsonObject().getJsonObject("agent").getString("_id");
      assertThat(caller.request(b, HttpMethod.GET, "/api/v2/agents/" + id, admin, null).statusCode()).isEqualTo(200);
    }
  }
}
