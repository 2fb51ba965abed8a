package crm.console;

import crm.support.NodeContext;
import crm.support.NodeRunner;
import crm.support.TestApp;
import crm.support.Wa;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent console end to end in headless Chromium ({@code src/test/node/console.e2e.test.mjs}, playwright-core with
 * the Debian {@code /usr/bin/chromium} that scripts/test installs): log in; a signed webhook live in the inbox and the
 * open conversation; a reply's ticks advancing in sandbox mode; a ticket opened from the conversation; a revoked
 * session back at the login page; the ticket's status and its resolution summary, and the agent status picker, through the
 * API; and the console served from another origin (a second static server on its own
 * port, {@code ?api=} pointing at the API, {@code CORS_ORIGINS} set). Screenshots go to target/console-screenshots/.
 */
class ConsoleE2ETest {
  static final Path SCREENSHOTS = Path.of("target/console-screenshots").toAbsolutePath();

  @Test
  void the_console_works_in_a_real_browser_same_origin_and_cross_origin() throws Exception {
    Path webRoot = Path.of("target/classes/console").toAbsolutePath();
    if (!Files.exists(webRoot.resolve("index.html")) || !Files.exists(webRoot.resolve("vendor/socket.io.esm.min.js"))) {
      throw new AssertionError(webRoot + " lacks index.html or vendor/socket.io.esm.min.js: run it through mvn");
    }
    Vertx vertx = Vertx.vertx();
    try {
      // the console as another site would host it: the same files from another port, nothing else
      Router files = Router.router(vertx);
      files.route().handler(StaticHandler.create(FileSystemAccess.ROOT, webRoot.toString()).setCachingEnabled(false));
      HttpServer other = vertx.createHttpServer().requestHandler(files).listen(0, "127.0.0.1")
          .await(30, TimeUnit.SECONDS);
      String otherOrigin = "http://127.0.0.1:" + other.actualPort();
      // sandbox mode (no Graph API credentials): sent, delivered and read are simulated this far apart
      try (TestApp app = TestApp.start(Wa.config().put("WHATSAPP_SANDBOX_DELAY_MS", 400)
               .put("CORS_ORIGINS", otherOrigin + ",http://localhost:4200"));
           NodeContext ctx = new NodeContext(app.vertx, app.port)) {
        ctx.put("adminEmail", TestApp.ADMIN_EMAIL).put("adminPassword", TestApp.ADMIN_PASSWORD)
            .put("screenshots", SCREENSHOTS.toString())
            .put("crossOriginUrl", otherOrigin + "/?api=" + NodeContext.url(app.port));
        NodeRunner.test("console.e2e.test.mjs", ctx.env(), 300).assertPassed(4);
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
