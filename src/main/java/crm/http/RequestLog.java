package crm.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** First handler of every request: a request id (kept from X-Request-Id when sane), echoed back, one log line at the end. */
public final class RequestLog implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger("crm.http.access");
  private static final Pattern SANE_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");
  static final String KEY = "requestId";

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String given = ctx.request().getHeader("X-Request-Id");
    String id = given != null && SANE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader("X-Request-Id", id).putHeader("X-Content-Type-Options", "nosniff");
    ctx.addEndHandler(v -> {
      if (log.isInfoEnabled()) {
        log.info("{} {} {} {}ms rid={}", ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode(),
            (System.nanoTime() - start) / 1_000_000, id);
      }
    });
    ctx.next();
  }

  public static String id(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
