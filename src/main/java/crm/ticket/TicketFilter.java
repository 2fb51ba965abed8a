package crm.ticket;

import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * The filters of GET /tickets (and of the statistics, which take the same ones) as a MongoDB filter, always of the
 * form {@code {$and: [...]}}. Business type isolation (NOTES row 15): the active business type only, unless an admin
 * asks {@code businessType=all} (or names another type).
 */
final class TicketFilter {
  private TicketFilter() {}

  static final String ALL_TYPES = "all";

  static JsonObject of(Caller caller, JsonObject body, JsonObject cfg) {
    JsonArray and = new JsonArray();
    String type = Check.optionalString(body, "businessType", 64);
    String active = ActiveConfig.businessType(cfg);
    if (type != null && !type.isBlank() && !type.equals(active)) {
      if (!caller.isAdmin()) {
        throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS,
            "Only admins see tickets of other business types (businessType=all)", "businessType", null);
      }
      if (!type.equals(ALL_TYPES)) {
        if (!type.matches("^[a-z][a-z0-9_-]{0,63}$")) throw CrmException.validation("businessType", "businessType must be a business type or all");
        and.add(new JsonObject().put("businessType", type));
      }
    } else {
      and.add(new JsonObject().put("businessType", active));
    }
    String status = Check.oneOf(Check.optionalString(body, "status", 32), "status", TicketStatus.ALL);
    if (status != null) and.add(new JsonObject().put("status", status));
    String priority = Check.oneOf(Check.optionalString(body, "priority", 16), "priority", TicketInput.PRIORITIES);
    if (priority != null) and.add(new JsonObject().put("priority", priority));
    String category = Check.optionalString(body, "category", 64);
    if (category != null && !category.isBlank()) and.add(new JsonObject().put("category", category.strip()));
    String assigned = Check.optionalString(body, "assignedAgent", 64);
    if (assigned != null && !assigned.isBlank()) {
      if (assigned.equals("me")) assigned = caller.agentId();
      if (assigned.equals("unassigned")) {
        and.add(new JsonObject().put("assignedAgentId", (Object) null));
      } else if (Mongo.isObjectId(assigned)) {
        and.add(new JsonObject().put("assignedAgentId", assigned));
      } else {
        throw CrmException.validation("assignedAgent", "assignedAgent must be an agent id, me or unassigned");
      }
    }
    String customerId = Check.optionalString(body, "customerId", 64);
    if (customerId != null && !customerId.isBlank()) {
      if (!Mongo.isObjectId(customerId)) throw CrmException.validation("customerId", "customerId must be a customer id (24 hex digits)");
      and.add(new JsonObject().put("customerId", customerId));
    }
    String search = Check.optionalString(body, "search", 200);
    if (search != null && !search.isBlank()) {
      String rx = Pattern.quote(search.strip());
      JsonArray or = new JsonArray();
      for (String f : new String[] {"ticketId", "subject", "description"}) {
        or.add(new JsonObject().put(f, new JsonObject().put("$regex", rx).put("$options", "i")));
      }
      and.add(new JsonObject().put("$or", or));
    }
    Instant from = TicketInput.date(body, "dateFrom");
    Instant to = TicketInput.date(body, "dateTo");
    if (from != null && to != null && from.isAfter(to)) throw CrmException.validation("dateFrom", "dateFrom is after dateTo");
    JsonObject range = new JsonObject();
    if (from != null) range.put("$gte", Mongo.date(from));
    if (to != null) range.put("$lte", Mongo.date(to));
    if (!range.isEmpty()) and.add(new JsonObject().put("createdAt", range));
    if (and.isEmpty()) and.add(new JsonObject());
    return new JsonObject().put("$and", and);
  }
}
