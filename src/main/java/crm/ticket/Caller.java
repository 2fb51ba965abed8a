package crm.ticket;

import crm.auth.Permission;
import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;

/** Who asks, as every ticket request carries it: {@code caller: {agentId, role, permissions}}. */
record Caller(String agentId, String role, Set<String> permissions) {
  static Caller of(JsonObject body) {
    JsonObject c = body.getValue("caller") instanceof JsonObject o ? o : null;
    if (c == null || !(c.getValue("agentId") instanceof String id)) throw CrmException.validation("caller", "caller is required");
    Set<String> perms = new LinkedHashSet<>();
    for (Object p : c.getValue("permissions") instanceof JsonArray a ? a : new JsonArray()) perms.add(String.valueOf(p));
    return new Caller(id, c.getValue("role") instanceof String r ? r : "agent", perms);
  }

  boolean isAdmin() {
    return "admin".equals(role);
  }

  /** Supervisors and admins: may assign, escalate and change anyone's tickets. */
  boolean manages() {
    return permissions.contains(Permission.MANAGE_TICKETS);
  }

  /** An agent works the tickets assigned to them and the unassigned ones; managers work all. */
  boolean mayChange(JsonObject ticket) {
    String assignee = ticket.getString("assignedAgentId");
    return manages() || assignee == null || assignee.equals(agentId);
  }

  JsonObject toJson() {
    return new JsonObject().put("agentId", agentId).put("role", role).put("permissions", new JsonArray(java.util.List.copyOf(permissions)));
  }
}
