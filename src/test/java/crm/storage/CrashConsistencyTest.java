package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import crm.support.TestApp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

/** The embedded store's rule (see {@link StoreFile}): no commit it was not asked for, and indexes rebuilt after a crash. */
class CrashConsistencyTest {

  @Test
  void the_store_commits_nothing_on_its_own_neither_on_a_timer_nor_when_its_buffer_fills() throws Exception {
    Path dir = Files.createTempDirectory("crm-commit-rule");
    try {
      Path file = dir.resolve("rule.mv.db");
      MVStore store = StoreFile.builder(file, 16, (t, e) -> { }).open();
      MVMap<Integer, String> map = store.openMap("m");
      map.put(0, "committed");
      store.commit();
      long version = store.getCurrentVersion();
      String value = "x".repeat(10_000);
      for (int i = 1; i <= 5_000; i++) map.put(i, value); // 50 MB, far over the default 1 MB write buffer
      Thread.sleep(1_500); // past the default background writer's delay
      assertThat(store.getCurrentVersion()).as("no commit happened").isEqualTo(version);
      store.closeImmediately(); // what kill -9 leaves

      MVStore again = StoreFile.builder(file, 16, (t, e) -> { }).open();
      try {
        MVMap<Integer, String> reopened = again.openMap("m");
        assertThat(reopened.size()).as("only what was committed is in the file").isEqualTo(1);
        assertThat(reopened.get(0)).isEqualTo("committed");
      } finally {
        again.close();
      }
    } finally {
      TestApp.deleteTree(dir);
    }
  }

  @Test
  void after_an_unclean_stop_unique_indexes_are_rebuilt_from_the_documents() throws Exception {
    Path dir = Files.createTempDirectory("crm-rebuild");
    Vertx vertx = Vertx.vertx();
    try {
      EmbeddedMongo db = EmbeddedMongo.h2(dir);
      assertThat(dir.resolve(StoreFile.OPEN_MARKER)).exists();
      MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString())
          .put("db_name", "crm"));
      client.createIndexWithOptions("messages", new JsonObject().put("wamid", 1), new IndexOptions().unique(true).name("wamid"))
          .await(10, TimeUnit.SECONDS);
      client.insert("messages", new JsonObject().put("_id", "m0").put("wamid", "wamid.ZERO")).await(10, TimeUnit.SECONDS);
      client.insert("messages", new JsonObject().put("_id", "m1").put("wamid", "wamid.ONE")).await(10, TimeUnit.SECONDS);
      client.close();
      // the state an older build could leave: the document on disk without its index entry, then a crash
      MVStore mv = ((BsonBackend) db.guard().current()).store();
      String indexMap = mv.getMapNames().stream().filter(n -> n.endsWith("crm.messages.wamid")).findFirst().orElseThrow();
      db.guard().commitExclusive(() -> {
        MVMap<BsonKey, BsonKey> index = BsonDatabase.indexMap(mv, indexMap);
        BsonKey key = index.entrySet().stream().filter(e -> BsonKey.of("m1").equals(e.getValue())).findFirst().orElseThrow().getKey();
        index.remove(key); // a non-empty index, which the backend trusts when it opens
        MVMap<BsonKey, BsonKey> ids = BsonDatabase.indexMap(mv, "index.crm.messages._id_");
        ids.put(BsonKey.of(new de.bwaldvogel.mongo.backend.KeyValue("ghost")), BsonKey.of("m0")); // and an entry too many
        mv.commit();
      });
      mv.closeImmediately();
      db.guard().close();

      EmbeddedMongo reopened = EmbeddedMongo.h2(dir); // the marker is still there: an unclean stop
      try {
        MongoClient again = MongoClient.create(vertx, new JsonObject().put("connection_string", reopened.connectionString())
            .put("db_name", "crm"));
        Throwable duplicate = catchThrowable(() -> again.insert("messages", new JsonObject().put("_id", "m2").put("wamid", "wamid.ONE"))
            .await(10, TimeUnit.SECONDS));
        assertThat(Mongo.isDuplicateKey(duplicate)).as("the rebuilt index refuses the replayed insert: %s", duplicate).isTrue();
        assertThat(again.count("messages", new JsonObject()).await(10, TimeUnit.SECONDS)).isEqualTo(2);
        // the index with an entry too many was rebuilt too: the id it claimed is free
        again.insert("messages", new JsonObject().put("_id", "ghost").put("wamid", "wamid.GHOST")).await(10, TimeUnit.SECONDS);
        again.close();
      } finally {
        reopened.close();
      }
      assertThat(dir.resolve(StoreFile.OPEN_MARKER)).as("a clean close removes the marker").doesNotExist();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
      TestApp.deleteTree(dir);
    }
  }
}
