package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import crm.support.TestApp;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded store's own backend (BSON on MVStore): what it keeps survives a reopen exactly, its unique indexes hold
 * MongoDB's rules, opening does not read the documents, every write reaches the change feed, and a data directory of
 * the earlier H2 backend is converted once.
 */
class BsonStoreTest {
  private Vertx vertx;
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    dir = Files.createTempDirectory("crm-bson-store");
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    TestApp.deleteTree(dir);
  }

  private MongoClient client(EmbeddedMongo db) {
    return MongoClient.create(vertx, new JsonObject().put("connection_string", db.connectionString()).put("db_name", "crm"));
  }

  /** Opens the file store of {@code dir} again, hands a client of it to {@code check}, and closes both. */
  private void reopened(java.util.function.Consumer<MongoClient> check) {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    try {
      MongoClient c = client(db);
      try {
        check.accept(c);
      } finally {
        c.close();
      }
    } finally {
      db.close();
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) {
    try {
      return f.await(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("no answer in 10 s", e);
    }
  }

  @Test
  void a_query_by_a_unique_key_with_other_conditions_matches_exactly_what_mongodb_would() {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    try {
      MongoClient c = client(db);
      for (int i = 0; i < 50; i++) {
        await(c.insert("work", new JsonObject().put("_id", "c" + i).put("pending", i % 2 == 0).put("token", "t" + i)
            .put("n", i).put("code", "k" + i)));
      }
      await(c.createIndexWithOptions("work", new JsonObject().put("code", 1), new io.vertx.ext.mongo.IndexOptions().unique(true)));
      // the _id with conditions that hold, that do not, and an $or beside it
      assertThat(await(c.find("work", new JsonObject().put("_id", "c4").put("pending", true)))).hasSize(1);
      assertThat(await(c.find("work", new JsonObject().put("_id", "c5").put("pending", true)))).isEmpty();
      assertThat(await(c.find("work", new JsonObject().put("_id", "c5").put("$or", new JsonArray()
          .add(new JsonObject().put("token", "nope")).add(new JsonObject().put("n", new JsonObject().put("$gt", 4))))))).hasSize(1);
      assertThat(await(c.find("work", new JsonObject().put("_id", "c3").put("n", new JsonObject().put("$lte", 2))))).isEmpty();
      assertThat(await(c.find("work", new JsonObject().put("_id", "nobody").put("pending", true)))).isEmpty();
      // another unique key, and the _id given as an operator (not the shortcut: the engine's own path)
      assertThat(await(c.find("work", new JsonObject().put("code", "k7").put("token", "t7")))).hasSize(1);
      assertThat(await(c.find("work", new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray().add("c1").add("c2")))
          .put("pending", true)))).extracting(d -> d.getString("_id")).containsExactly("c2");
      // conditional updates: applied only when the condition holds
      assertThat(await(c.updateCollection("work", new JsonObject().put("_id", "c8").put("token", "wrong"),
          new JsonObject().put("$set", new JsonObject().put("pending", false)))).getDocMatched()).isZero();
      assertThat(await(c.updateCollection("work", new JsonObject().put("_id", "c8").put("token", "t8"),
          new JsonObject().put("$set", new JsonObject().put("pending", false)))).getDocModified()).isEqualTo(1);
      JsonObject taken = await(c.findOneAndUpdateWithOptions("work", new JsonObject().put("_id", "c10").put("pending", true)
              .put("$or", new JsonArray().add(new JsonObject().put("claim", new JsonObject().put("$exists", false)))),
          new JsonObject().put("$set", new JsonObject().put("claim", "me")), new io.vertx.ext.mongo.FindOptions(),
          new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true)));
      assertThat(taken.getString("claim")).isEqualTo("me");
      assertThat(await(c.findOneAndUpdateWithOptions("work", new JsonObject().put("_id", "c10").put("pending", true)
              .put("$or", new JsonArray().add(new JsonObject().put("claim", new JsonObject().put("$exists", false)))),
          new JsonObject().put("$set", new JsonObject().put("claim", "other")), new io.vertx.ext.mongo.FindOptions(),
          new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true)))).isNull();
      assertThat(await(c.findOne("work", new JsonObject().put("_id", "c8"), null)).getBoolean("pending")).isFalse();
      c.close();
    } finally {
      db.close();
    }
  }

  @Test
  void every_bson_type_the_driver_writes_reads_back_the_same_after_a_reopen() {
    JsonObject doc = new JsonObject().put("_id", "a1").put("s", "María 🔌 \u0000x").put("i", 42).put("l", 1L << 40)
        .put("d", 2.5).put("neg", -0.0).put("t", true).put("n", (Object) null)
        .put("date", new JsonObject().put("$date", "2026-12-03T08:10:36.342Z"))
        .put("oid", new JsonObject().put("$oid", "6b11230fa534f4266d19c000"))
        .put("bin", new JsonObject().put("$binary", "AAEC_w=="))
        .put("dec", new JsonObject().put("$numberDecimal", "12345.6789"))
        .put("nested", new JsonObject().put("a", new JsonArray().add(1).add(new JsonObject().put("b", "c")).add(new JsonArray())));
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    MongoClient c = client(db);
    await(c.insert("things", doc));
    JsonObject first = await(c.findOne("things", new JsonObject().put("_id", "a1"), null));
    c.close();
    db.close();

    reopened(c2 -> {
      JsonObject read = await(c2.findOne("things", new JsonObject().put("_id", "a1"), null));
      assertThat(read).isEqualTo(first);
      assertThat(read.getString("s")).isEqualTo("María 🔌 \u0000x");
      assertThat(read.getLong("l")).isEqualTo(1L << 40);
      assertThat(read.getJsonObject("date").getString("$date")).isEqualTo("2026-12-03T08:10:36.342Z");
      assertThat(read.getJsonObject("nested").getJsonArray("a").getJsonObject(1).getString("b")).isEqualTo("c");
    });
  }

  @Test
  void reading_only_some_fields_skips_every_other_bson_type_correctly() {
    Document all = new Document("a", 1.5).append("s", "ñandú").append("doc", new Document("x", List.of(1, "y")))
        .append("arr", List.of(new Document("k", 1), 2L)).append("bin", new de.bwaldvogel.mongo.bson.BinData(new byte[] {1, 2, 3}))
        .append("undef", null).append("oid", new de.bwaldvogel.mongo.bson.ObjectId()).append("t", true)
        .append("date", java.time.Instant.ofEpochMilli(1_700_000_000_123L))
        .append("re", new de.bwaldvogel.mongo.bson.BsonRegularExpression("^a.*", "i")).append("i", 7)
        .append("ts", new de.bwaldvogel.mongo.bson.BsonTimestamp(42L)).append("l", 1L << 40)
        .append("dec", new de.bwaldvogel.mongo.bson.Decimal128(1L, 2L))
        .append("min", de.bwaldvogel.mongo.bson.MinKey.getInstance()).append("max", de.bwaldvogel.mongo.bson.MaxKey.getInstance())
        .append("_id", "last");
    byte[] bson = BsonKey.Bson.encode(all);
    for (String wanted : all.keySet()) {
      Document one = BsonKey.Bson.decodeFields(bson, new byte[][] {wanted.getBytes(java.nio.charset.StandardCharsets.UTF_8)});
      assertThat(one.keySet()).as(wanted).containsExactly(wanted);
      assertThat(String.valueOf(one.get(wanted))).as(wanted).isEqualTo(String.valueOf(BsonKey.Bson.decode(bson).get(wanted)));
    }
    Document two = BsonKey.Bson.decodeFields(bson, new byte[][] {"_id".getBytes(), "s".getBytes()});
    assertThat(two).isEqualTo(new Document("s", "ñandú").append("_id", "last"));
  }

  @Test
  void unique_indexes_follow_mongodb_numbers_and_sparse_rules_and_survive_a_reopen() {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    MongoClient c = client(db);
    await(c.createIndexWithOptions("things", new JsonObject().put("n", 1), new IndexOptions().unique(true).name("n_unique")));
    await(c.createIndexWithOptions("things", new JsonObject().put("opt", 1),
        new IndexOptions().unique(true).sparse(true).name("opt_unique")));
    await(c.insert("things", new JsonObject().put("_id", "x").put("n", 1)));
    Throwable sameNumber = catchThrowable(() -> await(c.insert("things", new JsonObject().put("_id", "y").put("n", 1.0))));
    assertThat(Mongo.isDuplicateKey(sameNumber)).as("1 and 1.0 are one key: %s", sameNumber).isTrue();
    await(c.insert("things", new JsonObject().put("_id", "y").put("n", 2)));
    await(c.insert("things", new JsonObject().put("_id", "z").put("n", 3))); // neither has opt: the sparse index keeps neither
    c.close();
    db.close();

    reopened(c2 -> {
      Throwable dupId = catchThrowable(() -> await(c2.insert("things", new JsonObject().put("_id", "x").put("n", 9))));
      assertThat(Mongo.isDuplicateKey(dupId)).isTrue();
      Throwable dupN = catchThrowable(() -> await(c2.insert("things", new JsonObject().put("_id", "w").put("n", 2))));
      assertThat(Mongo.isDuplicateKey(dupN)).isTrue();
      await(c2.insert("things", new JsonObject().put("_id", "w").put("n", 4).put("opt", "a")));
      Throwable dupOpt = catchThrowable(() -> await(c2.insert("things", new JsonObject().put("_id", "v").put("n", 5).put("opt", "a"))));
      assertThat(Mongo.isDuplicateKey(dupOpt)).isTrue();
      // found through the index (a query naming exactly the indexed field) and after updates that move the key
      await(c2.updateCollection("things", new JsonObject().put("_id", "y"), new JsonObject().put("$set", new JsonObject().put("n", 20))));
      assertThat(await(c2.find("things", new JsonObject().put("n", 20)))).extracting(d -> d.getString("_id")).containsExactly("y");
      assertThat(await(c2.find("things", new JsonObject().put("n", 2)))).isEmpty();
      await(c2.insert("things", new JsonObject().put("_id", "u").put("n", 2))); // 2 is free again
      assertThat(await(c2.count("things", new JsonObject()))).isEqualTo(5);
    });
  }

  @Test
  void opening_trusts_built_indexes_even_empty_ones_instead_of_reading_every_document() {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    MongoClient c = client(db);
    await(c.createIndexWithOptions("things", new JsonObject().put("opt", 1),
        new IndexOptions().unique(true).sparse(true).name("opt_unique")));
    await(c.createIndexWithOptions("things", new JsonObject().put("k", 1).put("n", 1), new IndexOptions().name("secondary")));
    List<JsonObject> docs = new ArrayList<>();
    for (int i = 0; i < 50; i++) docs.add(new JsonObject().put("_id", "d" + i).put("k", i % 3));
    await(c.bulkWrite("things", docs.stream().map(io.vertx.ext.mongo.BulkOperation::createInsert).toList()));
    c.close();
    db.close();

    MVStore store = StoreFile.builder(dir.resolve(StoreFile.FILE), 16, (t, e) -> { }).open();
    try {
      assertThat(BsonDatabase.built(store).keySet())
          .as("each unique index is recorded as built, the empty sparse one too")
          .contains("index.crm.things._id_", "index.crm.things.opt_unique");
      MVMap<BsonKey, BsonKey> sparse = BsonDatabase.indexMap(store, "index.crm.things.opt_unique");
      assertThat(sparse.isEmpty()).isTrue();
      BsonUniqueIndex index = new BsonUniqueIndex(sparse, BsonDatabase.built(store), "opt_unique",
          List.of(new de.bwaldvogel.mongo.backend.IndexKey("opt", true)), true);
      assertThat(index.isEmpty()).as("an empty but built index is not rebuilt at open").isFalse();
    } finally {
      store.close();
    }
  }

  @Test
  void compaction_rewrites_mostly_dead_chunks_and_keeps_every_live_document() {
    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    try {
      MVStore store = ((BsonBackend) db.guard().current()).store();
      store.setRetentionTime(0); // chunks may be freed and rewritten at once (45 s and 5 versions after they died otherwise)
      store.setVersionsToKeep(0);
      MongoClient c = client(db);
      String text = "x".repeat(2_000);
      for (int batch = 0; batch < 20; batch++) {
        List<io.vertx.ext.mongo.BulkOperation> ops = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          // the kept ones are the last tenth of each batch: their pages stay where they are, in chunks 90% dead
          ops.add(io.vertx.ext.mongo.BulkOperation.createInsert(new JsonObject().put("_id", String.format("d%02d-%03d", batch, i))
              .put("keep", i >= 450).put("text", text)));
        }
        await(c.bulkWrite("things", ops));
        db.commit(); // one chunk per batch, as the group commit makes them
      }
      await(c.removeDocuments("things", new JsonObject().put("keep", false)));
      db.commit();
      int before = store.getFileStore().getChunksFillRate();
      assertThat(before).as("most of every chunk is dead").isLessThan(EmbeddedMongo.COMPACT_BELOW_FILL_PERCENT);
      db.compact();
      for (int i = 0; i < 50 && db.compact(); i++) { }
      assertThat(store.getFileStore().getChunksFillRate()).as("live share of the chunks after compaction (was %s%%)", before)
          .isGreaterThanOrEqualTo(EmbeddedMongo.COMPACT_BELOW_FILL_PERCENT);
      assertThat(await(c.count("things", new JsonObject()))).isEqualTo(1_000);
      c.close();
    } finally {
      db.close();
    }
    reopened(c -> {
      assertThat(await(c.count("things", new JsonObject().put("keep", true)))).isEqualTo(1_000);
      assertThat(await(c.findOne("things", new JsonObject().put("_id", "d19-490"), null)).getString("text")).hasSize(2_000);
    });
  }

  @Test
  void every_write_reaches_the_change_feed_with_the_document_before_and_after() {
    EmbeddedMongo db = EmbeddedMongo.memory();
    List<String> seen = new ArrayList<>();
    db.changes().add(new StoreChanges.Listener() {
      @Override
      public java.util.Set<String> namespaces() {
        return java.util.Set.of("crm.watched");
      }

      @Override
      public void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
        seen.add((before == null ? "-" : before.get("v")) + ">" + (after == null ? "-" : after.get("v")));
      }

      @Override
      public void reset() {
        seen.add("reset");
      }
    });
    try {
      MongoClient c = client(db);
      await(c.insert("watched", new JsonObject().put("_id", "a").put("v", 1)));
      await(c.insert("other", new JsonObject().put("_id", "a").put("v", 1)));
      await(c.updateCollection("watched", new JsonObject().put("_id", "a"), new JsonObject().put("$inc", new JsonObject().put("v", 1))));
      await(c.findOneAndReplace("watched", new JsonObject().put("_id", "a"), new JsonObject().put("v", 7)));
      await(c.removeDocument("watched", new JsonObject().put("_id", "a")));
      await(c.insert("watched", new JsonObject().put("_id", "b").put("v", 3)));
      await(c.dropCollection("watched")); // no news per document: listeners forget everything
      c.close();
      assertThat(seen).containsExactly("->1", "1>2", "2>7", "7>-", "->3", "reset");
    } finally {
      db.close();
    }
  }

  @Test
  void a_snapshot_holds_what_was_stored_when_its_listener_was_added_and_no_later_write() {
    EmbeddedMongo db = EmbeddedMongo.memory();
    try {
      MongoClient c = client(db);
      for (int i = 0; i < 100; i++) await(c.insert("snap", new JsonObject().put("_id", String.format("a%03d", i))));
      java.util.concurrent.atomic.AtomicInteger heard = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
      StoreChanges.Listener counting = new StoreChanges.Listener() {
        @Override
        public java.util.Set<String> namespaces() {
          return java.util.Set.of("crm.snap");
        }

        @Override
        public void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
          heard.incrementAndGet();
        }

        @Override
        public void reset() { }
      };
      db.changes().addWithSnapshot(counting, "crm.snap", new String[] {"_id"}, doc -> {
        if (read.getAndIncrement() == 0) {
          // writes while the snapshot is being read, placed after it in key order: the listener hears them, the
          // snapshot must not see them
          for (int i = 0; i < 50; i++) await(c.insert("snap", new JsonObject().put("_id", String.format("z%03d", i))));
        }
      });
      assertThat(read.get()).isEqualTo(100);
      assertThat(heard.get()).isEqualTo(50);
      c.close();
    } finally {
      db.close();
    }
  }

  @Test
  void a_data_directory_of_the_h2_backend_is_converted_once_with_its_indexes_and_kept_aside() throws Exception {
    // what the earlier build wrote: mongo-java-server's H2 backend, documents as Java-serialised objects
    H2Backend legacy = new H2Backend(dir.resolve(LegacyStore.FILE).toString());
    de.bwaldvogel.mongo.MongoServer server = new de.bwaldvogel.mongo.MongoServer(legacy);
    server.bind("127.0.0.1", 0);
    MongoClient old = MongoClient.create(vertx, new JsonObject()
        .put("connection_string", "mongodb://127.0.0.1:" + server.getLocalAddress().getPort()).put("db_name", "crm"));
    await(old.createIndexWithOptions("messages", new JsonObject().put("wamid", 1),
        new IndexOptions().unique(true).sparse(true).name("wamid_unique")));
    for (int i = 0; i < 1_200; i++) {
      await(old.insert("messages", new JsonObject().put("_id", String.format("m%04d", i)).put("wamid", "wamid." + i)
          .put("at", new JsonObject().put("$date", "2026-01-01T00:00:00.001Z")).put("n", i)));
    }
    await(old.insert("customers", new JsonObject().put("_id", "c1").put("firstName", "José")));
    old.close();
    server.shutdownNow();
    // a message the old backend doubled (the defect of the earlier build): written around its index
    MVStore raw = new MVStore.Builder().fileName(dir.resolve(LegacyStore.FILE).toString()).open();
    MVMap<Object, Object> data = raw.openMap("databases.crm.messages");
    data.put("m9999", new Document("_id", "m9999").append("wamid", "wamid.7").append("n", 7));
    raw.close();

    EmbeddedMongo db = EmbeddedMongo.h2(dir);
    try {
      assertThat(dir.resolve(LegacyStore.KEPT)).exists();
      assertThat(dir.resolve(LegacyStore.FILE)).doesNotExist();
      MongoClient c = client(db);
      assertThat(await(c.count("messages", new JsonObject()))).as("the double left out").isEqualTo(1_200);
      JsonObject m = await(c.findOne("messages", new JsonObject().put("wamid", "wamid.42"), null));
      assertThat(m.getInteger("n")).isEqualTo(42);
      assertThat(m.getJsonObject("at").getString("$date")).isEqualTo("2026-01-01T00:00:00.001Z");
      assertThat(await(c.findOne("customers", new JsonObject().put("_id", "c1"), null)).getString("firstName")).isEqualTo("José");
      Throwable dup = catchThrowable(() -> await(c.insert("messages", new JsonObject().put("_id", "new").put("wamid", "wamid.5"))));
      assertThat(Mongo.isDuplicateKey(dup)).as("the unique index came along: %s", dup).isTrue();
      c.close();
    } finally {
      db.close();
    }
    // once: the next start opens the new file and leaves the kept one alone
    reopened(c -> {
      assertThat(await(c.count("messages", new JsonObject()))).isEqualTo(1_200);
    });
  }
}
