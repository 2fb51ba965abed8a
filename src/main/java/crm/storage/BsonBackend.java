package crm.storage;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.Utils;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's backend for mongo-java-server: its wire protocol and query engine over an MVStore whose maps
 * keep BSON ({@link BsonTypes}). See {@link StoreFile} for how the file is opened and committed.
 */
public final class BsonBackend extends AbstractMongoBackend {
  private static final Logger log = LoggerFactory.getLogger(BsonBackend.class);
  private final MVStore store;
  private final StoreChanges changes;

  BsonBackend(MVStore store, StoreChanges changes) {
    this.store = store;
    this.changes = changes;
    store.getMapNames().stream()
        .filter(name -> name.startsWith(BsonDatabase.DOCS))
        .map(name -> Utils.firstFragment(name.substring(BsonDatabase.DOCS.length())))
        .distinct()
        .forEach(this::resolveDatabase);
  }

  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    log.debug("opening database {}", databaseName);
    return new BsonDatabase(databaseName, store, getCursorRegistry(), changes);
  }

  /** An in-memory store of the same kind (tests, throw-away runs): nothing survives the process. */
  static BsonBackend inMemory(StoreChanges changes) {
    return new BsonBackend(new MVStore.Builder().autoCommitDisabled().open(), changes);
  }

  MVStore store() {
    return store;
  }

  /** Whether commits reach a file (false in memory: nothing to commit). */
  boolean persistent() {
    return store.getFileStore() != null;
  }

  /** Persists every change made so far (the caller makes sure no command is half done: see {@link StoreFile}). */
  public void commit() {
    store.commit();
  }

  @Override
  public void close() {
    super.close();
    store.close();
  }

  @Override
  public String toString() {
    return "BsonBackend[" + (store.getFileStore() == null ? "in memory" : store.getFileStore().getFileName()) + "]";
  }
}
