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

  /** The parsed filters; {@code types} null = every business type, {@code assigned} an agent id or "unassigned". */
  record Query(String type, String status, String priority, String category, String assigned, String customerId,
               String conversationId, Pattern search, Instant from, Instant to) {
    Query withConversation(String id) {
      return new Query(type, status, priority, category, assigned, customerId, id, search, from, to);
    }

    /** As a MongoDB filter, always {@code {$and: [...]}}. */
    JsonObject toMongo() {
      JsonArray and = new JsonArray();
      if (type != null) and.add(new JsonObject().put("businessType", type));
      if (status != null) and.add(new JsonObject().put("status", status));
      if (priority != null) and.add(new JsonObject().put("priority", priority));
      if (category != null) and.add(new JsonObject().put("category", category));
      if (assigned != null) and.add(new JsonObject().put("assignedAgentId", assigned.equals("unassigned") ? null : assigned));
      if (customerId != null) and.add(new JsonObject().put("customerId", customerId));
      if (conversationId != null) and.add(new JsonObject().put("conversationId", conversationId));
      if (search != null) {
        JsonArray or = new JsonArray();
        for (String f : new String[] {"ticketId", "subject", "description"}) {
          or.add(new JsonObject().put(f, new JsonObject().put("$regex", search.pattern()).put("$options", "i")));
        }
        and.add(new JsonObject().put("$or", or));
      }
      JsonObject range = new JsonObject();
      if (from != null) range.put("$gte", Mongo.date(from));
      if (to != null) range.put("$lte", Mongo.date(to));
      if (!range.isEmpty()) and.add(new JsonObject().put("createdAt", range));
      if (and.isEmpty()) and.add(new JsonObject());
      return new JsonObject().put("$and", and);
    }
  }

  static JsonObject of(Caller caller, JsonObject body, JsonObject cfg) {
    return parse(caller, body, cfg).toMongo();
  }

  static Query parse(Caller caller, JsonObject body, JsonObject cfg) {
    String typeFilter;
    String type = Check.optionalString(body, "businessType", 64);
    String active = ActiveConfig.businessType(cfg);
    if (type != null && !type.isBlank() && !type.equals(active)) {
      if (!caller.isAdmin()) {
        throw new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS,
            "Only admins see tickets of other business types (businessType=all)", "businessType", null);
      }
      if (!type.equals(ALL_TYPES) && !type.matches("^[a-z][a-z0-9_-]{0,63}$")) {
        throw CrmException.validation("businessType", "businessType must be a business type or all");
      }
      typeFilter = type.equals(ALL_TYPES) ? null : type;
    } else {
      typeFilter = active;
    }
    String status = Check.oneOf(Check.optionalString(body, "status", 32), "status", TicketStatus.ALL);
    String priority = Check.oneOf(Check.optionalString(body, "priority", 16), "priority", TicketInput.PRIORITIES);
    String category = Check.optionalString(body, "category", 64);
    category = category == null || category.isBlank() ? null : category.strip();
    String assigned = Check.optionalString(body, "assignedAgent", 64);
    if (assigned != null && assigned.isBlank()) assigned = null;
    if (assigned != null) {
      if (assigned.equals("me")) assigned = caller.agentId();
      if (!assigned.equals("unassigned") && !Mongo.isObjectId(assigned)) {
        throw CrmException.validation("assignedAgent", "assignedAgent must be an agent id, me or unassigned");
      }
    }
    String customerId = Check.optionalString(body, "customerId", 64);
    if (customerId != null && customerId.isBlank()) customerId = null;
    if (customerId != null && !Mongo.isObjectId(customerId)) {
      throw CrmException.validation("customerId", "customerId must be a customer id (24 hex digits)");
    }
    String search = Check.optionalString(body, "search", 200);
    Pattern rx = search == null || search.isBlank() ? null
        : Pattern.compile(Pattern.quote(search.strip()), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    Instant from = TicketInput.date(body, "dateFrom");
    Instant to = TicketInput.date(body, "dateTo");
    if (from != null && to != null && from.isAfter(to)) throw CrmException.validation("dateFrom", "dateFrom is after dateTo");
    return new Query(typeFilter, status, priority, category, assigned, customerId, null, rx, from, to);
  }
}
