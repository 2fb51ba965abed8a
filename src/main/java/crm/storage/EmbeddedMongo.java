package crm.storage;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
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
  private final H2Store h2;
  private final MongoServer server;
  private final InetSocketAddress address;

  private EmbeddedMongo(GuardedBackend.Opener opener) {
    this.h2 = opener instanceof H2Store store ? store : null;
    this.backend = new GuardedBackend(opener);
    this.server = new MongoServer(backend);
    this.server.bind("127.0.0.1", 0);
    this.address = server.getLocalAddress();
  }

  /** Starts the H2-file backend under {@code dataDir} (data survives restarts). */
  public static EmbeddedMongo h2(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    EmbeddedMongo[] self = new EmbeddedMongo[1];
    // a failure of the store's own writing closes the store: have it reopened at once
    H2Store store = new H2Store(dataDir, (thread, err) -> {
      log.error("Embedded store background write failed: {}", err.toString());
      if (self[0] != null) self[0].backend.checkStore();
    });
    EmbeddedMongo db = new EmbeddedMongo(store);
    self[0] = db;
    log.info("Embedded MongoDB (H2 file {}) on {}", store.file(), db.connectionString());
    return db;
  }

  /** Starts the in-memory backend (tests, throw-away runs). */
  public static EmbeddedMongo memory() {
    EmbeddedMongo db = new EmbeddedMongo(GuardedBackend.opener(MemoryBackend::new, b -> false));
    log.info("Embedded MongoDB (in memory) on {}", db.connectionString());
    return db;
  }

  public String connectionString() {
    return "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  /** True when {@link #commit()} makes writes durable (the H2 backend); the memory backend has nothing to commit. */
  public boolean needsCommit() {
    return backend.current() instanceof H2Backend;
  }

  /**
   * Forces acknowledged writes to disk. Blocking. When the commit fails because the store closed (it closes itself on
   * a write it cannot complete), the store is reopened from its file and the caller gets the failure: what it waited
   * for is not known to be on disk.
   */
  public void commit() {
    if (backend.current() instanceof H2Backend current) {
      try {
        backend.commitExclusive(current::commit); // never in the middle of a command (see H2Store)
      } catch (RuntimeException e) {
        backend.checkStore();
        throw e;
      }
    }
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
      backend.close(); // the H2 backend commits what is left as it closes
    }
    if (h2 != null) h2.closedCleanly();
    log.info("Embedded MongoDB closed");
  }
}
