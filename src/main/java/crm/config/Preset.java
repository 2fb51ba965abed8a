package crm.config;

import crm.bus.CrmException;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * One industry preset, as read from {@code conf/presets/<id>.json}: what it is (id, name, description, industry)
 * and what loading it applies ({@link #settings}: the fields of the stored business configuration).
 */
public record Preset(String id, String name, String description, String industry, JsonObject settings) {
  private static final Pattern ID = Pattern.compile("^[a-z][a-z0-9_-]{0,31}$");

  /** {id, name, description, industry}: what GET /config/presets lists. */
  public JsonObject summary() {
    return new JsonObject().put("id", id).put("name", name).put("description", description).put("industry", industry);
  }

  /**
   * Parses and validates a preset file; a mistake in it is a {@link CrmException} naming the field (the caller adds
   * the file name). Everything the business configuration validates for an admin's change holds for a preset too.
   */
  public static Preset fromJson(JsonObject json) {
    String id = BusinessConfig.string(json, "id", "preset", 32, true);
    if (!ID.matcher(id).matches()) throw CrmException.validation("preset.id", "preset.id must be lower case (a-z, 0-9, _ or -)");
    String name = BusinessConfig.string(json, "name", "preset", 120, true);
    String description = BusinessConfig.string(json, "description", "preset", 500, true);
    String industry = BusinessConfig.string(json, "industry", "preset", 60, true);
    JsonObject settings = new JsonObject()
        .put("presetId", id)
        .put("businessType", id)
        .put("categories", BusinessConfig.categories(json.getValue("categories"), "categories"));
    if (!(json.getValue("terminology") instanceof JsonObject terminology)) {
      throw CrmException.validation("terminology", "terminology must be an object");
    }
    JsonObject terms = new JsonObject();
    for (String key : BusinessConfig.TERMINOLOGY_KEYS) {
      terms.put(key, BusinessConfig.assistantValue(terminology, key, "terminology." + key));
    }
    settings.put("terminology", terms);
    settings.put("ticketIdFormat", BusinessConfig.ticketIdFormat(json.getValue("ticketIdFormat"), "ticketIdFormat"));
    Object status = json.getValue("initialTicketStatus");
    if (!(status instanceof String s) || !BusinessConfig.INITIAL_STATUSES.contains(s)) {
      throw CrmException.validation("initialTicketStatus", "initialTicketStatus must be open or new");
    }
    settings.put("initialTicketStatus", status);
    if (!(json.getValue("assistant") instanceof JsonObject assistant)) {
      throw CrmException.validation("assistant", "assistant must be an object");
    }
    JsonObject a = new JsonObject();
    for (String key : BusinessConfig.ASSISTANT_KEYS) a.put(key, BusinessConfig.assistantValue(assistant, key, "assistant." + key));
    settings.put("assistant", a);
    settings.put("notifications", BusinessConfig.notifications(json.getValue("notifications"), "notifications"));
    return new Preset(id, name, description, industry, settings);
  }
}
