package crm.socket.engineio;

import crm.socket.engineio.EnginePacket.MalformedPacketException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Engine.IO connection (a "sid"): its transport (long-polling, or a WebSocket after the upgrade or from the
 * start), the packets waiting for the client, heartbeats, the upgrade, and closing.
 *
 * <p>Threading: the session belongs to the event loop of the request that opened it ({@link #context}). Every
 * change of its state runs there; callers on other event loops (the next polling request landing on another
 * HTTP verticle instance, a WebSocket upgrade on another loop, an emit from another verticle) go through
 * {@link #execute}. So nothing here is locked and nothing blocks.
 *
 * <p>Memory: an idle session holds its fields, an empty queue and one timer (the next ping or the pong
 * deadline).
 */
public final class EngineSession {
  private static final Logger log = LoggerFactory.getLogger(EngineSession.class);

  /** What the layer above (Socket.IO, or the echo endpoint) gets from a session; called on the session's loop. */
  public interface Listener {
    /** A message: a String, or a Buffer for binary data. */
    void onMessage(EngineSession session, Object data);

    /** The session ended (called once). */
    void onClose(EngineSession session, String reason);

    /** A ping was queued after everything sent so far. */
    default void onPing(EngineSession session) { }

    /** The client answered the ping: it has read every packet sent before it. */
    default void onPong(EngineSession session) { }
  }

  private enum State { OPEN, CLOSING, CLOSED }

  private final String id;
  private final EngineServer server;
  private final EngineOptions options;
  private final ContextInternal context;
  private final HandshakeRequest handshake;

  private State state = State.OPEN;
  private Listener listener;
  private ArrayDeque<EnginePacket> queue;        // packets waiting for the client (created when first needed)
  private boolean flushScheduled;

  // polling
  private PollRequest pendingGet;
  private boolean postInFlight;

  // websocket: the active one, and the one being probed during an upgrade
  private ServerWebSocket ws;
  private WebSocketWire wire;                    // ws's channel, written directly (null: through the ws API)
  private ServerWebSocket probe;
  private boolean probed;
  private long upgradeTimer = -1;
  private long noopTimer = -1;
  private io.vertx.core.Future<Void> probeAnswered;

  // what a poll arriving during a graceful close gets last: a close packet, or a noop when the client closed
  private char closingAnswer = EnginePacket.CLOSE;

  private long timer = -1;                       // next ping, pong deadline, or the end of a graceful close

  EngineSession(String id, EngineServer server, ContextInternal context, HandshakeRequest handshake) {
    this.id = id;
    this.server = server;
    this.options = server.options();
    this.context = context;
    this.handshake = handshake;
  }

  public String id() { return id; }

  public HandshakeRequest handshake() { return handshake; }

  /** The transport in use: {@code polling} or {@code websocket}. */
  public String transport() {
    return ws != null ? "websocket" : "polling";
  }

  /** The largest message the client may send, bytes. */
  public int maxPayload() {
    return options.maxPayload();
  }

  public boolean isOpen() {
    return state == State.OPEN;
  }

  public void listener(Listener listener) {
    this.listener = listener;
  }

  /** The Vert.x context (event loop) this session lives on. */
  public ContextInternal context() {
    return context;
  }

  /** Runs {@code action} on this session's event loop: now when already there, else queued in order. */
  public void execute(Runnable action) {
    if (context.nettyEventLoop().inEventLoop()) {
      safely(action);
    } else {
      context.runOnContext(v -> safely(action));
    }
  }

  private void safely(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      log.error("Engine.IO session {}: unexpected error, closing it", id, e);
      abort("server error", false);
    }
  }

  /** The handshake packet's JSON, with exactly the five keys of the protocol. */
  JsonObject handshakeJson(boolean upgradable) {
    return new JsonObject()
        .put("sid", id)
        .put("upgrades", upgradable ? new JsonArray().add("websocket") : new JsonArray())
        .put("pingInterval", options.pingInterval())
        .put("pingTimeout", options.pingTimeout())
        .put("maxPayload", options.maxPayload());
  }

  // ---------------------------------------------------------------------------------------------------- sending

  /** Queues one packet for the client (on the session's loop; see {@link #execute}). */
  public void send(EnginePacket packet) {
    if (state != State.OPEN) return;
    enqueue(packet);
  }

  /** Queues packets that must stay together in this order (a Socket.IO packet and its binary attachments). */
  public void sendAll(List<EnginePacket> packets) {
    if (state != State.OPEN) return;
    for (EnginePacket p : packets) {
      if (state != State.OPEN) return;
      enqueue(p);
    }
  }

  private void enqueue(EnginePacket packet) {
    if (ws != null && (queue == null || queue.isEmpty())) {
      // over WebSocket each packet is a frame of its own, there is nothing to gather: written at once, without a
      // queue entry and a flush task per packet (a broadcast to thousands paid both for each socket); a socket
      // whose write queue is full queues below and is flushed when it drains, as before
      try {
        if (wire != null ? wire.writable() : !ws.writeQueueFull()) {
          write(ws, packet);
          return;
        }
      } catch (IllegalStateException closed) {
        return; // the WebSocket closed under us: its close handler ends the session
      }
    }
    if (queue == null) queue = new ArrayDeque<>(4);
    queue.add(packet);
    if (queue.size() > options.maxBufferedPackets()) {
      log.warn("Engine.IO session {}: {} packets waiting for a slow client, dropping it", id, queue.size());
      abort("buffer overflow", false);
      return;
    }
    if (!flushScheduled) {
      // packets sent in the same turn of the event loop leave together (one polling answer)
      flushScheduled = true;
      context.runOnContext(v -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  private void flush() {
    if (state == State.CLOSED || queue == null || queue.isEmpty()) return;
    if (ws != null) {
      flushWebSocket(false);
    } else if (pendingGet != null) {
      PollRequest get = pendingGet;
      pendingGet = null;
      get.ok(drainPayload());
    }
  }

  private void flushWebSocket(boolean ignoreBackPressure) {
    try {
      while (queue != null && !queue.isEmpty()) {
        if (!ignoreBackPressure && wire != null && !wire.writable()) {
          return; // flushed again when the channel turns writable (onWritable)
        }
        if (!ignoreBackPressure && wire == null && ws.writeQueueFull()) {
          ServerWebSocket current = ws;
          current.drainHandler(v -> execute(() -> {
            if (ws == current) flush();
          }));
          return;
        }
        write(ws, queue.poll());
      }
    } catch (IllegalStateException closed) {
      // the WebSocket closed under us: its close handler ends the session
    }
  }

  private void write(ServerWebSocket socket, EnginePacket p) {
    if (wire != null) {
      wire.write(p);
    } else if (p.isBinary()) {
      socket.writeBinaryMessage(p.binary());
    } else {
      socket.writeTextMessage(p.encodeText());
    }
  }

  private String drainPayload() {
    List<EnginePacket> all = new ArrayList<>(queue);
    queue.clear();
    return EnginePacket.encodePayload(all);
  }

  // -------------------------------------------------------------------------------------------------- heartbeat

  void start() {
    schedulePing();
  }

  private void schedulePing() {
    cancelTimer();
    timer = context.setTimer(options.pingInterval(), t -> {
      timer = -1;
      if (state != State.OPEN) return;
      send(EnginePacket.PING_PACKET);
      if (listener != null) listener.onPing(this);
      timer = context.setTimer(options.pingTimeout(), t2 -> {
        timer = -1;
        if (state == State.OPEN) {
          log.debug("Engine.IO session {}: ping timeout", id);
          abort("ping timeout", false);
        }
      });
    });
  }

  private void cancelTimer() {
    if (timer != -1) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
  }

  // ---------------------------------------------------------------------------------------------------- receiving

  private void onPacket(EnginePacket p) {
    if (state != State.OPEN) return;
    switch (p.type()) {
      case EnginePacket.MESSAGE -> {
        if (listener != null) listener.onMessage(this, p.data());
      }
      case EnginePacket.PONG -> {
        schedulePing();
        if (listener != null) listener.onPong(this);
      }
      case EnginePacket.CLOSE -> closedByClient();
      case EnginePacket.NOOP, EnginePacket.UPGRADE -> { }
      default -> {
        // OPEN and PING never come from a v4 client (pings go server -> client)
        log.debug("Engine.IO session {}: unexpected packet type {}, closing", id, p.type());
        abort("parse error", false);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------ polling

  /** A polling GET for this session (on the session's loop). */
  void onPoll(PollRequest get) {
    log.trace("Engine.IO session {}: poll ({})", id, state);
    if (state == State.CLOSED) {
      get.error(EngineError.UNKNOWN_SID);
      return;
    }
    if (ws != null) {
      refuseAfterUpgrade(get); // upgraded: polling is over for this session
      return;
    }
    if (state == State.CLOSING) {
      // a graceful close waits for this poll to hand over what is left, then (with the poll after) the close packet
      if (queue != null && !queue.isEmpty()) {
        get.ok(drainPayload());
        return;
      }
      answerClose(get);
      return;
    }
    if (pendingGet != null) {
      log.debug("Engine.IO session {}: overlapping poll, closing", id);
      get.error(EngineError.BAD_REQUEST);
      abort("transport error", false);
      return;
    }
    if (queue != null && !queue.isEmpty() && !probed) {
      get.ok(drainPayload());
      return;
    }
    pendingGet = get;
    if (probed) scheduleNoop();
  }

  /** The connection of a poll closed before its answer (on the session's loop). */
  void onPollClosed(PollRequest get) {
    if (pendingGet == get) {
      pendingGet = null;
      log.debug("Engine.IO session {}: poll connection closed prematurely", id);
      abort("transport close", false);
    }
  }

  /**
   * A polling POST starts (on the session's loop): true when its body may be read; otherwise it has been
   * answered with an error.
   */
  boolean beginPost(PollRequest post) {
    if (state == State.CLOSED) {
      post.error(EngineError.UNKNOWN_SID);
      return false;
    }
    if (ws != null) {
      refuseAfterUpgrade(post);
      return false;
    }
    if (postInFlight) {
      log.debug("Engine.IO session {}: overlapping POST, closing", id);
      post.error(EngineError.BAD_REQUEST);
      abort("transport error", false);
      return false;
    }
    postInFlight = true;
    return true;
  }

  /** The POST body arrived whole (on the session's loop). */
  void endPost(PollRequest post, Buffer body) {
    log.trace("Engine.IO session {}: post of {} bytes ({})", id, body.length(), state);
    postInFlight = false;
    if (state == State.CLOSED) {
      post.error(EngineError.UNKNOWN_SID);
      return;
    }
    if (state == State.CLOSING) {
      post.ok("ok");
      return;
    }
    List<EnginePacket> packets;
    try {
      packets = EnginePacket.decodePayload(body.toString(java.nio.charset.StandardCharsets.UTF_8));
    } catch (MalformedPacketException e) {
      log.debug("Engine.IO session {}: malformed payload ({}), closing", id, e.getMessage());
      post.error(EngineError.BAD_REQUEST);
      abort("parse error", false);
      return;
    }
    post.ok("ok");
    for (EnginePacket p : packets) {
      if (state != State.OPEN) break;
      onPacket(p);
    }
  }

  /** The POST failed: too large, or its connection broke (on the session's loop). */
  void failPost(String reason) {
    postInFlight = false;
    abort(reason, false);
  }

  // ---------------------------------------------------------------------------------------------------- websocket

  /** Makes {@code socket} the session's transport from the start (no upgrade). */
  void attachWebSocket(ServerWebSocket socket) {
    ws = socket;
    wire = WebSocketWire.of(socket, this::onWritable);
  }

  /** On the channel's loop: its outgoing buffer went below the low watermark. */
  private void onWritable() {
    execute(() -> {
      if (state != State.CLOSED && ws != null) flush();
    });
  }

  /** A WebSocket with this session's sid arrived: the start of an upgrade, or one too many. */
  void onUpgradeRequest(ServerWebSocket socket) {
    log.debug("Engine.IO session {}: upgrade request ({})", id, state);
    if (state != State.OPEN || ws != null || probe != null) {
      socket.close();
      return;
    }
    probe = socket;
    probed = false;
    upgradeTimer = context.setTimer(options.upgradeTimeout(), t -> {
      upgradeTimer = -1;
      if (probe == socket) {
        log.debug("Engine.IO session {}: upgrade timed out", id);
        cancelUpgrade();
      }
    });
  }

  void onWebSocketText(ServerWebSocket socket, String text) {
    if (log.isTraceEnabled()) log.trace("Engine.IO session {}: ws text {}", id, text.length() > 40 ? text.substring(0, 40) : text);
    if (state != State.OPEN) return;
    if (socket == probe) {
      onProbeText(text);
      return;
    }
    if (socket != ws) return;
    EnginePacket p;
    try {
      p = EnginePacket.decodeText(text);
    } catch (MalformedPacketException e) {
      log.debug("Engine.IO session {}: malformed packet ({}), closing", id, e.getMessage());
      abort("parse error", false);
      return;
    }
    onPacket(p);
  }

  void onWebSocketBinary(ServerWebSocket socket, Buffer data) {
    if (state != State.OPEN) return;
    if (socket == probe) {
      cancelUpgrade();
      return;
    }
    if (socket == ws) onPacket(EnginePacket.message(data));
  }

  void onWebSocketError(ServerWebSocket socket, Throwable err) {
    log.debug("Engine.IO session {}: websocket error {}", id, err.toString());
    if (socket == probe) {
      cancelUpgrade();
    } else if (socket == ws && state == State.OPEN) {
      abort("transport error", false);
    }
  }

  void onWebSocketClosed(ServerWebSocket socket) {
    if (socket == probe) {
      probe = null;
      probed = false;
      cancelUpgradeTimer();
    } else if (socket == ws && state != State.CLOSED) {
      if (state == State.CLOSING) {
        finish();
      } else {
        abort("transport close", false);
      }
    }
  }

  private void onProbeText(String text) {
    if ("2probe".equals(text)) {
      probeAnswered = probe.writeTextMessage("3probe");
      probed = true;
      if (pendingGet != null) scheduleNoop();
    } else if ("5".equals(text)) {
      completeUpgrade();
    } else {
      cancelUpgrade();
    }
  }

  /**
   * After the probe the client pauses polling: it waits for its poll in flight to end, then sends the upgrade
   * packet. That poll is ended with a noop, shortly after (as Engine.IO's reference server does with its 100 ms
   * check), so that an upgrade packet already on its way wins: a poll still pending at the upgrade is one the
   * client sent after the probe, and is refused like any poll after the upgrade.
   */
  private void scheduleNoop() {
    if (noopTimer != -1) return;
    noopTimer = context.setTimer(NOOP_DELAY_MS, t -> {
      noopTimer = -1;
      if (state == State.OPEN && probed && pendingGet != null) {
        PollRequest get = pendingGet;
        pendingGet = null;
        get.ok(String.valueOf(EnginePacket.NOOP));
      }
    });
  }

  private static final long NOOP_DELAY_MS = 100;

  private void completeUpgrade() {
    cancelUpgradeTimer();
    if (pendingGet != null) {
      PollRequest get = pendingGet;
      pendingGet = null;
      refuseAfterUpgrade(get);
    }
    ws = probe;
    wire = WebSocketWire.of(ws, this::onWritable);
    probe = null;
    probed = false;
    log.debug("Engine.IO session {}: upgraded to websocket", id);
    flush();
  }

  /**
   * Refuses a polling request of an upgraded session, once the probe's answer has left: it goes out on another
   * connection, maybe from another event loop, and a client may well read both in the order they left.
   */
  private void refuseAfterUpgrade(PollRequest request) {
    if (probeAnswered != null && !probeAnswered.isComplete()) {
      probeAnswered.onComplete(ar -> request.error(EngineError.BAD_REQUEST));
    } else {
      request.error(EngineError.BAD_REQUEST);
    }
  }

  private void cancelUpgrade() {
    cancelUpgradeTimer();
    if (probe != null) {
      ServerWebSocket p = probe;
      probe = null;
      probed = false;
      probeAnswered = null;
      closeQuietly(p);
    }
  }

  private void cancelUpgradeTimer() {
    if (upgradeTimer != -1) {
      context.owner().cancelTimer(upgradeTimer);
      upgradeTimer = -1;
    }
    if (noopTimer != -1) {
      context.owner().cancelTimer(noopTimer);
      noopTimer = -1;
    }
  }

  // ------------------------------------------------------------------------------------------------------ closing

  /**
   * The client sent a close packet. Over WebSocket, or with a poll pending (answered with a noop), the session
   * ends at once; otherwise a poll racing with the close still gets its noop, within one ping period.
   */
  private void closedByClient() {
    if (ws != null || pendingGet != null) {
      abort("transport close", true);
      return;
    }
    closingAnswer = EnginePacket.NOOP;
    closeGracefully("transport close");
  }

  /**
   * Closes at once: errors, ping timeout, the client's own close, a dropped client. A pending poll is answered
   * with a close packet ({@code 1}), or a noop ({@code 6}) when the client asked to close.
   */
  public void abort(String reason, boolean byClient) {
    if (state == State.CLOSED) return;
    boolean wasOpen = state == State.OPEN;
    state = State.CLOSED;
    cancelTimer();
    cancelUpgrade();
    server.remove(this);
    if (pendingGet != null) {
      PollRequest get = pendingGet;
      pendingGet = null;
      get.ok(String.valueOf(byClient ? EnginePacket.NOOP : EnginePacket.CLOSE));
    }
    if (queue != null) queue.clear();
    if (ws != null) closeQuietly(ws);
    if (wasOpen) notifyClosed(reason);
  }

  /**
   * Closes from the server side after handing over what is queued: over WebSocket the packets are written then
   * the socket closed; over polling they go with the pending or next poll and the close packet with the poll after
   * (never in one payload: see closeGracefully), waiting for at most one ping period.
   */
  public void close(String reason) {
    closeGracefully(reason);
  }

  private void closeGracefully(String reason) {
    if (state != State.OPEN) return;
    state = State.CLOSING;
    cancelTimer();
    cancelUpgrade();
    notifyClosed(reason);
    if (state != State.CLOSING) return;
    if (ws != null) {
      flushWebSocket(true);
      closeQuietly(ws);
      finish();
    } else if (pendingGet != null && (queue == null || queue.isEmpty())) {
      PollRequest get = pendingGet;
      pendingGet = null;
      answerClose(get);
    } else {
      if (pendingGet != null) {
        // Packets still queued (a DISCONNECT, say) leave alone, the close packet with the next poll, as engine.io
        // does: socket.io-client handles a Socket.IO packet on the next tick but a close packet at once, so in one
        // payload the close would overtake the DISCONNECT (the client would see "transport close" and reconnect).
        PollRequest get = pendingGet;
        pendingGet = null;
        get.ok(drainPayload());
      }
      timer = context.setTimer((long) options.pingInterval() + options.pingTimeout(), t -> {
        timer = -1;
        finish();
      });
    }
  }

  /** The last answer of a closing session's poll: the close packet (a noop when the client asked to close). */
  private void answerClose(PollRequest get) {
    if (queue == null) queue = new ArrayDeque<>(1);
    queue.add(new EnginePacket(closingAnswer, "", null));
    get.ok(drainPayload());
    finish();
  }

  private void finish() {
    state = State.CLOSED;
    cancelTimer();
    if (queue != null) queue.clear();
    server.remove(this);
  }

  private void notifyClosed(String reason) {
    Listener l = listener;
    listener = null;
    if (l == null) return;
    try {
      l.onClose(this, reason);
    } catch (RuntimeException e) {
      log.error("Engine.IO session {}: close listener failed", id, e);
    }
  }

  private static void closeQuietly(ServerWebSocket socket) {
    try {
      if (!socket.isClosed()) socket.close();
    } catch (RuntimeException ignored) {
      // already closing
    }
  }

  @Override
  public String toString() {
    return "EngineSession[" + id + ", " + transport() + ", " + state + "]";
  }
}
