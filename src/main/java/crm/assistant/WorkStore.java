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
 * answers only under a claim: {@link #claim} takes the document when nobody holds it or the holder's lease ran out,
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

  /** The conversation's message {@code seq} (inbound) waits for an answer. Durable before the caller goes on. */
  Future<Void> pending(String conversationId, long seq) {
    JsonObject now = Mongo.now();
    JsonObject update = new JsonObject()
        .put("$max", new JsonObject().put("pendingSeq", seq))
        .put("$set", new JsonObject().put("pending", true).put("pendingAt", now))
        // a conversation seen for the first time: -1, nothing answered by the assistant yet (its first turn answers
        // what came after the last message sent to the customer, see Turn); not seq - 1: two messages recorded
        // together may be queued in either order
        .put("$setOnInsert", new JsonObject().put("doneSeq", -1L));
    UpdateOptions upsert = new UpdateOptions().setUpsert(true);
    JsonObject query = new JsonObject().put("_id", conversationId);
    return mongo.client().updateCollectionWithOptions(COLLECTION, query, update, upsert)
        .recover(err -> Mongo.isDuplicateKey(err) ? mongo.client().updateCollectionWithOptions(COLLECTION, query, update, upsert)
            : Future.failedFuture(err))
        .recover(Mongo::mapError).mapEmpty();
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
  Future<Boolean> finish(String conversationId, String token, long doneSeq) {
    JsonObject query = new JsonObject().put("_id", conversationId).put("claimToken", token)
        .put("pendingSeq", new JsonObject().put("$lte", doneSeq));
    JsonObject release = new JsonObject()
        .put("$max", new JsonObject().put("doneSeq", doneSeq))
        .put("$set", new JsonObject().put("pending", false))
        .put("$unset", new JsonObject().put("claimToken", "").put("claimBy", "").put("claimUntil", ""));
    return mongo.client().updateCollection(COLLECTION, query, release)
        .recover(Mongo::mapError)
        .compose(r -> {
          if (r.getDocMatched() > 0) return Future.succeededFuture(true);
          return mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", conversationId).put("claimToken", token),
                  new JsonObject().put("$max", new JsonObject().put("doneSeq", doneSeq)))
              .recover(Mongo::mapError).map(false);
        });
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

  /**
   * Counts a turn that asks the model against the conversation's hour ({@code hourStart}, {@code hourTurns} on its
   * document): the turns in the current hour, this one included. One update in the common case; a new hour starts
   * the count again.
   */
  Future<Integer> countTurn(String conversationId) {
    Instant now = Instant.now();
    JsonObject inHour = new JsonObject().put("_id", conversationId)
        .put("hourStart", new JsonObject().put("$gt", Mongo.date(now.minusSeconds(3600))));
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, inHour, new JsonObject().put("$inc", new JsonObject().put("hourTurns", 1)),
            new FindOptions().setFields(new JsonObject().put("hourTurns", 1)), new UpdateOptions().setReturningNewDocument(true))
        .recover(Mongo::mapError)
        .compose(doc -> doc != null ? Future.succeededFuture(doc.getInteger("hourTurns", 1))
            : mongo.client().updateCollection(COLLECTION, new JsonObject().put("_id", conversationId),
                    new JsonObject().put("$set", new JsonObject().put("hourStart", Mongo.date(now)).put("hourTurns", 1)))
                .recover(Mongo::mapError).map(1));
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
