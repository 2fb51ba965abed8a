package crm.http;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Behind a load balancer every anonymous caller comes from its address: with TRUSTED_PROXIES the per-IP limit counts
 * the client it forwards (right-most X-Forwarded-For hop it did not add itself); a client cannot escape its bucket by
 * writing its own X-Forwarded-For, and a peer that is not a trusted proxy is counted by its own address.
 */
class TrustedProxyTest {
  private static final String PROXY = "127.0.0.30";
  static TestApp app;

  @BeforeAll
  static void start() {
    app = TestApp.start(new JsonObject().put("RATE_LIMIT_AUTH", 2).put("RATE_LIMIT_WINDOW_SECONDS", 86_400)
        .put("TRUSTED_PROXIES", PROXY + ",127.0.0.31"));
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static int login(String from, String forwardedFor) {
    WebClient c = WebClient.create(app.vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(app.port)
        .setLocalAddress(from));
    try {
      var req = c.post("/api/v2/auth/login");
      if (forwardedFor != null) req.putHeader("X-Forwarded-For", forwardedFor);
      HttpResponse<Buffer> res = req.sendJsonObject(new JsonObject().put("email", "nobody@crm.test").put("password", "wrong-password"))
          .await();
      return res.statusCode();
    } finally {
      c.close();
    }
  }

  @Test
  void each_forwarded_client_has_its_own_budget_and_cannot_forge_another() {
    assertThat(login(PROXY, "203.0.113.7")).isEqualTo(401);
    assertThat(login(PROXY, "203.0.113.7")).isEqualTo(401);
    assertThat(login(PROXY, "203.0.113.7")).as("third of two").isEqualTo(429);
    assertThat(login(PROXY, "198.51.100.9, 203.0.113.7")).as("a forged left-most hop changes nothing").isEqualTo(429);
    assertThat(login(PROXY, "203.0.113.7, 127.0.0.31")).as("a second trusted proxy is skipped").isEqualTo(429);
    assertThat(login(PROXY, "203.0.113.8")).as("another client behind the proxy").isEqualTo(401);
  }

  @Test
  void an_untrusted_peer_is_counted_by_its_own_address() {
    assertThat(login("127.0.0.40", "203.0.113.50")).isEqualTo(401);
    assertThat(login("127.0.0.40", "203.0.113.51")).isEqualTo(401);
    assertThat(login("127.0.0.40", "203.0.113.52")).as("the header is ignored: one bucket, 127.0.0.40's").isEqualTo(429);
  }
}
