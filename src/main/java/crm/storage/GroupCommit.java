package crm.storage;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded store's only committer (see {@link StoreFile} for why there must be one). Serves
 * {@link Addresses#STORAGE_SYNC} on this node (and {@link Addresses#STORAGE_SYNC_SHARED} for the cluster): a request is answered once a commit that started after it has reached
 * disk. The first request after a quiet spell waits {@code DB_COMMIT_INTERVAL_MS} for others to join it; requests
 * arriving while a commit runs share the next one (group commit), which starts as soon as that one ends, so a burst of
 * durable writes costs one disk sync, not one each. Once every {@link #BACKGROUND_MS} it also commits what nobody waits for (the store commits
 * nothing on its own), and every {@link #COMPACT_MS} it reclaims some dead space of the file. Both run on worker threads.
 */
public final class GroupCommit extends VerticleBase {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GroupCommit.class);
  /** Writes that nobody waits for reach the disk within this long. */
  static final long BACKGROUND_MS = 1000;
  /** How often the file is looked at for dead space to reclaim ({@link EmbeddedMongo#compact}). */
  static final long COMPACT_MS = 10_000;
  private final EmbeddedMongo db;
  private final long intervalMs;
  private List<Promise<JsonObject>> waiting = new ArrayList<>();
  private boolean scheduled;

  private final boolean fsync;

  /** {@code fsync}: a commit also syncs the file, so what it holds survives an operating-system crash or a power cut. */
  public GroupCommit(EmbeddedMongo db, long intervalMs, boolean fsync) {
    this.db = db;
    this.fsync = fsync;
    this.intervalMs = intervalMs;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(BACKGROUND_MS, id -> scheduleCommit());
    vertx.setPeriodic(COMPACT_MS, id -> vertx.executeBlocking(db::compact, false)
        .onFailure(err -> log.warn("compaction failed: {}", err.toString())));
    Bus bus = new Bus(vertx);
    Future<Void> local = bus.serveLocal(Addresses.STORAGE_SYNC, this::sync).completion();
    // clustered: the nodes that use this database through MONGO_URI (MONGO_URI_EMBEDDED) ask here too
    return vertx.isClustered() ? local.compose(v -> bus.serve(Addresses.STORAGE_SYNC_SHARED, this::sync).completion()) : local;
  }

  private Future<JsonObject> sync(JsonObject body) {
    Promise<JsonObject> promise = Promise.promise();
    waiting.add(promise);
    scheduleCommit();
    return promise.future();
  }

  private void scheduleCommit() {
    if (scheduled) return;
    scheduled = true;
    if (intervalMs > 0) {
      vertx.setTimer(intervalMs, id -> commit());
    } else {
      commit();
    }
  }

  private void commit() {
    List<Promise<JsonObject>> batch = waiting;
    waiting = new ArrayList<>();
    JsonObject reply = new JsonObject().put("batch", batch.size());
    vertx.executeBlocking(() -> {
      db.commit(fsync);
      return null;
    }, false).onComplete(ar -> {
      scheduled = false;
      for (Promise<JsonObject> p : batch) {
        if (ar.succeeded()) p.complete(reply);
        else p.fail(ar.cause());
      }
      if (!waiting.isEmpty()) { // they gathered while this commit ran: the next one starts at once, no further delay
        scheduled = true;
        commit();
      }
    });
  }
}
