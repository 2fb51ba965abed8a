package crm.socket;

import static org.assertj.core.api.Assertions.assertThat;

import crm.auth.Jwt;
import crm.support.ChildJvm;
import crm.support.SocketHooks;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real socket.io-client 4 (src/test/node, locked by package-lock.json) against the real app: websocket only,
 * polling only, polling then upgrade, refused tokens, acks both ways, rooms. {@code npm ci} runs once (when
 * node_modules is missing or older than the lock file), then {@code node --test}; its output is shown on failure.
 */
class SocketIoClientNodeTest {
  private static final Path DIR = Path.of("src/test/node");

  @Test
  void the_real_socket_io_client_connects_over_every_transport_and_is_refused_bad_tokens() throws Exception {
    ensureInstalled();
    try (TestApp app = TestApp.start(new JsonObject().put("HTTP_INSTANCES", 2))) {
      SocketHooks.install(app);
      JsonObject login = app.login(TestApp.ADMIN_EMAIL, TestApp.ADMIN_PASSWORD);
      Result run = run(List.of("node", "--test", "socket-client.test.mjs"), Map.of(
          "SOCKET_URL", "http://127.0.0.1:" + app.port,
          "SOCKET_TOKEN", login.getString("token"),
          "SOCKET_EXPIRED_TOKEN", expiredToken(app, login.getJsonObject("agent").getString("id"))), 120);
      assertThat(run.exitCode()).as("node --test output:\n" + run.output()).isZero();
      assertThat(run.output()).contains("# pass 6").contains("# fail 0");
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

  /** {@code npm ci} when node_modules is missing or older than package-lock.json. */
  private static void ensureInstalled() throws Exception {
    Path marker = DIR.resolve("node_modules/.package-lock.json");
    Path lock = DIR.resolve("package-lock.json");
    if (Files.exists(marker) && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(lock)) >= 0) return;
    Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    assertThat(install.exitCode()).as("npm ci in " + DIR + " (Node.js and npm are needed, see README):\n" + install.output())
        .isZero();
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> command, Map<String, String> env, long timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError(command.get(0) + " cannot be started (Node.js and npm are needed, see README): " + e, e);
    }
    CompletableFuture<String> out = ChildJvm.drain(p.getInputStream());
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s:\n" + out.getNow(""));
    }
    return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS));
  }
}
