package crm.conversation;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only code that touches {@code conversations}. At most one active (open or assigned) conversation per
 * customer: an active conversation carries {@code activeKey} = its customer id under a sparse unique index, removed
 * when it is resolved or closed; so two nodes opening one at once cannot both succeed.
 */
final class ConversationStore {
  static final String COLLECTION = "conversations";
  static final List<String> ACTIVE = List.of("open", "assigned");

  private final Mongo mongo;
  /** customerId -> their active conversation, for the inbound path (see {@link TtlCache}). */
  private final TtlCache<String, JsonObject> active = new TtlCache<>(20_000, 30_000);

  /** The in-memory list index this store keeps current, when there is one. */
  private ConversationIndex index;

  /** Copies of conversations read by id, when this node sees every write (see {@link ReadCache}); else null. */
  private ReadCache docs;

  /** Analytics' marks for the conversations this store opens (null: none, for tools). */
  private final crm.analytics.Marks marks;

  ConversationStore(Mongo mongo, crm.analytics.Marks marks) {
    this.mongo = mongo;
    this.marks = marks;
  }

  void cache(ReadCache docs) {
    this.docs = docs;
  }

  /** A form of a conversation document read by {@link #byIds} (its API form), kept beside it when it is cached. */
  JsonObject derived(JsonObject doc, String form, java.util.function.Function<JsonObject, JsonObject> derive) {
    return docs == null ? derive.apply(doc) : docs.derived(doc, form, derive);
  }

  /** Reserved numbers are read off the change feed (see {@link SeqCapture}); null: one findAndModify each. */
  private SeqCapture seqs;

  void numberFrom(SeqCapture seqs) {
    this.seqs = seqs;
  }

  void keep(ConversationIndex index) {
    this.index = index;
  }

  /** A conversation changed status or assignment: the next message looks it up again. */
  void evict(String conversationId, String customerId) {
    if (customerId != null) active.remove(customerId);
    if (conversationId != null) active.removeIf(c -> conversationId.equals(c.getString("_id")));
  }

  Future<Void> ensureIndexes() {
    return Future.all(
        mongo.createIndex(COLLECTION, new JsonObject().put("activeKey", 1),
            new IndexOptions().unique(true).sparse(true).name("one_active_per_customer")),
        mongo.createIndex(COLLECTION, new JsonObject().put("customerId", 1).put("status", 1), new IndexOptions().name("customer_status")),
        // for lists on a real MongoDB (the embedded server ignores non-unique indexes; ConversationIndex serves it)
        mongo.createIndex(COLLECTION, new JsonObject().put("updatedAt", -1).put("_id", -1), new IndexOptions().name("updated_id")),
        mongo.createIndex(COLLECTION, new JsonObject().put("status", 1).put("updatedAt", -1).put("_id", -1),
            new IndexOptions().name("status_updated")),
        mongo.createIndex(COLLECTION, new JsonObject().put("assignedAgentId", 1).put("status", 1).put("updatedAt", -1),
            new IndexOptions().name("assignee_status_updated")))
        .mapEmpty();
  }

  /** The active conversation of each customer, opening one (status open) for those that have none. */
  Future<Opened> activeFor(Collection<String> customerIds, boolean aiEnabled) {
    Map<String, JsonObject> cached = new HashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String id : customerIds) {
      JsonObject c = active.get(id);
      if (c != null) cached.put(id, c);
      else if (!unknown.contains(id)) unknown.add(id);
    }
    if (unknown.isEmpty()) return Future.succeededFuture(new Opened(cached, List.of()));
    return openFor(unknown, aiEnabled).map(opened -> {
      opened.byCustomer().forEach(active::put);
      Map<String, JsonObject> all = new HashMap<>(cached);
      all.putAll(opened.byCustomer());
      return new Opened(all, opened.created());
    });
  }

  private Future<Opened> openFor(Collection<String> customerIds, boolean aiEnabled) {
    return findActive(customerIds).compose(found -> {
      List<String> missing = customerIds.stream().filter(id -> !found.containsKey(id)).distinct().toList();
      if (missing.isEmpty()) return Future.succeededFuture(new Opened(found, List.of()));
      JsonObject now = Mongo.now();
      List<JsonObject> docs = new ArrayList<>();
      for (String customerId : missing) {
        docs.add(new JsonObject()
            .put("_id", Mongo.newId()).put("customerId", customerId).put("activeKey", customerId)
            .put("status", "open").put("priority", "medium").put("tags", new JsonArray())
            .put("messageCount", 0).put("unreadCount", 0).put("isAIEnabled", aiEnabled)
            .put("metadata", new JsonObject()).put("createdAt", now).put("updatedAt", now));
      }
      // analytics counts conversations: marked before they are written (one that loses the race to another writer's is
      // marked for nothing, which counts nothing)
      Future<Void> marked = marks == null ? Future.succeededFuture()
          : marks.conversations(docs.stream().map(d -> d.getString("_id")).toList());
      return marked.compose(v -> mongo.insertMany(COLLECTION, docs)).compose(inserted -> {
        List<JsonObject> created = new ArrayList<>();
        for (int i = inserted.nextSetBit(0); i >= 0; i = inserted.nextSetBit(i + 1)) created.add(docs.get(i));
        if (index != null) created.forEach(index::put);
        // a concurrent writer opened the others: read them back
        return findActive(customerIds).map(all -> new Opened(all, created));
      });
    });
  }

  /** Active conversations by customer id, and the ones this call created. */
  record Opened(Map<String, JsonObject> byCustomer, List<JsonObject> created) {}

  private Future<Map<String, JsonObject>> findActive(Collection<String> customerIds) {
    JsonObject filter = new JsonObject()
        .put("activeKey", new JsonObject().put("$in", new JsonArray(List.copyOf(customerIds))));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions()).recover(Mongo::mapError).map(docs -> {
      Map<String, JsonObject> out = new HashMap<>();
      for (JsonObject d : docs) out.put(d.getString("customerId"), d);
      return out;
    });
  }

  /** Every conversation's id (the analytics recount). */
  Future<List<String>> allIds() {
    List<String> ids = new ArrayList<>();
    io.vertx.core.Promise<List<String>> done = io.vertx.core.Promise.promise();
    mongo.client().findBatchWithOptions(COLLECTION, new JsonObject(),
            new FindOptions().setFields(new JsonObject().put("_id", 1)).setBatchSize(5000))
        .handler(d -> ids.add(d.getString("_id"))).exceptionHandler(done::tryFail).endHandler(v -> done.tryComplete(ids));
    return done.future().recover(Mongo::mapError);
  }

  /** One conversation (a copy the caller may change), or null. */
  Future<JsonObject> byId(String id) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    if (docs == null) {
      return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
    }
    return byIds(List.of(id)).map(found -> {
      JsonObject d = found.get(id);
      return d == null ? null : d.copy();
    });
  }

  /** Conversations by id (absent ones left out). The documents may be shared copies: do not change them. */
  Future<Map<String, JsonObject>> byIds(List<String> ids) {
    return ReadCache.byIds(docs, mongo, COLLECTION, ids);
  }

  /**
   * Reserves message sequence numbers: for each conversation id, {@code n} consecutive numbers of its own sequence
   * ({@code messageSeq}, atomically incremented), answered as the first of them. Messages are paged by these numbers
   * through a unique key (see {@link MessageStore#seqKey}); a number reserved for a message that turns out to be a
   * duplicate stays unused, a gap the reader tolerates.
   */
  Future<Map<String, Long>> reserveSeqs(Map<String, Integer> counts) {
    List<Future<Map.Entry<String, Long>>> all = new ArrayList<>();
    counts.forEach((conversationId, n) -> all.add(mongo.client().findOneAndUpdateWithOptions(COLLECTION,
            new JsonObject().put("_id", conversationId),
            new JsonObject().put("$inc", new JsonObject().put("messageSeq", n)),
            new FindOptions().setFields(new JsonObject().put("messageSeq", 1)),
            new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true))
        .recover(Mongo::mapError)
        .map(doc -> doc == null ? null : Map.entry(conversationId, doc.getLong("messageSeq") - n + 1))));
    return Future.all(all).map(v -> {
      Map<String, Long> out = new HashMap<>(); // a conversation that does not exist gets no numbers
      for (Future<Map.Entry<String, Long>> f : all) if (f.result() != null) out.put(f.result().getKey(), f.result().getValue());
      return out;
    });
  }

  /**
   * Reserves message numbers and records the messages' activity in one write per conversation: the inbound path's
   * form of {@link #reserveSeqs} then {@link #recordActivity}, for messages about to be inserted. Messages that then
   * turn out to be stored already (a redelivery) are taken back out of the counts by {@link #uncount}. Returns each
   * conversation's first reserved number; a conversation that does not exist gets none.
   */
  Future<Map<String, Long>> reserveWithActivity(Collection<Activity> activities, JsonObject now) {
    if (seqs != null) return reserveInOneWrite(activities, now);
    List<Future<Map.Entry<String, Long>>> all = new ArrayList<>();
    for (Activity a : activities) {
      int n = a.inbound() + a.outbound();
      all.add(mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", a.conversationId()),
              reserving(a, now),
              new FindOptions().setFields(new JsonObject().put("messageSeq", 1)),
              new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true))
          .recover(Mongo::mapError)
          .map(doc -> doc == null ? null : Map.entry(a.conversationId(), doc.getLong("messageSeq") - n + 1)));
    }
    return Future.all(all).map(v -> {
      Map<String, Long> out = new HashMap<>();
      for (Future<Map.Entry<String, Long>> f : all) if (f.result() != null) out.put(f.result().getKey(), f.result().getValue());
      return out;
    });
  }

  /** The update that reserves an activity's numbers and counts it: {@code $inc} of the counters, the latest message. */
  private static JsonObject reserving(Activity a, JsonObject now) {
    int n = a.inbound() + a.outbound();
    JsonObject inc = new JsonObject().put("messageSeq", n).put("messageCount", n);
    if (a.inbound() > 0) inc.put("unreadCount", a.inbound());
    return new JsonObject().put("$inc", inc).put("$set", new JsonObject().put("updatedAt", now)).put("$max", lastMessage(a));
  }

  /** {@link #reserveWithActivity} as one bulk write, the numbers read off the change feed (see {@link SeqCapture}). */
  private Future<Map<String, Long>> reserveInOneWrite(Collection<Activity> activities, JsonObject now) {
    List<BulkOperation> ops = new ArrayList<>();
    Map<String, String> tokenOf = new HashMap<>();
    for (Activity a : activities) {
      String token = seqs.expect();
      tokenOf.put(a.conversationId(), token);
      JsonObject update = reserving(a, now);
      update.getJsonObject("$set").put(SeqCapture.TOKEN, token);
      ops.add(BulkOperation.createUpdate(new JsonObject().put("_id", a.conversationId()), update));
    }
    return mongo.bulk(COLLECTION, ops, false).transform(ar -> {
      Map<String, Long> out = new HashMap<>(); // a conversation that does not exist gets no numbers
      for (Activity a : activities) {
        Long top = seqs.take(tokenOf.get(a.conversationId()));
        if (top != null) out.put(a.conversationId(), top - (a.inbound() + a.outbound()) + 1);
      }
      return ar.succeeded() ? Future.succeededFuture(out) : Future.failedFuture(ar.cause());
    });
  }

  /** Takes inbound messages that were counted but not inserted (already stored) back out of their counts. */
  Future<Void> uncount(Map<String, Integer> notInserted) {
    List<BulkOperation> ops = new ArrayList<>();
    notInserted.forEach((id, n) -> ops.add(BulkOperation.createUpdate(new JsonObject().put("_id", id),
        new JsonObject().put("$inc", new JsonObject().put("messageCount", -n).put("unreadCount", -n)))));
    return mongo.bulk(COLLECTION, ops, false).mapEmpty();
  }

  /** The in-memory list index learns of messages stored by {@link #reserveWithActivity}. */
  void indexActivity(Collection<Activity> stored, JsonObject now) {
    if (index == null) return;
    for (Activity a : stored) {
      index.activity(a.conversationId(), now, new JsonObject().put("at", a.lastAt()).put("seq", a.seq())
          .put("content", a.lastMessage().getString("content")));
    }
  }

  /** What a batch of new messages does to one conversation. */
  record Activity(String conversationId, int inbound, int outbound, JsonObject lastMessage, JsonObject lastAt, long seq) {
    Activity(String conversationId, int inbound, int outbound, JsonObject lastMessage, JsonObject lastAt) {
      this(conversationId, inbound, outbound, lastMessage, lastAt, SEQ.incrementAndGet());
    }
  }

  /** {@code $max} of lastMessage (and lastInboundAt): its time, then the order it was recorded in, then the message. */
  private static JsonObject lastMessage(Activity a) {
    JsonObject last = new JsonObject().put("at", a.lastAt()).put("seq", a.seq()).mergeIn(a.lastMessage());
    JsonObject max = new JsonObject().put("lastMessage", last);
    if (a.inbound() > 0) max.put("lastInboundAt", a.lastAt());
    return max;
  }

  /**
   * Counts new messages and moves {@code lastMessage} forward, one round trip for all conversations. lastMessage is
   * changed with {@code $max} on a document whose first fields are its time and a sequence number, so a late, older
   * message never replaces a newer one, and the update names only {@code _id} (indexed on every backend).
   */
  Future<Void> recordActivity(Collection<Activity> activities) {
    List<BulkOperation> ops = new ArrayList<>();
    JsonObject now = Mongo.now();
    for (Activity a : activities) {
      JsonObject inc = new JsonObject().put("messageCount", a.inbound() + a.outbound());
      if (a.inbound() > 0) inc.put("unreadCount", a.inbound());
      ops.add(BulkOperation.createUpdate(new JsonObject().put("_id", a.conversationId()),
          new JsonObject().put("$inc", inc).put("$set", new JsonObject().put("updatedAt", now)).put("$max", lastMessage(a))));
    }
    return mongo.bulk(COLLECTION, ops, false).<Void>mapEmpty()
        .onSuccess(v -> indexActivity(activities, now))
        .onFailure(err -> { if (index != null) index.refresh(activities.stream().map(Activity::conversationId).toList()); });
  }

  /** Orders messages of one second by when they were recorded (microseconds since the epoch, then a counter). */
  private static final java.util.concurrent.atomic.AtomicLong SEQ = new java.util.concurrent.atomic.AtomicLong(
      System.currentTimeMillis() * 1000);
}
