package crm.storage;

import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds every unique index of the embedded store from its documents, before the backend opens the file: what is
 * done after an unclean stop (see {@link StoreFile}). One pass over each collection fills all of its unique indexes
 * (the engine's own build reads the collection twice per index: 40 s for a million messages against a few here).
 */
final class IndexRebuild {
  private static final Logger log = LoggerFactory.getLogger(IndexRebuild.class);
  private static final String INDEX_DEFINITIONS = "system.indexes";

  private IndexRebuild() {}

  /** Returns how many index maps were rebuilt. */
  static int run(MVStore store) {
    long started = System.nanoTime();
    MVMap<String, Object> built = BsonDatabase.built(store);
    built.clear();
    // namespace -> its unique indexes, from the definitions each database keeps in its system.indexes collection
    Map<String, List<BsonUniqueIndex>> byNamespace = new LinkedHashMap<>();
    int count = 0;
    for (String name : List.copyOf(store.getMapNames())) {
      if (!name.startsWith(BsonDatabase.DOCS) || !name.endsWith("." + INDEX_DEFINITIONS)) continue;
      for (byte[] bson : BsonDatabase.documents(store, name.substring(BsonDatabase.DOCS.length())).values()) {
        Document spec = BsonKey.Bson.decode(bson);
        String namespace = String.valueOf(spec.get("ns"));
        String mapName = BsonDatabase.INDEX + namespace + "." + spec.get("name");
        if (!store.hasMap(mapName)) continue; // a secondary index: nothing is kept for it
        MVMap<BsonKey, BsonKey> map = BsonDatabase.indexMap(store, mapName);
        map.clear();
        List<IndexKey> keys = new ArrayList<>();
        for (Map.Entry<String, Object> k : ((Document) spec.get("key")).entrySet()) {
          keys.add(new IndexKey(k.getKey(), !(k.getValue() instanceof Number n) || n.doubleValue() >= 0));
        }
        byNamespace.computeIfAbsent(namespace, n -> new ArrayList<>())
            .add(new BsonUniqueIndex(map, built, String.valueOf(spec.get("name")), keys, Boolean.TRUE.equals(spec.get("sparse"))));
        count++;
      }
    }
    long documents = 0;
    for (Map.Entry<String, List<BsonUniqueIndex>> ns : byNamespace.entrySet()) {
      if (!store.hasMap(BsonDatabase.DOCS + ns.getKey())) continue;
      for (Map.Entry<BsonKey, byte[]> e : BsonDatabase.documents(store, ns.getKey()).entrySet()) {
        Document document = BsonKey.Bson.decode(e.getValue());
        documents++;
        for (BsonUniqueIndex index : ns.getValue()) {
          if (!index.put(document, e.getKey())) {
            log.error("{}: document {} repeats a key of the unique index {}; the index keeps the first", ns.getKey(),
                document.get("_id"), index.getName());
          }
        }
      }
      ns.getValue().forEach(BsonUniqueIndex::markBuilt);
    }
    log.warn("Rebuilt {} unique indexes from {} documents in {} ms", count, documents,
        (System.nanoTime() - started) / 1_000_000);
    return count;
  }
}
