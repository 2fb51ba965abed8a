package crm.config;

import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.UpdateOptions;

/**
 * The only code that touches the {@code settings} collection's business document ({@code _id: "business"}). Every
 * change is one atomic update of that document ({@code $set} of the changed fields, {@code $inc} of {@code version}),
 * durable before it is answered; {@code version} orders the change events a cluster's nodes receive.
 */
final class BusinessConfigStore {
  static final String COLLECTION = "settings";
  static final String ID = "business";

  private final Mongo mongo;

  BusinessConfigStore(Mongo mongo) {
    this.mongo = mongo;
  }

  /** The stored document, or null on a fresh install. */
  Future<JsonObject> load() {
    return mongo.client().findOne(COLLECTION, new JsonObject().put("_id", ID), null).recover(Mongo::mapError);
  }

  /**
   * Applies {@code set} (field or dotted path -> value) in one update, creating the document if needed, waits until
   * it is durable, and returns the document as stored afterwards.
   */
  Future<JsonObject> update(JsonObject set, String updatedBy) {
    JsonObject fields = set.copy().put("updatedAt", Mongo.now()).put("updatedBy", updatedBy);
    JsonObject update = new JsonObject().put("$set", fields).put("$inc", new JsonObject().put("version", 1));
    return mongo.client().updateCollectionWithOptions(COLLECTION, new JsonObject().put("_id", ID), update,
            new UpdateOptions().setUpsert(true).setWriteOption(mongo.durableWrite()))
        .recover(Mongo::mapError)
        .compose(res -> mongo.sync())
        .compose(v -> load());
  }
}
