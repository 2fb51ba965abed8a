package crm.storage;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every write to the embedded store, as it happens: what lets a node that is the store's only user keep copies of
 * documents in memory (read caches) without trusting each writer to say what it changed. A listener is told inside
 * the write, on a store thread, before the write is answered; so once a writer has its answer, every copy of what it
 * changed has been dropped. Listeners must be quick and must not call the store.
 */
public final class StoreChanges {
  private static final Logger log = LoggerFactory.getLogger(StoreChanges.class);

  /** One party that wants to hear of writes to some namespaces ({@code db.collection}). */
  public interface Listener {
    Set<String> namespaces();

    /** A document was inserted ({@code before} null), changed, or removed ({@code after} null). */
    void changed(String namespace, Map<String, Object> before, Map<String, Object> after);

    /** The store was reopened from its file after it closed itself: anything may differ from what was seen. */
    void reset();
  }

  /** Runs {@code inside}, then reads every document of a namespace, with no write in between (set by the store). */
  interface Snapshots {
    void run(String namespace, String[] fields, java.util.function.Consumer<Map<String, Object>> each, Runnable inside);
  }

  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile Snapshots snapshots;

  void snapshots(Snapshots snapshots) {
    this.snapshots = snapshots;
  }

  /**
   * Adds a listener and hands every document the namespace holds at that moment to {@code each} (only the named
   * top-level fields), with no write in between: a listener that counts can start from an exact count. Blocking (a few
   * seconds per million documents; commands wait only while the listener is added): call it from a worker.
   */
  public void addWithSnapshot(Listener listener, String namespace, String[] fields,
      java.util.function.Consumer<Map<String, Object>> each) {
    Snapshots s = snapshots;
    if (s == null) throw new IllegalStateException("no store to read a snapshot from");
    s.run(namespace, fields, each, () -> add(listener));
  }
  private volatile Set<String> watched = Set.of();

  public void add(Listener listener) {
    listeners.add(listener);
    recompute();
  }

  public void remove(Listener listener) {
    listeners.remove(listener);
    recompute();
  }

  private synchronized void recompute() {
    java.util.HashSet<String> all = new java.util.HashSet<>();
    for (Listener l : listeners) all.addAll(l.namespaces());
    watched = Set.copyOf(all);
  }

  boolean watches(String namespace) {
    return watched.contains(namespace);
  }

  void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
    for (Listener l : listeners) {
      if (!l.namespaces().contains(namespace)) continue;
      try {
        l.changed(namespace, before, after);
      } catch (RuntimeException e) {
        log.error("store change listener failed on {}: {}", namespace, e.toString());
      }
    }
  }

  void reset() {
    for (Listener l : listeners) {
      try {
        l.reset();
      } catch (RuntimeException e) {
        log.error("store change listener failed to reset: {}", e.toString());
      }
    }
  }
}
