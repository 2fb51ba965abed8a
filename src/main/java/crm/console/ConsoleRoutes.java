package crm.console;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.MimeMapping;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The built-in agent console: the static files the build puts in the jar under {@code console/} (from
 * {@code src/main/console}, plus {@code console/vendor/socket.io.esm.min.js} from npm), served at {@code /}.
 * Every other GET of a path that is not the server's own answers {@code index.html}, so the console's deep links
 * load; a missing asset (a name with a dot) stays a 404. Files are revalidated on every load ({@code no-cache} with
 * {@code Last-Modified}): the modules carry no content hash in their names. HEAD answers the headers GET would,
 * with the length of what GET sends (StaticHandler's own HEAD sends neither type nor length; probes and link
 * checkers read them).
 *
 * <p>The routes match no path of the API, the sockets, the webhooks, the probes or the files at all (a path regex), so
 * those keep their own 404 and 405 answers. Mounted last by {@code crm.http.HttpVerticle}.
 */
public final class ConsoleRoutes {
  /** Where the console's files are on the classpath. */
  public static final String WEB_ROOT = "console";
  /** Every path but the server's own: /api, /socket.io, /engine.io, /webhooks, /files, /media, /health, /ready, /metrics. */
  static final String CONSOLE_PATHS =
      "^/(?!(?:api|socket\\.io|engine\\.io|webhooks|files|media)(?:/|$)|(?:health|ready|metrics)/?$).*";

  private ConsoleRoutes() {}

  public static void mount(Vertx vertx, Router root) {
    StaticHandler files = StaticHandler.create(WEB_ROOT).setCachingEnabled(true).setIndexPage("index.html")
        .setDirectoryListing(false).setIncludeHidden(false);
    root.routeWithRegex(CONSOLE_PATHS).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (ctx.request().method() == HttpMethod.HEAD) {
        head(vertx, ctx);
        return;
      }
      ctx.addHeadersEndHandler(v -> {
        if (ctx.response().getStatusCode() < 400) ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      });
      files.handle(ctx);
    });
    // a deep link (/conversations/123): the single page, which routes itself; a missing asset stays a 404
    root.routeWithRegex(CONSOLE_PATHS).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      String path = ctx.normalizedPath();
      if (path.substring(path.lastIndexOf('/') + 1).contains(".")) {
        ctx.next();
        return;
      }
      vertx.fileSystem().readFile(WEB_ROOT + "/index.html").onComplete(ar -> {
        if (ar.failed()) {
          ctx.next();
          return;
        }
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end(ar.result());
      });
    });
  }

  /** HEAD: what GET would answer for this path (a file, a directory's index.html, a deep link's page), without it. */
  private static void head(Vertx vertx, RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (path.contains("/.")) {
      ctx.next();
      return;
    }
    String file = name.isEmpty() ? path + "index.html" : name.contains(".") ? path : "/index.html";
    vertx.fileSystem().readFile(WEB_ROOT + file).onComplete(ar -> {
      if (ar.failed()) {
        ctx.next();
        return;
      }
      String type = MimeMapping.mimeTypeForFilename(file);
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, type == null ? "application/octet-stream"
              : type.startsWith("text") || type.contains("javascript") ? type + ";charset=UTF-8" : type)
          .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(ar.result().length()))
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end();
    });
  }
}
