package crm.whatsapp;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The only code that touches {@code webhook_events}: accepted webhook bodies, stored before they are acknowledged
 * and deleted once processed, so the collection holds only what is not processed yet (the start-up replay and the
 * sweep read a small collection; the embedded server has no secondary indexes). Bodies that arrive together are
 * stored together, a few per document up to {@link #MAX_DOC_BYTES}: one document write and one delete for a group
 * instead of one each. Redelivered bodies are not deduplicated here: processing them twice changes nothing.
 *
 * <p>Each document is held by one node with a lease ({@code node}, {@code leaseUntil}): the node that stored it, from
 * the insert on, renewing the lease while the document waits in its queues. Another node takes a document only with
 * an atomic update whose filter says it is free (the lease ran out, or its node has left the cluster), so the replay at
 * start-up and the sweep never have two nodes process the same document.
 */
final class WebhookEventStore {
  static final String COLLECTION = "webhook_events";
  /** Bodies that failed processing again and again: kept for a person, out of the way of the sweep. */
  static final String DEAD_LETTERS = "webhook_dead_letters";
  /** Well under MongoDB's 16 MB document limit; a single body may be up to the webhook body limit. */
  static final int MAX_DOC_BYTES = 4 * 1024 * 1024;

  private final Mongo mongo;
  private final String node;
  private final java.time.Duration lease;

  /** {@code node}: who holds what this store inserts or claims; {@code lease}: for how long without a renewal. */
  WebhookEventStore(Mongo mongo, String node, java.time.Duration lease) {
    this.mongo = mongo;
    this.node = node;
    this.lease = lease;
  }

  private JsonObject leaseEnd() {
    return Mongo.date(Instant.now().plus(lease));
  }

  Future<Void> ensureIndexes() {
    return mongo.createIndex(COLLECTION, new JsonObject().put("receivedAt", 1), new IndexOptions().name("received"));
  }

  static List<String> bodies(JsonObject doc) {
    List<String> out = new ArrayList<>();
    for (Object o : doc.getJsonArray("bodies", new JsonArray())) if (o instanceof String s) out.add(s);
    return out;
  }

  /**
   * Stores groups of bodies in one round trip, not yet waited to disk (see {@link Mongo#sync()}); returns each group's
   * documents (a document holds bodies of one group only).
   */
  Future<List<List<JsonObject>>> store(List<List<String>> groups) {
    JsonObject now = Mongo.now();
    List<List<JsonObject>> out = new ArrayList<>();
    List<JsonObject> all = new ArrayList<>();
    for (List<String> raws : groups) {
      List<JsonObject> docs = new ArrayList<>();
      JsonArray current = new JsonArray();
      long size = 0;
      for (String raw : raws) {
        if (!current.isEmpty() && size + raw.length() > MAX_DOC_BYTES) {
          docs.add(doc(current, now));
          current = new JsonArray();
          size = 0;
        }
        current.add(raw);
        size += raw.length();
      }
      if (!current.isEmpty()) docs.add(doc(current, now));
      out.add(docs);
      all.addAll(docs);
    }
    return mongo.insertMany(COLLECTION, all).map(inserted -> out);
  }

  private JsonObject doc(JsonArray bodies, JsonObject now) {
    return new JsonObject().put("_id", Mongo.newId()).put("bodies", bodies).put("count", bodies.size()).put("receivedAt", now)
        .put("node", node).put("leaseUntil", leaseEnd());
  }

  /** Documents nobody holds: the lease ran out, or the holder is not among {@code live} (or it was never held). */
  private static JsonObject free(java.util.Collection<String> live) {
    return new JsonObject().put("$or", new JsonArray()
        .add(new JsonObject().put("leaseUntil", new JsonObject().put("$lt", Mongo.now())))
        .add(new JsonObject().put("node", new JsonObject().put("$nin", new JsonArray(List.copyOf(live))))));
  }

  /**
   * Takes up to {@code limit} free documents, oldest first, for this node: one read for candidates, one update that
   * takes those still free (per document atomic: of nodes claiming at once, each document goes to one), one read of
   * what this claim got.
   */
  Future<List<JsonObject>> claim(java.util.Collection<String> live, int limit) {
    FindOptions options = new FindOptions().setLimit(limit).setSort(new JsonObject().put("receivedAt", 1).put("_id", 1))
        .setFields(new JsonObject().put("_id", 1));
    return mongo.client().findWithOptions(COLLECTION, free(live), options).recover(Mongo::mapError).compose(found -> {
      if (found.isEmpty()) return Future.succeededFuture(List.<JsonObject>of());
      JsonArray ids = new JsonArray(found.stream().map(d -> d.getValue("_id")).toList());
      String token = Mongo.newId();
      JsonObject filter = free(live).put("_id", new JsonObject().put("$in", ids));
      JsonObject update = new JsonObject()
          .put("$set", new JsonObject().put("node", node).put("leaseUntil", leaseEnd()).put("claim", token))
          .put("$inc", new JsonObject().put("claims", 1));
      return mongo.client().updateCollectionWithOptions(COLLECTION, filter, update, new UpdateOptions().setMulti(true))
          .recover(Mongo::mapError)
          .compose(res -> mongo.client().findWithOptions(COLLECTION, new JsonObject().put("claim", token).put("node", node),
                  new FindOptions().setSort(new JsonObject().put("receivedAt", 1).put("_id", 1))).recover(Mongo::mapError));
    });
  }

  /** Extends this node's lease on documents it still holds (those another node took meanwhile stay with it). */
  Future<Void> renew(java.util.Collection<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture();
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(ids)))).put("node", node);
    return mongo.client().updateCollectionWithOptions(COLLECTION, filter,
            new JsonObject().put("$set", new JsonObject().put("leaseUntil", leaseEnd())), new UpdateOptions().setMulti(true))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Processed: gone (its effects are stored; processing it again would change nothing). */
  Future<Void> markProcessed(List<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture();
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)));
    return mongo.client().removeDocuments(COLLECTION, filter).recover(Mongo::mapError).mapEmpty();
  }

  Future<Void> markFailedAttempt(List<String> ids, String reason) {
    if (ids.isEmpty()) return Future.succeededFuture();
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)));
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("attempts", 1))
        .put("$set", new JsonObject().put("lastError", reason).put("lastAttemptAt", Mongo.now()));
    return mongo.client().updateCollectionWithOptions(COLLECTION, filter, update, new UpdateOptions().setMulti(true))
        .recover(Mongo::mapError).mapEmpty();
  }

  // ---- dead letters: single messages, statuses or bodies that cannot be recorded, kept for a person

  /**
   * Sets one item of a stored document aside, durably. Its id is derived from the document and the item, so setting
   * the same item aside again (a replay after a crash) keeps one dead letter.
   */
  Future<Void> deadLetter(JsonObject source, String kind, String waMessageId, String from, String payload, String reason) {
    JsonObject now = Mongo.now();
    String id = DeadLetter.id(source.getString("_id"), kind, payload);
    JsonObject dead = new JsonObject().put("_id", id).put("kind", kind).put("payload", payload)
        .put("reason", reason).put("attempts", 1).put("documentId", source.getString("_id"))
        .put("receivedAt", source.getValue("receivedAt")).put("createdAt", now).put("lastAttemptAt", now);
    if (waMessageId != null) dead.put("waMessageId", waMessageId);
    if (from != null) dead.put("from", from);
    return mongo.insertManyDurable(DEAD_LETTERS, List.of(dead)).mapEmpty();
  }

  record Page(List<JsonObject> items, long total) {}

  /** Dead letters, newest first. */
  Future<Page> deadLetters(int skip, int limit) {
    FindOptions options = new FindOptions().setSkip(skip).setLimit(limit)
        .setSort(new JsonObject().put("createdAt", -1).put("_id", -1));
    return Future.all(mongo.client().findWithOptions(DEAD_LETTERS, new JsonObject(), options),
            mongo.client().count(DEAD_LETTERS, new JsonObject()))
        .map(all -> new Page(all.<List<JsonObject>>resultAt(0), all.<Long>resultAt(1))).recover(Mongo::mapError);
  }

  Future<Long> countDeadLetters() {
    return mongo.client().count(DEAD_LETTERS, new JsonObject()).recover(Mongo::mapError);
  }

  /** One dead letter; RESOURCE_NOT_FOUND when there is none with that id. */
  Future<JsonObject> deadLetter(String id) {
    return mongo.client().findOne(DEAD_LETTERS, new JsonObject().put("_id", id), null).recover(Mongo::mapError)
        .compose(doc -> doc != null ? Future.succeededFuture(doc)
            : Future.failedFuture(crm.bus.CrmException.notFound(crm.bus.ErrorCode.RESOURCE_NOT_FOUND, "Dead letter")));
  }

  Future<Void> removeDeadLetter(String id) {
    return mongo.client().removeDocumentWithOptions(DEAD_LETTERS, new JsonObject().put("_id", id), mongo.durableWrite())
        .recover(Mongo::mapError).compose(v -> mongo.sync());
  }

  Future<Void> markDeadLetterAttempt(String id, String reason) {
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("attempts", 1))
        .put("$set", new JsonObject().put("reason", reason).put("lastAttemptAt", Mongo.now()));
    return mongo.client().updateCollection(DEAD_LETTERS, new JsonObject().put("_id", id), update)
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Bodies stored and not processed yet. */
  Future<Long> countPending() {
    return mongo.client().findWithOptions(COLLECTION, new JsonObject(), new FindOptions().setFields(new JsonObject().put("count", 1)))
        .map(docs -> docs.stream().mapToLong(d -> d.getLong("count", 0L)).sum()).recover(Mongo::mapError);
  }
}
