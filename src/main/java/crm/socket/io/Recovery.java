package crm.socket.io;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Connection state recovery for a namespace, the protocol socket.io-client 4.6+ speaks: the CONNECT answer carries a
 * private session id ({@code pid}) beside the {@code sid}; every broadcast (room or namespace-wide event without an
 * ack) carries an offset as its last argument; a client coming back sends {@code pid} and the last offset it got in
 * its CONNECT payload. When the connection it lost was dropped ({@link #RECOVERABLE}) less than {@code windowMs} ago,
 * it gets the same socket id, its rooms, and every broadcast it missed, in the order it would have had them, before
 * the CONNECT answer (socket.io-client hands them to its listeners before {@code connect}; {@code socket.recovered}
 * is true). Otherwise it is a new socket with a new pid.
 *
 * <p>A dropped socket is detached, not removed: it stays in its rooms (so room changes made meanwhile apply to it,
 * as to any socket), keeps what it is sent in its {@link Outbox} (at most {@code maxPackets}, else it is dropped for
 * good), and is claimed by the next connection that presents its pid with data the {@code sameOwner} check accepts
 * (the new connection's auth hook ran first). It may be claimed from another node through {@link Remote}; the old
 * socket then forwards what still reaches it for {@link #HANDOVER_MS} and the new one ignores what it already had
 * (offsets are unique: events published on a clustered bus keep theirs on every node, see {@link Offsets}).
 */
public final class Recovery {
  /**
   * How long a claimed socket goes on forwarding to its successor the broadcasts that reach it, and the successor
   * remembers which offsets it wrote: an event on its way to both nodes when the session moved reaches the new
   * socket by one path or the other, once.
   */
  public static final long HANDOVER_MS = 10_000;

  /** Disconnect reasons after which a socket is kept for recovery (socket.io's, but a server shutting down). */
  public static final Set<String> RECOVERABLE = Set.of("transport close", "transport error", "ping timeout");

  /**
   * One broadcast as its client got it: the offset and the packet's data (event name, arguments, the offset last);
   * null data for one that cannot be replayed (binary).
   */
  public record Entry(String offset, JsonArray data) {
    /** An entry from the packet data alone (the offset is its last element); null when that is not a string. */
    public static Entry of(JsonArray data) {
      return data != null && !data.isEmpty() && data.getValue(data.size() - 1) instanceof String s ? new Entry(s, data) : null;
    }
  }

  /** A session claimed for a new connection: its socket id, its rooms, the client's offset and what it missed. */
  public record Restored(String sid, List<String> rooms, String offset, List<Entry> missed) {
    public JsonObject toJson() {
      JsonArray m = new JsonArray(new ArrayList<>(missed.size()));
      for (Entry e : missed) m.add(e.data());
      return new JsonObject().put("sid", sid).put("rooms", new JsonArray(new ArrayList<>(rooms))).put("offset", offset)
          .put("missed", m);
    }

    /** Null when {@code json} is not a whole restored session. */
    public static Restored fromJson(JsonObject json) {
      if (json == null || !(json.getValue("sid") instanceof String sid) || !(json.getValue("rooms") instanceof JsonArray r)
          || !(json.getValue("missed") instanceof JsonArray m)) {
        return null;
      }
      List<String> rooms = new ArrayList<>(r.size());
      for (Object o : r) if (o instanceof String s) rooms.add(s);
      List<Entry> missed = new ArrayList<>(m.size());
      for (Object o : m) {
        Entry e = o instanceof JsonArray a ? Entry.of(a) : null;
        if (e == null) return null;
        missed.add(e);
      }
      Object offset = json.getValue("offset");
      return new Restored(sid, List.copyOf(rooms), offset instanceof String s ? s : null, List.copyOf(missed));
    }
  }

  /** Sessions on other nodes: where a detached one is kept, and claiming one from there. */
  public interface Remote {
    /** Socket {@code pid} is detached on this node and may be claimed until {@code ttlMs} from now. */
    void kept(String pid, long ttlMs);

    /** Socket {@code pid} is no longer to be claimed on this node (expired, dropped, claimed). */
    void released(String pid);

    /**
     * Claims {@code pid} wherever it is kept, for a connection accepted with {@code data}; the old socket forwards what
     * still reaches it to {@code handover}. Succeeds with null when no node may give it.
     */
    Future<Restored> claim(String pid, String offset, JsonObject data, Handover handover);

    Remote NONE = new Remote() {
      @Override
      public void kept(String pid, long ttlMs) { }

      @Override
      public void released(String pid) { }

      @Override
      public Future<Restored> claim(String pid, String offset, JsonObject data, Handover handover) {
        return Future.succeededFuture();
      }
    };
  }

  /**
   * Where a claimed socket forwards what reaches it after the claim: kept until the new socket exists, then handed to
   * it on its loop. Thread-safe.
   */
  public static final class Handover {
    private List<Entry> early = new ArrayList<>(2);
    private Socket socket;

    public synchronized void accept(Entry entry) {
      if (entry == null) return;
      if (socket != null) {
        socket.forwarded(entry);
      } else if (early != null) {
        early.add(entry);
      }
    }

    synchronized void attach(Socket s) {
      socket = s;
      List<Entry> waiting = early;
      early = null;
      if (waiting != null) for (Entry e : waiting) s.forwarded(e);
    }

    /** The new socket will not be made: forwarded entries are dropped. */
    public synchronized void abandon() {
      early = null;
    }
  }

  private final long windowMs;
  private final int maxPackets;
  private final BiPredicate<JsonObject, JsonObject> sameOwner;
  private volatile Remote remote = Remote.NONE;

  /**
   * @param windowMs how long a dropped socket may be claimed
   * @param maxPackets the most broadcasts a socket keeps for its client (see {@link Outbox})
   * @param sameOwner whether the data a new connection was accepted with (second) may take over a socket accepted with
   *     the first (e.g. the same user and login session)
   */
  public Recovery(long windowMs, int maxPackets, BiPredicate<JsonObject, JsonObject> sameOwner) {
    if (windowMs <= 0) throw new IllegalArgumentException("a recovery window is positive");
    this.windowMs = windowMs;
    this.maxPackets = maxPackets;
    this.sameOwner = sameOwner;
  }

  /** Lets sessions be claimed across nodes (default: this node only). */
  public Recovery remote(Remote r) {
    this.remote = r == null ? Remote.NONE : r;
    return this;
  }

  public long windowMs() { return windowMs; }

  public int maxPackets() { return maxPackets; }

  Remote remote() { return remote; }

  boolean sameOwner(JsonObject kept, JsonObject presented) {
    try {
      return kept != null && presented != null && sameOwner.test(kept, presented);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
