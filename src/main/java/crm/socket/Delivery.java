package crm.socket;

import crm.bus.Addresses;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which domain event reaches which sockets, as which Socket.IO event, with which payload: the bridge's one table.
 *
 * <p>Rooms: every socket is in {@link #EVERYONE}, {@code agent:<its agent id>} and {@code role:<its role>}; a socket
 * is in {@code conversation:<id>} after a {@code join:conversation} the visibility rule allowed. An event goes to the
 * union of its rooms, each socket once. Payloads are the spec's, key for key: the domain events carry routing hints
 * (assignee, previous agent, internal ids) that are not sent.
 *
 * <pre>
 * domain event (bus)                 socket event              rooms
 * conversation.new_message           conversation:new_message  conversation:id, agent:assignee, role:supervisor,
 *   (inbound, and every reply:                                 role:admin, and role:agent while unassigned; an
 *   the assistant's, an agent's)                               agent's reply not to the sockets of the session
 *                                                              that sent it (senderSessionId: it is in the answer)
 * conversation.assigned              conversation:assigned     conversation:id, agent:assignee, agent:previous,
 *                                                              role:supervisor, role:admin, and role:agent when it
 *                                                              was unassigned (every agent saw it: now it is taken)
 * conversation.updated               conversation:updated      conversation:id, agent:assignee, agent:previous,
 *   (status, assignee or assistant                             role:supervisor, role:admin, and role:agent when it
 *   changed; not in the spec: a                                is or was open and unassigned (whoever saw it in
 *   superset the Angular app ignores)                          their list before or after learns of it)
 * agent.status_changed               agent:status_change       everyone
 * customer.typing                    customer:typing           conversation:id, agent:assignee
 * message.status_updated             message:status_update     conversation:id
 * message.updated (an attachment     message:updated           conversation:id
 *   downloaded, a reaction; not in
 *   the spec: a superset)
 * ticket.created|status_changed|     ticket_created, ...       everyone (agents work tickets; the list and its
 *   assigned|note_added|resolved|                              filters decide what they see)
 *   reopened
 * commerce.order_status_changed      order_status_changed      role:supervisor, role:admin (they run the orders)
 * config.changed (a preset loaded,   config:updated            everyone (labels follow the preset's language, the
 *   categories or the assistant                                ticket form its categories)
 *   changed; not in the spec)
 * </pre>
 */
public final class Delivery {
  private Delivery() {}

  public static final String EVERYONE = "everyone";
  public static final String SUPERVISORS = "role:supervisor";
  public static final String ADMINS = "role:admin";
  public static final String AGENTS = "role:agent";

  public static String agentRoom(String agentId) {
    return "agent:" + agentId;
  }

  public static String roleRoom(String role) {
    return "role:" + role;
  }

  public static String conversationRoom(String conversationId) {
    return "conversation:" + conversationId;
  }

  /** One row: the bus address, the Socket.IO event name, the rooms an event goes to, and the payload sent. */
  public record Rule(String address, String event, Function<JsonObject, Set<String>> rooms, Function<JsonObject, JsonObject> payload) {}

  public static final List<Rule> RULES = List.of(
      new Rule(Addresses.EVT_CONVERSATION_NEW_MESSAGE, "conversation:new_message",
          e -> rooms(conversationRoom(e.getString("conversationId")), agent(e.getString("assignedAgentId")), SUPERVISORS, ADMINS,
              e.getString("assignedAgentId") == null ? AGENTS : null),
          e -> new JsonObject().put("conversationId", e.getString("conversationId"))
              .put("message", message(e.getJsonObject("message", new JsonObject())))
              .put("customer", pick(e.getJsonObject("customer", new JsonObject()), "phoneNumber", "firstName", "lastName"))),
      new Rule(Addresses.EVT_CONVERSATION_ASSIGNED, "conversation:assigned",
          e -> rooms(conversationRoom(e.getString("conversationId")),
              agent(e.getJsonObject("assignedAgent", new JsonObject()).getString("id")), agent(e.getString("previousAgentId")),
              SUPERVISORS, ADMINS, e.getString("previousAgentId") == null ? AGENTS : null),
          e -> new JsonObject().put("conversationId", e.getString("conversationId"))
              .put("assignedAgent", pick(e.getJsonObject("assignedAgent", new JsonObject()), "id", "firstName", "lastName"))
              .put("assignedBy", e.getString("assignedBy"))),
      new Rule(Addresses.EVT_CONVERSATION_UPDATED, "conversation:updated",
          e -> rooms(conversationRoom(e.getString("conversationId")), agent(e.getString("assignedAgentId")),
              agent(e.getString("previousAgentId")), SUPERVISORS, ADMINS,
              openToAll(e) || e.getBoolean("wasOpenToAll", false) ? AGENTS : null),
          Delivery::conversationUpdated),
      new Rule(Addresses.EVT_AGENT_STATUS_CHANGED, "agent:status_change",
          e -> rooms(EVERYONE),
          e -> pick(e, "agentId", "status", "lastSeen")),
      new Rule(Addresses.EVT_CUSTOMER_TYPING, "customer:typing",
          e -> rooms(conversationRoom(e.getString("conversationId")), agent(e.getString("assignedAgentId"))),
          e -> pick(e, "conversationId", "customerPhone", "isTyping")),
      new Rule(Addresses.EVT_MESSAGE_STATUS_UPDATED, "message:status_update",
          e -> rooms(conversationRoom(e.getString("conversationId"))),
          e -> pick(e, "messageId", "status", "timestamp")),
      new Rule(Addresses.EVT_MESSAGE_UPDATED, "message:updated",
          e -> rooms(conversationRoom(e.getString("conversationId"))),
          e -> new JsonObject().put("conversationId", e.getString("conversationId"))
              .put("message", message(e.getJsonObject("message", new JsonObject())))),
      ticket(Addresses.EVT_TICKET_CREATED, "ticket_created", "ticket", "customerId"),
      ticket(Addresses.EVT_TICKET_STATUS_CHANGED, "ticket_status_changed", "ticket", "previousStatus"),
      ticket(Addresses.EVT_TICKET_ASSIGNED, "ticket_assigned", "ticketId", "agentId", "ticket"),
      ticket(Addresses.EVT_TICKET_NOTE_ADDED, "ticket_note_added", "ticket", "note"),
      ticket(Addresses.EVT_TICKET_RESOLVED, "ticket_resolved", "ticket"),
      ticket(Addresses.EVT_TICKET_REOPENED, "ticket_reopened", "ticket", "previousStatus", "reopenCount"),
      new Rule(Addresses.EVT_CONFIG_CHANGED, "config:updated",
          e -> rooms(EVERYONE),
          e -> pick(e, "presetId", "businessType", "version")
              .put("language", e.getJsonObject("assistant", new JsonObject()).getString("language"))),
      new Rule(Addresses.EVT_ORDER_STATUS_CHANGED, "order_status_changed",
          e -> rooms(SUPERVISORS, ADMINS),
          e -> pick(e, "order_id", "status", "previousStatus", "phone", "conversationId", "timestamp")));

  /** The row of a bus address. */
  public static Rule rule(String address) {
    return RULES.stream().filter(r -> r.address().equals(address)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no delivery rule for " + address));
  }

  private static Rule ticket(String address, String event, String... keys) {
    return new Rule(address, event, e -> rooms(EVERYONE), e -> pick(e, keys));
  }

  /**
   * conversation:updated: {conversationId, status, assignedAgentId (null when none), isAIEnabled, handoff ({at, reason}
   * when there is one), updatedAt}.
   */
  static JsonObject conversationUpdated(JsonObject e) {
    JsonObject out = new JsonObject().put("conversationId", e.getString("conversationId")).put("status", e.getString("status"))
        .put("assignedAgentId", e.getString("assignedAgentId")).put("isAIEnabled", e.getBoolean("isAIEnabled", false));
    if (e.getValue("handoff") instanceof JsonObject handoff) out.put("handoff", handoff);
    return out.put("updatedAt", e.getString("updatedAt"));
  }

  private static boolean openToAll(JsonObject e) {
    return e.getString("assignedAgentId") == null && "open".equals(e.getString("status"));
  }

  /**
   * The spec's message in conversation:new_message: its six keys, and the Message type's optional ones when present
   * ({@code metadata} with {@code sentBy} and {@code agent}: who sent an outbound message, so it is labelled at once).
   */
  static JsonObject message(JsonObject m) {
    JsonObject out = pick(m, "id", "content", "type", "direction", "timestamp", "status");
    if (!out.containsKey("id") && m.getString("_id") != null) out.put("id", m.getString("_id"));
    for (String optional : List.of("_id", "whatsappMessageId", "attachments", "location", "metadata", "agent")) {
      if (m.getValue(optional) != null) out.put(optional, m.getValue(optional));
    }
    return out;
  }

  static JsonObject pick(JsonObject from, String... keys) {
    JsonObject out = new JsonObject();
    for (String k : keys) if (from.containsKey(k)) out.put(k, from.getValue(k));
    return out;
  }

  private static String agent(String agentId) {
    return agentId == null ? null : agentRoom(agentId);
  }

  private static Set<String> rooms(String... names) {
    Set<String> out = new LinkedHashSet<>();
    for (String n : names) {
      if (n != null && !n.endsWith(":null")) out.add(n);
    }
    return out;
  }
}
