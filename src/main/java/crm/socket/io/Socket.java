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
  private final SioClient client;
  private final Handshake handshake;
  private final JsonObject data;

  // created when first used: an idle socket that never registered anything holds none of them
  private Map<String, EventHandler> handlers;
  private List<Consumer<String>> disconnectListeners;
  private Set<String> rooms;
  private Map<Long, PendingAck> acks;
  private long nextAckId;
  private volatile boolean connected = true;

  private record PendingAck(Promise<JsonArray> promise, long timer) {}

  Socket(String id, Namespace namespace, SioClient client, Handshake handshake, JsonObject data) {
    this.id = id;
    this.namespace = namespace;
    this.client = client;
    this.handshake = handshake;
    this.data = data;
  }

  /** The socket id (the {@code sid} of the CONNECT answer), unique per namespace connection. */
  public String id() { return id; }

  public Namespace namespace() { return namespace; }

  public Handshake handshake() { return handshake; }

  /** What the namespace's {@link AuthHook} accepted the socket with (e.g. the principal); mutable, loop-only. */
  public JsonObject data() { return data; }

  public boolean connected() { return connected; }

  /** The transport of the underlying connection right now: {@code polling} or {@code websocket}. */
  public String transport() { return client.transport(); }

  /** Runs {@code action} on this socket's event loop. */
  public void execute(Runnable action) {
    client.execute(action);
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
      if (!connected) {
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
      if (connected) client.send(new SioPacket(SioPacket.EVENT, namespace.name(), null, payload, 0));
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
      if (!connected) {
        promise.tryFail(new IllegalStateException("socket disconnected"));
        return;
      }
      long ackId = nextAckId++;
      long timer = client.context().setTimer(timeoutMs, t -> {
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
      if (!connected) return;
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
      if (connected) {
        client.send(new SioPacket(SioPacket.DISCONNECT, namespace.name(), null, null, 0));
        client.remove(this);
        onDisconnected("server namespace disconnect");
      }
      if (close) client.close("forced server close");
    });
  }

  /** The event loop (context) of the client's connection. */
  ContextInternal context() {
    return client.context();
  }

  /** Packets encoded once for many sockets (room broadcasts); called on this socket's loop, so it runs at once. */
  void sendEncodedOnLoop(List<crm.socket.engineio.EnginePacket> packets) {
    execute(() -> {
      if (connected) client.sendEncoded(packets);
    });
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
    client.context().owner().cancelTimer(pending.timer());
    pending.promise().tryComplete((JsonArray) p.data());
  }

  void onDisconnected(String reason) {
    if (!connected) return;
    connected = false;
    if (rooms != null) {
      for (String room : rooms) namespace.removeFromRoom(room, this);
      rooms = null;
    }
    namespace.removeSocket(this);
    if (acks != null) {
      for (PendingAck pending : acks.values()) {
        client.context().owner().cancelTimer(pending.timer());
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
        if (sent || !connected) return;
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
