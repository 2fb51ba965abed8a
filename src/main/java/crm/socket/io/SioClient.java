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
    if (connecting != null) connecting.remove(nsp);
    if (!session.isOpen()) return;
    if (ar.failed()) {
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
    Socket socket = new Socket(EngineServer.randomId(), ns, this, handshake, data);
    sockets.put(nsp, socket);
    if (connectTimer != -1) {
      context().owner().cancelTimer(connectTimer);
      connectTimer = -1;
    }
    send(new SioPacket(SioPacket.CONNECT, nsp, null, new JsonObject().put("sid", socket.id()), 0));
    ns.addSocket(socket);
    ns.fireConnection(socket);
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
