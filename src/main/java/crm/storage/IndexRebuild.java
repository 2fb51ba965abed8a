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
 * Makes every unique index of the embedded store match its documents, before the backend opens the file: what is
 * done after an unclean stop (see {@link StoreFile}). One pass over each collection checks all of its unique indexes
 * (each document's keys present and pointing to it, and no other entries); an index that does not match is emptied
 * and rebuilt from the documents. Checking reads; rebuilding all of them rewrote every index page (on a million
 * messages: 14 s to rebuild, against about half of that to check).
 */
final class IndexRebuild {
  private static final Logger log = LoggerFactory.getLogger(IndexRebuild.class);
  private static final String INDEX_DEFINITIONS = "system.indexes";
  private static final int COMMIT_EVERY = 10_000; // small chunks, which the periodic compaction can rewrite

  private IndexRebuild() {}

  /** Returns how many index maps had to be rebuilt (0 when every one matched its documents). */
  static int run(MVStore store) {
    long started = System.nanoTime();
    MVMap<String, Object> built = BsonDatabase.built(store);
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
        List<IndexKey> keys = new ArrayList<>();
        for (Map.Entry<String, Object> k : ((Document) spec.get("key")).entrySet()) {
          keys.add(new IndexKey(k.getKey(), !(k.getValue() instanceof Number n) || n.doubleValue() >= 0));
        }
        byNamespace.computeIfAbsent(namespace, n -> new ArrayList<>()).add(new BsonUniqueIndex(
            BsonDatabase.indexMap(store, mapName), built, String.valueOf(spec.get("name")), keys,
            Boolean.TRUE.equals(spec.get("sparse"))));
        count++;
      }
    }
    // check, in one pass over each collection reading only the indexed fields: every document's keys are in each
    // index, pointing to it, and each index holds nothing else (as many entries as keys were expected). Reading is far
    // cheaper than rewriting every index. (Checking the indexes in parallel, one pass each, was slower: more reads.)
    long documents = 0;
    List<BsonUniqueIndex> wrong = new ArrayList<>();
    for (Map.Entry<String, List<BsonUniqueIndex>> ns : byNamespace.entrySet()) {
      List<BsonUniqueIndex> indexes = ns.getValue();
      long[] expected = new long[indexes.size()];
      boolean[] mismatch = new boolean[indexes.size()];
      byte[][] fields = fields(indexes);
      if (store.hasMap(BsonDatabase.DOCS + ns.getKey())) {
        for (Map.Entry<BsonKey, byte[]> e : BsonDatabase.documents(store, ns.getKey()).entrySet()) {
          Document document = BsonKey.Bson.decodeFields(e.getValue(), fields);
          documents++;
          for (int i = 0; i < indexes.size(); i++) {
            if (mismatch[i]) continue;
            int found = indexes.get(i).check(document, e.getKey());
            if (found < 0) mismatch[i] = true;
            else expected[i] += found;
          }
        }
      }
      for (int i = 0; i < indexes.size(); i++) {
        if (mismatch[i] || indexes.get(i).getCount() != expected[i]) wrong.add(indexes.get(i));
        else indexes.get(i).markBuilt();
      }
    }
    long checked = System.nanoTime();
    for (BsonUniqueIndex index : wrong) rebuild(store, index);
    log.warn("Checked {} unique indexes against {} documents in {} ms; {} did not match and were rebuilt{}", count,
        documents, (checked - started) / 1_000_000, wrong.size(),
        wrong.isEmpty() ? "" : " (" + wrong.stream().map(BsonUniqueIndex::mapName).toList() + ", "
            + (System.nanoTime() - checked) / 1_000_000 + " ms)");
    return wrong.size();
  }

  /** The top-level fields the indexes read (a dotted key needs its first part), as UTF-8. */
  private static byte[][] fields(List<BsonUniqueIndex> indexes) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    for (BsonUniqueIndex index : indexes) {
      for (IndexKey k : index.getKeys()) names.add(k.getKey().split("\\.", 2)[0]);
    }
    return names.stream().map(n -> n.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  /** Empties an index and fills it from its collection's documents. */
  static void rebuild(MVStore store, BsonUniqueIndex index) {
    String mapName = index.mapName();
    String namespace = mapName.substring(BsonDatabase.INDEX.length(), mapName.length() - index.getName().length() - 1);
    index.clear();
    long sinceCommit = 0;
    byte[][] fields = fields(List.of(index));
    if (store.hasMap(BsonDatabase.DOCS + namespace)) {
      for (Map.Entry<BsonKey, byte[]> e : BsonDatabase.documents(store, namespace).entrySet()) {
        Document document = BsonKey.Bson.decodeFields(e.getValue(), fields);
        if (!index.put(document, e.getKey())) {
          log.error("{}: document {} repeats a key of the unique index {}; the index keeps the first", namespace,
              document.get("_id"), index.getName());
        }
        if (++sinceCommit == COMMIT_EVERY) {
          // bounds the unwritten pages held in memory; a crash now finds the marker and checks again
          store.commit();
          sinceCommit = 0;
        }
      }
    }
    index.markBuilt();
  }
}
