package crm.storage;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.wire.message.MongoMessage;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import io.netty.channel.Channel;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands between the embedded server's wire protocol and its storage backend so that one command can only ever fail
 * itself, never the store:
 * <ul>
 *   <li>A command nested deeper than {@link #MAX_DEPTH} levels is refused before it reaches the backend, as MongoDB
 *   refuses documents nested over 100 levels (code 15, Overflow). The H2 backend of earlier builds kept documents
 *   Java-serialised and serialised them when it committed: a document 600 levels deep overflowed the committing
 *   thread's stack, the MVStore treated that as a panic and closed itself, and every later command failed until a
 *   restart. Documents are now encoded as BSON by the command that writes them ({@link BsonCollection}), so depth
 *   can only fail that command, but the limit stays: it is MongoDB's.</li>
 *   <li>A command that still overflows the stack or throws anything unexpected is answered with an error (code 1,
 *   InternalError) instead of escaping into the connection.</li>
 *   <li>When the store has closed anyway (a failed commit, a disk error), commands that need it are answered
 *   ShutdownInProgress (91), so {@code /ready} says 503, and the store is reopened from its file on a thread of its
 *   own. Every write acknowledged as durable was committed before its acknowledgement, so it is in the file; the
 *   handshake commands keep being answered meanwhile so clients stay connected.</li>
 * </ul>
 */
public final class GuardedBackend implements MongoBackend {
  private static final Logger log = LoggerFactory.getLogger(GuardedBackend.class);

  /** MongoDB's limit for a stored document is 100 levels; a command wraps its documents in a few more. */
  public static final int MAX_DEPTH = 108;
  private static final int OVERFLOW = 15;
  private static final int INTERNAL_ERROR = 1;
  private static final int SHUTDOWN_IN_PROGRESS = 91;
  /** Commands that never touch the store: answered even while it is being reopened, so clients keep their connection. */
  private static final Set<String> HANDSHAKE = Set.of("hello", "ismaster", "buildinfo", "whatsmyuri", "getlasterror",
      "endsessions", "saslstart", "getfreemonitoringstatus");

  /** Opens the backend (again) and tells whether the store under it has closed. */
  public interface Opener {
    MongoBackend open();

    boolean isClosed(MongoBackend backend);
  }

  private final Opener opener;
  private final ExecutorService reopener = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "embedded-store-reopen");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean reopening = new AtomicBoolean();
  /** Commands hold the read side, commits (and the swap of a reopened store) the write side: see {@link StoreFile}. */
  private final ReentrantReadWriteLock commitLock = new ReentrantReadWriteLock();
  private volatile MongoBackend current;
  private volatile boolean closed;
  private volatile int reopens;

  public GuardedBackend(Opener opener) {
    this.opener = opener;
    this.current = opener.open();
  }

  /** The backend serving now (it changes when the store is reopened). */
  public MongoBackend current() {
    return current;
  }

  /** How often the store was reopened since start. */
  public int reopens() {
    return reopens;
  }

  /** True while the store is closed and not yet reopened. */
  public boolean unavailable() {
    return reopening.get() || opener.isClosed(current);
  }

  /**
   * Checks the store after something went wrong with it (a failed commit): when it has closed, reopening starts.
   * Returns whether it was closed.
   */
  public boolean checkStore() {
    MongoBackend backend = current;
    if (closed || !opener.isClosed(backend)) return false;
    if (reopening.compareAndSet(false, true)) {
      log.error("The embedded store has closed itself; reopening it from its file (durable writes are kept)");
      reopener.execute(() -> reopen(backend));
    }
    return true;
  }

  private void reopen(MongoBackend old) {
    try {
      try {
        commitExclusive(old::close);
      } catch (RuntimeException e) {
        log.debug("closing the failed store: {}", e.toString());
      }
      long started = System.nanoTime();
      MongoBackend fresh = null;
      for (int attempt = 1; fresh == null && !closed; attempt++) {
        try {
          fresh = opener.open();
        } catch (RuntimeException e) {
          log.error("Reopening the embedded store failed (attempt {}): {}", attempt, e.toString());
          sleepQuietly(Math.min(5_000, 200L * attempt));
        }
      }
      if (fresh == null) return;
      current = fresh;
      reopens++;
      log.warn("The embedded store is open again after {} ms", (System.nanoTime() - started) / 1_000_000);
    } finally {
      reopening.set(false);
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- the guarded entry points

  @Override
  public Document handleMessage(MongoMessage message) {
    Document doc = message.getDocument();
    String command = doc == null || doc.isEmpty() ? "" : doc.keySet().iterator().next();
    return guard(command, doc, () -> current.handleMessage(message));
  }

  @Override
  public Document handleCommand(Channel channel, String database, String command, Document query) {
    return guard(command, query, () -> current.handleCommand(channel, database, command, query));
  }

  @Override
  public QueryResult handleQuery(MongoQuery query) {
    return guard("find", query.getQuery(), () -> current.handleQuery(query));
  }

  private <T> T guard(String command, Document doc, Supplier<T> call) {
    boolean handshake = HANDSHAKE.contains(command.toLowerCase(Locale.ROOT));
    if (!handshake) {
      if (unavailable()) {
        checkStore();
        throw new MongoServerError(SHUTDOWN_IN_PROGRESS, "ShutdownInProgress",
            "the embedded store closed and is being reopened");
      }
      if (doc != null && tooDeep(doc, MAX_DEPTH)) {
        throw new MongoServerError(OVERFLOW, "Overflow",
            "BSONObj exceeds maximum nested object depth: " + MAX_DEPTH + " (command " + command + ")");
      }
    }
    Lock lock = handshake ? null : commitLock.readLock();
    if (lock != null) lock.lock();
    try {
      return call.get();
    } catch (StackOverflowError e) {
      throw new MongoServerError(INTERNAL_ERROR, "InternalError", "command " + command + " is too complex (stack overflow)");
    } catch (MongoServerError e) {
      throw e;
    } catch (RuntimeException e) {
      if (!handshake && checkStore()) {
        throw new MongoServerError(SHUTDOWN_IN_PROGRESS, "ShutdownInProgress",
            "the embedded store closed and is being reopened");
      }
      throw e;
    } finally {
      if (lock != null) lock.unlock();
    }
  }

  /** Runs a commit while no command runs, so that it holds whole commands only. */
  public void commitExclusive(Runnable commit) {
    commitLock.writeLock().lock();
    try {
      commit.run();
    } finally {
      commitLock.writeLock().unlock();
    }
  }

  /** Whether any path in the value is deeper than {@code max} documents or arrays (iterative: no recursion to overflow). */
  static boolean tooDeep(Object root, int max) {
    java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
    stack.push(new Object[] {root, 1});
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      int depth = (Integer) top[1];
      Iterable<?> children;
      if (top[0] instanceof Map<?, ?> map) children = map.values();
      else if (top[0] instanceof Collection<?> list) children = list;
      else continue;
      if (depth > max) return true;
      for (Object child : children) {
        if (child instanceof Map || child instanceof Collection) stack.push(new Object[] {child, depth + 1});
      }
    }
    return false;
  }

  // ---- the rest delegates

  @Override
  public void handleClose(Channel channel) {
    try {
      current.handleClose(channel);
    } catch (RuntimeException e) {
      log.debug("handleClose: {}", e.toString());
    }
  }

  @Override
  public void dropDatabase(String database) {
    current.dropDatabase(database);
  }

  @Override
  public Collection<Document> getCurrentOperations(MongoQuery query) {
    return current.getCurrentOperations(query);
  }

  @Override
  public Document getServerStatus() {
    return current.getServerStatus();
  }

  @Override
  public void close() {
    closed = true;
    reopener.shutdownNow();
    current.close();
  }

  @Override
  public void closeCursors(List<Long> cursorIds) {
    current.closeCursors(cursorIds);
  }

  @Override
  public Clock getClock() {
    return current.getClock();
  }

  @Override
  public void enableOplog() {
    current.enableOplog();
  }

  @Override
  public void disableOplog() {
    current.disableOplog();
  }

  @Override
  public MongoDatabase resolveDatabase(String database) {
    return current.resolveDatabase(database);
  }

  @Override
  public MongoBackend version(MongoVersion version) {
    current.version(version);
    return this;
  }

  /** An opener from a supplier and a closed-check. */
  public static Opener opener(Supplier<MongoBackend> open, java.util.function.Predicate<MongoBackend> isClosed) {
    return new Opener() {
      @Override
      public MongoBackend open() {
        return open.get();
      }

      @Override
      public boolean isClosed(MongoBackend backend) {
        return isClosed.test(backend);
      }
    };
  }
}
