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
    String id = given != null && SANE_ID.matcher(given).matches() ? given : newId();
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

  /**
   * A random version-4 UUID from the thread's fast generator: a request id only tells one request's log lines from
   * another's, it guards nothing, and {@code UUID.randomUUID()}'s SecureRandom was most of this handler's time.
   */
  static String newId() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;                  // version 4
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    return new UUID(high, low).toString();
  }

  public static String id(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
