package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a write that cannot be encoded becomes: that write's own error, never a 500 nor a store failure. */
class MongoErrorsTest {

  @Test
  void a_document_over_16_MiB_is_refused_as_that_write_alone() throws Exception {
    EmbeddedMongo db = EmbeddedMongo.memory();
    Vertx vertx = Vertx.vertx();
    try {
      Mongo mongo = new Mongo(vertx, new JsonObject().put("MONGO_URI", db.connectionString()).put("MONGO_DB", "big"));
      Throwable err = catchThrowable(() -> mongo.insertDurable("big", new JsonObject().put("text", "z".repeat(17 * 1024 * 1024)))
          .await(30, TimeUnit.SECONDS));
      assertThat(err).isInstanceOf(CrmException.class);
      assertThat(((CrmException) err).code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
      // the next write goes through
      assertThat(mongo.insertDurable("big", new JsonObject().put("text", "small")).await(10, TimeUnit.SECONDS)).isNotBlank();
      mongo.close();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }

  @Test
  void a_bulk_of_updates_applies_each_and_a_duplicate_key_fails_it_as_a_duplicate() throws Exception {
    EmbeddedMongo db = EmbeddedMongo.memory();
    Vertx vertx = Vertx.vertx();
    try {
      Mongo mongo = new Mongo(vertx, new JsonObject().put("MONGO_URI", db.connectionString()).put("MONGO_DB", "bulk"));
      mongo.createIndex("people", new JsonObject().put("phone", 1), new io.vertx.ext.mongo.IndexOptions().unique(true))
          .await(10, TimeUnit.SECONDS);
      java.time.Instant at = java.time.Instant.parse("2026-12-03T10:00:00.123Z");
      var ops = java.util.List.of(
          io.vertx.ext.mongo.BulkOperation.createUpdate(new JsonObject().put("phone", "1"),
              new JsonObject().put("$set", new JsonObject().put("seen", Mongo.date(at))).put("$inc", new JsonObject().put("n", 1)), true, false),
          io.vertx.ext.mongo.BulkOperation.createUpdate(new JsonObject().put("phone", "2"),
              new JsonObject().put("$inc", new JsonObject().put("n", 5)), true, false),
          io.vertx.ext.mongo.BulkOperation.createReplace(new JsonObject().put("_id", "r"), new JsonObject().put("_id", "r").put("phone", "3"), true));
      mongo.bulk("people", ops, true).await(10, TimeUnit.SECONDS);
      mongo.bulk("people", ops.subList(0, 2), false).await(10, TimeUnit.SECONDS);
      JsonObject one = mongo.client().findOne("people", new JsonObject().put("phone", "1"), null).await(10, TimeUnit.SECONDS);
      assertThat(one.getInteger("n")).isEqualTo(2);
      assertThat(Mongo.instant(one.getValue("seen"))).isEqualTo(at); // a date, not a string or a {$date} document
      assertThat(mongo.client().count("people", new JsonObject().put("seen", new JsonObject().put("$type", "date")))
          .await(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(mongo.client().findOne("people", new JsonObject().put("phone", "2"), null).await(10, TimeUnit.SECONDS)
          .getInteger("n")).isEqualTo(10);
      assertThat(mongo.client().findOne("people", new JsonObject().put("_id", "r"), null).await(10, TimeUnit.SECONDS)
          .getString("phone")).isEqualTo("3");

      // phone 2 taken: that update fails the bulk as a duplicate; the other one is applied (unordered)
      Throwable err = catchThrowable(() -> mongo.bulk("people", java.util.List.of(
          io.vertx.ext.mongo.BulkOperation.createUpdate(new JsonObject().put("phone", "1"), new JsonObject().put("$set", new JsonObject().put("phone", "2"))),
          io.vertx.ext.mongo.BulkOperation.createUpdate(new JsonObject().put("phone", "3"), new JsonObject().put("$set", new JsonObject().put("x", true)))),
          false).await(10, TimeUnit.SECONDS));
      assertThat(err).isInstanceOf(CrmException.class);
      assertThat(((CrmException) err).code()).isEqualTo(ErrorCode.DUPLICATE_RESOURCE);
      assertThat(Mongo.isDuplicateKey(err)).isTrue();
      assertThat(mongo.client().findOne("people", new JsonObject().put("_id", "r"), null).await(10, TimeUnit.SECONDS)
          .getBoolean("x")).isTrue();
      mongo.close();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      db.close();
    }
  }
}
