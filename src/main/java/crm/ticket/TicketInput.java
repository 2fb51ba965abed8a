package crm.ticket;

import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validation of what callers send: every field's type and range, so nothing unchecked reaches a query or a document. */
final class TicketInput {
  private TicketInput() {}

  static final List<String> PRIORITIES = List.of("low", "medium", "high", "urgent");
  static final int SUBJECT_MAX = 200;
  static final int DESCRIPTION_MAX = 5000;
  static final int TEXT_MAX = 2000;
  static final int SUMMARY_MAX = 5000;
  static final int NOTE_MAX = 4000;

  /** A validated POST /tickets body (category checked later, against the active categories). */
  record NewTicket(String customerId, String conversationId, String subject, String description, String category,
                   String priority, String assignedAgent, JsonObject location, JsonArray attachments) {}

  static NewTicket create(JsonObject body) {
    String customerId = Check.requiredString(body, "customerId", 64);
    if (!Mongo.isObjectId(customerId)) throw CrmException.validation("customerId", "customerId must be a customer id (24 hex digits)");
    String conversationId = Check.optionalString(body, "conversationId", 64);
    if (conversationId != null && !Mongo.isObjectId(conversationId)) {
      throw CrmException.validation("conversationId", "conversationId must be a conversation id (24 hex digits)");
    }
    String subject = Check.requiredString(body, "subject", SUBJECT_MAX).strip();
    String description = Check.requiredString(body, "description", DESCRIPTION_MAX).strip();
    String category = Check.requiredString(body, "category", 64).strip();
    String priority = Check.oneOf(Check.optionalString(body, "priority", 16), "priority", PRIORITIES);
    String assigned = Check.optionalString(body, "assignedAgent", 64);
    if (assigned != null && !Mongo.isObjectId(assigned)) throw CrmException.validation("assignedAgent", "assignedAgent must be an agent id");
    return new NewTicket(customerId, conversationId, subject, description, category, priority == null ? "medium" : priority,
        assigned, location(body.getValue("location")), attachments(body.getValue("attachments")));
  }

  /** {latitude -90..90, longitude -180..180, address?}. */
  static JsonObject location(Object value) {
    if (value == null) return null;
    if (!(value instanceof JsonObject loc)) throw CrmException.validation("location", "location must be an object {latitude, longitude, address?}");
    double lat = coordinate(loc, "latitude", 90);
    double lon = coordinate(loc, "longitude", 180);
    JsonObject out = new JsonObject().put("latitude", lat).put("longitude", lon);
    String address = Check.optionalString(loc, "address", 500);
    if (address != null) out.put("address", address.strip());
    return out;
  }

  private static double coordinate(JsonObject loc, String name, double limit) {
    Object v = loc.getValue(name);
    String field = "location." + name;
    if (v == null) throw CrmException.validation(field, field + " is required");
    if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
      throw CrmException.validation(field, field + " must be a number");
    }
    double d = n.doubleValue();
    if (d < -limit || d > limit) throw CrmException.validation(field, field + " must be between " + (int) -limit + " and " + (int) limit);
    return d;
  }

  private static final Pattern URL = Pattern.compile("^(https?://[^\\s]+|/[^\\s]*)$");

  /** URLs as strings (the first form) or {type, url, filename} objects (the later one); stored as objects (NOTES row 9). */
  static JsonArray attachments(Object value) {
    JsonArray out = new JsonArray();
    if (value == null) return out;
    if (!(value instanceof JsonArray arr)) throw CrmException.validation("attachments", "attachments must be an array");
    if (arr.size() > 20) throw CrmException.validation("attachments", "attachments has more than 20 items");
    for (int i = 0; i < arr.size(); i++) {
      Object item = arr.getValue(i);
      String field = "attachments[" + i + "]";
      String url;
      String type = null;
      String filename = null;
      if (item instanceof String s) {
        url = s;
      } else if (item instanceof JsonObject o) {
        url = Check.requiredString(o, "url", 2048);
        type = Check.optionalString(o, "type", 32);
        filename = Check.optionalString(o, "filename", 240);
      } else {
        throw CrmException.validation(field, field + " must be a URL or {type, url, filename}");
      }
      url = url.strip();
      if (url.isEmpty() || url.length() > 2048 || !URL.matcher(url).matches()) {
        throw CrmException.validation(field, field + " must be an http(s) URL");
      }
      if (filename == null) {
        String path = url.replaceAll("[?#].*$", "");
        filename = path.substring(path.lastIndexOf('/') + 1);
      }
      out.add(new JsonObject().put("type", type != null ? type : typeOf(filename)).put("url", url).put("filename", filename));
    }
    return out;
  }

  private static String typeOf(String filename) {
    String f = filename.toLowerCase(Locale.ROOT);
    if (f.matches(".*\\.(jpg|jpeg|png|gif|webp)$")) return "image";
    if (f.matches(".*\\.(mp3|m4a|ogg|opus|aac)$")) return "audio";
    if (f.matches(".*\\.(mp4|3gp|mov)$")) return "video";
    return "document";
  }

  /** An ISO instant, or a date alone: dateFrom from the start of that day (UTC), dateTo through its end (inclusive). */
  static Instant date(JsonObject body, String field) {
    String s = Check.optionalString(body, field, 40);
    if (s == null || s.isBlank()) return null;
    String endOfDay = field.equals("dateTo") ? "T23:59:59.999Z" : "T00:00:00Z";
    Instant i = Mongo.instant(s.length() == 10 ? s + endOfDay : s);
    if (i == null) throw CrmException.validation(field, field + " must be an ISO date (2026-01-31 or 2026-01-31T10:00:00Z)");
    return i;
  }

  /** The resolution of either documented body: {resolutionSummary} or {resolution: {summary, steps[], category}}. */
  record Resolution(String summary, JsonArray steps, String category) {}

  static Resolution resolution(JsonObject body) {
    Object nested = body.getValue("resolution");
    if (nested != null && !(nested instanceof JsonObject)) throw CrmException.validation("resolution", "resolution must be an object {summary, steps, category}");
    JsonObject r = nested == null ? new JsonObject() : (JsonObject) nested;
    String summary = Check.optionalString(body, "resolutionSummary", SUMMARY_MAX);
    String nestedSummary = Check.optionalString(r, "summary", SUMMARY_MAX);
    if (summary == null || summary.isBlank()) summary = nestedSummary;
    if (summary == null || summary.isBlank()) {
      throw CrmException.validation(nested != null ? "resolution.summary" : "resolutionSummary",
          "resolutionSummary (or resolution.summary) is required to resolve a ticket");
    }
    JsonArray steps = Check.optionalStrings(r, "steps", 50, 1000);
    String category = Check.optionalString(r, "category", 64);
    return new Resolution(summary.strip(), steps == null ? new JsonArray() : steps, category);
  }

  static String status(JsonObject body) {
    return Check.oneOf(Check.requiredString(body, "status", 32), "status", TicketStatus.ALL);
  }

  static ErrorCode notFound() {
    return ErrorCode.TICKET_NOT_FOUND;
  }
}
