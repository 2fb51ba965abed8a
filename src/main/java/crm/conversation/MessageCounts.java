package crm.conversation;

import crm.storage.StoreChanges;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many inbound and outbound messages are stored, kept by the embedded store's change feed from an exact count
 * taken with no write in between ({@link StoreChanges#addWithSnapshot}). Counting by a query read every message twice
 * per request of {@code /whatsapp/stats}: with a poller (a dashboard, the ingest benchmark) that was a third of the
 * store's time while webhooks were being processed. After a reset (the store reopened, the collection dropped) it is
 * not {@link #ready()} and the stats count by query again.
 */
final class MessageCounts implements StoreChanges.Listener {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MessageCounts.class);
  private final Set<String> namespaces;
  private final AtomicLong inbound = new AtomicLong();
  private final AtomicLong outbound = new AtomicLong();
  private volatile boolean ready;

  MessageCounts(String namespace) {
    this.namespaces = Set.of(namespace);
  }

  /** Registers with the feed and counts what is stored. Blocking (the store's commands wait only an instant). */
  void start(StoreChanges changes) {
    String namespace = namespaces.iterator().next();
    long started = System.nanoTime();
    changes.addWithSnapshot(this, namespace, new String[] {"direction"}, doc -> add(doc, 1));
    ready = true;
    log.info("message counts: {} inbound, {} outbound, counted in {} ms",
        inbound.get(), outbound.get(), (System.nanoTime() - started) / 1_000_000);
  }

  boolean ready() {
    return ready;
  }

  long inbound() {
    return inbound.get();
  }

  long outbound() {
    return outbound.get();
  }

  private void add(Map<String, Object> doc, int delta) {
    Object direction = doc.get("direction");
    if ("inbound".equals(direction)) inbound.addAndGet(delta);
    else if ("outbound".equals(direction)) outbound.addAndGet(delta);
  }

  @Override
  public Set<String> namespaces() {
    return namespaces;
  }

  @Override
  public void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
    if (before != null) add(before, -1);
    if (after != null) add(after, 1);
  }

  @Override
  public void reset() {
    ready = false;
  }
}
