package crm.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.EmbeddedMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stored-message counts of {@code /whatsapp/stats}, kept by the store's change feed: they start from an exact
 * snapshot and follow every insert, change of direction and removal, even while writes run during the snapshot.
 */
class MessageCountsTest {

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(20, TimeUnit.SECONDS);
  }

  @Test
  void the_counts_equal_a_count_by_query_after_writes_before_during_and_after_the_snapshot() throws Exception {
    Vertx vertx = Vertx.vertx();
    EmbeddedMongo db = EmbeddedMongo.memory();
    try {
      MongoClient c = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString()).put("db_name", "crm"));
      for (int i = 0; i < 300; i++) {
        await(c.insert("messages", new JsonObject().put("_id", "m" + i).put("direction", i % 3 == 0 ? "outbound" : "inbound")));
      }
      // writers keep going while the snapshot is taken
      List<Future<String>> during = new ArrayList<>();
      for (int i = 300; i < 600; i++) {
        during.add(c.insert("messages", new JsonObject().put("_id", "m" + i).put("direction", i % 2 == 0 ? "outbound" : "inbound")));
      }
      MessageCounts counts = new MessageCounts("crm.messages");
      assertThat(counts.ready()).isFalse();
      await(vertx.executeBlocking(() -> { counts.start(db.changes()); return null; }));
      await(Future.all(during));
      assertThat(counts.ready()).isTrue();
      await(c.updateCollection("messages", new JsonObject().put("_id", "m1"),
          new JsonObject().put("$set", new JsonObject().put("direction", "outbound"))));
      await(c.removeDocuments("messages", new JsonObject().put("_id", new JsonObject().put("$in", new io.vertx.core.json.JsonArray().add("m2").add("m3")))));
      await(c.insert("messages", new JsonObject().put("_id", "note").put("type", "system"))); // neither direction

      long inbound = await(c.count("messages", new JsonObject().put("direction", "inbound")));
      long outbound = await(c.count("messages", new JsonObject().put("direction", "outbound")));
      assertThat(counts.inbound()).isEqualTo(inbound);
      assertThat(counts.outbound()).isEqualTo(outbound);
      assertThat(inbound + outbound).isEqualTo(598);

      await(c.dropCollection("messages"));
      assertThat(counts.ready()).as("a dropped collection is no longer followed document by document").isFalse();
      c.close();
    } finally {
      db.close();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
