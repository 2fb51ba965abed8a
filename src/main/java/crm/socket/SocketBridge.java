package crm.socket;

import crm.auth.Principal;
import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.JsonBounds;
import crm.socket.io.SocketEventHandler;
import crm.socket.io.Ack;
import crm.socket.io.Namespace;
import crm.socket.io.Socket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agents' live events: what the domain publishes on the (clustered) event bus reaches the sockets of this node as
 * {@link Delivery} says, and what the sockets send becomes bus requests. Every node runs one; each delivers to its
 * own sockets only, so an event published on node A reaches a socket on node B through B's bridge.
 *
 * <p>Client events: {@code join:conversation} / {@code leave:conversation} {conversationId} (ack {success} or
 * {success: false, error: {code, message}}; joining needs the visibility rule's yes), {@code agent:typing}
 * {conversationId, isTyping} (to the other sockets in the room, on every node, and WhatsApp's typing indicator),
 * {@code agent:status} {status} (announced as agent:status_change, then stored; acknowledged once stored). Anything
 * else, or a malformed payload, is logged and ignored; the connection stays.
 */
final class SocketBridge {
  private static final Logger log = LoggerFactory.getLogger(SocketBridge.class);
  /** Published: {conversationId, agentId, isTyping, socketId, origin}: an agent typing, for the other nodes' sockets. */
  static final String AGENT_TYPING = "crm.socket.agent_typing";
  private static final Set<String> STATUSES = Set.of("online", "offline", "busy", "away");
  private static final Delivery.Rule STATUS_RULE = Delivery.rule(Addresses.EVT_AGENT_STATUS_CHANGED);

  private final Vertx vertx;
  private final Namespace ns;
  private final Bus bus;
  private final int maxDepth;

  /**
   * Tells the events this node delivered itself before publishing them (typing, the agents' own status changes) from
   * other nodes' (those reach this node's sockets through the bus).
   */
  private final String origin = java.util.UUID.randomUUID().toString();

  SocketBridge(Vertx vertx, Namespace ns, int maxDepth) {
    this.vertx = vertx;
    this.ns = ns;
    this.bus = new Bus(vertx);
    this.maxDepth = maxDepth;
  }

  Future<Void> start() {
    ns.onConnection(this::connected);
    on("join:conversation", this::join);
    on("leave:conversation", this::leave);
    on("agent:typing", this::typing);
    on("agent:status", this::status);
    List<Future<Void>> consumers = new java.util.ArrayList<>();
    for (Delivery.Rule rule : Delivery.RULES) {
      consumers.add(vertx.eventBus().<JsonObject>consumer(rule.address(), m -> deliver(rule, m.body(), EventIds.of(m)))
          .completion());
    }
    consumers.add(vertx.eventBus().<JsonObject>consumer(AGENT_TYPING, m -> {
      if (!origin.equals(m.body().getString("origin"))) othersTyping(m.body(), EventIds.of(m));
    }).completion());
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.EVT_AUTH_REVOKED, m -> revoked(m.body())).completion());
    consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.EVT_CONVERSATION_UPDATED, m -> conversationChanged(m.body()))
        .completion());
    return Future.all(consumers).mapEmpty();
  }

  // ---- connections

  private void connected(Socket s) {
    Principal p = principal(s);
    if (p == null) {
      s.disconnect(true);
      return;
    }
    s.join(Delivery.EVERYONE);
    s.join(Delivery.agentRoom(p.agentId()));
    s.join(Delivery.roleRoom(p.role()));
    if (SocketWarmup.isWarmup(p)) return; // the start-up warm-up's own sockets: no presence, nothing stored or announced
    vertx.eventBus().send(PresenceVerticle.CONNECTED, new JsonObject().put("agentId", p.agentId()));
    s.onDisconnect(reason -> vertx.eventBus().send(PresenceVerticle.DISCONNECTED, new JsonObject().put("agentId", p.agentId())));
  }

  private static Principal principal(Socket s) {
    try {
      return s.data() == null || s.data().getString("agentId") == null ? null : JwtSocketAuth.principal(s);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static JsonObject caller(Principal p) {
    return new JsonObject().put("agentId", p.agentId()).put("role", p.role())
        .put("permissions", new JsonArray(List.copyOf(p.permissions())));
  }

  // ---- delivery

  /** A published event: this node's sockets have it already when this node announced it (its origin). */
  private void deliver(Delivery.Rule rule, JsonObject event, String eventId) {
    if (event == null || origin.equals(event.getString("origin"))) return;
    announce(rule, event, eventId);
  }

  /**
   * Delivers an event to this node's sockets as {@code rule} says; {@code eventId} ({@link EventIds}) is its offset
   * for connection state recovery, the same on every node.
   */
  private void announce(Delivery.Rule rule, JsonObject event, String eventId) {
    try {
      Set<String> rooms = rule.rooms().apply(event);
      String sender = event.getString("senderSessionId");
      if (rooms.size() == 1 && sender == null) {
        // one room (everyone, for statuses and tickets): straight from the room, no union of snapshots to build
        ns.emitArgsToRoom(rooms.iterator().next(), rule.event(), new JsonArray().add(rule.payload().apply(event)), eventId);
        return;
      }
      Set<Socket> targets = new LinkedHashSet<>();
      for (String room : rooms) targets.addAll(ns.socketsIn(room));
      if (sender != null) { // the sending session has it in its answer: its sockets (found in its agent's room) skip it
        for (Socket s : ns.socketsIn(Delivery.agentRoom(event.getString("senderAgentId")))) {
          Principal p = principal(s);
          if (p != null && sender.equals(p.sessionId())) targets.remove(s);
        }
      }
      if (targets.isEmpty()) return;
      ns.emitTo(targets, rule.event(), new JsonArray().add(rule.payload().apply(event)), eventId);
    } catch (RuntimeException e) {
      log.warn("cannot deliver {} ({}): {}", rule.event(), rule.address(), e.toString());
    }
  }

  /** A conversation changed hands or ended: agents who may no longer see it leave its room. */
  private void conversationChanged(JsonObject e) {
    if (e == null || e.getString("conversationId") == null) return;
    String assignee = e.getString("assignedAgentId");
    boolean openToAll = assignee == null && "open".equals(e.getString("status"));
    for (Socket s : ns.socketsIn(Delivery.conversationRoom(e.getString("conversationId")))) {
      Principal p = principal(s);
      if (p == null || "admin".equals(p.role()) || "supervisor".equals(p.role())) continue;
      if (!openToAll && !p.agentId().equals(assignee)) s.leave(Delivery.conversationRoom(e.getString("conversationId")));
    }
  }

  /** Logout, deactivation, a changed role or password: the sockets of that session or agent are closed. */
  private void revoked(JsonObject e) {
    if (e == null) return;
    String agentId = e.getString("agentId");
    String sessionId = e.getString("sessionId");
    List<Socket> sockets = agentId != null ? ns.socketsIn(Delivery.agentRoom(agentId)) : ns.socketsIn(Delivery.EVERYONE);
    for (Socket s : sockets) {
      Principal p = principal(s);
      if (p == null) continue;
      if ((agentId != null && agentId.equals(p.agentId())) || (sessionId != null && sessionId.equals(p.sessionId()))) {
        s.disconnect(true);
      }
    }
  }

  // ---- client events

  private static JsonObject firstObject(JsonArray args) {
    return args != null && !args.isEmpty() && args.getValue(0) instanceof JsonObject o ? o : null;
  }

  private static String conversationId(JsonObject body) {
    Object id = body == null ? null : body.getValue("conversationId");
    return id instanceof String s && crm.storage.Mongo.isObjectId(s) ? s : null;
  }

  /**
   * Registers a handler behind the shape check every socket payload passes: arguments nested deeper than
   * {@code JSON_MAX_DEPTH} (or holding numbers no database stores) are refused with VALIDATION_FAILED naming where.
   */
  private void on(String event, SocketEventHandler handler) {
    ns.on(event, (s, args, ack) -> {
      JsonBounds.Violation bad = JsonBounds.violation(args, maxDepth);
      if (bad != null) {
        log.debug("socket {} {}: {}", s.id(), event, bad.message());
        ack.send(new JsonObject().put("success", false).put("error", new JsonObject().put("code", "VALIDATION_FAILED")
            .put("message", bad.message()).put("field", bad.path())));
        return;
      }
      handler.handle(s, args, ack);
    });
  }

  private static void refuse(Socket s, Ack ack, String event, String code, String message) {
    log.debug("socket {} {}: {} {}", s.id(), event, code, message);
    ack.send(new JsonObject().put("success", false).put("error", new JsonObject().put("code", code).put("message", message)));
  }

  private void join(Socket s, JsonArray args, Ack ack) {
    Principal p = principal(s);
    String id = conversationId(firstObject(args));
    if (p == null || id == null) {
      refuse(s, ack, "join:conversation", "VALIDATION_FAILED", "conversationId (an id) is required");
      return;
    }
    bus.request(Addresses.CONVERSATION_VISIBLE, new JsonObject().put("caller", caller(p)).put("conversationId", id))
        .onComplete(ar -> s.execute(() -> {
          if (ar.succeeded() && ar.result().getBoolean("visible", false)) {
            s.join(Delivery.conversationRoom(id));
            ack.send(new JsonObject().put("success", true).put("conversationId", id));
          } else if (ar.succeeded()) {
            refuse(s, ack, "join:conversation", "CONVERSATION_NOT_FOUND", "Conversation not found");
          } else {
            String code = ar.cause() instanceof CrmException ce ? ce.code().name() : "INTERNAL_ERROR";
            refuse(s, ack, "join:conversation", code, "Cannot join the conversation now");
          }
        }));
  }

  private void leave(Socket s, JsonArray args, Ack ack) {
    String id = conversationId(firstObject(args));
    if (id == null) {
      refuse(s, ack, "leave:conversation", "VALIDATION_FAILED", "conversationId (an id) is required");
      return;
    }
    s.leave(Delivery.conversationRoom(id));
    ack.send(new JsonObject().put("success", true).put("conversationId", id));
  }

  private void typing(Socket s, JsonArray args, Ack ack) {
    Principal p = principal(s);
    JsonObject body = firstObject(args);
    String id = conversationId(body);
    if (p == null || id == null || !(body.getValue("isTyping") instanceof Boolean typing)) {
      refuse(s, ack, "agent:typing", "VALIDATION_FAILED", "conversationId and isTyping (true or false) are required");
      return;
    }
    if (!s.rooms().contains(Delivery.conversationRoom(id))) {
      refuse(s, ack, "agent:typing", "CONVERSATION_NOT_FOUND", "Join the conversation first");
      return;
    }
    JsonObject event = new JsonObject().put("conversationId", id).put("agentId", p.agentId())
        .put("isTyping", typing).put("socketId", s.id()).put("origin", origin);
    String eventId = crm.socket.io.Offsets.next();
    othersTyping(event, eventId); // this node's sockets at once, from the sender's loop; the other nodes' through the bus
    vertx.eventBus().publish(AGENT_TYPING, event, EventIds.with(eventId));
    if (!typing) {
      // WhatsApp's indicator ends by itself (25 s) or with the reply: nothing to send, so no conversation read either
      // (being in the room already says the agent may see it: the room is left when that changes)
      ack.send(new JsonObject().put("success", true).put("whatsappIndicator", false));
      return;
    }
    bus.request(Addresses.CONVERSATION_AGENT_TYPING, new JsonObject().put("caller", caller(p)).put("conversationId", id)
            .put("isTyping", true))
        .onComplete(ar -> s.execute(() -> ack.send(new JsonObject().put("success", true)
            .put("whatsappIndicator", ar.succeeded() && ar.result().getBoolean("sent", false)))));
  }

  private void othersTyping(JsonObject e, String eventId) {
    if (e == null || e.getString("conversationId") == null) return;
    // socket.to(room).emit: every socket of the room but the sender's
    ns.emitArgsToRoomExcept(Delivery.conversationRoom(e.getString("conversationId")), e.getString("socketId"), "agent:typing",
        new JsonArray().add(new JsonObject().put("conversationId", e.getString("conversationId"))
            .put("agentId", e.getString("agentId")).put("isTyping", e.getBoolean("isTyping"))), eventId);
  }

  /**
   * Announced first, stored second: the change goes to this node's sockets at once from the sender's loop and to the
   * other nodes' over the bus, and the write follows; the ack waits for the write. So the agents see a status change as
   * fast as a typing indicator, and the sender's ack still means it is stored. A failed write is answered with an error
   * ack, and the agent store announces the status the agent really has (see {@link Addresses#AGENT_SET_STATUS}).
   */
  private void status(Socket s, JsonArray args, Ack ack) {
    Principal p = principal(s);
    JsonObject body = firstObject(args);
    Object status = body == null ? null : body.getValue("status");
    if (p == null || !(status instanceof String st) || !STATUSES.contains(st)) {
      refuse(s, ack, "agent:status", "VALIDATION_FAILED", "status must be one of online, offline, busy, away");
      return;
    }
    String lastSeen = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    JsonObject event = new JsonObject().put("agentId", p.agentId()).put("status", st).put("lastSeen", lastSeen)
        .put("origin", origin);
    String eventId = crm.socket.io.Offsets.next();
    announce(STATUS_RULE, event, eventId);
    vertx.eventBus().publish(Addresses.EVT_AGENT_STATUS_CHANGED, event, EventIds.with(eventId));
    bus.requestLocal(Addresses.AGENT_SET_STATUS, new JsonObject().put("agentId", p.agentId()).put("status", st)
            .put("lastSeen", lastSeen).put("announced", true))
        .onComplete(ar -> s.execute(() -> {
          if (ar.succeeded()) ack.send(new JsonObject().put("success", true).put("status", st));
          else refuse(s, ack, "agent:status", "INTERNAL_ERROR", "Cannot change the status now");
        }));
  }
}
