package crm.conversation;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The list fields of every conversation, in memory, newest activity first: what makes the filtered conversation list
 * a walk over memory instead of a scan of the collection, on the embedded database (which keeps no index but unique
 * ones, and uses those only for exact-key queries). The database stays the truth: the page's documents are read from
 * it by {@code _id}; this only decides which ids and in what order.
 *
 * <p>Kept current by the writers of this node's inbox verticle, the only writers of {@code conversations}; that is why
 * it is used only when this node owns the embedded database and is not clustered (with a real MongoDB, its indexes
 * answer the same query). Not thread-safe: used on the verticle's event loop only. Loaded at start; until loaded (or
 * after a write it could not follow) {@link #ready()} is false and the list asks the database.
 */
final class ConversationIndex {
  private static final Logger log = LoggerFactory.getLogger(ConversationIndex.class);

  /** One conversation's list fields. {@code lastAt}, {@code lastSeq}: lastMessage's $max order. */
  record Entry(String id, String customerId, String status, String priority, String assignedAgentId, List<String> tags,
               long updatedAt, String lastContent, long lastAt, long lastSeq) {}

  private static final Comparator<Entry> NEWEST_FIRST =
      Comparator.comparingLong(Entry::updatedAt).reversed().thenComparing(Entry::id, Comparator.reverseOrder());

  private final Mongo mongo;
  private final Map<String, Entry> byId = new HashMap<>();
  private final TreeSet<Entry> order = new TreeSet<>(NEWEST_FIRST);
  private boolean ready;
  /** Ids written while loading: read again once loaded, since the loaded copy may be older than the write. */
  private Set<String> touchedWhileLoading = new HashSet<>();

  ConversationIndex(Mongo mongo) {
    this.mongo = mongo;
  }

  boolean ready() {
    return ready;
  }

  int size() {
    return byId.size();
  }

  /** Loads every conversation's list fields, then whatever was written meanwhile; ready after that. */
  Future<Void> load() {
    ready = false;
    touchedWhileLoading = new HashSet<>();
    long start = System.nanoTime();
    FindOptions fields = new FindOptions().setFields(new JsonObject().put("customerId", 1).put("status", 1).put("priority", 1)
        .put("assignedAgentId", 1).put("tags", 1).put("updatedAt", 1).put("lastMessage", 1)).setBatchSize(5_000);
    io.vertx.core.Promise<Void> loaded = io.vertx.core.Promise.promise();
    mongo.client().findBatchWithOptions(ConversationStore.COLLECTION, new JsonObject(), fields)
        .handler(doc -> { if (!touchedWhileLoading.contains(doc.getString("_id"))) store(doc); })
        .exceptionHandler(loaded::tryFail)
        .endHandler(v -> loaded.tryComplete());
    return loaded.future().compose(v -> catchUp()).onSuccess(v -> {
      ready = true;
      log.info("conversation list index: {} conversations loaded in {} ms", byId.size(), (System.nanoTime() - start) / 1_000_000);
    }).onFailure(err -> log.warn("conversation list index not loaded, lists ask the database: {}", err.toString()));
  }

  /** Reads again the ids written during the load, until a round sees no new write. */
  private Future<Void> catchUp() {
    if (touchedWhileLoading.isEmpty()) {
      touchedWhileLoading = null;
      return Future.succeededFuture();
    }
    List<String> ids = List.copyOf(touchedWhileLoading);
    touchedWhileLoading = new HashSet<>();
    return refreshIds(ids).compose(v -> catchUp());
  }

  private Future<Void> refreshIds(Collection<String> ids) {
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(ids))));
    return mongo.client().find(ConversationStore.COLLECTION, filter).recover(Mongo::mapError).map(docs -> {
      Set<String> found = new HashSet<>();
      for (JsonObject d : docs) {
        found.add(d.getString("_id"));
        store(d);
      }
      for (String id : ids) if (!found.contains(id)) remove(id);
      return null;
    });
  }

  /** Someone changed these conversations in a way this node did not see: read them again. */
  Future<Void> refresh(Collection<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture();
    if (touchedWhileLoading != null) touchedWhileLoading.addAll(ids);
    return refreshIds(ids);
  }

  /** A conversation as this node just wrote it (a full document, or at least its list fields). */
  void put(JsonObject doc) {
    String id = doc.getString("_id");
    if (id == null) return;
    if (touchedWhileLoading != null) touchedWhileLoading.add(id);
    store(doc);
  }

  private void store(JsonObject doc) {
    String id = doc.getString("_id");
    if (id == null) return;
    JsonObject last = doc.getJsonObject("lastMessage");
    List<String> tags = new ArrayList<>();
    Object t = doc.getValue("tags");
    if (t instanceof JsonArray a) for (Object o : a) if (o != null) tags.add(o.toString());
    replace(new Entry(id, doc.getString("customerId"), doc.getString("status"), doc.getString("priority"),
        doc.getString("assignedAgentId"), List.copyOf(tags), millis(doc.getValue("updatedAt")),
        last == null ? null : last.getString("content"),
        last == null ? Long.MIN_VALUE : millis(last.getValue("at")),
        last == null ? Long.MIN_VALUE : last.getLong("seq", 0L)));
  }

  /** What {@link ConversationStore#recordActivity} did: updatedAt set, lastMessage moved forward by $max. */
  void activity(String id, JsonObject updatedAt, JsonObject last) {
    if (touchedWhileLoading != null) touchedWhileLoading.add(id);
    Entry e = byId.get(id);
    if (e == null) {
      // not known here (created by a path this node did not see): read it
      refresh(List.of(id));
      return;
    }
    long at = millis(last.getValue("at"));
    long seq = last.getLong("seq", 0L);
    boolean newer = at > e.lastAt() || (at == e.lastAt() && seq > e.lastSeq());
    replace(new Entry(e.id(), e.customerId(), e.status(), e.priority(), e.assignedAgentId(), e.tags(), millis(updatedAt),
        newer ? last.getString("content") : e.lastContent(), newer ? at : e.lastAt(), newer ? seq : e.lastSeq()));
  }

  void remove(String id) {
    Entry old = byId.remove(id);
    if (old != null) order.remove(old);
  }

  private void replace(Entry e) {
    Entry old = byId.put(e.id(), e);
    if (old != null) order.remove(old);
    order.add(e);
  }

  /** One page of matching ids, newest activity first, and how many match in all. */
  record Page(List<String> ids, long total) {}

  Page query(Predicate<Entry> filter, int skip, int limit) {
    List<String> ids = new ArrayList<>(limit);
    long total = 0;
    for (Entry e : order) {
      if (!filter.test(e)) continue;
      if (total >= skip && ids.size() < limit) ids.add(e.id());
      total++;
    }
    return new Page(ids, total);
  }

  /** Epoch millis of a stored date ({$date: ...}), or Long.MIN_VALUE when missing. */
  static long millis(Object value) {
    Instant i = Mongo.instant(value);
    return i == null ? Long.MIN_VALUE : i.toEpochMilli();
  }
}
