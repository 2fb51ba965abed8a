package crm.whatsapp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Meta's throughput cap for one business phone number ({@code WHATSAPP_SEND_RATE} per second), shared by every node:
 * time is cut into windows (100 ms, or a second below 10/s), each with its share of the rate, and a node takes what it
 * sends from a window's count in the cluster-wide map {@value #MAP} (Hazelcast through Vert.x SharedData; node-local
 * when standalone) with compare-and-set. A node asks once for all its waiting sends, not once per send; sends a window
 * cannot take wait for the next one, in order, so bursts are smoothed rather than refused.
 *
 * <p>If the map cannot be reached (the cluster is partitioning), sends go on at this node's own rate: the cap fails
 * open rather than stopping every reply, and says so in the log.
 */
final class SendThrottle {
  private static final Logger log = LoggerFactory.getLogger(SendThrottle.class);
  static final String MAP = "crm.whatsapp.throttle";
  private static final int MAX_CAS_ATTEMPTS = 20;

  private final Vertx vertx;
  private final Future<AsyncMap<String, Long>> map;
  private final String scope;
  private final int rate;
  private final long windowMs;
  private final int windowsPerSecond;
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();
  private boolean busy;

  SendThrottle(Vertx vertx, String scope, int ratePerSecond) {
    this.vertx = vertx;
    this.scope = scope;
    this.rate = ratePerSecond;
    this.windowMs = ratePerSecond >= 10 ? 100 : 1000;
    this.windowsPerSecond = (int) (1000 / windowMs);
    this.map = vertx.sharedData().getAsyncMap(MAP);
  }

  /** Completes when this send may go. */
  Future<Void> take() {
    Promise<Void> p = Promise.promise();
    waiting.add(p);
    pump();
    return p.future();
  }

  /** Window {@code w}'s share: the rate spread over the windows of a second, remainders included (80/s: 8 each). */
  int quota(long w) {
    return (int) (((w + 1) * rate) / windowsPerSecond - (w * rate) / windowsPerSecond);
  }

  static String key(String scope, long window) {
    return scope + "|" + window;
  }

  private void pump() {
    if (busy || waiting.isEmpty()) return;
    busy = true;
    long now = System.currentTimeMillis();
    long window = now / windowMs;
    int want = Math.min(waiting.size(), quota(window));
    Future<Integer> granted = want == 0 ? Future.succeededFuture(0) : map.compose(m -> reserve(m, window, want, 0));
    granted.onComplete(ar -> {
      int got = ar.succeeded() ? ar.result() : want;
      if (ar.failed()) log.warn("The shared send cap is not reachable ({}): sending at this node's rate", ar.cause().toString());
      for (int i = 0; i < got && !waiting.isEmpty(); i++) waiting.poll().complete();
      busy = false;
      if (waiting.isEmpty()) return;
      if (ar.failed() || got < want || got == 0) { // this window is spent (or unknown): the next one
        long next = (window + 1) * windowMs - System.currentTimeMillis();
        vertx.setTimer(Math.max(1, next), t -> pump());
      } else {
        pump();
      }
    });
  }

  private Future<Integer> reserve(AsyncMap<String, Long> m, long window, int want, int attempt) {
    String key = key(scope, window);
    int quota = quota(window);
    return m.putIfAbsent(key, (long) want, 10_000).compose(prev -> {
      if (prev == null) return Future.succeededFuture(want);
      int free = (int) Math.max(0, quota - prev);
      if (free == 0) return Future.succeededFuture(0);
      int take = Math.min(want, free);
      return m.replaceIfPresent(key, prev, prev + take).compose(ok -> {
        if (ok) return Future.succeededFuture(take);
        return attempt >= MAX_CAS_ATTEMPTS ? Future.succeededFuture(0) : reserve(m, window, want, attempt + 1);
      });
    });
  }
}
