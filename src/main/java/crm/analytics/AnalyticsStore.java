package crm.analytics;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only code that touches the analytics collections:
 * <ul>
 * <li>{@code analytics_marks}: {@code {_id: "c:<conversationId>" | "t:<ticketId>", v, at, g}}: what changed and must be
 *   folded ({@code v} counts the marks, {@code at} is the last one's time in ms, {@code g} the message numbers that
 *   will never hold a message). Holds only pending work, so reading it whole is cheap.</li>
 * <li>{@code analytics_state}: per conversation and ticket, what is already counted ({@link ConversationFold.State},
 *   {@link TicketFold.State}).</li>
 * <li>{@code analytics_rollups}: per scope, one document per UTC day ({@code s.q<slot>.<counter>}) and one of all-time
 *   totals ({@code n.<counter>}): what the dashboard reads.</li>
 * <li>{@code analytics_chunks}: the fold being applied (at most one): its new states and increments, written before
 *   they are applied, so a fold interrupted by a crash is applied again, and only where it was not yet.</li>
 * <li>{@code analytics_meta}: {@code {_id: "rollups", version, windowMs, state}}.</li>
 * </ul>
 * Every state and rollup document carries {@code lc}, the last chunk applied to it: a chunk's update names
 * {@code lc: {$ne: chunkId}}, so applying a chunk again changes nothing where it was applied (the upsert then finds the
 * id taken: duplicate key, counted as done). One folder at a time applies chunks (a cluster-wide lock), one chunk
 * after the other, so the last chunk is enough to know.
 */
final class AnalyticsStore {
  static final String MARKS = "analytics_marks";
  static final String STATE = "analytics_state";
  static final String ROLLUPS = "analytics_rollups";
  static final String CHUNKS = "analytics_chunks";
  static final String META = "analytics_meta";
  private static final int DUPLICATE_KEY = 11000;

  private final Mongo mongo;

  AnalyticsStore(Mongo mongo) {
    this.mongo = mongo;
  }

  // ---- marks

  /** One upsert per id: {@code v} + 1, {@code at} = now, the gaps added. */
  Future<Void> mark(Collection<String> ids, Map<String, List<Long>> gaps, long now) {
    if (ids.isEmpty()) return Future.succeededFuture();
    JsonArray updates = new JsonArray();
    for (String id : ids) {
      JsonObject u = new JsonObject().put("$inc", new JsonObject().put("v", 1)).put("$set", new JsonObject().put("at", now));
      List<Long> g = gaps.get(id);
      if (g != null && !g.isEmpty()) u.put("$addToSet", new JsonObject().put("g", new JsonObject().put("$each", new JsonArray(new ArrayList<>(g)))));
      updates.add(new JsonObject().put("q", new JsonObject().put("_id", id)).put("u", u).put("upsert", true).put("multi", false));
    }
    // two first marks of one id racing on a real MongoDB: the loser's upsert sees a duplicate key; once more is enough
    return update(MARKS, updates).compose(failed -> failed.isEmpty() ? Future.succeededFuture()
        : update(MARKS, pick(updates, failed)).compose(again -> again.isEmpty() ? Future.<Void>succeededFuture()
            : Future.failedFuture(new IllegalStateException("marks not written: " + again))));
  }

  record Mark(String id, long v, long at, List<Long> gaps) {}

  Future<List<Mark>> marks(int limit) {
    return mongo.client().findWithOptions(MARKS, new JsonObject(), new FindOptions().setLimit(limit)).recover(Mongo::mapError)
        .map(docs -> {
          List<Mark> out = new ArrayList<>();
          for (JsonObject d : docs) {
            List<Long> gaps = new ArrayList<>();
            for (Object o : d.getJsonArray("g", new JsonArray())) if (o instanceof Number n) gaps.add(n.longValue());
            out.add(new Mark(d.getString("_id"), d.getLong("v", 0L), d.getLong("at", 0L), gaps));
          }
          return out;
        });
  }

  /** Deletes the marks that were not marked again since ({@code v} unchanged). */
  Future<Void> unmark(List<Mark> done) {
    if (done.isEmpty()) return Future.succeededFuture();
    JsonArray deletes = new JsonArray();
    for (Mark m : done) deletes.add(new JsonObject().put("q", new JsonObject().put("_id", m.id()).put("v", m.v())).put("limit", 1));
    return mongo.client().runCommand("delete", new JsonObject().put("delete", MARKS).put("deletes", deletes).put("ordered", false))
        .recover(Mongo::mapError).mapEmpty();
  }

  // ---- states and rollups

  Future<Map<String, JsonObject>> states(Collection<String> ids) {
    return byIds(STATE, ids);
  }

  Future<Map<String, JsonObject>> rollups(Collection<String> ids) {
    return byIds(ROLLUPS, ids);
  }

  /** By id, 100 ids a query: the embedded server matches every document it finds against the whole {@code $in} list. */
  private Future<Map<String, JsonObject>> byIds(String collection, Collection<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture(Map.of());
    List<String> all = new ArrayList<>(ids);
    List<Future<List<JsonObject>>> parts = new ArrayList<>();
    for (int from = 0; from < all.size(); from += 100) {
      JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(all.subList(from, Math.min(all.size(), from + 100)))));
      parts.add(mongo.client().findWithOptions(collection, filter, new FindOptions()).recover(Mongo::mapError));
    }
    return Future.all(parts).map(v -> {
      Map<String, JsonObject> out = new HashMap<>();
      for (Future<List<JsonObject>> p : parts) for (JsonObject d : p.result()) out.put(d.getString("_id"), d);
      return out;
    });
  }

  /** Every document of a collection (the recount's comparison). */
  Future<List<JsonObject>> all(String collection) {
    List<JsonObject> out = new ArrayList<>();
    Promise<List<JsonObject>> done = Promise.promise();
    mongo.client().findBatchWithOptions(collection, new JsonObject(), new FindOptions().setBatchSize(1000))
        .handler(out::add).exceptionHandler(done::tryFail).endHandler(v -> done.tryComplete(out));
    return done.future().recover(Mongo::mapError);
  }

  // ---- the rollups as the dashboard reads them: through a cache that a version in analytics_meta keeps exact

  /** Parsed rollup documents by id ({@link #ABSENT} for one that does not exist), as of {@link #cachedVersion}. */
  private final Map<String, Rollup> cache = new HashMap<>();
  private long cachedVersion = -1;
  private static final Rollup ABSENT = Rollup.totals(new JsonObject());
  private static final int CACHE_MAX = 50_000;

  /**
   * Rollup documents by id, parsed, read from the database only when the rollups changed since they were last read
   * here: every applied chunk bumps {@code analytics_meta.version} after its writes, and a copy is kept only when the
   * version read before it was fetched is still the current one. So an answer reflects the rollups as they were at some
   * moment after its version was read, on any node; documents that do not exist are left out.
   */
  Future<Map<String, Rollup>> rollupsCached(Collection<String> ids) {
    return version().compose(v -> {
      long version = v.getLong("n", 0L);
      if (version != cachedVersion) {
        forgetChanged(v, version);
        cachedVersion = version;
      }
      List<String> missing = new ArrayList<>();
      for (String id : ids) if (!cache.containsKey(id)) missing.add(id);
      return rollups(missing).map(found -> {
        Map<String, Rollup> parsed = new HashMap<>();
        found.forEach((id, doc) -> parsed.put(id, Rollup.of(id, doc)));
        if (cachedVersion == version) {
          if (cache.size() + missing.size() > CACHE_MAX) cache.clear();
          for (String id : missing) cache.put(id, parsed.getOrDefault(id, ABSENT));
        }
        Map<String, Rollup> out = new HashMap<>();
        for (String id : ids) {
          Rollup r = parsed.containsKey(id) ? parsed.get(id) : cache.get(id);
          if (r != null && r != ABSENT) out.put(id, r);
        }
        return out;
      });
    });
  }

  /**
   * Drops the cached copies the versions since {@link #cachedVersion} changed: each version's entry of the log names the
   * documents its chunk wrote (the last {@link #VERSION_LOG} versions are logged); anything older, or a rebuild, drops
   * every copy.
   */
  private void forgetChanged(JsonObject v, long version) {
    JsonArray log = v.getJsonArray("log", new JsonArray());
    long behind = version - cachedVersion;
    if (cachedVersion < 0 || behind < 0 || behind > log.size()) {
      cache.clear();
      return;
    }
    for (int i = log.size() - (int) behind; i < log.size(); i++) {
      JsonObject entry = log.getJsonObject(i);
      if (entry.getBoolean("all", false)) {
        cache.clear();
        return;
      }
      for (Object id : entry.getJsonArray("ids", new JsonArray())) cache.remove(String.valueOf(id));
    }
  }

  private static final int VERSION_LOG = 32;

  private Future<JsonObject> version() {
    return mongo.client().findOne(META, new JsonObject().put("_id", "version"), null).recover(Mongo::mapError)
        .map(doc -> doc == null ? new JsonObject() : doc);
  }

  /**
   * After the rollups changed: the version goes up by one and its log entry names the rollup documents written
   * ({@code null}: all of them, a rebuild), so every node drops exactly those cached copies. One folder at a time
   * bumps (the fold lock), so the log's order is the versions' order.
   */
  Future<Void> bumpVersion(Collection<String> changed) {
    JsonObject entry = changed == null ? new JsonObject().put("all", true) : new JsonObject().put("ids", new JsonArray(new ArrayList<>(changed)));
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("n", 1L))
        .put("$push", new JsonObject().put("log", new JsonObject().put("$each", new JsonArray().add(entry)).put("$slice", -VERSION_LOG)));
    JsonObject query = new JsonObject().put("_id", "version");
    return mongo.client().updateCollectionWithOptions(META, query, update, new io.vertx.ext.mongo.UpdateOptions().setUpsert(true))
        .recover(err -> Mongo.isDuplicateKey(err) ? mongo.client().updateCollection(META, query, update) : Future.failedFuture(err))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** The rollup documents a chunk writes. */
  static List<String> rollupIds(JsonObject chunk) {
    List<String> out = new ArrayList<>();
    for (Object o : chunk.getJsonArray("incs", new JsonArray())) out.add(((JsonObject) o).getString("_id"));
    return out;
  }

  // ---- chunks

  Future<List<JsonObject>> pendingChunks() {
    return mongo.client().findWithOptions(CHUNKS, new JsonObject(), new FindOptions().setSort(new JsonObject().put("_id", 1)))
        .recover(Mongo::mapError);
  }

  /**
   * A chunk: {@code {_id, states: [state documents], incs: [{_id: rollup id, p: [paths], n: [increments]}]}} (paths as
   * values, not keys: they hold dots).
   */
  static JsonObject chunk(String id, List<JsonObject> states, Deltas deltas) {
    JsonArray incs = new JsonArray();
    deltas.increments().forEach((doc, paths) -> {
      JsonArray p = new JsonArray();
      JsonArray n = new JsonArray();
      paths.forEach((path, v) -> { p.add(path); n.add(v); });
      incs.add(new JsonObject().put("_id", doc).put("p", p).put("n", n));
    });
    return new JsonObject().put("_id", id).put("states", new JsonArray(new ArrayList<>(states))).put("incs", incs);
  }

  Future<Void> writeChunk(JsonObject chunk) {
    return mongo.client().insert(CHUNKS, chunk).recover(Mongo::mapError).mapEmpty();
  }

  /** Applies a chunk where it is not applied yet; may run any number of times. */
  Future<Void> applyChunk(JsonObject chunk) {
    String id = chunk.getString("_id");
    JsonObject notYet = new JsonObject().put("$ne", id);
    JsonArray states = new JsonArray();
    for (Object o : chunk.getJsonArray("states", new JsonArray())) {
      JsonObject s = ((JsonObject) o).copy().put("lc", id);
      states.add(new JsonObject().put("q", new JsonObject().put("_id", s.getString("_id")).put("lc", notYet))
          .put("u", s).put("upsert", true).put("multi", false));
    }
    JsonArray rollups = new JsonArray();
    for (Object o : chunk.getJsonArray("incs", new JsonArray())) {
      JsonObject inc = (JsonObject) o;
      JsonObject paths = new JsonObject();
      JsonArray p = inc.getJsonArray("p");
      JsonArray n = inc.getJsonArray("n");
      for (int i = 0; i < p.size(); i++) paths.put(p.getString(i), n.getLong(i));
      rollups.add(new JsonObject().put("q", new JsonObject().put("_id", inc.getString("_id")).put("lc", notYet))
          .put("u", new JsonObject().put("$inc", paths).put("$set", new JsonObject().put("lc", id)))
          .put("upsert", true).put("multi", false));
    }
    return Future.all(applied(STATE, states), applied(ROLLUPS, rollups)).mapEmpty();
  }

  /** An update command whose only tolerated errors are duplicate keys (a guarded upsert of a document already done). */
  private Future<Void> applied(String collection, JsonArray updates) {
    if (updates.isEmpty()) return Future.succeededFuture();
    return runUpdate(collection, updates).compose(errors -> {
      for (Object o : errors) {
        JsonObject e = (JsonObject) o;
        if (e.getInteger("code", -1) != DUPLICATE_KEY) {
          return Future.failedFuture(new IllegalStateException("rollup write failed: " + e.getString("errmsg")));
        }
      }
      return Future.succeededFuture();
    });
  }

  Future<Void> deleteChunk(String id) {
    return mongo.client().removeDocument(CHUNKS, new JsonObject().put("_id", id)).recover(Mongo::mapError).mapEmpty();
  }

  // ---- meta and rebuilding

  Future<JsonObject> meta() {
    return mongo.client().findOne(META, new JsonObject().put("_id", "rollups"), null).recover(Mongo::mapError);
  }

  Future<Void> setMeta(JsonObject meta) {
    JsonObject doc = meta.copy().put("_id", "rollups");
    return mongo.client().save(META, doc).recover(Mongo::mapError).mapEmpty();
  }

  /** Replaces every state and rollup document (the rebuild); chunks are dropped. */
  Future<Void> replaceAll(List<JsonObject> states, Map<String, Map<String, Long>> rollups) {
    List<JsonObject> docs = new ArrayList<>();
    rollups.forEach((id, paths) -> docs.add(expand(id, paths)));
    return Future.all(
            mongo.client().removeDocuments(STATE, new JsonObject()),
            mongo.client().removeDocuments(ROLLUPS, new JsonObject()),
            mongo.client().removeDocuments(CHUNKS, new JsonObject()))
        .recover(Mongo::mapError)
        .compose(v -> insertInBatches(STATE, states, 0))
        .compose(v -> insertInBatches(ROLLUPS, docs, 0));
  }

  private Future<Void> insertInBatches(String collection, List<JsonObject> docs, int from) {
    if (from >= docs.size()) return Future.succeededFuture();
    List<JsonObject> batch = docs.subList(from, Math.min(docs.size(), from + 1000));
    return mongo.insertMany(collection, batch).compose(v -> insertInBatches(collection, docs, from + 1000));
  }

  /** path -> value as a nested document. */
  static JsonObject expand(String id, Map<String, Long> paths) {
    JsonObject doc = new JsonObject().put("_id", id);
    paths.forEach((path, v) -> {
      String[] parts = path.split("\\.");
      JsonObject at = doc;
      for (int i = 0; i < parts.length - 1; i++) {
        JsonObject next = at.getJsonObject(parts[i]);
        if (next == null) at.put(parts[i], next = new JsonObject());
        at = next;
      }
      at.put(parts[parts.length - 1], v);
    });
    return doc;
  }

  // ---- the update command

  /** Runs an update command; answers its write errors (empty when none). */
  private Future<JsonArray> runUpdate(String collection, JsonArray updates) {
    JsonObject command = new JsonObject().put("update", collection).put("updates", updates).put("ordered", false);
    return mongo.client().runCommand("update", command).recover(Mongo::mapError).compose(reply -> {
      if (reply.getJsonObject("writeConcernError") != null) {
        return Future.failedFuture(new IllegalStateException("write concern: " + reply.getJsonObject("writeConcernError")));
      }
      return Future.succeededFuture(reply.getJsonArray("writeErrors", new JsonArray()));
    });
  }

  /** The update command's failures, as the indexes of the updates that failed with a duplicate key (others fail). */
  private Future<List<Integer>> update(String collection, JsonArray updates) {
    return runUpdate(collection, updates).compose(errors -> {
      List<Integer> dup = new ArrayList<>();
      for (Object o : errors) {
        JsonObject e = (JsonObject) o;
        if (e.getInteger("code", -1) != DUPLICATE_KEY) {
          return Future.failedFuture(new IllegalStateException("write failed: " + e.getString("errmsg")));
        }
        dup.add(e.getInteger("index"));
      }
      return Future.succeededFuture(dup);
    });
  }

  private static JsonArray pick(JsonArray all, List<Integer> indexes) {
    JsonArray out = new JsonArray();
    for (int i : indexes) out.add(all.getValue(i));
    return out;
  }
}
