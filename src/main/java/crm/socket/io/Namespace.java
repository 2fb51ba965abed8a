package crm.socket.io;

import crm.socket.engineio.EnginePacket;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Socket.IO namespace of this node: who may connect ({@link #auth}), what happens on connection, shared event
 * handlers, and rooms. Thread-safe: sockets of one namespace live on many event loops.
 */
public final class Namespace {
  private static final Logger log = LoggerFactory.getLogger(Namespace.class);

  private final String name;
  private volatile AuthHook authHook = AuthHook.ACCEPT_ALL;
  private final List<Consumer<Socket>> connectionHandlers = new CopyOnWriteArrayList<>();
  private final Map<String, SocketEventHandler> handlers = new ConcurrentHashMap<>();
  private final Map<String, Socket> sockets = new ConcurrentHashMap<>();
  /** With recovery: the sockets by pid, connected or kept (detached, forwarding). */
  private final Map<String, Socket> byPid = new ConcurrentHashMap<>();
  private volatile Recovery recovery;
  /**
   * Each room's sockets in the order they connected, as socket.io's rooms (insertion-ordered sets) keep them, so a
   * broadcast writes to the oldest connection first, and to the sockets of one client process (connected together)
   * in runs rather than scattered. A hash set's order is random: at 5,000 clients on 5 load processes sharing a core,
   * that kept every process switching in and out, and the clients spent about 6% more CPU per event than with the
   * reference, which set our p50 behind its by as much (scripts/bench sockets shows the clients' CPU per event).
   */
  private final Map<String, Set<Socket>> rooms = new ConcurrentHashMap<>();
  private static final Comparator<Socket> IN_ORDER_MADE = Comparator.comparingLong(s -> s.seq);

  Namespace(String name) {
    this.name = name;
  }

  public String name() { return name; }

  /** Decides every CONNECT to this namespace (default: accept with empty data). */
  public Namespace auth(AuthHook hook) {
    this.authHook = hook == null ? AuthHook.ACCEPT_ALL : hook;
    return this;
  }

  public AuthHook authHook() { return authHook; }

  /**
   * Turns on connection state recovery ({@link Recovery}) for sockets connecting from now on: pids, offsets on
   * broadcasts, dropped sockets kept for the window. Null turns it off for new sockets.
   */
  public Namespace recovery(Recovery r) {
    this.recovery = r;
    return this;
  }

  /** The recovery settings, or null when it is off. */
  public Recovery recovery() { return recovery; }

  /** Whether a socket of this private session id is on this node (connected, or kept for recovery). */
  public boolean holds(String pid) {
    return pid != null && byPid.containsKey(pid);
  }

  /** Sockets of this node kept for recovery now: detached ones waiting to be claimed. */
  public int detached() {
    int n = 0;
    for (Socket s : byPid.values()) if (s.state() == Socket.State.DETACHED) n++;
    return n;
  }

  /**
   * Claims the socket of {@code pid} on this node (connected or detached) for a connection accepted with {@code data},
   * forwarding what reaches it afterwards to {@code successor}: see {@link Socket} and {@link Recovery}. Succeeds with
   * null when there is none, or it may not be given.
   */
  public Future<Recovery.Restored> claim(String pid, String offset, JsonObject data,
                                                       Consumer<Recovery.Entry> successor) {
    Socket s = pid == null ? null : byPid.get(pid);
    if (s == null || (s.state() != Socket.State.CONNECTED && s.state() != Socket.State.DETACHED)) {
      return Future.succeededFuture();
    }
    return s.claim(offset, data, successor);
  }

  /** Restores {@code pid} for a new connection: from this node, else through {@link Recovery.Remote}. */
  Future<Recovery.Restored> restore(String pid, String offset, JsonObject data,
                                                  Recovery.Handover handover) {
    Recovery r = recovery;
    if (r == null) return Future.succeededFuture();
    Socket s = byPid.get(pid);
    if (s != null && (s.state() == Socket.State.CONNECTED || s.state() == Socket.State.DETACHED)) {
      return s.claim(offset, data, handover::accept);
    }
    return r.remote().claim(pid, offset, data, handover);
  }

  /** Called on the socket's loop after the client got its CONNECT answer. */
  public Namespace onConnection(Consumer<Socket> handler) {
    connectionHandlers.add(handler);
    return this;
  }

  /** Handles {@code event} for every socket of the namespace (a socket's own {@link Socket#on} wins). */
  public Namespace on(String event, SocketEventHandler handler) {
    handlers.put(event, handler);
    return this;
  }

  SocketEventHandler handler(String event) {
    return handlers.get(event);
  }

  /** The connected socket with this id, or null. */
  public Socket socket(String id) {
    return sockets.get(id);
  }

  /** Sockets connected to this namespace on this node. */
  public int size() {
    return sockets.size();
  }

  /** The sockets in {@code room} now (a snapshot). */
  public List<Socket> socketsIn(String room) {
    Set<Socket> set = rooms.get(room);
    return set == null ? List.of() : List.copyOf(set);
  }

  /** Emits to every socket in {@code room} on this node; returns how many connected sockets it was sent to. */
  public int emitToRoom(String room, String event, Object... args) {
    return emitArgsToRoom(room, event, new JsonArray(new ArrayList<>(Arrays.asList(args))));
  }

  public int emitArgsToRoom(String room, String event, JsonArray args) {
    return emitArgsToRoomExcept(room, null, event, args, null);
  }

  /**
   * As {@link #emitArgsToRoom}, with the broadcast's offset when recovery is on ({@link Offsets}; null: a new one).
   * Every node gives one event the same offset, so a session that moves between nodes is given it once.
   */
  public int emitArgsToRoom(String room, String event, JsonArray args, String offset) {
    return emitArgsToRoomExcept(room, null, event, args, offset);
  }

  /** As {@link #emitArgsToRoom}, leaving out the socket with id {@code except} (the sender; none when null). */
  public int emitArgsToRoomExcept(String room, String except, String event, JsonArray args) {
    return emitArgsToRoomExcept(room, except, event, args, null);
  }

  public int emitArgsToRoomExcept(String room, String except, String event, JsonArray args, String offset) {
    Set<Socket> set = rooms.get(room);
    return set == null ? 0 : broadcast(set, except, event, args, offset);
  }

  /** Emits to each of {@code targets} once (the union of several rooms), encoded once for all. */
  public int emitTo(java.util.Collection<Socket> targets, String event, JsonArray args) {
    return broadcast(targets, null, event, args, null);
  }

  public int emitTo(java.util.Collection<Socket> targets, String event, JsonArray args, String offset) {
    return broadcast(targets, null, event, args, offset);
  }

  /** Emits to every socket of the namespace on this node (and those kept for recovery). */
  public int emit(String event, Object... args) {
    JsonArray list = new JsonArray(new ArrayList<>(Arrays.asList(args)));
    if (recovery == null) return broadcast(sockets.values(), null, event, list, null);
    List<Socket> all = new ArrayList<>(sockets.values());
    for (Socket s : byPid.values()) if (!s.connected()) all.add(s);
    return broadcast(all, null, event, list, null);
  }

  /** Sockets handed to another event loop in one task: enough to save a task per socket, few enough to start early. */
  private static final int BATCH = 64;

  /**
   * Encoded once for all, down to the WebSocket frame; binary parts are copied per client (a buffer is consumed by
   * its write). Written in the same walk over the targets that finds them, with no count or copy of the set first (at
   * 5,000 sockets those walks delayed the first write by about a millisecond): sockets of the calling event loop are
   * written at once, the others are handed to their own loop in batches of {@link #BATCH}, one task each rather than
   * one per socket (thousands of cross-thread tasks and wake-ups per broadcast were most of its cost beside the
   * writes). Each socket's packets still go after whatever was sent to it before, through the same queue.
   */
  private int broadcast(Iterable<Socket> targets, String except, String event, JsonArray args, String offset) {
    List<Object> list = new ArrayList<>(args.size() + 2);
    list.add(event);
    list.addAll(args.getList());
    String o = null;
    if (recovery != null) {
      // socket.io's connection state recovery: the offset is the event's last argument
      o = offset != null ? offset : Offsets.next();
      list.add(o);
    }
    JsonArray data = new JsonArray(list);
    List<EnginePacket> encoded = new SioPacket(SioPacket.EVENT, name, null, data, 0).encode();
    // a binary broadcast (attachments after its text) is not kept: the sockets it reaches cannot be recovered exactly
    // until their clients answer a ping (see Outbox)
    Recovery.Entry entry = o == null ? null : new Recovery.Entry(o, encoded.size() == 1 ? data : null);
    Fanout out = new Fanout(encoded, entry);
    int connected = 0;
    for (Socket s : targets) {
      // kept sockets too (detached, forwarding): they keep what they miss; a GONE one may be in a snapshot of targets
      if (s.receiving() && (except == null || !except.equals(s.id()))) {
        out.add(s);
        if (s.connected()) connected++;
      }
    }
    out.finish();
    return connected;
  }

  /** One broadcast's walk: see {@link #broadcast}. */
  private static final class Fanout {
    private final List<EnginePacket> encoded;
    private final Recovery.Entry entry;
    private final boolean hasBinary;
    /** For more than one socket the WebSocket frame is built once too (a view of it per socket). */
    private List<EnginePacket> shared;
    private Socket first;
    private int n;
    private Map<ContextInternal, List<Socket>> pending;

    Fanout(List<EnginePacket> encoded, Recovery.Entry entry) {
      this.encoded = encoded;
      this.entry = entry;
      this.hasBinary = encoded.stream().anyMatch(EnginePacket::isBinary);
    }

    void add(Socket s) {
      if (++n == 1) {
        first = s; // held until a second one says whether the shared frame is worth building
        return;
      }
      if (n == 2) {
        shared = encoded.stream().map(EnginePacket::shared).toList();
        route(first);
        first = null;
      }
      route(s);
    }

    int finish() {
      if (first != null) {
        shared = encoded;
        route(first);
      }
      if (pending != null) {
        for (Map.Entry<ContextInternal, List<Socket>> batch : pending.entrySet()) handOver(batch.getKey(), batch.getValue());
      }
      return n;
    }

    private void route(Socket s) {
      ContextInternal loop = s.context();
      if (loop.nettyEventLoop().inEventLoop()) {
        s.sendEncodedOnLoop(packetsFor(shared), entry);
        return;
      }
      if (pending == null) pending = new IdentityHashMap<>(4);
      List<Socket> batch = pending.computeIfAbsent(loop, c -> new ArrayList<>(BATCH));
      batch.add(s);
      if (batch.size() == BATCH) {
        pending.remove(loop);
        handOver(loop, batch);
      }
    }

    private void handOver(ContextInternal loop, List<Socket> batch) {
      List<EnginePacket> packets = shared;
      Recovery.Entry e = entry;
      loop.runOnContext(v -> {
        for (Socket s : batch) s.sendEncodedOnLoop(packetsFor(packets), e);
      });
    }

    /** A socket's own copy where a write consumes the buffer (binary parts), the shared packets otherwise. */
    private List<EnginePacket> packetsFor(List<EnginePacket> packets) {
      return hasBinary ? copyBinaries(packets) : packets;
    }
  }

  private static List<EnginePacket> copyBinaries(List<EnginePacket> packets) {
    List<EnginePacket> copy = new ArrayList<>(packets.size());
    for (EnginePacket p : packets) copy.add(p.isBinary() ? EnginePacket.message(p.binary().copy()) : p);
    return copy;
  }

  // ------------------------------------------------------------------------------------------- called by the sockets

  void addSocket(Socket socket) {
    sockets.put(socket.id(), socket);
    if (socket.pid() != null) byPid.put(socket.pid(), socket);
  }

  /** A socket gone for good (not kept for recovery, or no longer). */
  void forget(Socket socket) {
    if (socket.pid() != null) byPid.remove(socket.pid(), socket);
  }

  void removeSocket(Socket socket) {
    sockets.remove(socket.id(), socket);
  }

  void fireConnection(Socket socket) {
    for (Consumer<Socket> handler : connectionHandlers) {
      try {
        handler.accept(socket);
      } catch (RuntimeException e) {
        log.warn("Namespace {}: connection handler failed for socket {}: {}", name, socket.id(), e.toString());
      }
    }
  }

  void addToRoom(String room, Socket socket) {
    rooms.compute(room, (k, set) -> {
      Set<Socket> s = set != null ? set : new ConcurrentSkipListSet<>(IN_ORDER_MADE);
      s.add(socket);
      return s;
    });
  }

  void removeFromRoom(String room, Socket socket) {
    rooms.computeIfPresent(room, (k, set) -> {
      set.remove(socket);
      return set.isEmpty() ? null : set;
    });
  }
}
