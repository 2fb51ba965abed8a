package crm.assistant;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.List;

/**
 * The record of every turn ({@code assistant_turns}: what was asked, which functions ran with which arguments and
 * results, latency, tokens, outcome) and the side effects already done ({@code assistant_effects}); the only code
 * touching them.
 */
final class TurnStore {
  static final String TURNS = "assistant_turns";
  static final String EFFECTS = "assistant_effects";

  private final io.vertx.core.Vertx vertx;
  private final Mongo mongo;
  /** Records waiting for the next insert, and whether one is under way. */
  private final List<java.util.Map.Entry<JsonObject, io.vertx.core.Promise<Void>>> queued = new java.util.ArrayList<>();
  private boolean writing;

  TurnStore(io.vertx.core.Vertx vertx, Mongo mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return Future.all(
        mongo.createIndex(TURNS, new JsonObject().put("conversationId", 1).put("startedAt", -1), new IndexOptions().name("conversation_started")),
        mongo.createIndex(WorkStore.COLLECTION, new JsonObject().put("pending", 1).put("pendingAt", 1), new IndexOptions().name("pending_at")))
        .mapEmpty();
  }

  /**
   * Stores a turn's record. Records that come while a write is under way go together in the next one (under load,
   * one insert per batch instead of per turn); each caller's future completes when its record is stored.
   */
  Future<Void> record(JsonObject turn) {
    io.vertx.core.Promise<Void> stored = io.vertx.core.Promise.promise();
    queued.add(java.util.Map.entry(turn, stored));
    if (!writing) writeQueued();
    return stored.future();
  }

  private void writeQueued() {
    if (queued.isEmpty()) {
      writing = false;
      return;
    }
    writing = true;
    List<java.util.Map.Entry<JsonObject, io.vertx.core.Promise<Void>>> batch = List.copyOf(queued);
    queued.clear();
    mongo.insertMany(TURNS, batch.stream().map(java.util.Map.Entry::getKey).toList()).onComplete(ar -> {
      for (var e : batch) e.getValue().handle(ar.mapEmpty());
      writeQueued();
    });
  }

  /** A conversation's turns, newest first. */
  Future<List<JsonObject>> list(String conversationId, int skip, int limit) {
    JsonObject query = conversationId == null ? new JsonObject() : new JsonObject().put("conversationId", conversationId);
    return mongo.client().findWithOptions(TURNS, query, new FindOptions().setSort(new JsonObject().put("startedAt", -1))
        .setSkip(skip).setLimit(limit)).recover(Mongo::mapError);
  }

  Future<Long> count(String conversationId) {
    JsonObject query = conversationId == null ? new JsonObject() : new JsonObject().put("conversationId", conversationId);
    return mongo.client().count(TURNS, query).recover(Mongo::mapError);
  }

  /**
   * Runs a side effect once per key within {@code windowMs}: the first caller claims the key (a unique _id), runs it
   * and stores its result; a later or concurrent caller with the same key gets that stored result (waiting for the
   * first to finish, up to a few seconds). A failed effect is forgotten, so it may be tried again.
   */
  Future<JsonObject> once(String key, long windowMs, java.util.function.Supplier<Future<JsonObject>> effect) {
    Instant now = Instant.now();
    JsonObject claim = new JsonObject().put("_id", key).put("state", "running").put("at", Mongo.date(now));
    return mongo.client().insert(EFFECTS, claim).map(id -> true)
        .recover(err -> {
          if (!Mongo.isDuplicateKey(err)) return Mongo.mapError(err);
          // taken: by an effect still in its window, or by an old one whose window is over (take it again)
          return mongo.client().findOneAndUpdateWithOptions(EFFECTS,
                  new JsonObject().put("_id", key).put("at", new JsonObject().put("$lt", Mongo.date(now.minusMillis(windowMs)))),
                  new JsonObject().put("$set", new JsonObject().put("state", "running").put("at", Mongo.date(now))).put("$unset", new JsonObject().put("result", "")),
                  new FindOptions(), new UpdateOptions())
              .recover(Mongo::mapError).map(doc -> doc != null);
        })
        .compose(mine -> {
          if (!mine) return awaitResult(key, 50);
          return effect.get()
              .compose(result -> mongo.client().updateCollection(EFFECTS, new JsonObject().put("_id", key),
                      new JsonObject().put("$set", new JsonObject().put("state", "done").put("result", result)))
                  .recover(Mongo::mapError).map(result))
              .recover(err -> mongo.client().removeDocument(EFFECTS, new JsonObject().put("_id", key).put("state", "running"))
                  .recover(e -> Future.succeededFuture()).compose(v -> Future.failedFuture(err)));
        });
  }

  private Future<JsonObject> awaitResult(String key, int triesLeft) {
    return mongo.client().findOne(EFFECTS, new JsonObject().put("_id", key), null).recover(Mongo::mapError).compose(doc -> {
      if (doc != null && "done".equals(doc.getString("state"))) {
        return Future.succeededFuture(doc.getJsonObject("result", new JsonObject()).copy().put("duplicate", true));
      }
      if (doc == null || triesLeft == 0) {
        return Future.failedFuture(new IllegalStateException("the same request is still being carried out; try again shortly"));
      }
      io.vertx.core.Promise<JsonObject> later = io.vertx.core.Promise.promise();
      vertx.setTimer(100, t -> awaitResult(key, triesLeft - 1).onComplete(later));
      return later.future();
    });
  }
}
