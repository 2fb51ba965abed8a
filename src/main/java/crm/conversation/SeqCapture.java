package crm.conversation;

import crm.storage.StoreChanges;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads the message numbers a batch of conversation updates reserved off the embedded store's change feed: each
 * update sets a token of its own beside its {@code $inc} of {@code messageSeq}, and the feed shows the document right
 * after that update, counter included. So one bulk write reserves numbers in any number of conversations, exactly as
 * one findAndModify each would, whoever else reserves in them meanwhile. Only where this node sees every write (the
 * embedded store, one node).
 */
final class SeqCapture implements StoreChanges.Listener {
  static final String TOKEN = "seqToken";
  private static final Long PENDING = Long.MIN_VALUE;

  private final Set<String> namespaces;
  private final String prefix = Long.toString(System.nanoTime(), 36) + ".";
  private final AtomicLong next = new AtomicLong();
  private final Map<String, Long> tokens = new ConcurrentHashMap<>();

  SeqCapture(String namespace) {
    this.namespaces = Set.of(namespace);
  }

  /** A new token, whose update the feed is now watched for. */
  String expect() {
    String token = prefix + next.incrementAndGet();
    tokens.put(token, PENDING);
    return token;
  }

  /** The counter right after the update that set {@code token}, or null when no document took it; forgets the token. */
  Long take(String token) {
    Long seq = tokens.remove(token);
    return seq == null || seq.equals(PENDING) ? null : seq;
  }

  @Override
  public Set<String> namespaces() {
    return namespaces;
  }

  @Override
  public void changed(String namespace, Map<String, Object> before, Map<String, Object> after) {
    if (after == null || !(after.get(TOKEN) instanceof String token)) return;
    if (before != null && token.equals(before.get(TOKEN))) return; // a later write to the document, not the one that set it
    if (after.get("messageSeq") instanceof Number seq) tokens.computeIfPresent(token, (t, v) -> seq.longValue());
  }

  @Override
  public void reset() {
    // a write in flight when the store reopened fails, and its caller with it: nothing to undo here
  }
}
