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
}
