package crm.socket;

import crm.auth.Jwt;
import crm.support.NodeRunner;
import crm.support.SocketHooks;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real socket.io-client 4 (src/test/node, locked by package-lock.json) against the real app: websocket only,
 * polling only, polling then upgrade, refused tokens, acks both ways, rooms ({@link NodeRunner}: npm ci once, then
 * {@code node --test}; its output is shown on failure).
 */
class SocketIoClientNodeTest {
  @Test
  void the_real_socket_io_client_connects_over_every_transport_and_is_refused_bad_tokens() throws Exception {
    try (TestApp app = TestApp.start(new JsonObject().put("HTTP_INSTANCES", 2))) {
      SocketHooks.install(app);
      JsonObject login = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
      NodeRunner.test("socket-client.test.mjs", Map.of(
          "SOCKET_URL", "http://127.0.0.1:" + app.port,
          "SOCKET_TOKEN", login.getString("token"),
          "SOCKET_EXPIRED_TOKEN", expiredToken(app, login.getJsonObject("agent").getString("id"))), 120).assertPassed(6);
    }
  }

  private static String expiredToken(TestApp app, String agentId) {
    long now = Instant.now().getEpochSecond();
    JWTAuth signer = JWTAuth.create(app.vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestApp.JWT_SECRET)));
    return signer.generateToken(new JsonObject().put("sub", agentId).put("sid", "expired-session")
            .put("email", TestApp.ADMIN_EMAIL).put("role", "admin").put("permissions", new JsonArray())
            .put("iat", now - 7200).put("exp", now - 60),
        new JWTOptions().setAlgorithm("HS256").setIssuer(Jwt.ISSUER));
  }
}
