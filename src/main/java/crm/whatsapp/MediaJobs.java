package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.storage.MediaStore;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads of inbound media, the only code that touches {@code media_jobs}. The message is stored first with its
 * attachment {@code pending}; a job per attachment is stored before the webhook body is let go, and removed once the
 * file is in the media store and the message updated ({@code attachment_ready}, with an event). Meta's URL expires
 * after five minutes, so a job starts at once; retryable failures are retried inside a run (backoff) and again by the
 * sweep, which re-resolves the URL each time; after {@link #MAX_RUNS} runs, or a failure that cannot succeed, the
 * attachment is marked {@code failed}. The message is never held back or lost by any of this.
 */
final class MediaJobs {
  private static final Logger log = LoggerFactory.getLogger(MediaJobs.class);
  static final String COLLECTION = "media_jobs";
  static final int MAX_RUNS = 6;
  private static final int PARALLEL = 4;
  private static final Duration SWEEP = Duration.ofSeconds(30);

  private final Vertx vertx;
  private final Bus bus;
  private final Mongo mongo;
  private final MediaDownloader downloader;
  private final Deque<JsonObject> queue = new ArrayDeque<>();
  private final Set<String> active = new HashSet<>();

  MediaJobs(Vertx vertx, JsonObject cfg, Bus bus, Mongo mongo) {
    this.vertx = vertx;
    this.bus = bus;
    this.mongo = mongo;
    this.downloader = new MediaDownloader(vertx, cfg, new MediaStore(vertx, mongo));
  }

  void start() {
    sweep();
    vertx.setPeriodic(SWEEP.toMillis(), id -> sweep());
  }

  Future<Void> close() {
    closed = true; // what is queued stays stored: the next start (or another node's sweep) takes it
    queue.clear();
    return downloader.close();
  }

  /** Stores a job for each pending attachment in the recorder's results, then starts them. */
  Future<Void> enqueue(JsonArray results) {
    List<JsonObject> jobs = new ArrayList<>();
    for (Object o : results) {
      JsonObject r = (JsonObject) o;
      for (Object a : r.getJsonArray("attachments", new JsonArray())) {
        JsonObject att = (JsonObject) a;
        if (att.getString("mediaId") == null) continue;
        jobs.add(new JsonObject().put("_id", r.getString("messageId") + ":" + att.getInteger("index"))
            .put("messageId", r.getString("messageId")).put("index", att.getInteger("index"))
            .put("attachment", att).put("runs", 0).put("nextRunAt", Mongo.now()));
      }
    }
    if (jobs.isEmpty()) return Future.succeededFuture();
    return mongo.insertMany(COLLECTION, jobs).map(inserted -> {
      jobs.forEach(this::submit);
      return null;
    });
  }

  private void sweep() {
    JsonObject due = new JsonObject().put("nextRunAt", new JsonObject().put("$lte", Mongo.now()));
    mongo.client().findWithOptions(COLLECTION, due, new FindOptions().setLimit(200).setSort(new JsonObject().put("nextRunAt", 1)))
        .onSuccess(found -> found.forEach(this::submit))
        .onFailure(err -> log.warn("Media job sweep failed: {}", err.toString()));
  }

  private boolean closed;

  private void submit(JsonObject job) {
    if (active.contains(job.getString("_id")) || queue.stream().anyMatch(j -> j.getString("_id").equals(job.getString("_id")))) return;
    queue.add(job);
    drain();
  }

  private void drain() {
    while (!closed && active.size() < PARALLEL && !queue.isEmpty()) {
      JsonObject job = queue.poll();
      active.add(job.getString("_id"));
      run(job).onComplete(ar -> {
        active.remove(job.getString("_id"));
        if (ar.failed()) log.warn("Media job {} could not be recorded: {}", job.getString("_id"), ar.cause().toString());
        drain();
      });
    }
  }

  private Future<Void> run(JsonObject job) {
    JsonObject att = job.getJsonObject("attachment");
    String hint = att.getString("filename");
    if (hint != null && hint.equals(att.getString("mediaId"))) hint = null; // the recorder's placeholder, not a name
    return downloader.downloadWithRetry(att.getString("mediaId"), att.getString("sha256"), hint)
        .compose(file -> finish(job, ready(att, file)))
        .recover(err -> {
          boolean retryable = MediaDownloader.isRetryable(err);
          int runs = job.getInteger("runs", 0) + 1;
          if (retryable && runs < MAX_RUNS) {
            Instant next = Instant.now().plus(Duration.ofMinutes(1L << Math.min(runs, 5)));
            log.info("Media {} not fetched yet ({}), run {} of {}, next at {}", att.getString("mediaId"), reason(err), runs, MAX_RUNS, next);
            return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", job.getString("_id")),
                new JsonObject().put("$set", new JsonObject().put("runs", runs).put("nextRunAt", Mongo.date(next))
                    .put("lastError", reason(err)))).recover(Mongo::mapError).mapEmpty();
          }
          log.warn("Media {} of message {} failed for good: {}", att.getString("mediaId"), job.getString("messageId"), reason(err));
          return finish(job, att.copy().put("status", "failed").put("error", reason(err)));
        });
  }

  /** Records the attachment on the message (event included), then forgets the job. */
  private Future<Void> finish(JsonObject job, JsonObject attachment) {
    attachment.remove("index");
    return bus.request(Addresses.CONVERSATION_ATTACHMENT_READY, new JsonObject().put("messageId", job.getString("messageId"))
            .put("index", job.getInteger("index")).put("attachment", attachment))
        .compose(v -> mongo.client().removeDocuments(COLLECTION, new JsonObject().put("_id", job.getString("_id")))
            .recover(Mongo::mapError))
        .mapEmpty();
  }

  private static JsonObject ready(JsonObject pending, JsonObject file) {
    return pending.copy().put("status", "ready").put("url", file.getString("url")).put("fileId", file.getString("fileId"))
        .put("filename", file.getString("filename")).put("size", file.getLong("size"))
        .put("mimeType", file.getString("mimeType")).put("sha256", file.getString("sha256"));
  }

  private static String reason(Throwable err) {
    if (err instanceof CrmException ce && ce.details() instanceof JsonObject d && d.getString("reason") != null) {
      return d.getString("reason");
    }
    return String.valueOf(err.getMessage());
  }
}
