package crm.socket.io;

import crm.socket.engineio.EnginePacket;
import crm.socket.engineio.EngineServer;
import crm.socket.engineio.EngineSession;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Socket.IO side of one Engine.IO connection: decodes packets (reassembling binary attachments), connects
 * namespaces through their auth hook, routes events and acks to the sockets, enforces the connect timeout.
 * Everything runs on the connection's event loop.
 */
final class SioClient implements EngineSession.Listener {
  private static final Logger log = LoggerFactory.getLogger(SioClient.class);

  private final SocketIoServer server;
  private final EngineSession session;
  private final Map<String, Socket> sockets = new HashMap<>(2);
  private Set<String> connecting;              // namespaces whose auth hook has not answered yet
  private SioPacket pendingBinary;             // a binary packet waiting for its attachments
  private List<Buffer> attachments;
  private long attachmentBytes;
  private long connectTimer;

  SioClient(SocketIoServer server, EngineSession session) {
    this.server = server;
    this.session = session;
    session.listener(this);
    connectTimer = session.context().setTimer(server.connectTimeoutMs(), t -> {
      connectTimer = -1;
      if (sockets.isEmpty() && session.isOpen()) {
        log.debug("Socket.IO connection {}: no namespace joined in time, closing", session.id());
        session.close("connect timeout");
      }
    });
  }

  ContextInternal context() {
    return session.context();
  }

  String transport() {
    return session.transport();
  }

  void execute(Runnable action) {
    session.execute(action);
  }

  void send(SioPacket packet) {
    session.sendAll(packet.encode());
  }

  void sendEncoded(List<EnginePacket> packets) {
    session.sendAll(packets);
  }

  void remove(Socket socket) {
    sockets.remove(socket.namespace().name(), socket);
  }

  void close(String reason) {
    session.close(reason);
  }

  /** Ends the connection at once, as if it dropped (its sockets are told {@code reason}). */
  void abort(String reason) {
    session.abort(reason, false);
  }

  // ---------------------------------------------------------------------------------------------------- receiving

  @Override
  public void onMessage(EngineSession s, Object data) {
    try {
      if (data instanceof String text) {
        if (pendingBinary != null) throw new SioPacket.ProtocolException("text packet while waiting for attachments");
        SioPacket p = SioPacket.decode(text);
        if (p.isBinary() && p.attachments() > 0) {
          pendingBinary = p;
          attachments = new ArrayList<>(p.attachments());
          attachmentBytes = 0;
          return;
        }
        dispatch(p.isBinary() ? p.withAttachments(List.of()) : p);
      } else if (data instanceof Buffer binary) {
        if (pendingBinary == null) throw new SioPacket.ProtocolException("unexpected binary data");
        attachmentBytes += binary.length();
        if (attachmentBytes > session.maxPayload()) throw new SioPacket.ProtocolException("attachments too large");
        attachments.add(binary);
        if (attachments.size() == pendingBinary.attachments()) {
          SioPacket p = pendingBinary.withAttachments(attachments);
          pendingBinary = null;
          attachments = null;
          dispatch(p);
        }
      }
    } catch (SioPacket.ProtocolException e) {
      log.debug("Socket.IO connection {}: {}, closing", session.id(), e.getMessage());
      session.abort("parse error", false);
    }
  }

  private void dispatch(SioPacket p) throws SioPacket.ProtocolException {
    switch (p.type()) {
      case SioPacket.CONNECT -> connect(p.nsp(), p.data() instanceof JsonObject auth ? auth : new JsonObject());
      case SioPacket.DISCONNECT -> {
        Socket socket = sockets.remove(p.nsp());
        if (socket != null) socket.onDisconnected("client namespace disconnect");
      }
      case SioPacket.EVENT, SioPacket.BINARY_EVENT -> {
        Socket socket = sockets.get(p.nsp());
        if (socket != null) {
          socket.onEvent(p);
        } else {
          log.debug("Socket.IO connection {}: event for unconnected namespace {}, ignored", session.id(), p.nsp());
        }
      }
      case SioPacket.ACK, SioPacket.BINARY_ACK -> {
        Socket socket = sockets.get(p.nsp());
        if (socket != null) socket.onAck(p);
      }
      default -> throw new SioPacket.ProtocolException("unexpected packet type " + p.type());
    }
  }

  // --------------------------------------------------------------------------------------------------- connecting

  private void connect(String nsp, JsonObject auth) {
    Namespace ns = server.existing(nsp);
    if (ns == null) {
      send(new SioPacket(SioPacket.CONNECT_ERROR, nsp, null, new JsonObject().put("message", "Invalid namespace"), 0));
      return;
    }
    if (connecting != null && connecting.contains(nsp)) {
      log.debug("Socket.IO connection {}: CONNECT to {} while one is pending, ignored", session.id(), nsp);
      return;
    }
    Socket previous = sockets.remove(nsp);
    if (previous != null) previous.onDisconnected("client namespace disconnect");
    Handshake handshake = new Handshake(nsp, auth, session.handshake());
    if (connecting == null) connecting = new HashSet<>(2);
    connecting.add(nsp);
    Future<JsonObject> decision;
    try {
      decision = ns.authHook().authorize(handshake);
      if (decision == null) decision = Future.succeededFuture(new JsonObject());
    } catch (RuntimeException e) {
      decision = Future.failedFuture(e);
    }
    decision.onComplete(ar -> session.execute(() -> decided(ns, handshake, ar)));
  }

  private void decided(Namespace ns, Handshake handshake, AsyncResult<JsonObject> ar) {
    String nsp = ns.name();
    if (!session.isOpen()) {
      if (connecting != null) connecting.remove(nsp);
      return;
    }
    if (ar.failed()) {
      if (connecting != null) connecting.remove(nsp);
      JsonObject error;
      if (ar.cause() instanceof ConnectError refused) {
        error = refused.toJson();
      } else {
        log.warn("Socket.IO namespace {}: auth hook failed: {}", nsp, ar.cause().toString());
        error = new JsonObject().put("message", "Connection refused");
      }
      send(new SioPacket(SioPacket.CONNECT_ERROR, nsp, null, error, 0));
      return;
    }
    JsonObject data = ar.result() != null ? ar.result() : new JsonObject();
    Recovery recovery = ns.recovery();
    String pid = recovery == null ? null : pidOf(handshake.auth());
    if (pid == null) {
      open(ns, handshake, data, recovery, null, null);
      return;
    }
    // a client coming back (socket.io-client 4.6+ sends the pid and the last offset it got): its session, if it may
    Object offset = handshake.auth().getValue("offset");
    if (offset != null && !(offset instanceof String o && o.length() <= MAX_ID)) {
      open(ns, handshake, data, recovery, null, null);
      return;
    }
    Recovery.Handover handover = new Recovery.Handover();
    ns.restore(pid, (String) offset, data, handover).onComplete(restored -> session.execute(() -> {
      if (restored.failed()) log.warn("Socket.IO namespace {}: recovery failed: {}", nsp, restored.cause().toString());
      Recovery.Restored r = restored.succeeded() ? restored.result() : null;
      if (r == null) handover.abandon();
      open(ns, handshake, data, recovery, r, handover);
    }));
  }

  /** Longest pid or offset taken from a client (ours are 20 and at most 22 characters). */
  private static final int MAX_ID = 64;

  private static String pidOf(JsonObject auth) {
    return auth.getValue("pid") instanceof String p && !p.isEmpty() && p.length() <= MAX_ID ? p : null;
  }

  /**
   * Opens the socket: a new one, or with recovery the one {@code restored} gave (same id and rooms; what the client
   * missed is written before the CONNECT answer, as socket.io does, and socket.io-client hands it to the listeners
   * before {@code connect}). A restored session whose connection closed meanwhile is kept detached again.
   */
  private void open(Namespace ns, Handshake handshake, JsonObject data, Recovery recovery, Recovery.Restored restored,
                    Recovery.Handover handover) {
    String nsp = ns.name();
    if (connecting != null) connecting.remove(nsp);
    Socket socket;
    if (recovery == null) {
      socket = new Socket(EngineServer.randomId(), ns, this, handshake, data);
    } else if (restored == null) {
      socket = new Socket(EngineServer.randomId(), ns, this, handshake, data, EngineServer.randomId(),
          new Outbox(recovery.maxPackets()), false);
    } else {
      socket = new Socket(restored.sid(), ns, this, handshake, data, pidOf(handshake.auth()),
          Outbox.restored(recovery.maxPackets(), restored.offset(), restored.missed()), true);
      socket.rememberOffsets(restored.missed());
    }
    if (!session.isOpen()) {
      if (restored != null) {
        ns.addSocket(socket);
        for (String room : restored.rooms()) socket.join(room);
        socket.onDisconnected("transport close");
        handover.attach(socket);
      }
      return;
    }
    sockets.put(nsp, socket);
    if (connectTimer != -1) {
      context().owner().cancelTimer(connectTimer);
      connectTimer = -1;
    }
    JsonObject answer = new JsonObject().put("sid", socket.id());
    if (recovery != null) answer.put("pid", socket.pid());
    if (restored != null) {
      for (Recovery.Entry e : restored.missed()) send(new SioPacket(SioPacket.EVENT, nsp, null, e.data(), 0));
    }
    send(new SioPacket(SioPacket.CONNECT, nsp, null, answer, 0));
    ns.addSocket(socket);
    if (restored != null) {
      // rooms joined after the missed broadcasts were written, in this same task: what reaches the rooms comes after
      for (String room : restored.rooms()) socket.join(room);
      handover.attach(socket);
    }
    ns.fireConnection(socket);
  }

  @Override
  public void onPing(EngineSession s) {
    for (Socket socket : sockets.values()) socket.pingSent();
  }

  @Override
  public void onPong(EngineSession s) {
    for (Socket socket : sockets.values()) socket.pongReceived();
  }

  // ------------------------------------------------------------------------------------------------------ closing

  @Override
  public void onClose(EngineSession s, String reason) {
    if (connectTimer != -1) {
      context().owner().cancelTimer(connectTimer);
      connectTimer = -1;
    }
    pendingBinary = null;
    attachments = null;
    List<Socket> all = new ArrayList<>(sockets.values());
    sockets.clear();
    for (Socket socket : all) socket.onDisconnected(reason);
  }
}
