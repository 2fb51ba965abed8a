package crm.commerce;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.List;

/**
 * The only code that touches {@code products}, {@code orders}, their number counters ({@code order_counters}) and the
 * duplicate-order claims ({@code order_claims}).
 *
 * <p>Stock is taken with one conditional update per product ({@code stock >= quantity}) that also records, on the
 * product, which order took how much ({@code reservations: [{o: order _id, q, at}]}); giving it back is the reverse
 * update, conditional on that record. So the record of which decrements were made is written atomically with them,
 * and giving back happens exactly once whoever does it (the failing request or the sweep after a crash). A
 * cancellation gives stock back the same way, guarded by {@code restocked: [order _id]}.
 */
final class CommerceStore {
  static final String PRODUCTS = "products";
  static final String ORDERS = "orders";
  static final String COUNTERS = "order_counters";
  static final String CLAIMS = "order_claims";

  private final Mongo mongo;

  CommerceStore(Mongo mongo) {
    this.mongo = mongo;
  }

  Mongo mongo() { return mongo; }

  Future<Void> ensureIndexes() {
    return Future.all(List.of(
        mongo.createIndex(PRODUCTS, new JsonObject().put("sku", 1), new IndexOptions().unique(true).name("sku_unique")),
        // order ids exist from pending on: orders being placed have none yet
        mongo.createIndex(ORDERS, new JsonObject().put("orderId", 1), new IndexOptions().unique(true).sparse(true).name("order_id_unique")),
        // for a real MongoDB (the embedded server keeps only unique indexes)
        mongo.createIndex(PRODUCTS, new JsonObject().put("active", 1).put("nameKey", 1), new IndexOptions().name("active_name")),
        mongo.createIndex(ORDERS, new JsonObject().put("phone", 1).put("createdAt", -1), new IndexOptions().name("phone_created")),
        mongo.createIndex(ORDERS, new JsonObject().put("status", 1).put("createdAt", -1), new IndexOptions().name("status_created")),
        mongo.createIndex(ORDERS, new JsonObject().put("orderNumber", 1), new IndexOptions().name("order_number"))))
        .mapEmpty();
  }

  private UpdateOptions durable() {
    return new UpdateOptions().setWriteOption(mongo.durableWrite());
  }

  private UpdateOptions returningNew() {
    return durable().setReturningNewDocument(true);
  }

  // ---- products

  /** Upserts by sku, in one round trip; a race with another import of a new sku is retried once. */
  Future<MongoClientBulkWriteResult> upsertProducts(List<BulkOperation> ops) {
    return mongo.bulk(PRODUCTS, ops, true)
        .recover(err -> Mongo.isDuplicateKey(err) ? mongo.bulk(PRODUCTS, ops, true) : Future.failedFuture(err));
  }

  Future<List<JsonObject>> productsBySku(List<String> skus) {
    return mongo.client().findWithOptions(PRODUCTS, new JsonObject().put("sku", new JsonObject().put("$in", new JsonArray(skus))),
        new FindOptions().setFields(new JsonObject().put("sku", 1))).recover(Mongo::mapError);
  }

  Future<List<JsonObject>> productsByIds(List<String> ids) {
    List<String> valid = ids.stream().filter(Mongo::isObjectId).toList();
    if (valid.isEmpty()) return Future.succeededFuture(List.of());
    return mongo.client().find(PRODUCTS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(valid))))
        .recover(Mongo::mapError);
  }

  /** By ObjectId, or else by sku; null when there is none. */
  Future<JsonObject> product(String idOrSku) {
    JsonObject query = Mongo.isObjectId(idOrSku) ? new JsonObject().put("_id", idOrSku)
        : new JsonObject().put("sku", idOrSku.strip().toUpperCase(java.util.Locale.ROOT));
    return mongo.client().findOne(PRODUCTS, query, null).recover(Mongo::mapError);
  }

  Future<List<JsonObject>> findProducts(JsonObject filter, int skip, int limit) {
    FindOptions options = new FindOptions().setSort(new JsonObject().put("nameKey", 1).put("_id", 1)).setSkip(skip).setLimit(limit);
    return mongo.client().findWithOptions(PRODUCTS, filter, options).recover(Mongo::mapError);
  }

  Future<Long> countProducts(JsonObject filter) {
    return mongo.client().count(PRODUCTS, filter).recover(Mongo::mapError);
  }

  /**
   * Takes {@code quantity} of an active product for an order, if it has that many: one atomic update that also
   * records the reservation. False when the product is short (or inactive, or this order holds a reservation already).
   */
  Future<Boolean> reserve(String productId, String orderOid, int quantity, Instant at) {
    JsonObject query = new JsonObject().put("_id", productId).put("active", true)
        .put("stock", new JsonObject().put("$gte", quantity))
        .put("reservations.o", new JsonObject().put("$ne", orderOid));
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("stock", -quantity))
        .put("$push", new JsonObject().put("reservations", new JsonObject().put("o", orderOid).put("q", quantity).put("at", Mongo.date(at))));
    return mongo.client().updateCollectionWithOptions(PRODUCTS, query, update, durable()).recover(Mongo::mapError)
        .map(res -> res.getDocMatched() == 1);
  }

  /** Gives back what an order's reservation took, if it is still recorded (so exactly once); true when it did. */
  Future<Boolean> giveBack(String productId, String orderOid, long quantity) {
    JsonObject query = new JsonObject().put("_id", productId)
        .put("reservations", new JsonObject().put("$elemMatch", new JsonObject().put("o", orderOid).put("q", quantity)));
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("stock", quantity))
        .put("$pull", new JsonObject().put("reservations", new JsonObject().put("o", orderOid)));
    return mongo.client().updateCollectionWithOptions(PRODUCTS, query, update, durable()).recover(Mongo::mapError)
        .map(res -> res.getDocMatched() == 1);
  }

  /** Forgets an order's reservation record once the order is placed (the stock stays taken). */
  Future<Void> forgetReservation(String productId, String orderOid) {
    return mongo.client().updateCollectionWithOptions(PRODUCTS, new JsonObject().put("_id", productId).put("reservations.o", orderOid),
            new JsonObject().put("$pull", new JsonObject().put("reservations", new JsonObject().put("o", orderOid))), durable())
        .recover(Mongo::mapError).mapEmpty();
  }

  /** Products holding reservation records (normally none for long: they are forgotten once their order is placed). */
  Future<List<JsonObject>> productsWithReservations() {
    return mongo.client().findWithOptions(PRODUCTS, new JsonObject().put("reservations.o", new JsonObject().put("$exists", true)),
        new FindOptions().setFields(new JsonObject().put("reservations", 1)).setLimit(1000)).recover(Mongo::mapError);
  }

  /** Gives a cancelled order's quantity back once: guarded by the order's id in {@code restocked}. */
  Future<Boolean> restock(String productId, String orderOid, long quantity) {
    JsonObject query = new JsonObject().put("_id", productId).put("restocked", new JsonObject().put("$ne", orderOid));
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("stock", quantity))
        .put("$push", new JsonObject().put("restocked", orderOid));
    return mongo.client().updateCollectionWithOptions(PRODUCTS, query, update, durable()).recover(Mongo::mapError)
        .map(res -> res.getDocMatched() == 1);
  }

  Future<Void> forgetRestock(String productId, String orderOid) {
    return mongo.client().updateCollectionWithOptions(PRODUCTS, new JsonObject().put("_id", productId).put("restocked", orderOid),
            new JsonObject().put("$pull", new JsonObject().put("restocked", orderOid)), durable())
        .recover(Mongo::mapError).mapEmpty();
  }

  // ---- orders

  Future<Void> insertOrder(JsonObject doc) {
    return mongo.client().insertWithOptions(ORDERS, doc, mongo.durableWrite()).recover(Mongo::mapError).mapEmpty();
  }

  Future<JsonObject> order(String oid) {
    if (!Mongo.isObjectId(oid)) return Future.succeededFuture(null);
    return mongo.client().findOne(ORDERS, new JsonObject().put("_id", oid), null).recover(Mongo::mapError);
  }

  Future<JsonObject> findOrder(JsonObject query) {
    return mongo.client().findOne(ORDERS, query, null).recover(Mongo::mapError);
  }

  /** Orders matching {@code filter}, newest first. */
  Future<List<JsonObject>> findOrders(JsonObject filter, int skip, int limit) {
    FindOptions options = new FindOptions().setSort(new JsonObject().put("createdAt", -1).put("_id", -1)).setSkip(skip).setLimit(limit);
    return mongo.client().findWithOptions(ORDERS, filter, options).recover(Mongo::mapError);
  }

  Future<Long> countOrders(JsonObject filter) {
    return mongo.client().count(ORDERS, filter).recover(Mongo::mapError);
  }

  /**
   * Applies {@code update} to the order if its status is still {@code status}; the new document, or null when the
   * status is another by now (someone else changed it first).
   */
  Future<JsonObject> updateOrderIf(String oid, String status, JsonObject update) {
    return mongo.client().findOneAndUpdateWithOptions(ORDERS, new JsonObject().put("_id", oid).put("status", status), update,
        new FindOptions(), returningNew()).recover(Mongo::mapError);
  }

  Future<Void> updateOrder(String oid, JsonObject update) {
    return mongo.client().updateCollectionWithOptions(ORDERS, new JsonObject().put("_id", oid), update, durable())
        .recover(Mongo::mapError).mapEmpty();
  }

  /** The next number of an order-id scope ({@code ORD-2026}), atomically (as the ticket ids). */
  Future<Long> nextSeq(String scope) {
    return mongo.nextSeq(COUNTERS, scope);
  }

  // ---- duplicate-order claims: {_id: key, order: order _id, at}

  /** Claims {@code key} for an order; fails with DUPLICATE_RESOURCE when it is claimed already. */
  Future<Void> claim(String key, String orderOid, Instant at) {
    JsonObject doc = new JsonObject().put("_id", key).put("order", orderOid).put("at", Mongo.date(at));
    return mongo.client().insertWithOptions(CLAIMS, doc, mongo.durableWrite()).recover(Mongo::mapError).mapEmpty();
  }

  Future<JsonObject> claimOf(String key) {
    return mongo.client().findOne(CLAIMS, new JsonObject().put("_id", key), null).recover(Mongo::mapError);
  }

  /** Hands a claim held by {@code formerOrder} to another order; false when someone else took it over first. */
  Future<Boolean> takeOver(String key, String formerOrder, String orderOid, Instant at) {
    return mongo.client().updateCollectionWithOptions(CLAIMS, new JsonObject().put("_id", key).put("order", formerOrder),
            new JsonObject().put("$set", new JsonObject().put("order", orderOid).put("at", Mongo.date(at))), durable())
        .recover(Mongo::mapError).map(res -> res.getDocMatched() == 1);
  }

  /** Drops a claim if it is still the given order's. */
  Future<Void> release(String key, String orderOid) {
    return mongo.client().removeDocumentsWithOptions(CLAIMS, new JsonObject().put("_id", key).put("order", orderOid), mongo.durableWrite())
        .recover(Mongo::mapError).mapEmpty();
  }

  Future<Long> dropClaimsBefore(Instant cutoff) {
    return mongo.client().removeDocuments(CLAIMS, new JsonObject().put("at", new JsonObject().put("$lt", Mongo.date(cutoff))))
        .recover(Mongo::mapError).map(res -> res == null ? 0L : res.getRemovedCount());
  }
}
