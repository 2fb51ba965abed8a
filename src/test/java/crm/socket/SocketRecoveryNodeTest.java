package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Jwt;
import crm.socket.io.Namespace;
import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Connection state recovery on one node with the real socket.io-client 4 (src/test/node/recovery*.test.mjs): a client
 * whose transport is killed comes back recovered (same id, rooms, missed events in order once, then live), over
 * WebSocket and long-polling; other agents, forged pids, another login's token and an expired token take nothing
 * over; past the window the client is a new socket.
 */
class SocketRecoveryNodeTest {
  @Test
  void a_dropped_client_is_recovered_and_nobody_else_takes_its_session() throws Exception {
    try (TestApp app = TestApp.start(Wa.config().put("ASSIGN_ALLOW_OFFLINE", true));
         NodeContext ctx = new NodeContext(app.vertx, app.port)) {
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      String x = ctx.agent("agentX", "agent", "Ximena", "Xochitl");
      ctx.agent("agentY", "agent", "Yago", "Yáñez");
      ctx.put("otherLoginX", ctx.loginAgain("agentX"));
      ctx.put("expiredX", expiredToken(app, x, sessionOf(ctx.token("agentX"))));
      NodeRunner.test("recovery.test.mjs", ctx.env(), 120).assertPassed(2);
    }
  }

  @Test
  void past_the_window_the_client_is_a_new_socket() throws Exception {
    try (TestApp app = TestApp.start(Wa.config().put("SOCKET_RECOVERY_WINDOW_MS", 1000));
         NodeContext ctx = new NodeContext(app.vertx, app.port)) {
      ctx.agent("supervisor", "supervisor", "Sofía", "Supervisora");
      ctx.agent("agentX", "agent", "Ximena", "Xochitl");
      Namespace ns = SocketRuntime.of(app.vertx).io().namespace("/");
      try (NodeRunner.Running node = NodeRunner.test("recovery-window.test.mjs", ctx.env())) {
        String line = node.awaitLine("@@dropped ", 60);
        String pid = line.substring(line.indexOf("@@dropped ") + "@@dropped ".length()).trim();
        // held while connected, then kept detached for the window, then let go
        long until = System.nanoTime() + 30_000_000_000L;
        while (ns.holds(pid)) {
          if (System.nanoTime() > until) throw new AssertionError("the session was still kept 30 s later");
          Thread.sleep(20);
        }
        node.signal("expired");
        node.finish(60).assertPassed(1);
      }
    }
  }

  /** The login session (the token's sid claim) of an access token. */
  static String sessionOf(String token) {
    String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
    return new JsonObject(payload).getString("sid");
  }

  /** An access token of this agent and login session that expired a minute ago. */
  static String expiredToken(TestApp app, String agentId, String sessionId) {
    long now = Instant.now().getEpochSecond();
    JWTAuth signer = JWTAuth.create(app.vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(TestApp.JWT_SECRET)));
    return signer.generateToken(new JsonObject().put("sub", agentId).put("sid", sessionId)
            .put("email", "x@crm.test").put("role", "agent").put("permissions", new JsonArray())
            .put("iat", now - 7200).put("exp", now - 60),
        new JWTOptions().setAlgorithm("HS256").setIssuer(Jwt.ISSUER));
  }
}
