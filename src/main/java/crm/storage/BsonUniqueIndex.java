package crm.storage;

import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map.Entry;
import org.h2.mvstore.MVMap;

/**
 * A unique index of the embedded store: a map from the BSON of the indexed values to the document's position. The
 * engine hands in normalised values (see {@link BsonKey}), so a lookup is one B-tree search comparing bytes (the H2
 * backend compared its keys by Java-serialising both sides of every comparison).
 */
final class BsonUniqueIndex extends AbstractUniqueIndex<BsonKey> {
  private final MVMap<BsonKey, BsonKey> map;
  private final MVMap<String, Object> built;

  /** {@code built}: the names of the index maps that hold every document's keys (see {@link #isEmpty}). */
  BsonUniqueIndex(MVMap<BsonKey, BsonKey> map, MVMap<String, Object> built, String name, List<IndexKey> keys,
      boolean sparse) {
    super(name, keys, sparse);
    this.map = map;
    this.built = built;
  }

  String mapName() {
    return map.getName();
  }

  /** Empties the index (to be rebuilt): no longer built. */
  void clear() {
    built.remove(map.getName());
    map.clear();
  }

  /**
   * Whether the index holds a document's keys, pointing to it: the number of its keys when it does (0 for a document
   * a sparse index leaves out), -1 when a key is missing or points elsewhere.
   */
  int check(Document document, BsonKey position) {
    KeyValue simple = simpleKey(document);
    if (simple != null) return position.equals(getPosition(simple)) ? 1 : -1;
    if (skips(document)) return 0;
    int n = 0;
    for (KeyValue key : getKeyValues(document)) {
      if (!position.equals(getPosition(key))) return -1;
      n++;
    }
    return n;
  }

  /** Records that this index holds the keys of every document of its collection. */
  void markBuilt() {
    built.put(map.getName(), 1L);
  }

  /** Whether a document has none of the indexed fields (a sparse index leaves it out). */
  boolean skips(Document document) {
    return isSparse() && keys().stream().allMatch(k -> Utils.getSubdocumentValueCollectionAware(document, k) instanceof Missing);
  }

  /** Adds a document's keys without the engine's checks (the rebuild after an unclean stop); false on a duplicate. */
  boolean put(Document document, BsonKey position) {
    KeyValue simple = simpleKey(document);
    if (simple != null) return putKeyPosition(simple, position);
    if (skips(document)) return true;
    boolean unique = true;
    for (KeyValue key : getKeyValues(document)) unique &= putKeyPosition(key, position);
    return unique;
  }

  /**
   * The key of a document whose indexed fields are top-level and not arrays (every index of this application), as the
   * engine's {@code getKeyValues} would make it, without its general path walk; null when that walk is needed or
   * when a sparse index skips the document.
   */
  private KeyValue simpleKey(Document document) {
    List<String> fields = keys();
    List<Object> values = new java.util.ArrayList<>(fields.size());
    boolean any = false;
    for (String f : fields) {
      if (f.indexOf('.') >= 0) return null;
      Object v = document.containsKey(f) ? document.get(f) : Missing.getInstance();
      if (v instanceof java.util.Collection) return null;
      any |= !(v instanceof Missing);
      values.add(v);
    }
    if (!any && isSparse()) return null;
    return new KeyValue(values).normalized();
  }

  @Override
  protected BsonKey removeDocument(KeyValue keyValue) {
    return map.remove(BsonKey.of(keyValue));
  }

  @Override
  protected boolean putKeyPosition(KeyValue keyValue, BsonKey position) {
    return map.putIfAbsent(BsonKey.of(keyValue), position) == null;
  }

  @Override
  protected BsonKey getPosition(KeyValue keyValue) {
    return map.get(BsonKey.of(keyValue));
  }

  @Override
  protected Iterable<Entry<KeyValue, BsonKey>> getIterable() {
    return () -> {
      Iterator<Entry<BsonKey, BsonKey>> it = map.entrySet().iterator();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Entry<KeyValue, BsonKey> next() {
          Entry<BsonKey, BsonKey> e = it.next();
          return new AbstractMap.SimpleImmutableEntry<>(e.getKey().keyValue(), e.getValue());
        }
      };
    };
  }

  /**
   * Also a query that names every key of this index with a plain value beside conditions on other fields ({@code {_id:
   * x, claimToken: t}}, {@code {_id: x, $or: [...]}}): only the document of that key can match, so it is looked up
   * here and the engine then matches the whole query against it, as MongoDB does. The engine's own rule takes an index
   * only for a query on exactly its keys, so every conditional update by id scanned the whole collection.
   */
  @Override
  public synchronized boolean canHandle(Document query) {
    if (super.canHandle(query)) return true;
    Document keysOnly = keysOnly(query);
    return keysOnly != null && super.canHandle(keysOnly);
  }

  @Override
  public synchronized Iterable<BsonKey> getPositions(Document query) {
    if (!query.keySet().equals(keySet())) {
      Document keysOnly = keysOnly(query);
      if (keysOnly != null) return super.getPositions(keysOnly);
    }
    return super.getPositions(query);
  }

  /** The query's values of this index's keys when it has them all, each a plain value (not an operator, list or null). */
  private Document keysOnly(Document query) {
    if (!query.keySet().containsAll(keySet())) return null;
    Document out = new Document();
    for (String key : keys()) {
      Object v = query.get(key);
      if (v == null || v instanceof Document || v instanceof java.util.Collection || v instanceof java.util.regex.Pattern
          || de.bwaldvogel.mongo.bson.BsonRegularExpression.isRegularExpression(v)) {
        return null;
      }
      out.put(key, v);
    }
    return out;
  }

  @Override
  public long getCount() {
    return map.sizeAsLong();
  }

  /**
   * Empty means "not built yet" to the engine, which then reads the whole collection twice to fill it, at every start.
   * A unique index can be empty and built (a sparse index no document has the fields of), so being built is recorded
   * ({@link #markBuilt}) in the same commit as what it was built from.
   */
  @Override
  public boolean isEmpty() {
    return map.isEmpty() && !built.containsKey(map.getName());
  }

  @Override
  public long getDataSize() {
    return getCount();
  }
}
