package crm.whatsapp;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;

/**
 * The only code that touches {@code webhook_events}: every accepted webhook body, stored before it is acknowledged,
 * keyed by the SHA-256 of its bytes (Meta's redelivery of the same body while it waits is absorbed), and deleted once
 * processed. The collection holds only what is not processed yet, so the start-up replay and the sweep read a small
 * collection (the embedded server has no secondary indexes), and a later redelivery is processed again, harmlessly.
 */
final class WebhookEventStore {
  static final String COLLECTION = "webhook_events";

  private final Mongo mongo;

  WebhookEventStore(Mongo mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    return mongo.createIndex(COLLECTION, new JsonObject().put("receivedAt", 1), new IndexOptions().name("received"));
  }

  static String idOf(String raw) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stores the bodies in one round trip, not yet waited to disk; returns which were new. See {@link Mongo#sync()}. */
  Future<BitSet> storeAll(List<JsonObject> events) {
    JsonObject now = Mongo.now();
    List<JsonObject> docs = events.stream().map(e -> new JsonObject().put("_id", e.getString("_id")).put("raw", e.getString("raw"))
        .put("status", "pending").put("attempts", 0).put("receivedAt", now)).toList();
    return mongo.insertMany(COLLECTION, docs);
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

  /** Pending events received before {@code before}, oldest first. */
  Future<List<JsonObject>> pending(Instant before, int limit) {
    JsonObject filter = new JsonObject().put("receivedAt", new JsonObject().put("$lt", Mongo.date(before)));
    return mongo.client().findWithOptions(COLLECTION, filter,
        new FindOptions().setLimit(limit).setSort(new JsonObject().put("receivedAt", 1).put("_id", 1))).recover(Mongo::mapError);
  }

  Future<Long> countPending() {
    return mongo.client().count(COLLECTION, new JsonObject()).recover(Mongo::mapError);
  }
}
