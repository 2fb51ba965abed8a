package crm.storage;

import de.bwaldvogel.mongo.MongoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-JVM MongoDB wire-protocol server used when no MONGO_URI is given. Clients connect to it over
 * loopback like to any MongoDB. All methods block: call them from Main or a worker thread.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedMongo.class);

  private final GuardedBackend backend;
  private final StoreChanges changes;
  private final StoreFile file;
  private final MongoServer server;
  private final InetSocketAddress address;

  private EmbeddedMongo(GuardedBackend.Opener opener, StoreChanges changes, int port) {
    this.changes = changes;
    this.file = opener instanceof StoreFile store ? store : null;
    this.backend = new GuardedBackend(opener);
    changes.snapshots(this::snapshot);
    this.server = new MongoServer(backend);
    this.server.bind("127.0.0.1", port); // loopback only; 0 = any free port
    this.address = server.getLocalAddress();
  }

  /**
   * See {@link StoreChanges#addWithSnapshot}. Under the commit lock, for an instant: {@code inside}, and a cursor over
   * the namespace's documents (MVStore's cursors read the tree as it was when they were made). The documents are then
   * read from that cursor with the lock released, so commands wait only for the instant, not for the read.
   */
  private void snapshot(String namespace, String[] fields, java.util.function.Consumer<java.util.Map<String, Object>> each,
      Runnable inside) {
    @SuppressWarnings("unchecked")
    java.util.Iterator<byte[]>[] cursor = new java.util.Iterator[1];
    backend.commitExclusive(() -> {
      inside.run(); // no command runs between this and the cursor below
      if (backend.current() instanceof BsonBackend b && b.store().hasMap(BsonDatabase.DOCS + namespace)) {
        cursor[0] = BsonDatabase.documents(b.store(), namespace).values().iterator();
      }
    });
    if (cursor[0] == null) return;
    byte[][] names = java.util.Arrays.stream(fields).map(f -> f.getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toArray(byte[][]::new);
    while (cursor[0].hasNext()) each.accept(BsonKey.Bson.decodeFields(cursor[0].next(), names));
  }

  /** The page cache of the file store unless configured ({@code STORE_CACHE_MB}). */
  public static final int DEFAULT_CACHE_MB = 256;

  /** Starts the file backend under {@code dataDir} (data survives restarts). */
  public static EmbeddedMongo h2(Path dataDir) {
    return h2(dataDir, DEFAULT_CACHE_MB, 0);
  }

  /**
   * Starts the file backend under {@code dataDir} with a page cache of {@code cacheMb}, listening on loopback
   * {@code port} (0: any free one; a fixed one lets other nodes of scripts/cluster use it).
   */
  public static EmbeddedMongo h2(Path dataDir, int cacheMb, int port) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    EmbeddedMongo[] self = new EmbeddedMongo[1];
    StoreChanges changes = new StoreChanges();
    // a failure of the store's own writing closes the store: have it reopened at once
    StoreFile store = new StoreFile(dataDir, cacheMb, changes, (thread, err) -> {
      log.error("Embedded store background write failed: {}", err.toString());
      if (self[0] != null) self[0].backend.checkStore();
    });
    EmbeddedMongo db = new EmbeddedMongo(store, changes, port);
    self[0] = db;
    log.info("Embedded MongoDB (file {}) on {}", store.file(), db.connectionString());
    return db;
  }

  /** Starts the same backend on memory only (tests, throw-away runs). */
  public static EmbeddedMongo memory() {
    return memory(0);
  }

  /** As {@link #memory()}, listening on loopback {@code port} (0: any free one). */
  public static EmbeddedMongo memory(int port) {
    StoreChanges changes = new StoreChanges();
    EmbeddedMongo db = new EmbeddedMongo(GuardedBackend.opener(() -> BsonBackend.inMemory(changes), b -> false), changes, port);
    log.info("Embedded MongoDB (in memory) on {}", db.connectionString());
    return db;
  }

  public String connectionString() {
    return "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  /** True when {@link #commit()} makes writes durable (the file backend); the memory backend has nothing to commit. */
  public boolean needsCommit() {
    return backend.current() instanceof BsonBackend b && b.persistent();
  }

  /** Where to hear of every write (see {@link StoreChanges}). */
  public StoreChanges changes() {
    return changes;
  }

  /**
   * Forces acknowledged writes to disk: commits them and syncs the file. Blocking. When the commit fails because the
   * store closed (it closes itself on a write it cannot complete), the store is reopened from its file and the caller
   * gets the failure: what it waited for is not known to be on disk.
   */
  public void commit() {
    commit(true);
  }

  /** As {@link #commit()}; without {@code fsync} what it holds survives the process being killed, not the machine. */
  public void commit(boolean fsync) {
    if (backend.current() instanceof BsonBackend current && current.persistent()) {
      try {
        backend.commitExclusive(current::commit); // never in the middle of a command (see StoreFile)
        // MVStore's commit only writes the file: without this, an operating-system crash or a power cut could lose
        // what was acknowledged. Outside the lock: commands go on while the disk syncs.
        if (fsync) current.store().sync();
      } catch (RuntimeException e) {
        backend.checkStore();
        throw e;
      }
    }
  }

  /** Below this share of live data in the file's chunks, {@link #compact} rewrites some of it. */
  static final int COMPACT_BELOW_FILL_PERCENT = 60;
  /** How much {@link #compact} rewrites at most per call (it holds the commit lock meanwhile). */
  static final int COMPACT_WRITE_BYTES = 16 << 20;

  /**
   * Gives back the file space of mostly-dead chunks, as MVStore's background writer would: that writer also commits, so
   * the commit rule turns it off (see {@link StoreFile}). Commits free the chunks that are wholly dead (once MVStore no
   * longer keeps them: 45 s, 5 versions); a chunk with a few live pages stays until they are moved. So this frees what
   * it can, then, when less than {@value #COMPACT_BELOW_FILL_PERCENT}% of the chunks is live, rewrites up to
   * {@value #COMPACT_WRITE_BYTES} bytes of live pages out of the emptiest. Runs under the commit lock, like a commit,
   * and ends with one. Blocking. Returns whether it rewrote anything.
   */
  public boolean compact() {
    if (!(backend.current() instanceof BsonBackend current) || !current.persistent()) return false;
    org.h2.mvstore.MVStore store = current.store();
    boolean[] rewrote = new boolean[1];
    long started = System.nanoTime();
    try {
      backend.commitExclusive(() -> {
        store.getFileStore().dropUnusedChunks();
        if (store.getFileStore().getChunksFillRate() < COMPACT_BELOW_FILL_PERCENT) {
          rewrote[0] = store.compact(COMPACT_BELOW_FILL_PERCENT, COMPACT_WRITE_BYTES);
        }
        store.commit();
      });
    } catch (RuntimeException e) {
      backend.checkStore();
      throw e;
    }
    log.debug("compacted the store file in {} ms (chunks {}% live, {} MB)", (System.nanoTime() - started) / 1_000_000,
        store.getFileStore().getChunksFillRate(), store.getFileStore().size() >> 20);
    return rewrote[0];
  }

  /** The guard in front of the backend: its state, and the backend serving now. */
  public GuardedBackend guard() {
    return backend;
  }

  @Override
  public void close() {
    try {
      server.shutdownNow();
    } finally {
      backend.close(); // the file backend commits what is left as it closes
    }
    if (file != null) file.closedCleanly();
    log.info("Embedded MongoDB closed");
  }
}
