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

  /** Oldest activity first, as the rows are kept (a query walks them from the end). */
  private static final Comparator<Entry> OLDEST_FIRST = Comparator.comparingLong(Entry::updatedAt).thenComparing(Entry::id);

  private final Mongo mongo;
  private final Map<String, Entry> byId = new HashMap<>();
  /** Each entry's row. */
  private final Map<String, Integer> rowOf = new HashMap<>();

  /*
   * The rows, in columns, oldest activity first: every write sets updatedAt to now, so a changed conversation is
   * appended at the end and its old row left dead; a query walks primitive arrays from the end, touching an entry
   * object only for the page it returns (and for text or many-tag filters). Out-of-order rows (a refresh of an old
   * document) and too many dead rows are settled by one rebuild at the next query.
   */
  private int rows;
  private int deadRows;
  private boolean inOrder = true;
  private Entry[] rowEntry = new Entry[1024];
  private long[] rowUpdated = new long[1024];
  private int[] rowStatus = new int[1024];
  private int[] rowPriority = new int[1024];
  private int[] rowAgent = new int[1024];
  private long[] rowTags = new long[1024];
  /** Strings as small numbers (0 = null), so the walk compares ints; the first 64 tags also get a bit each. */
  private final Map<String, Integer> codes = new HashMap<>();
  /**
   * Live rows by (status, priority, agent) codes: a list filtered on those alone counts its total from here and walks
   * only as far as its page, instead of over every row.
   */
  private final Map<Long, int[]> counts = new HashMap<>();
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
    byId.remove(id);
    Integer row = rowOf.remove(id);
    if (row != null) kill(row);
  }

  private void replace(Entry e) {
    byId.put(e.id(), e);
    Integer old = rowOf.get(e.id());
    if (old != null) kill(old);
    if (rows == rowEntry.length) grow();
    if (rows > 0 && rowEntry[rows - 1] != null && OLDEST_FIRST.compare(e, rowEntry[rows - 1]) < 0) inOrder = false;
    int r = rows++;
    rowEntry[r] = e;
    rowUpdated[r] = e.updatedAt();
    rowStatus[r] = code(e.status());
    rowPriority[r] = code(e.priority());
    rowAgent[r] = code(e.assignedAgentId());
    long mask = 0;
    for (String t : e.tags()) {
      int bit = tagBit(t);
      if (bit >= 0) mask |= 1L << bit;
    }
    rowTags[r] = mask;
    rowOf.put(e.id(), r);
    count(r, 1);
  }

  private static long countKey(int status, int priority, int agent) {
    return ((long) status << 42) | ((long) priority << 21) | agent;
  }

  private void count(int row, int delta) {
    long key = countKey(rowStatus[row], rowPriority[row], rowAgent[row]);
    int[] n = counts.computeIfAbsent(key, k -> new int[1]);
    n[0] += delta;
    if (n[0] == 0) counts.remove(key);
  }

  private void kill(int row) {
    if (rowEntry[row] != null) {
      count(row, -1);
      rowEntry[row] = null;
      deadRows++;
    }
  }

  private void grow() {
    int size = rowEntry.length * 2;
    rowEntry = java.util.Arrays.copyOf(rowEntry, size);
    rowUpdated = java.util.Arrays.copyOf(rowUpdated, size);
    rowStatus = java.util.Arrays.copyOf(rowStatus, size);
    rowPriority = java.util.Arrays.copyOf(rowPriority, size);
    rowAgent = java.util.Arrays.copyOf(rowAgent, size);
    rowTags = java.util.Arrays.copyOf(rowTags, size);
  }

  /** Rows in order again, without the dead ones. */
  private void rebuild() {
    List<Entry> live = new ArrayList<>(byId.values());
    live.sort(OLDEST_FIRST);
    rows = 0;
    deadRows = 0;
    inOrder = true;
    rowOf.clear();
    counts.clear();
    java.util.Arrays.fill(rowEntry, null);
    for (Entry e : live) replace(e);
  }

  private int code(String s) {
    if (s == null) return 0;
    Integer c = codes.get(s);
    if (c == null) codes.put(s, c = codes.size() + 1);
    return c;
  }

  /** The code of a filter value: 0 for null, -1 for a value no row has (so nothing matches). */
  private int lookup(String s) {
    if (s == null) return 0;
    Integer c = codes.get(s);
    return c == null ? -1 : c;
  }

  private final Map<String, Integer> tagBits = new HashMap<>();

  private int tagBit(String tag) {
    Integer bit = tagBits.get(tag);
    if (bit == null && tagBits.size() < 64) tagBits.put(tag, bit = tagBits.size());
    return bit == null ? -1 : bit;
  }

  /**
   * What a list asks: {@code visibleTo} an agent id (null: sees all), {@code status}/{@code priority} exact,
   * {@code assigned} an agent id or "unassigned", all of {@code tags}, updatedAt within [from, to] (epoch millis, null
   * for open ends), and, with {@code text}, customers in {@code customerIds} or a last message that contains it.
   */
  record Query(String visibleTo, String status, String priority, String assigned, List<String> tags, Long from, Long to,
               Set<String> customerIds, java.util.regex.Pattern text) {}

  /** One page of matching ids, newest activity first, and how many match in all. */
  record Page(List<String> ids, long total) {}

  Page query(Query q, int skip, int limit) {
    if (!inOrder || deadRows > Math.max(1024, rows / 2)) rebuild();
    final int open = lookup("open");
    final int me = q.visibleTo() == null ? -2 : lookup(q.visibleTo());
    final int status = q.status() == null ? -2 : lookup(q.status());
    final int priority = q.priority() == null ? -2 : lookup(q.priority());
    final int assigned = q.assigned() == null ? -2 : q.assigned().equals("unassigned") ? 0 : lookup(q.assigned());
    long mask = 0;
    boolean slowTags = false;
    for (String t : q.tags()) {
      Integer bit = tagBits.get(t);
      if (bit == null) {
        if (tagBits.size() < 64) return new Page(List.of(), 0); // no conversation has this tag
        slowTags = true;
      } else {
        mask |= 1L << bit;
      }
    }
    final long from = q.from() == null ? Long.MIN_VALUE : q.from();
    final long to = q.to() == null ? Long.MAX_VALUE : q.to();
    final boolean ranged = q.from() != null || q.to() != null;
    List<String> ids = new ArrayList<>(Math.min(limit, 100));
    long total = 0;
    // filtered on status, priority, agent alone: the total from the counts, and a walk only as far as the page
    boolean counted = mask == 0 && !slowTags && !ranged && q.text() == null;
    if (counted) {
      for (Map.Entry<Long, int[]> c : counts.entrySet()) {
        long key = c.getKey();
        int cStatus = (int) (key >>> 42);
        int cPriority = (int) ((key >>> 21) & 0x1FFFFF);
        int agent = (int) (key & 0x1FFFFF);
        if (me != -2 && agent != me && !(agent == 0 && cStatus == open)) continue;
        if (status != -2 && cStatus != status) continue;
        if (priority != -2 && cPriority != priority) continue;
        if (assigned != -2 && agent != assigned) continue;
        total += c.getValue()[0];
      }
    }
    long seen = 0;
    for (int r = rows - 1; r >= 0 && !(counted && ids.size() >= limit); r--) {
      Entry e = rowEntry[r];
      if (e == null) continue;
      int agent = rowAgent[r];
      if (me != -2 && agent != me && !(agent == 0 && rowStatus[r] == open)) continue;
      if (status != -2 && rowStatus[r] != status) continue;
      if (priority != -2 && rowPriority[r] != priority) continue;
      if (assigned != -2 && agent != assigned) continue;
      if ((rowTags[r] & mask) != mask) continue;
      if (ranged && (rowUpdated[r] == Long.MIN_VALUE || rowUpdated[r] < from || rowUpdated[r] > to)) continue;
      if (slowTags && !e.tags().containsAll(q.tags())) continue;
      if (q.text() != null && !q.customerIds().contains(e.customerId())
          && (e.lastContent() == null || !q.text().matcher(e.lastContent()).find())) continue;
      if (seen >= skip && ids.size() < limit) ids.add(e.id());
      seen++;
    }
    return new Page(ids, counted ? total : seen);
  }

  /** Epoch millis of a stored date ({$date: ...}), or Long.MIN_VALUE when missing. */
  static long millis(Object value) {
    Instant i = Mongo.instant(value);
    return i == null ? Long.MIN_VALUE : i.toEpochMilli();
  }
}
