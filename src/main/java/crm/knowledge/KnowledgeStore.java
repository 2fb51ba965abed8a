package crm.knowledge;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The only code that touches {@code knowledge_articles}. Reads and writes name {@code _id} or {@code presetArticleId}
 * (both unique indexes, so the embedded server answers them from an index too); lists and searches are answered by
 * {@link KnowledgeIndex}, never by a query built from what a caller typed. Writes are durable before they are answered.
 */
final class KnowledgeStore {
  static final String COLLECTION = Article.COLLECTION;

  private final Mongo mongo;

  KnowledgeStore(Mongo mongo) {
    this.mongo = mongo;
  }

  Future<Void> ensureIndexes() {
    // sparse: only preset articles have one; it is what makes installing a preset twice (or on two nodes at once) install once
    return mongo.createIndex(COLLECTION, new JsonObject().put("presetArticleId", 1),
        new IndexOptions().unique(true).sparse(true).name("preset_article_unique"));
  }

  Future<Void> insert(JsonObject doc) {
    return mongo.insertDurable(COLLECTION, doc).mapEmpty();
  }

  /** Inserts durably; documents whose {@code presetArticleId} exists already are skipped. Returns how many were inserted. */
  Future<Integer> insertNew(List<JsonObject> docs) {
    return mongo.insertManyDurable(COLLECTION, docs).map(BitSet::cardinality);
  }

  /** The article, or null. */
  Future<JsonObject> byId(String id) {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", id), null).recover(Mongo::mapError);
  }

  Future<List<JsonObject>> byIds(Collection<String> ids) {
    if (ids.isEmpty()) return Future.succeededFuture(List.of());
    return mongo.client().find(COLLECTION, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(ids)))))
        .recover(Mongo::mapError);
  }

  Future<List<JsonObject>> byPresetArticleIds(Collection<String> presetArticleIds) {
    if (presetArticleIds.isEmpty()) return Future.succeededFuture(List.of());
    return mongo.client().find(COLLECTION, new JsonObject().put("presetArticleId",
        new JsonObject().put("$in", new JsonArray(List.copyOf(presetArticleIds))))).recover(Mongo::mapError);
  }

  /** Applies {@code update} to the article durably; returns it as it is afterwards, or null when there is none. */
  Future<JsonObject> update(String id, JsonObject update) {
    return mongo.client().findOneAndUpdateWithOptions(COLLECTION, new JsonObject().put("_id", id), update, new FindOptions(),
            new UpdateOptions().setReturningNewDocument(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(doc -> mongo.sync().map(doc));
  }

  /**
   * Sets {@code set} on a preset article unless an admin has customised it meanwhile (the condition is part of the
   * update, so an edit that lands between the read and this write is not overwritten). Whether it was changed.
   */
  Future<Boolean> updateUnlessCustomized(String id, JsonObject set) {
    JsonObject query = new JsonObject().put("_id", id).put("customized", new JsonObject().put("$ne", true));
    return mongo.client().updateCollectionWithOptions(COLLECTION, query, new JsonObject().put("$set", set),
            new UpdateOptions().setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(res -> mongo.sync().map(res != null && res.getDocMatched() > 0));
  }

  /** Removes the article durably; whether there was one. */
  Future<Boolean> delete(String id) {
    return mongo.client().removeDocumentWithOptions(COLLECTION, new JsonObject().put("_id", id), mongo.durableWrite())
        .recover(Mongo::mapError)
        .compose(res -> mongo.sync().map(res != null && res.getRemovedCount() > 0));
  }

  /** Streams every article to {@code each} (in batches, not all in memory at once). */
  Future<Void> each(Consumer<JsonObject> each) {
    Promise<Void> done = Promise.promise();
    mongo.client().findBatchWithOptions(COLLECTION, new JsonObject(), new FindOptions().setBatchSize(200))
        .handler(each::accept)
        .exceptionHandler(done::tryFail)
        .endHandler(v -> done.tryComplete());
    return done.future().recover(Mongo::mapError);
  }
}
