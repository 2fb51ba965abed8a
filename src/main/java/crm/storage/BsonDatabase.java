package crm.storage;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractSynchronizedMongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.EmptyIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.util.List;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * A database of the embedded store. Its maps, per collection {@code <db>.<collection>}: {@code docs.<ns>} (the
 * documents), {@code meta.<ns>} (the data size) and {@code index.<ns>.<index>} (each unique index); and one map
 * {@value #BUILT} naming the index maps that are complete.
 */
final class BsonDatabase extends AbstractSynchronizedMongoDatabase<BsonKey> {
  static final String DOCS = "docs.";
  static final String META = "meta.";
  static final String INDEX = "index.";
  static final String BUILT = "indexes.built";

  private final MVStore store;
  private final StoreChanges changes;

  BsonDatabase(String name, MVStore store, CursorRegistry cursors, StoreChanges changes) {
    super(name, cursors);
    this.store = store;
    this.changes = changes;
    initializeNamespacesAndIndexes();
  }

  static MVMap<BsonKey, byte[]> documents(MVStore store, String namespace) {
    return store.openMap(DOCS + namespace, new MVMap.Builder<BsonKey, byte[]>()
        .keyType(BsonTypes.KEY).valueType(BsonTypes.DOCUMENT));
  }

  static MVMap<BsonKey, BsonKey> index(MVStore store, String namespace, String indexName) {
    return indexMap(store, INDEX + namespace + "." + indexName);
  }

  static MVMap<BsonKey, BsonKey> indexMap(MVStore store, String mapName) {
    return store.openMap(mapName, new MVMap.Builder<BsonKey, BsonKey>().keyType(BsonTypes.KEY).valueType(BsonTypes.KEY));
  }

  static MVMap<String, Object> built(MVStore store) {
    return store.openMap(BUILT);
  }

  private static MVMap<String, Object> meta(MVStore store, String namespace) {
    return store.openMap(META + namespace);
  }

  @Override
  protected MongoCollection<BsonKey> openOrCreateCollection(String collectionName, CollectionOptions options) {
    String ns = getFullCollectionNamespace(collectionName);
    return new BsonCollection(this, collectionName, options, documents(store, ns), meta(store, ns), cursorRegistry,
        changes);
  }

  @Override
  protected Index<BsonKey> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
      boolean sparse) {
    return new BsonUniqueIndex(index(store, getFullCollectionNamespace(collectionName), indexName), built(store),
        indexName, keys, sparse);
  }

  /**
   * mongo-java-server keeps no secondary (non-unique) index: the engine scans instead. Its placeholder reports itself
   * empty, which made the engine read every document of the collection twice per such index at each start, to fill an
   * index that keeps nothing (the H2 backend's 60 to 90 s of opening a database of a million messages). This one
   * says it is built.
   */
  @Override
  protected Index<BsonKey> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys,
      boolean sparse) {
    return new EmptyIndex<>(indexName, keys) {
      @Override
      public boolean isEmpty() {
        return false;
      }
    };
  }

  @Override
  protected void dropIndex(MongoCollection<BsonKey> collection, String indexName) {
    super.dropIndex(collection, indexName);
    String map = INDEX + getFullCollectionNamespace(collection.getCollectionName()) + "." + indexName;
    store.removeMap(map);
    built(store).remove(map);
  }

  @Override
  public void dropCollection(String collectionName, Oplog oplog) {
    super.dropCollection(collectionName, oplog);
    removeMaps(getFullCollectionNamespace(collectionName));
    changes.reset(); // a whole collection went at once: no document-by-document news of it
  }

  @Override
  public void drop(Oplog oplog) {
    super.drop(oplog);
    changes.reset();
    for (String name : List.copyOf(store.getMapNames())) {
      if (name.startsWith(DOCS + databaseName + ".") || name.startsWith(META + databaseName + ".")
          || name.startsWith(INDEX + databaseName + ".")) {
        store.removeMap(name);
        built(store).remove(name);
      }
    }
  }

  private void removeMaps(String namespace) {
    for (String name : List.copyOf(store.getMapNames())) {
      if (name.equals(DOCS + namespace) || name.equals(META + namespace) || name.startsWith(INDEX + namespace + ".")) {
        store.removeMap(name);
        built(store).remove(name);
      }
    }
  }

  @Override
  public void moveCollection(MongoDatabase oldDatabase, MongoCollection<?> collection, String newCollectionName) {
    super.moveCollection(oldDatabase, collection, newCollectionName);
    changes.reset();
    String from = collection.getFullName();
    String to = getFullCollectionNamespace(newCollectionName);
    for (String name : List.copyOf(store.getMapNames())) {
      String renamed = name.equals(DOCS + from) ? DOCS + to
          : name.equals(META + from) ? META + to
          : name.startsWith(INDEX + from + ".") ? INDEX + to + name.substring((INDEX + from).length())
          : null;
      if (renamed != null) {
        store.renameMap(store.openMap(name), renamed);
        if (built(store).remove(name) != null) built(store).put(renamed, 1L);
      }
    }
  }

  @Override
  protected long getStorageSize() {
    FileStore<?> file = store.getFileStore();
    return file == null ? 0 : file.size();
  }

  @Override
  protected long getFileSize() {
    return getStorageSize();
  }
}
