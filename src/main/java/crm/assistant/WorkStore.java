package crm.assistant;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.List;

/**
 * The assistant's durable to-do list, one document per conversation ({@code assistant_work}), the only code that
 * touches it:
 * <pre>
 *   {_id: conversationId, pendingSeq, doneSeq, pending: bool, pendingAt, claimToken, claimBy, claimUntil,
 *    hourStart, hourTurns}
 * </pre>
 * An inbound message raises {@code pendingSeq} (its number in the conversation) and sets {@code pending}. A node
 * answers only under a claim: {@link #claim} takes the document when nobody holds it or the holder's lease ran out
 * ({@link #pendingAndClaim} does both in one write when it can),
 * {@link #renew} extends the lease while a turn runs, and {@link #finish} records what was answered and lets go in the
 * same atomic update, but only if nothing arrived meanwhile; otherwise the holder keeps the claim and answers again.
 * So each message is answered once, in order, by one node; a node that dies mid-turn leaves a claim that expires,
 * and the sweep of any node takes the conversation over.
 *
 * <p>None of these writes waits for the disk: the durable record of what needs an answer is the conversation itself
 * (its last message is the customer's), and every node reads that again at start ({@code
 * crm.conversation.awaiting_assistant}); an answer sent twice after a crash is one message (its idempotency key).
 */
final class WorkStore {
  static final String COLLECTION = "assistant_work";

  private final Mongo mongo;

  WorkStore(Mongo mongo) {
    this.mongo = mongo;
  }

  /** The conversation's message {@code seq} (inbound) waits for an answer. */
  Future<Void> pending(String conversationId, long seq) {
    JsonObject update = pendingUpdate(seq);
    UpdateOptions upsert = new UpdateOptions().setUpsert(true);
    JsonObject query = new JsonObject().put("_id", conversationId);
    return mongo.client().updateCollectionWithOptions(COLLECTION, query, update, upsert)
        .recover(err -> Mongo.isDuplicateKey(err) ? mongo.client().updateCollectionWithOptions(COLLECTION, query, update, upsert)
            : Future.failedFuture(err))
        .recover(Mongo::mapError).mapEmpty();
  }

  /**
   * {@link #pending} and {@link #claim} in one write when nobody holds the conversation (the common case: one
   * message, one write): the document as claimed. When someone holds it, the write finds nothing to update and its
   * upsert collides with the existing document; then the message is queued, and claimed if the holder let go
   * meanwhile (queued first, so a holder that finishes now sees it, or our claim does). Null when another holds it.
   */
  Future<JsonObject> pendingAndClaim(String conversationId, long seq, String token, String node, long leaseMs) {
    Instant now = Instant.now();
    JsonObject query = new JsonObject().put("_id", conversationId).put("$or", free(now));
    JsonObject update = pendingUpdate(seq);
    update.getJsonObject("$set").mergeIn(holding(token, node, now, leaseMs).getJsonObject("$set"));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, query, update, new FindOptions(),
            new UpdateOptions().setUpsert(true).setReturningNewDocument(true))
        .recover(err -> Mongo.isDuplicateKey(err)
            ? pending(conversationId, seq).compose(v -> claim(conversationId, token, node, leaseMs))
            : Mongo.mapError(err));
  }

  private static JsonObject pendingUpdate(long seq) {
    return new JsonObject()
        .put("$max", new JsonObject().put("pendingSeq", seq))
        .put("$set", new JsonObject().put("pending", true).put("pendingAt", Mongo.now()))
        // a conversation seen for the first time: -1, nothing answered by the assistant yet (its first turn answers
        // what came after the last message sent to the customer, see Turn); not seq - 1: two messages recorded
        // together may be queued in either order
        .put("$setOnInsert", new JsonObject().put("doneSeq", -1L));
  }

  /**
   * Takes the conversation for {@code leaseMs} when it has something pending and nobody holds it (or the holder's
   * lease is over). The document as claimed, or null.
   */
  Future<JsonObject> claim(String conversationId, String token, String node, long leaseMs) {
    Instant now = Instant.now();
    JsonObject query = new JsonObject().put("_id", conversationId).put("pending", true).put("$or", free(now));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, query, holding(token, node, now, leaseMs), new FindOptions(),
            new UpdateOptions().setReturningNewDocument(true))
        .recover(Mongo::mapError);
  }

  /** Extends the lease; false when the claim is not ours any more (then stop: someone else answers). */
  Future<Boolean> renew(String conversationId, String token, long leaseMs) {
    JsonObject query = new JsonObject().put("_id", conversationId).put("claimToken", token);
    JsonObject update = new JsonObject().put("$set", new JsonObject().put("claimUntil", Mongo.date(Instant.now().plusMillis(leaseMs))));
    return mongo.client().updateCollection(COLLECTION, query, update).recover(Mongo::mapError)
        .map(r -> r.getDocMatched() > 0);
  }

  /**
   * Records that everything up to {@code doneSeq} is answered and lets go of the claim, in one update that applies
   * only when nothing newer is pending. False when something arrived meanwhile: the claim is kept (and the answered
   * part recorded), so the caller runs the next turn.
   */
  Future<Boolean> finish(String conversationId, String token, long doneSeq, Hour hour) {
    JsonObject query = new JsonObject().put("_id", conversationId).put("claimToken", token)
        .put("pendingSeq", new JsonObject().put("$lte", doneSeq));
    JsonObject release = new JsonObject()
        .put("$max", new JsonObject().put("doneSeq", doneSeq))
        .put("$set", hour.fields().put("pending", false))
        .put("$unset", new JsonObject().put("claimToken", "").put("claimBy", "").put("claimUntil", ""));
    return mongo.client().updateCollection(COLLECTION, query, release)
        .recover(Mongo::mapError)
        .compose(r -> {
          if (r.getDocMatched() > 0) return Future.succeededFuture(true);
          return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", conversationId).put("claimToken", token),
                  new JsonObject().put("$max", new JsonObject().put("doneSeq", doneSeq)).put("$set", hour.fields()))
              .recover(Mongo::mapError).map(false);
        });
  }

  /** Conversations with a message not answered yet (queued, or a turn running), on every node. */
  Future<Long> countPending() {
    return mongo.client().count(COLLECTION, new JsonObject().put("pending", true)).recover(Mongo::mapError);
  }

  /**
   * The turns that asked the model in the conversation's current hour ({@code hourStart}, {@code hourTurns} on its
   * document). Only the claim holder counts, so it keeps the count in memory while it holds the conversation and
   * writes it when it lets go (with {@link #finish}); a turn cut short by a crash is not counted.
   */
  static final class Hour {
    private Instant start;
    private int turns;

    Hour(JsonObject claimed) {
      this.start = claimed == null ? null : Mongo.instant(claimed.getValue("hourStart"));
      this.turns = claimed == null ? 0 : claimed.getInteger("hourTurns", 0);
    }

    /** Counts a turn that asks the model: the turns in the current hour, this one included. */
    int count(Instant now) {
      if (start == null || !start.isAfter(now.minusSeconds(3600))) {
        start = now;
        turns = 0;
      }
      return ++turns;
    }

    JsonObject fields() {
      JsonObject set = new JsonObject();
      if (start != null) set.put("hourStart", Mongo.date(start)).put("hourTurns", turns);
      return set;
    }
  }

  /** Lets go without answering (the node stops, a turn was given up): the next claim takes it from there. */
  Future<Void> release(String conversationId, String token) {
    return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", conversationId).put("claimToken", token),
            new JsonObject().put("$unset", new JsonObject().put("claimToken", "").put("claimBy", "").put("claimUntil", "")))
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Conversations with something pending that nobody holds, waiting since before {@code before}. */
  Future<List<String>> orphans(Instant before, int limit) {
    JsonObject query = new JsonObject().put("pending", true).put("$or", free(Instant.now()))
        .put("pendingAt", new JsonObject().put("$lt", Mongo.date(before)));
    return mongo.client().findWithOptions(COLLECTION, query, new FindOptions().setLimit(limit).setFields(new JsonObject().put("_id", 1)))
        .recover(Mongo::mapError)
        .map(docs -> docs.stream().map(d -> d.getString("_id")).toList());
  }

  Future<JsonObject> get(String conversationId) {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", conversationId), null).recover(Mongo::mapError);
  }

  private static JsonArray free(Instant now) {
    return new JsonArray()
        .add(new JsonObject().put("claimUntil", new JsonObject().put("$exists", false)))
        .add(new JsonObject().put("claimUntil", new JsonObject().put("$lt", Mongo.date(now))));
  }

  private static JsonObject holding(String token, String node, Instant now, long leaseMs) {
    return new JsonObject().put("$set", new JsonObject().put("claimToken", token).put("claimBy", node)
        .put("claimUntil", Mongo.date(now.plusMillis(leaseMs))));
  }
}
