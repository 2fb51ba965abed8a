package crm.ticket;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The only code that touches {@code tickets}, the id counters ({@code ticket_counters}) and the auto-reopen watch
 * ({@code ticket_reopen}). Reads and writes name {@code _id} or {@code ticketId} alone wherever they are on a hot
 * path, so the embedded server (which uses an index only for exactly its fields) answers them from a unique index.
 */
final class TicketStore {
  static final String COLLECTION = "tickets";
  static final String COUNTERS = "ticket_counters";
  /** One document per customer with a recently resolved ticket: {_id: customerId, tickets: {ticketObjectId: resolvedAtMillis}}. */
  static final String REOPEN = "ticket_reopen";

  private final Mongo mongo;
  /** The in-memory index this store keeps current, or null when the database answers lists itself. */
  private final TicketIndex index;
  /**
   * When this node is the database's only writer: the customers that may have a watch document (a superset; null
   * until loaded), so that a customer's message costs no read when none of their tickets is watched, which is almost
   * every message. Null when other nodes may write watches: then every message asks the database.
   */
  private Set<String> maybeWatched;
  private final boolean soleWriter;
  private Set<String> addedWhileLoading;
  private int watchesInFlight;
  private long watchEpoch;

  TicketStore(Mongo mongo, TicketIndex index, boolean soleWriter) {
    this.mongo = mongo;
    this.index = index;
    this.soleWriter = soleWriter;
  }

  /** The index, when one is in use and loaded. */
  TicketIndex readyIndex() {
    return index != null && index.ready() ? index : null;
  }

  Mongo mongo() { return mongo; }

  Future<Void> ensureIndexes() {
    return Future.all(List.of(
        mongo.createIndex(COLLECTION, new JsonObject().put("ticketId", 1), new IndexOptions().unique(true).name("ticket_id_unique")),
        // for lists and statistics on a real MongoDB (the embedded server keeps only unique indexes)
        mongo.createIndex(COLLECTION, new JsonObject().put("businessType", 1).put("createdAt", -1).put("_id", -1),
            new IndexOptions().name("type_created")),
        mongo.createIndex(COLLECTION, new JsonObject().put("businessType", 1).put("status", 1).put("createdAt", -1),
            new IndexOptions().name("type_status_created")),
        mongo.createIndex(COLLECTION, new JsonObject().put("customerId", 1).put("createdAt", -1), new IndexOptions().name("customer_created")),
        mongo.createIndex(COLLECTION, new JsonObject().put("conversationId", 1), new IndexOptions().name("conversation")),
        mongo.createIndex(COLLECTION, new JsonObject().put("assignedAgentId", 1).put("status", 1), new IndexOptions().name("assignee_status"))))
        .mapEmpty();
  }

  /**
   * The next number of a counter (1, 2, 3...), atomically: one {@code $inc} on the counter document, created by the
   * first call. Two first calls racing on a real MongoDB may see a duplicate key on the upsert: the loser retries.
   */
  Future<Long> nextSeq(String scope) {
    return mongo.nextSeq(COUNTERS, scope);
  }

  Future<Void> insert(JsonObject doc) {
    return mongo.insertDurable(COLLECTION, doc).<Void>mapEmpty().onSuccess(v -> { if (index != null) index.put(doc); });
  }

  Future<JsonObject> byId(String id) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
  }

  /** By ObjectId or by human id ({@code ORD-2026-00456}, any case); null when there is no such ticket. */
  Future<JsonObject> find(String idOrTicketId) {
    if (Mongo.isObjectId(idOrTicketId)) return byId(idOrTicketId);
    if (!TicketIds.looksHuman(idOrTicketId)) return Future.succeededFuture(null);
    return mongo.client().findOne(COLLECTION, new JsonObject().put("ticketId", idOrTicketId.toUpperCase(java.util.Locale.ROOT)), null)
        .recover(Mongo::mapError);
  }

  /** Applies an update to one ticket durably; returns the new document (null when it does not exist). */
  Future<JsonObject> update(String id, JsonObject update) {
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", id), update, new FindOptions(),
            new UpdateOptions().setReturningNewDocument(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(doc -> mongo.sync().map(doc))
        .onSuccess(doc -> { if (index != null) index.put(doc); });
  }

  record Page(List<JsonObject> docs, long total) {}

  /** A page of tickets, newest first, and the total: from the in-memory index when it is ready, else the database. */
  Future<Page> list(TicketFilter.Query query, int skip, int limit) {
    TicketIndex ready = readyIndex();
    if (ready != null) {
      TicketIndex.Page page = ready.query(query, skip, limit);
      if (page.ids().isEmpty()) return Future.succeededFuture(new Page(List.of(), page.total()));
      JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(page.ids())));
      return mongo.client().find(COLLECTION, byIds).recover(Mongo::mapError).map(docs -> {
        java.util.Map<String, JsonObject> found = new java.util.HashMap<>();
        for (JsonObject d : docs) found.put(d.getString("_id"), d);
        return new Page(page.ids().stream().map(found::get).filter(d -> d != null).toList(), page.total());
      });
    }
    JsonObject filter = query.toMongo();
    FindOptions options = new FindOptions().setSort(new JsonObject().put("createdAt", -1).put("_id", -1)).setSkip(skip).setLimit(limit);
    return Future.all(mongo.client().findWithOptions(COLLECTION, filter, options), mongo.client().count(COLLECTION, filter))
        .recover(Mongo::mapError)
        .map(all -> new Page(all.resultAt(0), all.<Long>resultAt(1)));
  }

  Future<List<JsonObject>> aggregate(JsonArray pipeline) {
    List<JsonObject> rows = new ArrayList<>();
    Promise<List<JsonObject>> done = Promise.promise();
    mongo.client().aggregate(COLLECTION, pipeline).handler(rows::add)
        .exceptionHandler(done::tryFail).endHandler(v -> done.tryComplete(rows));
    return done.future().recover(Mongo::mapError);
  }

  /**
   * What analytics counts of these tickets (every ticket when {@code ids} is null): {_id, createdAt (epoch ms), status,
   * assignedAgentId, resolutionMs}.
   */
  Future<List<JsonObject>> analyticsFacts(List<String> ids) {
    JsonObject fields = new JsonObject().put("createdAt", 1).put("status", 1).put("assignedAgentId", 1).put("resolutionMs", 1);
    JsonObject filter = ids == null ? new JsonObject() : new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)));
    List<JsonObject> out = new ArrayList<>();
    Promise<List<JsonObject>> done = Promise.promise();
    mongo.client().findBatchWithOptions(COLLECTION, filter, new FindOptions().setFields(fields).setBatchSize(5000))
        .handler(d -> {
          java.time.Instant created = Mongo.instant(d.getValue("createdAt"));
          out.add(new JsonObject().put("_id", d.getString("_id")).put("createdAt", created == null ? null : created.toEpochMilli())
              .put("status", d.getString("status")).put("assignedAgentId", d.getString("assignedAgentId"))
              .put("resolutionMs", d.getValue("resolutionMs") instanceof Number n ? n.longValue() : null));
        })
        .exceptionHandler(done::tryFail).endHandler(v -> done.tryComplete(out));
    return done.future().recover(Mongo::mapError);
  }

  // ---- auto-reopen watch

  /** The ticket may be reopened by its customer's next message until the window closes. */
  Future<Void> watch(String customerId, String ticketObjectId, long resolvedAtMillis) {
    // known before the write starts: a message read meanwhile asks the database, which has it once the write is done
    if (maybeWatched != null) maybeWatched.add(customerId);
    else if (addedWhileLoading != null) addedWhileLoading.add(customerId);
    watchEpoch++;
    watchesInFlight++;
    return writeWatch(customerId, ticketObjectId, resolvedAtMillis).onComplete(ar -> watchesInFlight--);
  }

  private Future<Void> writeWatch(String customerId, String ticketObjectId, long resolvedAtMillis) {
    JsonObject query = new JsonObject().put("_id", customerId);
    JsonObject update = new JsonObject().put("$set", new JsonObject().put("tickets." + ticketObjectId, resolvedAtMillis));
    UpdateOptions upsert = new UpdateOptions().setUpsert(true);
    return mongo.client().updateCollectionWithOptions(REOPEN, query, update, upsert)
        .recover(err -> Mongo.isDuplicateKey(err) ? mongo.client().updateCollectionWithOptions(REOPEN, query, update, upsert)
            : Future.failedFuture(err))
        .recover(Mongo::mapError).mapEmpty();
  }

  Future<Void> unwatch(String customerId, String ticketObjectId) {
    return mongo.client().updateCollection(REOPEN, new JsonObject().put("_id", customerId),
            new JsonObject().put("$unset", new JsonObject().put("tickets." + ticketObjectId, "")))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** {ticketObjectId: resolvedAtMillis} of a customer's watched tickets (empty when none). */
  Future<JsonObject> watched(String customerId) {
    if (!Mongo.isObjectId(customerId)) return Future.succeededFuture(new JsonObject());
    if (maybeWatched != null && !maybeWatched.contains(customerId)) return Future.succeededFuture(new JsonObject());
    // a customer found with nothing watched leaves the set, unless a watch was being written meanwhile
    boolean settled = watchesInFlight == 0;
    long epoch = watchEpoch;
    return mongo.client().findOne(REOPEN, new JsonObject().put("_id", customerId), null).recover(Mongo::mapError)
        .map(doc -> {
          JsonObject tickets = doc == null ? new JsonObject() : doc.getJsonObject("tickets", new JsonObject());
          if (tickets.isEmpty() && settled && epoch == watchEpoch && maybeWatched != null) maybeWatched.remove(customerId);
          return tickets;
        });
  }

  /**
   * Reads which customers have a watch document, when this node is the only writer (see {@link #maybeWatched});
   * until it has, every message asks the database.
   */
  Future<Void> loadWatches() {
    if (!soleWriter || maybeWatched != null || addedWhileLoading != null) return Future.succeededFuture();
    addedWhileLoading = new HashSet<>();
    Set<String> found = new HashSet<>();
    Promise<Void> done = Promise.promise();
    mongo.client().findBatchWithOptions(REOPEN, new JsonObject(), new FindOptions().setFields(new JsonObject().put("tickets", 1)))
        .handler(doc -> {
          JsonObject tickets = doc.getJsonObject("tickets");
          if (tickets != null && !tickets.isEmpty()) found.add(doc.getString("_id"));
        })
        .exceptionHandler(done::tryFail)
        .endHandler(v -> done.tryComplete());
    return done.future().onComplete(ar -> {
      if (ar.succeeded()) {
        found.addAll(addedWhileLoading);
        maybeWatched = found;
      }
      addedWhileLoading = null;
    }).recover(Mongo::mapError);
  }

  /** Whether a customer may have a watched ticket without asking the database (for tests: false when unknown). */
  boolean knownUnwatched(String customerId) {
    return maybeWatched != null && !maybeWatched.contains(customerId);
  }
}
