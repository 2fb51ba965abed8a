package crm.conversation;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only code that touches {@code messages} and {@code pending_statuses}. A WhatsApp message id is stored once
 * (sparse unique {@code whatsappMessageId}); an outbound send request is stored once per idempotency key (sparse
 * unique {@code idempotencyKey}). Delivery status only moves forward: it is stored as {@code state: {rank, status}}
 * and changed with {@code $max}, which compares the rank first, so concurrent and late statuses cannot move it back,
 * atomically, with a query on the unique key alone (the embedded server uses an index only when the query names
 * exactly the indexed fields).
 */
final class MessageStore {
  static final String COLLECTION = "messages";
  static final String PENDING_STATUSES = "pending_statuses";

  /** sent < delivered < failed < read: a late "delivered" never replaces "read"; "read" proves a "failed" wrong. */
  static final Map<String, Integer> RANK = Map.of("pending", 0, "sent", 10, "delivered", 20, "failed", 25, "read", 30);

  private final Mongo mongo;

  /** Pages of messages by conversation, when this node sees every write (see {@link ReadCache}); else null. */
  private ReadCache pages;

  /** Signs links to files we serve (inbound media, uploads) in what clients get; null signs nothing. */
  private final crm.files.FileLinks links;

  MessageStore(Mongo mongo, crm.files.FileLinks links) {
    this.links = links;
    this.mongo = mongo;
  }

  void cache(ReadCache pages) {
    this.pages = pages;
  }

  Future<Void> ensureIndexes() {
    return Future.all(List.of(
        mongo.createIndex(COLLECTION, new JsonObject().put("whatsappMessageId", 1),
            new IndexOptions().unique(true).sparse(true).name("wamid_unique")),
        mongo.createIndex(COLLECTION, new JsonObject().put("idempotencyKey", 1),
            new IndexOptions().unique(true).sparse(true).name("idempotency_unique")),
        mongo.createIndex(COLLECTION, new JsonObject().put("seqKey", 1),
            new IndexOptions().unique(true).sparse(true).name("conversation_seq_unique")),
        mongo.createIndex(COLLECTION, new JsonObject().put("conversationId", 1).put("seq", 1),
            new IndexOptions().name("conversation_seq")),
        mongo.createIndex(PENDING_STATUSES, new JsonObject().put("whatsappMessageId", 1), new IndexOptions().name("wamid")))).mapEmpty();
  }

  /** The unique key of a message's place in its conversation: what pages are read by (an indexed {@code $in}). */
  static String seqKey(String conversationId, long seq) {
    return conversationId + ":" + seq;
  }

  /** Gives each message (in list order) the next of the numbers reserved for its conversation. */
  static void number(List<JsonObject> docs, Map<String, Long> firstSeq) {
    Map<String, Long> next = new HashMap<>(firstSeq);
    for (JsonObject d : docs) {
      String conversationId = d.getString("conversationId");
      if (!next.containsKey(conversationId)) throw new IllegalStateException("no numbers for conversation " + conversationId);
      long seq = next.merge(conversationId, 1L, Long::sum) - 1;
      d.put("seq", seq).put("seqKey", seqKey(conversationId, seq));
    }
  }

  /**
   * The messages of a conversation whose numbers are in {@code from..to} (inclusive), in no particular order. The
   * documents may be shared copies: do not change them.
   */
  Future<List<JsonObject>> bySeqRange(String conversationId, long from, long to) {
    JsonArray keys = new JsonArray();
    for (long s = Math.max(1, from); s <= to; s++) keys.add(seqKey(conversationId, s));
    if (keys.isEmpty()) return Future.succeededFuture(List.of());
    String range = from + ".." + to;
    if (pages != null) {
      List<JsonObject> cached = pages.get(conversationId, range);
      if (cached != null) return Future.succeededFuture(new ArrayList<>(cached));
    }
    long stamp = pages == null ? 0 : pages.stamp();
    return mongo.client().findWithOptions(COLLECTION, new JsonObject().put("seqKey", new JsonObject().put("$in", keys)),
        new FindOptions()).recover(Mongo::mapError).map(found -> {
          if (pages != null) pages.fill(conversationId, range, stamp, List.copyOf(found));
          return found;
        });
  }

  /**
   * What analytics counts of the messages with these {@code seqKey}s, read from the database (not the page cache):
   * conversationId, seq, direction, timestamp, agentId, metadata.sentBy and metadata.waType.
   */
  Future<List<JsonObject>> analyticsFacts(List<String> seqKeys) {
    if (seqKeys.isEmpty()) return Future.succeededFuture(List.of());
    JsonObject fields = new JsonObject().put("conversationId", 1).put("seq", 1).put("direction", 1).put("timestamp", 1)
        .put("agentId", 1).put("metadata.sentBy", 1).put("metadata.waType", 1);
    // the embedded server matches each document found against the whole $in list: many short lists, not one long one
    List<Future<List<JsonObject>>> parts = new ArrayList<>();
    for (int from = 0; from < seqKeys.size(); from += IN_BATCH) {
      JsonArray keys = new JsonArray(seqKeys.subList(from, Math.min(seqKeys.size(), from + IN_BATCH)));
      parts.add(mongo.client().findWithOptions(COLLECTION, new JsonObject().put("seqKey", new JsonObject().put("$in", keys)),
          new FindOptions().setFields(fields)).recover(Mongo::mapError));
    }
    return Future.all(parts).map(v -> {
      List<JsonObject> out = new ArrayList<>();
      for (Future<List<JsonObject>> p : parts) out.addAll(p.result());
      return out;
    });
  }

  private static final int IN_BATCH = 100;

  /** The unindexed way, for what the numbered pages cannot answer exactly: sorted by number, with skip and limit. */
  Future<List<JsonObject>> scan(JsonObject filter, int dir, int skip, int limit) {
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions()
        .setSort(new JsonObject().put("seq", dir).put("_id", dir)).setSkip(skip).setLimit(limit)).recover(Mongo::mapError);
  }

  /**
   * Inserts inbound messages; returns which of {@code docs} were new (the others' WhatsApp ids were already stored).
   * Not waited to disk: their webhook body stays stored until after this, and is replayed if this is lost.
   */
  Future<BitSet> insertAll(List<JsonObject> docs) {
    return mongo.insertMany(COLLECTION, docs);
  }

  Future<Map<String, JsonObject>> byWamids(List<String> wamids) {
    if (wamids.isEmpty()) return Future.succeededFuture(Map.of());
    JsonObject filter = new JsonObject().put("whatsappMessageId", new JsonObject().put("$in", new JsonArray(wamids)));
    return mongo.client().findWithOptions(COLLECTION, filter, new FindOptions()).recover(Mongo::mapError).map(docs -> {
      Map<String, JsonObject> out = new HashMap<>();
      for (JsonObject d : docs) out.put(d.getString("whatsappMessageId"), d);
      return out;
    });
  }

  Future<JsonObject> byId(String id) {
    if (!Mongo.isObjectId(id)) return Future.succeededFuture(null);
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
  }

  Future<JsonObject> byIdempotencyKey(String key) {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("idempotencyKey", key), null).recover(Mongo::mapError);
  }

  /** Inserts one message durably; false when its unique key (idempotency key, wamid) already exists. */
  Future<Boolean> insertOne(JsonObject doc) {
    return mongo.insertManyDurable(COLLECTION, List.of(doc)).map(bits -> bits.get(0));
  }

  static JsonObject state(String status) {
    return new JsonObject().put("rank", RANK.get(status)).put("status", status);
  }

  /** The outcome of one status: the message after it, and whether it moved the status forward. */
  record Applied(JsonObject message, boolean advanced) {}

  /** Applies one status (forward only); null when no message has this wamid. */
  Future<Applied> applyStatus(String wamid, String status, JsonObject at, JsonObject error) {
    if (!RANK.containsKey(status)) return Future.succeededFuture(null);
    JsonObject set = new JsonObject().put("updatedAt", Mongo.now()).put("statusTimestamps." + status, at);
    if (error != null) set.put("failure", error);
    JsonObject update = new JsonObject().put("$max", new JsonObject().put("state", state(status))).put("$set", set);
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("whatsappMessageId", wamid), update,
            new FindOptions(), new UpdateOptions().setReturningNewDocument(false))
        .recover(Mongo::mapError)
        .map(before -> {
          if (before == null) return null;
          int was = before.getJsonObject("state", state("pending")).getInteger("rank", 0);
          JsonObject after = before.copy().put("state", was < RANK.get(status) ? state(status) : before.getJsonObject("state"));
          if (error != null) after.put("failure", error);
          return new Applied(after, was < RANK.get(status));
        });
  }

  /** Keeps statuses that arrived before the message's wamid was stored. */
  Future<Void> keepPending(List<JsonObject> statuses) {
    List<BulkOperation> ops = new ArrayList<>();
    for (JsonObject s : statuses) {
      JsonObject doc = s.copy().put("_id", s.getString("waMessageId") + "|" + s.getString("status"))
          .put("whatsappMessageId", s.getString("waMessageId")).put("receivedAt", Mongo.now());
      ops.add(BulkOperation.createReplace(new JsonObject().put("_id", doc.getString("_id")), doc, true));
    }
    return mongo.bulk(PENDING_STATUSES, ops, true).mapEmpty();
  }

  /** Removes and returns the kept statuses of these wamids. */
  Future<List<JsonObject>> takePending(List<String> wamids) {
    if (wamids.isEmpty()) return Future.succeededFuture(List.of());
    JsonObject filter = new JsonObject().put("whatsappMessageId", new JsonObject().put("$in", new JsonArray(wamids)));
    return mongo.client().find(PENDING_STATUSES, filter).recover(Mongo::mapError).compose(found -> found.isEmpty()
        ? Future.succeededFuture(found)
        : mongo.client().removeDocuments(PENDING_STATUSES, filter).recover(Mongo::mapError).map(found));
  }

  Future<Long> purgePending(java.time.Duration olderThan) {
    JsonObject filter = new JsonObject().put("receivedAt", new JsonObject()
        .put("$lt", Mongo.date(java.time.Instant.now().minus(olderThan))));
    return mongo.client().removeDocuments(PENDING_STATUSES, filter).map(r -> r.getRemovedCount()).recover(Mongo::mapError);
  }

  /** Adds (or, with an empty emoji, removes) the customer's reaction on a message; returns the message or null. */
  Future<JsonObject> react(String wamid, String emoji, JsonObject at) {
    JsonObject update = emoji == null || emoji.isEmpty()
        ? new JsonObject().put("$unset", new JsonObject().put("metadata.reaction", ""))
        : new JsonObject().put("$set", new JsonObject().put("metadata.reaction",
            new JsonObject().put("emoji", emoji).put("from", "customer").put("timestamp", at)));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("whatsappMessageId", wamid), update,
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true)).recover(Mongo::mapError);
  }

  /** Replaces attachment {@code index} of a message; returns the updated message or null. */
  Future<JsonObject> setAttachment(String messageId, int index, JsonObject attachment) {
    JsonObject update = new JsonObject().put("$set", new JsonObject()
        .put("attachments." + index, attachment).put("updatedAt", Mongo.now()));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", messageId), update,
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true)).recover(Mongo::mapError);
  }

  /** Records the Graph API's answer to a send: wamid and "sent", or "failed" with the error. */
  Future<JsonObject> recordSendResult(String messageId, String wamid, JsonObject error, JsonObject response) {
    JsonObject set = new JsonObject().put("updatedAt", Mongo.now());
    String status = wamid != null ? "sent" : "failed";
    set.put("statusTimestamps." + status, Mongo.now());
    if (wamid != null) set.put("whatsappMessageId", wamid);
    else set.put("failure", error);
    if (response != null) set.put("metadata.whatsappResponse", response);
    JsonObject update = new JsonObject().put("$set", set).put("$max", new JsonObject().put("state", state(status)));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", messageId), update,
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(doc -> mongo.sync().map(doc));
  }

  Future<Long> count(JsonObject filter) {
    return mongo.client().count(COLLECTION, filter).recover(Mongo::mapError);
  }

  /** The API form of a message: ISO dates, {@code id} and {@code _id}, {@code status}, internal fields dropped. */
  /**
   * The API form ({@link #toApi}) with each attachment we serve linked by a signed, expiring link made now (media a
   * customer sent, kept in GridFS; a file an agent uploaded), which an {@code <img src>} or a download can use without
   * the agent's token. Cloudinary files keep their own URL.
   */
  JsonObject api(JsonObject doc) {
    JsonObject out = toApi(doc);
    if (links == null || !(out.getValue("attachments") instanceof JsonArray atts)) return out;
    java.time.Instant now = java.time.Instant.now();
    for (Object o : atts) {
      if (!(o instanceof JsonObject att)) continue;
      String fileId = att.getString("fileId");
      if (fileId == null && att.getString("publicId") != null && String.valueOf(att.getString("url")).contains(crm.files.FileLinks.PATH)) {
        fileId = att.getString("publicId");
      }
      if (fileId != null && Mongo.isObjectId(fileId)) att.put("url", links.url(fileId, now));
    }
    return out;
  }

  static JsonObject toApi(JsonObject doc) {
    JsonObject out = Mongo.toApi(doc);
    JsonObject state = (JsonObject) out.remove("state");
    out.put("status", state == null ? "pending" : state.getString("status"));
    out.remove("customerId");
    out.remove("seqKey");
    out.remove("seq");
    out.remove("idempotencyKey"); // internal: the agent- and conversation-scoped form of the client's key
    JsonObject metadata = out.getJsonObject("metadata");
    if (metadata == null) out.put("metadata", metadata = new JsonObject());
    Object failure = out.remove("failure");
    if ("failed".equals(out.getString("status")) && failure != null) metadata.put("error", failure);
    return out;
  }

  /** The stored status name of a message document. */
  static String statusOf(JsonObject doc) {
    JsonObject state = doc.getJsonObject("state");
    return state == null ? "pending" : state.getString("status");
  }
}
