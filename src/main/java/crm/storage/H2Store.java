package crm.storage;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the embedded database's file so that every state it can be found in ends on a command boundary.
 *
 * <p><b>The rule, and why.</b> MVStore persists a commit map by map while other threads keep changing maps, and by
 * default it also commits on its own (a background writer about once a second, and whenever its write buffer fills).
 * A document and its unique-index entry live in two maps, so a commit could hold one without the other; a kill -9
 * right after it left a message without its index entry, and the replay of its still-stored webhook inserted it again
 * (measured: about 1 run in 20 of the kill test doubled a message). Likewise a commit could hold a webhook body's
 * deletion without the messages it produced. So:
 * <ul>
 *   <li>the store never commits on its own: no background writer, no buffer-size commits ({@link #builder});</li>
 *   <li>every command runs under the read side of one lock and every commit under its write side
 *   ({@link GuardedBackend#commitExclusive}), so a commit sees whole commands only;</li>
 *   <li>the group commit ({@link GroupCommit}) is the only committer, for the writes that wait for the disk and, once a
 *   second, for those that do not;</li>
 *   <li>a marker file exists while the store is open; found at start (a kill, a crash, a power cut) it makes the unique
 *   indexes be rebuilt from the documents before anything is served, so even a file written before this rule held
 *   cannot trust an index entry it lacks.</li>
 * </ul>
 */
final class H2Store implements GuardedBackend.Opener {
  private static final Logger log = LoggerFactory.getLogger(H2Store.class);
  static final String FILE = "crm.mv.db";
  /** Present while a process has the store open: left behind by an unclean stop. */
  static final String OPEN_MARKER = "crm.mv.db.open";
  /** mongo-java-server's H2 backend names a unique index's map {@code <db>.<collection>._index_<name>}. */
  private static final String INDEX_MAP = "._index_";

  private final Path file;
  private final Path marker;
  private final Thread.UncaughtExceptionHandler onBackgroundFailure;
  private boolean rebuildIndexes;

  H2Store(Path dataDir, Thread.UncaughtExceptionHandler onBackgroundFailure) {
    this.file = dataDir.resolve(FILE);
    this.marker = dataDir.resolve(OPEN_MARKER);
    this.onBackgroundFailure = onBackgroundFailure;
    this.rebuildIndexes = Files.exists(marker) && Files.exists(file);
  }

  Path file() {
    return file;
  }

  /** The MVStore settings of the rule above: no commit the application did not ask for. */
  static MVStore.Builder builder(Path file, Thread.UncaughtExceptionHandler onBackgroundFailure) {
    return new MVStore.Builder()
        .fileName(file.toString())
        .autoCommitDisabled()      // no background writer, so no commit on a timer
        .autoCommitBufferSize(0)   // and none when the write buffer fills
        .backgroundExceptionHandler(onBackgroundFailure);
  }

  /**
   * Opens the file. After an unclean stop (the marker was there), and on every reopen after the store closed itself
   * (that is an unclean stop too), the unique indexes are emptied first, which makes the backend rebuild them from the
   * documents as it opens each database.
   */
  @Override
  public synchronized MongoBackend open() {
    MVStore store = builder(file, onBackgroundFailure).open();
    try {
      if (rebuildIndexes) clearUniqueIndexes(store);
      H2Backend backend = new H2Backend(store);
      writeMarker();
      rebuildIndexes = true; // from now on an open that is not preceded by close() was not a clean stop
      return backend;
    } catch (RuntimeException e) {
      store.closeImmediately();
      throw e;
    }
  }

  @Override
  public boolean isClosed(MongoBackend backend) {
    return ((H2Backend) backend).getMvStore().isClosed();
  }

  /** After a clean close (everything committed): the next open trusts the indexes. */
  synchronized void closedCleanly() {
    try {
      Files.deleteIfExists(marker);
    } catch (IOException e) {
      log.warn("Cannot remove {}: the next start will rebuild the indexes ({})", marker, e.toString());
    }
    rebuildIndexes = false;
  }

  private void clearUniqueIndexes(MVStore store) {
    long started = System.nanoTime();
    List<String> names = store.getMapNames().stream().filter(n -> n.contains(INDEX_MAP)).toList();
    for (String name : names) {
      MVMap<Object, Object> index = store.openMap(name);
      index.clear();
    }
    log.warn("The embedded store was not closed cleanly last time: rebuilding its {} unique indexes from the documents",
        names.size());
    log.debug("cleared {} index maps in {} ms", names.size(), (System.nanoTime() - started) / 1_000_000);
  }

  private void writeMarker() {
    try {
      Files.writeString(marker, "opened " + Instant.now() + " by pid " + ProcessHandle.current().pid() + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + marker, e);
    }
  }
}
