package crm.http;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fixed-window request limits per bucket and caller (agent id when authenticated, client IP otherwise).
 * Counts live in a Vert.x async map: node-local when standalone, cluster-wide (Hazelcast) when clustered,
 * so N nodes share one budget. Increments are compare-and-set; keys carry their window, and each node
 * deletes the keys it touched once their window is over.
 */
public final class RateLimiter {
  public enum Bucket {
    AUTH("RATE_LIMIT_AUTH"), MESSAGES("RATE_LIMIT_MESSAGES"), UPLOAD("RATE_LIMIT_UPLOAD"), DEFAULT("RATE_LIMIT_DEFAULT");

    final String configKey;

    Bucket(String configKey) {
      this.configKey = configKey;
    }
  }

  /** The outcome for one request: what the X-RateLimit-* headers say. */
  public record Decision(boolean allowed, int limit, int remaining, long resetEpochSeconds, long retryAfterSeconds) {}

  private static final int MAX_CAS_ATTEMPTS = 20;

  private final Future<AsyncMap<String, Long>> map;
  private final long windowSeconds;
  private final Map<Bucket, Integer> limits = new ConcurrentHashMap<>();
  private final Map<Long, Set<String>> touched = new ConcurrentHashMap<>();

  public RateLimiter(Vertx vertx, JsonObject config) {
    this.map = vertx.sharedData().getAsyncMap("crm.ratelimit");
    this.windowSeconds = config.getInteger("RATE_LIMIT_WINDOW_SECONDS", 60);
    for (Bucket b : Bucket.values()) limits.put(b, config.getInteger(b.configKey, 100));
    vertx.setPeriodic(windowSeconds * 1000, id -> sweep());
  }

  public Future<Decision> hit(Bucket bucket, String caller) {
    long now = System.currentTimeMillis() / 1000;
    long window = now / windowSeconds;
    long reset = (window + 1) * windowSeconds;
    int limit = limits.get(bucket);
    String key = bucket.name() + "|" + caller + "|" + window;
    touched.computeIfAbsent(window, w -> ConcurrentHashMap.newKeySet()).add(key);
    return map.compose(m -> increment(m, key, 0)).map(count -> {
      boolean allowed = count <= limit;
      int remaining = (int) Math.max(0, limit - count);
      return new Decision(allowed, limit, remaining, reset, Math.max(1, reset - now));
    });
  }

  private Future<Long> increment(AsyncMap<String, Long> m, String key, int attempt) {
    long ttlMs = windowSeconds * 2000;
    return m.putIfAbsent(key, 1L, ttlMs).compose(prev -> {
      if (prev == null) return Future.succeededFuture(1L);
      return m.replaceIfPresent(key, prev, prev + 1).compose(ok -> {
        if (ok) return Future.succeededFuture(prev + 1);
        if (attempt >= MAX_CAS_ATTEMPTS) return Future.succeededFuture(prev + 1); // heavy contention: count it anyway
        return increment(m, key, attempt + 1);
      });
    });
  }

  /** Deletes this node's keys of finished windows. */
  private void sweep() {
    long current = System.currentTimeMillis() / 1000 / windowSeconds;
    touched.keySet().removeIf(window -> {
      if (window >= current) return false;
      Set<String> keys = touched.get(window);
      map.onSuccess(m -> keys.forEach(m::remove));
      return true;
    });
  }

  static CrmException exceeded(Decision d) {
    return new CrmException(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many requests, retry in " + d.retryAfterSeconds() + " s",
        null, new JsonObject().put("limit", d.limit()).put("retryAfter", d.retryAfterSeconds()));
  }
}
