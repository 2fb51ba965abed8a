package crm.conversation;

import crm.storage.StoreChanges;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Exact copies of what reads of one collection returned, kept while this node sees every write to it: it is fed by
 * the embedded store's own change feed ({@link StoreChanges}), so no writer can forget to say what it changed, and a
 * writer's answer comes after the copies it made stale are gone. Used only where the conversation list index is (the
 * embedded database, one node).
 *
 * <p>Entries are grouped under a key (a document's id, or a conversation's id for its message pages), each holding
 * results by a sub-key. A write drops its key's group. A read that raced a write must not put back what it read
 * before the write: a read takes a {@link #stamp()} before it asks the store, and {@link #fill} keeps its result only
 * if the key was not written since. Thread-safe: the feed calls in on store threads, reads come from event loops.
 */
final class ReadCache implements StoreChanges.Listener {
  private final Set<String> namespaces;
  private final Function<Map<String, Object>, Object> keyOf;
  private final int maxKeys;
  private final int maxPerKey;
  private final LinkedHashMap<String, Map<String, Object>> groups;
  /** Recently written keys and the stamp of that write, oldest first; bounded (see {@link #forgotten}). */
  private final LinkedHashMap<String, Long> written = new LinkedHashMap<>();
  private final int maxWritten;
  private long epoch;
  /** The latest stamp whose written-record was dropped: a read older than this cannot be checked, so is not kept. */
  private long forgotten;

  /**
   * @param namespace {@code db.collection} to follow
   * @param keyOf the key a stored document belongs to (its {@code _id}, its {@code conversationId})
   */
  ReadCache(String namespace, Function<Map<String, Object>, Object> keyOf, int maxKeys, int maxPerKey) {
    this.namespaces = Set.of(namespace);
    this.keyOf = keyOf;
    this.maxKeys = maxKeys;
    this.maxPerKey = maxPerKey;
    this.maxWritten = Math.max(10_000, maxKeys * 4);
    this.groups = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
        return size() > ReadCache.this.maxKeys;
      }
    };
  }

  /** Taken before a read is sent to the store. */
  synchronized long stamp() {
    return epoch;
  }

  /** What a read of {@code key}/{@code sub} returned, or null. */
  @SuppressWarnings("unchecked")
  synchronized <T> T get(String key, String sub) {
    Map<String, Object> group = groups.get(key);
    return group == null ? null : (T) group.get(sub);
  }

  /** Keeps what a read that started at {@code stamp} returned, unless {@code key} was written since. */
  synchronized void fill(String key, String sub, long stamp, Object value) {
    if (key == null || value == null || stamp < forgotten) return;
    Long writtenAt = written.get(key);
    if (writtenAt != null && writtenAt > stamp) return;
    Map<String, Object> group = groups.computeIfAbsent(key, k -> new HashMap<>(4));
    if (group.size() >= maxPerKey && !group.containsKey(sub)) group.clear();
    group.put(sub, value);
  }

  /**
   * Documents by id (sub-key {@code ""}): the cached ones, and the others from {@code fetch} (given the missing ids),
   * which are kept for the next read.
   */
  io.vertx.core.Future<Map<String, io.vertx.core.json.JsonObject>> byIds(java.util.Collection<String> ids,
      Function<java.util.List<String>, io.vertx.core.Future<java.util.List<io.vertx.core.json.JsonObject>>> fetch) {
    Map<String, io.vertx.core.json.JsonObject> found = new HashMap<>();
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (String id : ids) {
      io.vertx.core.json.JsonObject d = get(id, "");
      if (d != null) found.put(id, d);
      else missing.add(id);
    }
    if (missing.isEmpty()) return io.vertx.core.Future.succeededFuture(found);
    long stamp = stamp();
    return fetch.apply(missing).map(docs -> {
      for (io.vertx.core.json.JsonObject d : docs) {
        String id = d.getString("_id");
        fill(id, "", stamp, d);
        found.put(id, d);
      }
      return found;
    });
  }

  /**
   * A form derived from a cached document (its API form), kept beside it under {@code sub}; computed from
   * {@code doc} when the document is not cached (or was written meanwhile). Do not change what it returns.
   */
  <T> T derived(io.vertx.core.json.JsonObject doc, String sub, Function<io.vertx.core.json.JsonObject, T> derive) {
    String key = doc.getString("_id");
    long stamp = stamp();
    T value = get(key, sub);
    if (value != null) return value;
    io.vertx.core.json.JsonObject cached = get(key, "");
    value = derive.apply(doc);
    if (cached == doc) fill(key, sub, stamp, value); // derived from what the cache holds now
    return value;
  }

  /**
   * Documents of {@code collection} by id (absent ones left out), through {@code cache} when there is one (null: none).
   * The documents may be shared copies: do not change them.
   */
  static io.vertx.core.Future<Map<String, io.vertx.core.json.JsonObject>> byIds(ReadCache cache, crm.storage.Mongo mongo,
      String collection, java.util.List<String> ids) {
    Function<java.util.List<String>, io.vertx.core.Future<java.util.List<io.vertx.core.json.JsonObject>>> fetch = wanted -> {
      io.vertx.core.json.JsonObject filter = wanted.size() == 1 ? new io.vertx.core.json.JsonObject().put("_id", wanted.get(0))
          : new io.vertx.core.json.JsonObject().put("_id", new io.vertx.core.json.JsonObject()
              .put("$in", new io.vertx.core.json.JsonArray(wanted)));
      return mongo.client().find(collection, filter).recover(crm.storage.Mongo::mapError);
    };
    if (cache != null) return cache.byIds(ids, fetch);
    return fetch.apply(ids).map(list -> {
      Map<String, io.vertx.core.json.JsonObject> out = new HashMap<>();
      for (io.vertx.core.json.JsonObject d : list) out.put(d.getString("_id"), d);
      return out;
    });
  }

  // ---- the change feed

  @Override
  public Set<String> namespaces() {
    return namespaces;
  }

  @Override
  public void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
    Object a = before == null ? null : keyOf.apply(before);
    Object b = after == null ? null : keyOf.apply(after);
    if (a != null) written(a.toString());
    if (b != null && !b.equals(a)) written(b.toString());
  }

  private synchronized void written(String key) {
    epoch++;
    groups.remove(key);
    written.remove(key);
    written.put(key, epoch);
    if (written.size() > maxWritten) {
      var eldest = written.entrySet().iterator();
      Map.Entry<String, Long> e = eldest.next();
      forgotten = Math.max(forgotten, e.getValue());
      eldest.remove();
    }
  }

  @Override
  public synchronized void reset() {
    epoch++;
    groups.clear();
    written.clear();
    forgotten = epoch;
  }
}
