package crm.storage;

import de.bwaldvogel.mongo.MongoBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the embedded database's file ({@value #FILE}, an MVStore whose maps keep BSON: {@link BsonBackend}) so that
 * every state it can be found in ends on a command boundary.
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
 *   indexes be checked against the documents, and any that does not match rebuilt, before anything is served
 *   ({@link IndexRebuild}): the rule above makes them match, and this does not take that on trust.</li>
 * </ul>
 *
 * <p>A data directory written by an earlier build (the H2 backend's Java-serialised {@value LegacyStore#FILE}) is
 * converted once, at the first start of this one ({@link LegacyStore}).
 */
final class StoreFile implements GuardedBackend.Opener {
  private static final Logger log = LoggerFactory.getLogger(StoreFile.class);
  static final String FILE = "store.mv.db";
  /** Present while a process has the store open: left behind by an unclean stop. */
  static final String OPEN_MARKER = FILE + ".open";

  private final Path dataDir;
  private final Path file;
  private final Path marker;
  private final int cacheMb;
  private final Thread.UncaughtExceptionHandler onBackgroundFailure;
  private final StoreChanges changes;
  private boolean rebuildIndexes;
  private int opens;

  StoreFile(Path dataDir, int cacheMb, StoreChanges changes, Thread.UncaughtExceptionHandler onBackgroundFailure) {
    this.changes = changes;
    this.dataDir = dataDir;
    this.file = dataDir.resolve(FILE);
    this.marker = dataDir.resolve(OPEN_MARKER);
    this.cacheMb = cacheMb;
    this.onBackgroundFailure = onBackgroundFailure;
    this.rebuildIndexes = Files.exists(marker) && Files.exists(file);
  }

  Path file() {
    return file;
  }

  /** The MVStore settings of the rule above: no commit the application did not ask for. */
  static MVStore.Builder builder(Path file, int cacheMb, Thread.UncaughtExceptionHandler onBackgroundFailure) {
    return new MVStore.Builder()
        .fileName(file.toString())
        .cacheSize(cacheMb)
        .autoCommitDisabled()      // no background writer, so no commit on a timer
        .autoCommitBufferSize(0)   // and none when the write buffer fills
        .backgroundExceptionHandler(onBackgroundFailure);
  }

  /**
   * Opens the file. After an unclean stop (the marker was there), and on every reopen after the store closed itself
   * (that is an unclean stop too), the unique indexes are checked against the documents first, and rebuilt where they
   * do not match ({@link IndexRebuild}).
   */
  @Override
  public synchronized MongoBackend open() {
    if (!Files.exists(file)) LegacyStore.migrateIfPresent(dataDir, file, cacheMb);
    MVStore store = builder(file, cacheMb, onBackgroundFailure).open();
    try {
      if (rebuildIndexes) {
        log.warn("The embedded store was not closed cleanly last time: checking its unique indexes against the documents");
        IndexRebuild.run(store);
      }
      BsonBackend backend = new BsonBackend(store, changes);
      writeMarker();
      rebuildIndexes = true; // from now on an open that is not preceded by close() was not a clean stop
      if (opens++ > 0) changes.reset(); // reopened at its last commit: copies of later writes are wrong
      return backend;
    } catch (RuntimeException e) {
      store.closeImmediately();
      throw e;
    }
  }

  @Override
  public boolean isClosed(MongoBackend backend) {
    return ((BsonBackend) backend).store().isClosed();
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

  private void writeMarker() {
    try {
      Files.writeString(marker, "opened " + Instant.now() + " by pid " + ProcessHandle.current().pid() + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + marker, e);
    }
  }
}
