package crm.socket.io;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * What one socket of a namespace with {@link Recovery} may have to be given again after its connection drops: the
 * broadcasts written to it that the client is not yet known to have, and, once the socket is detached, the broadcasts
 * it missed. Confined to the socket's event loop.
 *
 * <p>Kept in the order the client gets them, so "everything after the client's offset" is exactly what it lacks,
 * whatever order broadcasts from several threads were made in. An Engine.IO pong proves the client read every packet
 * written before the ping it answers (one ordered stream; socket.io-client hands those packets to the socket before
 * it runs anything else), so a pong drops the entries written before its ping: a connected socket keeps only what a
 * ping interval and timeout may have lost. The newest dropped entry's offset is remembered: a client that got nothing
 * after it says so.
 *
 * <p>At most {@code max} entries: one more and the outbox is broken (recovery is refused rather than partial), as it
 * is after a broadcast that cannot be replayed. A connected socket's outbox heals at the next ping its client
 * answers: from then on it knows again where the client is.
 */
final class Outbox {
  private final int max;
  private final ArrayDeque<Recovery.Entry> pending = new ArrayDeque<>(2);
  /** The offset of the newest entry the client is known to have (no longer pending); null when none. */
  private String confirmed;
  /** Whether {@link #confirmed} is exact: not between a break and the pong that proves where the client is. */
  private boolean known = true;
  /** The newest offset written (kept while broken, to heal from). */
  private String last;
  /** Set by a ping written while broken: the newest offset written before it, confirmed by its pong. */
  private String healing;
  /** Pending entries written before the ping in flight; -1 when no ping is in flight. */
  private int beforePing = -1;
  private boolean broken;

  Outbox(int max) {
    this.max = Math.max(1, max);
  }

  /**
   * The outbox of a restored socket: {@code missed} are about to be written again, and the client's offset (null when
   * it had none) is what it is known to have.
   */
  static Outbox restored(int max, String clientOffset, List<Recovery.Entry> missed) {
    Outbox o = new Outbox(max);
    o.confirmed = clientOffset;
    o.last = clientOffset;
    for (Recovery.Entry e : missed) o.add(e);
    return o;
  }

  /** A broadcast written to the client, or (detached) missed by it; one without data cannot be replayed. */
  void add(Recovery.Entry entry) {
    last = entry.offset();
    if (broken) return;
    if (entry.data() == null) {
      breakDown();
      return;
    }
    pending.add(entry);
    if (pending.size() > max) breakDown();
  }

  private void breakDown() {
    broken = true;
    known = false;
    pending.clear();
    beforePing = -1;
    healing = null;
  }

  /** A ping was written after everything pending. */
  void pingSent() {
    if (broken) {
      // its pong will prove the client has everything up to the newest offset written: start again from there
      broken = false;
      healing = last;
      beforePing = 0;
      return;
    }
    beforePing = pending.size();
  }

  /** The client answered the ping: it has what was written before it. */
  void pongReceived() {
    if (beforePing < 0) return;
    if (healing != null) {
      confirmed = healing;
      known = true;
      healing = null;
    }
    Recovery.Entry newest = null;
    for (int i = 0; i < beforePing && !pending.isEmpty(); i++) newest = pending.poll();
    if (newest != null) confirmed = newest.offset();
    beforePing = -1;
  }

  boolean broken() {
    return broken;
  }

  int size() {
    return pending.size();
  }

  /**
   * What a client whose last received offset is {@code clientOffset} (null: none) lacks, oldest first; null when that
   * cannot be told exactly (an offset never given here or dropped long ago, a broken outbox).
   */
  List<Recovery.Entry> after(String clientOffset) {
    if (broken) return null;
    if (known && Objects.equals(clientOffset, confirmed)) return List.copyOf(pending);
    if (clientOffset == null) return null;
    List<Recovery.Entry> out = null;
    for (Iterator<Recovery.Entry> it = pending.iterator(); it.hasNext(); ) {
      Recovery.Entry e = it.next();
      if (out != null) {
        out.add(e);
      } else if (clientOffset.equals(e.offset())) {
        out = new ArrayList<>();
      }
    }
    return out == null ? null : List.copyOf(out);
  }
}
