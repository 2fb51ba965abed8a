package crm.socket.io;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connected to one namespace. Methods may be called from any thread: they run on the event loop of
 * the client's connection (handlers, listeners and ack callbacks are called there too).
 *
 * <p>Event arguments are JSON values (JsonObject, JsonArray, String, Number, Boolean, null); binary values are
 * Buffers (byte[] is accepted when sending; read received ones with {@code getBuffer}, since Vert.x's
 * {@code getValue} turns a Buffer into base64 text).
 */
public final class Socket {
  private static final Logger log = LoggerFactory.getLogger(Socket.class);

  /** Numbers the sockets of this JVM as they are made: a room keeps its sockets in this order. */
  private static final java.util.concurrent.atomic.AtomicLong MADE = new java.util.concurrent.atomic.AtomicLong();

  private final String id;
  /** This socket's place in the order sockets were made (see {@link Namespace}'s rooms). */
  final long seq = MADE.incrementAndGet();
  private final Namespace namespace;
  /** The connection; null once the socket is detached (a dead connection is not held for the recovery window). */
  private SioClient client;
  private final ContextInternal loop;
  private final Handshake handshake;
  private final JsonObject data;
  /** The private session id of {@link Recovery} (null without it). */
  private final String pid;
  /** Whether this socket took over a dropped one (its id, rooms and missed broadcasts). */
  private final boolean recovered;

  // created when first used: an idle socket that never registered anything holds none of them
  private Map<String, EventHandler> handlers;
  private List<Consumer<String>> disconnectListeners;
  private Set<String> rooms;
  private Map<Long, PendingAck> acks;
  private long nextAckId;

  /**
   * CONNECTED; DETACHED: its connection dropped and it waits in its rooms to be claimed ({@link Recovery});
   * FORWARDING: claimed, it hands what still reaches it to its successor for a while; GONE.
   */
  enum State { CONNECTED, DETACHED, FORWARDING, GONE }

  private volatile State state = State.CONNECTED;
  // recovery only, confined to the loop
  private Outbox outbox;
  private Set<String> seen;                    // offsets written since this socket took over: a handover's doubles
  private Consumer<Recovery.Entry> forward;    // FORWARDING: to the successor
  private long detachedAt;
  private long timer = -1;                     // DETACHED: the window's end; FORWARDING: the handover's

  private record PendingAck(Promise<JsonArray> promise, long timer) {}

  Socket(String id, Namespace namespace, SioClient client, Handshake handshake, JsonObject data) {
    this(id, namespace, client, handshake, data, null, null, false);
  }

  /** With recovery: its pid and outbox (a restored socket's holds what it is about to be given again). */
  Socket(String id, Namespace namespace, SioClient client, Handshake handshake, JsonObject data, String pid,
         Outbox outbox, boolean recovered) {
    this.id = id;
    this.namespace = namespace;
    this.client = client;
    this.loop = client.context();
    this.handshake = handshake;
    this.data = data;
    this.pid = pid;
    this.outbox = outbox;
    this.recovered = recovered;
  }

  /** The socket id (the {@code sid} of the CONNECT answer), unique per namespace connection. */
  public String id() { return id; }

  public Namespace namespace() { return namespace; }

  public Handshake handshake() { return handshake; }

  /** What the namespace's {@link AuthHook} accepted the socket with (e.g. the principal); mutable, loop-only. */
  public JsonObject data() { return data; }

  public boolean connected() { return state == State.CONNECTED; }

  /** Whether this socket took over one whose connection dropped: same id, its rooms, what it missed ({@link Recovery}). */
  public boolean recovered() { return recovered; }

  /** Whether broadcasts still reach it: connected, or kept for recovery (detached, or forwarding to its successor). */
  boolean receiving() { return state != State.GONE; }

  State state() { return state; }

  String pid() { return pid; }

  /** The transport of the underlying connection right now: {@code polling} or {@code websocket} ({@code none} once dropped). */
  public String transport() {
    SioClient c = client;
    return c == null ? "none" : c.transport();
  }

  /** Runs {@code action} on this socket's event loop. */
  public void execute(Runnable action) {
    SioClient c = client;
    if (c != null) {
      c.execute(action);
    } else if (loop.nettyEventLoop().inEventLoop()) {
      runSafely(action);
    } else {
      loop.runOnContext(v -> runSafely(action));
    }
  }

  private void runSafely(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      log.warn("Socket {} {}: {}", namespace.name(), id, e.toString());
    }
  }

  /** Handles {@code event} from this client (replaces a previous handler of the same event). */
  public Socket on(String event, EventHandler handler) {
    execute(() -> {
      if (handlers == null) handlers = new HashMap<>(4);
      handlers.put(event, handler);
    });
    return this;
  }

  /** Called once when the socket disconnects, with the reason (e.g. {@code transport close}, {@code ping timeout}). */
  public Socket onDisconnect(Consumer<String> listener) {
    execute(() -> {
      if (state != State.CONNECTED) {
        safely(() -> listener.accept("already disconnected"));
        return;
      }
      if (disconnectListeners == null) disconnectListeners = new ArrayList<>(2);
      disconnectListeners.add(listener);
    });
    return this;
  }

  public void emit(String event, Object... args) {
    emitArgs(event, new JsonArray(new ArrayList<>(Arrays.asList(args))));
  }

  /** Emits {@code event} with the elements of {@code args} as its arguments. */
  public void emitArgs(String event, JsonArray args) {
    JsonArray payload = eventPayload(event, args);
    execute(() -> {
      if (state == State.CONNECTED) client.send(new SioPacket(SioPacket.EVENT, namespace.name(), null, payload, 0));
    });
  }

  /**
   * Emits and waits for the client's acknowledgement: the future gets the client's ack arguments, or fails
   * after {@code timeoutMs} ({@link TimeoutException}) or when the socket disconnects first.
   */
  public Future<JsonArray> emitWithAck(String event, long timeoutMs, Object... args) {
    JsonArray payload = eventPayload(event, new JsonArray(new ArrayList<>(Arrays.asList(args))));
    Promise<JsonArray> promise = Promise.promise();
    execute(() -> {
      if (state != State.CONNECTED) {
        promise.tryFail(new IllegalStateException("socket disconnected"));
        return;
      }
      long ackId = nextAckId++;
      long timer = loop.setTimer(timeoutMs, t -> {
        if (acks != null && acks.remove(ackId) != null) {
          promise.tryFail(new TimeoutException("no ack for " + event + " within " + timeoutMs + " ms"));
        }
      });
      if (acks == null) acks = new HashMap<>(4);
      acks.put(ackId, new PendingAck(promise, timer));
      client.send(new SioPacket(SioPacket.EVENT, namespace.name(), ackId, payload, 0));
    });
    return promise.future();
  }

  private static JsonArray eventPayload(String event, JsonArray args) {
    List<Object> list = new ArrayList<>(args.size() + 1);
    list.add(event);
    list.addAll(args.getList());
    return new JsonArray(list);
  }

  /** Joins a room of this namespace (node-local). */
  public void join(String room) {
    execute(() -> {
      if (state != State.CONNECTED) return;
      if (rooms == null) rooms = new HashSet<>(4);
      if (rooms.add(room)) namespace.addToRoom(room, this);
    });
  }

  public void leave(String room) {
    execute(() -> {
      if (rooms != null && rooms.remove(room)) namespace.removeFromRoom(room, this);
    });
  }

  /** The rooms joined, as seen from the socket's loop (a copy). */
  public Set<String> rooms() {
    return rooms == null ? Set.of() : Set.copyOf(rooms);
  }

  /**
   * Disconnects from the server side: the client gets a DISCONNECT packet (socket.io-client then does not
   * reconnect by itself); with {@code close} the whole connection (every namespace) is closed too.
   */
  public void disconnect(boolean close) {
    execute(() -> {
      SioClient c = client;
      if (state == State.CONNECTED) {
        c.send(new SioPacket(SioPacket.DISCONNECT, namespace.name(), null, null, 0));
        c.remove(this);
        onDisconnected("server namespace disconnect");
      } else {
        discard(); // a socket kept for recovery is not kept any more
      }
      if (close && c != null) c.close("forced server close");
    });
  }

  /** The event loop (context) of the client's connection. */
  ContextInternal context() {
    return loop;
  }

  /**
   * A broadcast (packets encoded once for many sockets; with recovery its {@code entry}, null for one that cannot be
   * replayed); called on this socket's loop, so it runs at once.
   */
  void sendEncodedOnLoop(List<crm.socket.engineio.EnginePacket> packets, Recovery.Entry entry) {
    execute(() -> receive(packets, entry));
  }

  /** A broadcast the socket this one took over got after the claim. */
  void forwarded(Recovery.Entry entry) {
    execute(() -> receive(null, entry));
  }

  private void receive(List<crm.socket.engineio.EnginePacket> packets, Recovery.Entry entry) {
    if (entry != null && seen != null && !seen.add(entry.offset())) return; // had it already, by the other path
    switch (state) {
      case CONNECTED -> {
        client.sendEncoded(packets != null ? packets : new SioPacket(SioPacket.EVENT, namespace.name(), null, entry.data(), 0).encode());
        if (outbox != null && entry != null) outbox.add(entry);
      }
      case DETACHED -> {
        if (entry != null) outbox.add(entry);
        if (outbox.broken()) {
          log.debug("Socket {} {}: missed more than it may keep, or what cannot be replayed: no recovery", namespace.name(), id);
          discard();
        }
      }
      case FORWARDING -> {
        if (entry != null && entry.data() != null) forward.accept(entry);
      }
      case GONE -> { }
    }
  }

  // ------------------------------------------------------------------------------------------------------ recovery

  /** This socket was restored: for a while, what reaches it by both paths (its rooms, the old socket) is written once. */
  void rememberOffsets(List<Recovery.Entry> given) {
    seen = new HashSet<>();
    for (Recovery.Entry e : given) seen.add(e.offset());
    loop.setTimer(2 * Recovery.HANDOVER_MS, t -> seen = null);
  }

  /** An Engine.IO ping was written: see {@link Outbox}. */
  void pingSent() {
    if (outbox != null && state == State.CONNECTED) outbox.pingSent();
  }

  /** The client answered the ping. */
  void pongReceived() {
    if (outbox != null && state == State.CONNECTED) outbox.pongReceived();
  }

  /**
   * Hands this socket to a new connection accepted with {@code presented} whose client got {@code offset} last: its id,
   * rooms and what the client lacks; this socket then forwards to {@code successor} for {@link Recovery#HANDOVER_MS}
   * and is gone. Null when it may not (another owner, the window passed, an offset it cannot place). A socket still
   * connected is dropped first: its client is back on another connection.
   */
  Future<Recovery.Restored> claim(String offset, JsonObject presented, Consumer<Recovery.Entry> successor) {
    Promise<Recovery.Restored> promise = Promise.promise();
    execute(() -> promise.complete(claimOnLoop(offset, presented, successor)));
    return promise.future();
  }

  private Recovery.Restored claimOnLoop(String offset, JsonObject presented, Consumer<Recovery.Entry> successor) {
    Recovery recovery = namespace.recovery();
    if (recovery == null || outbox == null || (state != State.CONNECTED && state != State.DETACHED)) return null;
    if (!recovery.sameOwner(data, presented)) {
      log.debug("Socket {} {}: claimed by another owner, refused", namespace.name(), id);
      return null;
    }
    if (state == State.CONNECTED) client.abort("transport close"); // detaches this socket, now
    if (state != State.DETACHED) return null;
    List<Recovery.Entry> missed = System.currentTimeMillis() - detachedAt > recovery.windowMs() ? null : outbox.after(offset);
    if (missed == null) {
      // the window passed, or an offset this socket cannot place: the client gets a new socket and a new pid
      discard();
      return null;
    }
    state = State.FORWARDING;
    forward = successor;
    outbox = null;
    cancelTimer();
    timer = loop.setTimer(Recovery.HANDOVER_MS, t -> {
      timer = -1;
      discard();
    });
    recovery.remote().released(pid);
    return new Recovery.Restored(id, rooms == null ? List.of() : List.copyOf(rooms), offset, missed);
  }

  /** A socket kept for recovery leaves its rooms and is forgotten. */
  private void discard() {
    State was = state;
    if (was != State.DETACHED && was != State.FORWARDING) return;
    state = State.GONE;
    cancelTimer();
    leaveAll();
    namespace.forget(this);
    outbox = null;
    forward = null;
    Recovery recovery = namespace.recovery();
    if (was == State.DETACHED && recovery != null) recovery.remote().released(pid);
  }

  private void cancelTimer() {
    if (timer != -1) {
      loop.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private void leaveAll() {
    if (rooms != null) {
      for (String room : rooms) namespace.removeFromRoom(room, this);
      rooms = null;
    }
  }

  // -------------------------------------------------------------------------------- called by SioClient, on the loop

  void onEvent(SioPacket p) {
    JsonArray all = (JsonArray) p.data();
    String event = String.valueOf(all.getValue(0));
    JsonArray args = new JsonArray(new ArrayList<>(all.getList().subList(1, all.size())));
    Ack ack = p.id() == null ? Ack.NONE : new PacketAck(p.id());
    EventHandler own = handlers == null ? null : handlers.get(event);
    SocketEventHandler shared = own == null ? namespace.handler(event) : null;
    if (own == null && shared == null) {
      log.debug("Socket {} {}: no handler for event '{}', ignored", namespace.name(), id, abbreviate(event));
      return;
    }
    try {
      if (own != null) {
        own.handle(args, ack);
      } else {
        shared.handle(this, args, ack);
      }
    } catch (RuntimeException e) {
      log.warn("Socket {} {}: handler of event '{}' failed: {}", namespace.name(), id, abbreviate(event), e.toString());
    }
  }

  void onAck(SioPacket p) {
    PendingAck pending = acks == null ? null : acks.remove(p.id());
    if (pending == null) {
      log.debug("Socket {} {}: ack {} matches no emit, ignored", namespace.name(), id, p.id());
      return;
    }
    loop.owner().cancelTimer(pending.timer());
    pending.promise().tryComplete((JsonArray) p.data());
  }

  /**
   * The socket's connection or namespace ended. With recovery and a dropped connection ({@link Recovery#RECOVERABLE})
   * it is detached: disconnected for everyone (listeners, acks, presence), but kept in its rooms, keeping what it
   * misses, until claimed or the window ends.
   */
  void onDisconnected(String reason) {
    if (state != State.CONNECTED) return;
    Recovery recovery = namespace.recovery();
    boolean keep = recovery != null && outbox != null && !outbox.broken() && Recovery.RECOVERABLE.contains(reason);
    state = keep ? State.DETACHED : State.GONE;
    if (!keep) {
      leaveAll();
      namespace.forget(this);
      outbox = null;
    }
    namespace.removeSocket(this);
    if (acks != null) {
      for (PendingAck pending : acks.values()) {
        loop.owner().cancelTimer(pending.timer());
        pending.promise().tryFail(new IllegalStateException("socket disconnected: " + reason));
      }
      acks = null;
    }
    handlers = null;
    List<Consumer<String>> listeners = disconnectListeners;
    disconnectListeners = null;
    if (listeners != null) {
      for (Consumer<String> l : listeners) safely(() -> l.accept(reason));
    }
    if (keep && state == State.DETACHED) {
      client = null;
      detachedAt = System.currentTimeMillis();
      timer = loop.setTimer(recovery.windowMs(), t -> {
        timer = -1;
        discard();
      });
      recovery.remote().kept(pid, recovery.windowMs());
    }
  }

  private void safely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      log.warn("Socket {} {}: disconnect listener failed: {}", namespace.name(), id, e.toString());
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  /** The ack of one received event: answers once, from any thread. */
  private final class PacketAck implements Ack {
    private final long ackId;
    private boolean sent;

    PacketAck(long ackId) {
      this.ackId = ackId;
    }

    @Override
    public boolean requested() {
      return true;
    }

    @Override
    public void send(Object... args) {
      sendArgs(new JsonArray(new ArrayList<>(Arrays.asList(args))));
    }

    @Override
    public void sendArgs(JsonArray args) {
      JsonArray copy = new JsonArray(new ArrayList<>(args.getList()));
      execute(() -> {
        if (sent || state != State.CONNECTED) return;
        sent = true;
        client.send(new SioPacket(SioPacket.ACK, namespace.name(), ackId, copy, 0));
      });
    }
  }

  @Override
  public String toString() {
    return "Socket[" + namespace.name() + " " + id + "]";
  }
}
