package crm.ticket;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
 * Every ticket's list and statistics fields in memory, for the embedded database, which keeps no secondary index
 * and would read all tickets for every filtered list or statistics request (seconds at 100,000). Used, like the
 * inbox's list index, only where this node is the only writer (embedded database, not clustered: TICKET_LIST_INDEX
 * auto); kept current by {@link TicketStore}'s own writes, loaded at start (until then the database answers). It
 * answers the same as the database: the list and statistics tests run against both.
 */
final class TicketIndex {
  private static final Logger log = LoggerFactory.getLogger(TicketIndex.class);

  /** One ticket's indexed fields; times in epoch ms, {@code Long.MAX_VALUE} when absent. */
  record Entry(String id, String businessType, String status, String priority, String category, String assignedAgentId,
               String customerId, String conversationId, long createdAt, long due, long responseDue, boolean responded,
               long resolutionMs, String ticketId, String subject, String description) {}

  private final Map<String, Entry> byId = new HashMap<>();
  private final Set<String> touchedWhileLoading = new HashSet<>();
  private boolean loading;
  private boolean ready;

  static final JsonObject FIELDS = new JsonObject().put("_id", 1).put("businessType", 1).put("status", 1).put("priority", 1)
      .put("category", 1).put("assignedAgentId", 1).put("customerId", 1).put("conversationId", 1).put("createdAt", 1)
      .put("estimatedResolution", 1).put("responseDueAt", 1).put("firstResponseAt", 1).put("resolutionMs", 1)
      .put("ticketId", 1).put("subject", 1).put("description", 1);

  boolean ready() {
    return ready;
  }

  int size() {
    return byId.size();
  }

  /** A ticket as written: the entry replaces the old one. */
  void put(JsonObject doc) {
    if (doc == null) return;
    Entry e = entry(doc);
    byId.put(e.id(), e);
    if (loading) touchedWhileLoading.add(e.id());
  }

  static Entry entry(JsonObject d) {
    Object ms = d.getValue("resolutionMs");
    return new Entry(d.getString("_id"), d.getString("businessType"), d.getString("status"), d.getString("priority"),
        d.getString("category"), d.getString("assignedAgentId"), d.getString("customerId"), d.getString("conversationId"),
        millis(d.getValue("createdAt")), millis(d.getValue("estimatedResolution")), millis(d.getValue("responseDueAt")),
        d.getValue("firstResponseAt") != null, ms instanceof Number n ? n.longValue() : -1,
        d.getString("ticketId", ""), d.getString("subject", ""), d.getString("description", ""));
  }

  private static long millis(Object value) {
    Instant i = Mongo.instant(value);
    return i == null ? Long.MAX_VALUE : i.toEpochMilli();
  }

  /** Reads every ticket (in batches, without blocking), replacing what is known. */
  Future<Void> load(Mongo mongo) {
    loading = true;
    touchedWhileLoading.clear();
    long start = System.nanoTime();
    Map<String, Entry> loaded = new HashMap<>();
    Promise<Void> done = Promise.promise();
    mongo.client().findBatchWithOptions(TicketStore.COLLECTION, new JsonObject(), new FindOptions().setFields(FIELDS).setBatchSize(2000))
        .handler(d -> loaded.put(d.getString("_id"), entry(d)))
        .exceptionHandler(err -> {
          loading = false;
          log.warn("Ticket index not loaded ({}): the database answers lists and statistics", err.toString());
          done.tryFail(err);
        })
        .endHandler(v -> {
          for (Map.Entry<String, Entry> e : loaded.entrySet()) {
            if (!touchedWhileLoading.contains(e.getKey())) byId.put(e.getKey(), e.getValue());
          }
          loading = false;
          ready = true;
          log.info("ticket index: {} tickets in {} ms", byId.size(), (System.nanoTime() - start) / 1_000_000);
          done.tryComplete();
        });
    return done.future();
  }

  /** Read again from the database (someone wrote behind the store's back: an operator, a test's setup). */
  Future<Void> refresh(Mongo mongo, Collection<String> ids) {
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new io.vertx.core.json.JsonArray(List.copyOf(ids))));
    return mongo.client().findWithOptions(TicketStore.COLLECTION, filter, new FindOptions().setFields(FIELDS)).map(docs -> {
      Set<String> found = new HashSet<>();
      for (JsonObject d : docs) {
        put(d);
        found.add(d.getString("_id"));
      }
      for (String id : ids) if (!found.contains(id)) byId.remove(id);
      return null;
    });
  }

  boolean matches(TicketFilter.Query q, Entry e) {
    if (q.type() != null && !q.type().equals(e.businessType())) return false;
    if (q.status() != null && !q.status().equals(e.status())) return false;
    if (q.priority() != null && !q.priority().equals(e.priority())) return false;
    if (q.category() != null && !q.category().equals(e.category())) return false;
    if (q.assigned() != null) {
      if (q.assigned().equals("unassigned") ? e.assignedAgentId() != null : !q.assigned().equals(e.assignedAgentId())) return false;
    }
    if (q.customerId() != null && !q.customerId().equals(e.customerId())) return false;
    if (q.conversationId() != null && !q.conversationId().equals(e.conversationId())) return false;
    if (q.from() != null && (e.createdAt() == Long.MAX_VALUE || e.createdAt() < q.from().toEpochMilli())) return false;
    if (q.to() != null && (e.createdAt() == Long.MAX_VALUE || e.createdAt() > q.to().toEpochMilli())) return false;
    if (q.search() != null && !(q.search().matcher(e.ticketId()).find() || q.search().matcher(e.subject()).find()
        || q.search().matcher(e.description()).find())) {
      return false;
    }
    return true;
  }

  private static final Comparator<Entry> NEWEST_FIRST = Comparator.comparingLong(Entry::createdAt).reversed()
      .thenComparing(Entry::id, Comparator.reverseOrder());

  record Page(List<String> ids, long total) {}

  /** The ids of one page, newest first (createdAt, then _id, descending: the database's order), and the total. */
  Page query(TicketFilter.Query q, int skip, int limit) {
    List<Entry> found = new ArrayList<>();
    for (Entry e : byId.values()) if (matches(q, e)) found.add(e);
    found.sort(NEWEST_FIRST);
    List<String> ids = new ArrayList<>();
    for (int i = skip; i < Math.min(found.size(), skip + limit); i++) ids.add(found.get(i).id());
    return new Page(ids, found.size());
  }

  /** The statistics' raw numbers, as the aggregation's facets would give them. */
  record Counts(Map<String, Long> byStatus, Map<String, Long> byCategory, Map<String, Long> byPriority, Map<String, Long> byAgent,
                double avgResolutionMs, long overdue, long responseOverdue) {}

  Counts counts(TicketFilter.Query q, long now) {
    Map<String, Long> status = new HashMap<>();
    Map<String, Long> category = new HashMap<>();
    Map<String, Long> priority = new HashMap<>();
    Map<String, Long> agent = new HashMap<>();
    long resolved = 0;
    double sum = 0;
    long overdue = 0;
    long responseOverdue = 0;
    for (Entry e : byId.values()) {
      if (!matches(q, e)) continue;
      if (e.status() != null) status.merge(e.status(), 1L, Long::sum);
      if (e.category() != null) category.merge(e.category(), 1L, Long::sum);
      if (e.priority() != null) priority.merge(e.priority(), 1L, Long::sum);
      if (e.assignedAgentId() != null) agent.merge(e.assignedAgentId(), 1L, Long::sum);
      if (e.resolutionMs() >= 0) {
        resolved++;
        sum += e.resolutionMs();
      }
      boolean active = TicketStatus.active(e.status());
      if (active && e.due() < now) overdue++;
      if (active && !e.responded() && e.responseDue() < now) responseOverdue++;
    }
    return new Counts(status, category, priority, agent, resolved == 0 ? 0 : sum / resolved, overdue, responseOverdue);
  }
}
