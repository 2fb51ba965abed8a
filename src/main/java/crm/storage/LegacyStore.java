package crm.storage;

import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a data directory written by an earlier build over to this one: the H2 backend's file ({@value #FILE}, whose
 * documents are Java-serialised objects) is read once, every collection with its unique indexes is written into a new
 * {@value StoreFile#FILE}, and the old file is kept beside it as {@value #KEPT} (delete it when satisfied).
 *
 * <p>The conversion writes into a temporary file and renames it into place only when it is complete, so a conversion
 * that is interrupted (a kill, a full disk) starts again at the next start from the untouched old file. A document the
 * old file holds twice under one unique key (an earlier build could double a message after a kill -9) is kept once;
 * the rest are counted and their ids logged.
 */
final class LegacyStore {
  private static final Logger log = LoggerFactory.getLogger(LegacyStore.class);
  static final String FILE = "crm.mv.db";
  static final String KEPT = "crm.mv.db.migrated";
  private static final String DATA = "databases.";
  private static final String INDEXES = "system.indexes";
  private static final int BATCH = 1000;
  private static final int COMMIT_EVERY = 10_000; // bounds memory, and keeps chunks small enough for the periodic compaction

  private LegacyStore() {}

  /** Converts {@code dataDir/crm.mv.db} into {@code target} when there is one. Blocking. */
  static void migrateIfPresent(Path dataDir, Path target, int cacheMb) {
    Path legacy = dataDir.resolve(FILE);
    if (!Files.exists(legacy) || Files.exists(target)) return;
    Path partial = target.resolveSibling(target.getFileName() + ".converting");
    long started = System.nanoTime();
    log.warn("Converting the embedded database {} (written by an earlier build) into {}: once, at this start", legacy,
        target);
    Counts counts;
    try {
      Files.deleteIfExists(partial);
      counts = convert(legacy, partial, cacheMb);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      Files.move(legacy, dataDir.resolve(KEPT), StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(dataDir.resolve(FILE + ".open"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot convert " + legacy, e);
    }
    log.warn("Converted the embedded database: {} documents in {} collections, {} indexes, {} document(s) left out "
            + "(logged above), in {} s; the old file is kept as {} (delete it when satisfied)", counts.documents, counts.collections,
        counts.indexes, counts.duplicates, (System.nanoTime() - started) / 1_000_000_000, dataDir.resolve(KEPT));
  }

  private static final class Counts {
    long documents;
    long duplicates;
    int collections;
    int indexes;
  }

  private static Counts convert(Path legacy, Path partial, int cacheMb) {
    Counts counts = new Counts();
    MVStore old = new MVStore.Builder().fileName(legacy.toString()).readOnly().open();
    MVStore fresh = StoreFile.builder(partial, cacheMb, (t, e) -> log.error("conversion: {}", e.toString())).open();
    BsonBackend backend = new BsonBackend(fresh, new StoreChanges());
    EmbeddedChannel channel = new EmbeddedChannel();
    try {
      // namespace -> its data map, e.g. crm.messages -> databases.crm.messages
      Map<String, String> collections = new TreeMap<>();
      for (String name : old.getMapNames()) {
        if (!name.startsWith(DATA)) continue;
        String namespace = name.substring(DATA.length());
        String collection = namespace.substring(namespace.indexOf('.') + 1);
        if (!collection.startsWith("system.")) collections.put(namespace, name);
      }
      long sinceCommit = 0;
      for (Map.Entry<String, String> c : collections.entrySet()) {
        String database = Utils.firstFragment(c.getKey());
        String collection = c.getKey().substring(database.length() + 1);
        command(backend, channel, database, "create", new Document("create", collection));
        counts.collections++;
        List<Document> specs = indexSpecs(old, database, c.getKey());
        if (!specs.isEmpty()) {
          command(backend, channel, database, "createIndexes",
              new Document("createIndexes", collection).append("indexes", specs));
          counts.indexes += specs.size();
        }
        MVMap<Object, Object> data = old.openMap(c.getValue());
        List<Document> batch = new ArrayList<>(BATCH);
        for (Object value : data.values()) {
          batch.add((Document) value);
          if (batch.size() == BATCH) {
            insert(backend, channel, database, collection, batch, counts);
            sinceCommit += batch.size();
            batch = new ArrayList<>(BATCH);
          }
          if (sinceCommit >= COMMIT_EVERY) { // bounds the memory the unwritten pages take
            backend.commit();
            sinceCommit = 0;
          }
        }
        if (!batch.isEmpty()) insert(backend, channel, database, collection, batch, counts);
        log.info("converted {}: {} documents", c.getKey(), data.sizeAsLong());
      }
      backend.commit();
    } finally {
      channel.close();
      backend.close(); // commits and closes the new file
      old.close();
    }
    return counts;
  }

  /** The unique and secondary index definitions the old file kept for a namespace (all but {@code _id_}). */
  private static List<Document> indexSpecs(MVStore old, String database, String namespace) {
    String map = DATA + database + "." + INDEXES;
    if (!old.hasMap(map)) return List.of();
    List<Document> specs = new ArrayList<>();
    for (Object value : old.<Object, Object>openMap(map).values()) {
      Document spec = (Document) value;
      if (!namespace.equals(spec.get("ns")) || "_id_".equals(spec.get("name"))) continue;
      Document copy = new Document(spec);
      copy.remove("ns");
      copy.remove("v");
      specs.add(copy);
    }
    return specs;
  }

  private static void insert(BsonBackend backend, EmbeddedChannel channel, String database, String collection,
      List<Document> batch, Counts counts) {
    Document result = backend.handleCommand(channel, database, "insert",
        new Document("insert", collection).append("documents", batch).append("ordered", false));
    Object errors = result.get("writeErrors");
    int failed = errors instanceof List<?> list ? list.size() : 0;
    if (failed > 0) {
      for (Object error : (List<?>) errors) {
        Document e = (Document) error;
        Object index = e.get("index");
        Object id = index instanceof Number n ? batch.get(n.intValue()).get("_id") : null;
        log.warn("conversion: {}.{} document {} left out: {}", database, collection, id, e.get("errmsg"));
      }
    }
    counts.documents += batch.size() - failed;
    counts.duplicates += failed;
  }

  private static void command(BsonBackend backend, EmbeddedChannel channel, String database, String name, Document cmd) {
    Document result = backend.handleCommand(channel, database, name, cmd);
    Object ok = result.get("ok");
    if (!(ok instanceof Number n) || n.doubleValue() != 1.0) {
      throw new IllegalStateException("conversion: " + name + " on " + database + " failed: " + result);
    }
  }
}
