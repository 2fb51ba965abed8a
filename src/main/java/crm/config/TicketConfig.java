package crm.config;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ticket settings (keys TICKET_*), validated like the rest of {@link AppConfig}: the auto-reopen window, the SLA
 * targets per priority, and the WhatsApp template used for the resolution notice when the 24 h window is closed.
 */
public record TicketConfig(
    int reopenWindowHours,
    Map<String, Integer> slaResponseMinutes,
    Map<String, Integer> slaResolutionHours,
    String resolvedTemplate,
    String resolvedTemplateLanguage,
    String listIndex) {

  public static final List<String> PRIORITIES = List.of("low", "medium", "high", "urgent");

  public static final List<String> KEYS = List.of(
      "TICKET_REOPEN_WINDOW_HOURS", "TICKET_SLA_RESPONSE_MINUTES", "TICKET_SLA_RESOLUTION_HOURS",
      "TICKET_RESOLVED_TEMPLATE", "TICKET_RESOLVED_TEMPLATE_LANGUAGE", "TICKET_LIST_INDEX");

  static final String DEFAULT_RESPONSE = "low:1440,medium:240,high:60,urgent:15";
  static final String DEFAULT_RESOLUTION = "low:168,medium:72,high:24,urgent:8";

  static TicketConfig from(AppConfig.Reader r) {
    String template = r.string("TICKET_RESOLVED_TEMPLATE", "ticket_resolved").trim();
    if (!template.isEmpty() && !template.matches("^[a-z0-9_]{1,512}$")) {
      throw new InvalidConfigException("TICKET_RESOLVED_TEMPLATE", "must be a WhatsApp template name (lower case, digits, _), got '" + template + "'");
    }
    String language = r.string("TICKET_RESOLVED_TEMPLATE_LANGUAGE", "").trim();
    if (!language.isEmpty() && !language.matches("^[a-z]{2,3}(_[A-Z]{2})?$")) {
      throw new InvalidConfigException("TICKET_RESOLVED_TEMPLATE_LANGUAGE", "must be a WhatsApp language code like es or en_US, got '" + language + "'");
    }
    return new TicketConfig(
        r.integer("TICKET_REOPEN_WINDOW_HOURS", 48, 1, 8760),
        targets(r, "TICKET_SLA_RESPONSE_MINUTES", DEFAULT_RESPONSE, 1, 525_600),
        targets(r, "TICKET_SLA_RESOLUTION_HOURS", DEFAULT_RESOLUTION, 1, 8760),
        template, language,
        r.oneOf("TICKET_LIST_INDEX", "auto", "auto", "memory", "database"));
  }

  /** {@code low:1440,medium:240,high:60,urgent:15}: every priority once, whole numbers in range. */
  private static Map<String, Integer> targets(AppConfig.Reader r, String key, String def, int min, int max) {
    String raw = r.string(key, def).trim();
    if (raw.isEmpty()) raw = def;
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String part : raw.split(",")) {
      String[] kv = part.split(":");
      String priority = kv.length == 2 ? kv[0].trim().toLowerCase(Locale.ROOT) : "";
      if (!PRIORITIES.contains(priority) || out.containsKey(priority)) {
        throw new InvalidConfigException(key, "must list each of low, medium, high, urgent once as priority:number, got '" + raw + "'");
      }
      int n;
      try {
        n = Integer.parseInt(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(key, "'" + part.trim() + "' is not priority:whole number");
      }
      if (n < min || n > max) throw new InvalidConfigException(key, priority + " must be between " + min + " and " + max + ", got " + n);
      out.put(priority, n);
    }
    if (out.size() != PRIORITIES.size()) {
      throw new InvalidConfigException(key, "must list each of low, medium, high, urgent, got '" + raw + "'");
    }
    Map<String, Integer> ordered = new LinkedHashMap<>();
    for (String p : PRIORITIES) ordered.put(p, out.get(p));
    return Map.copyOf(ordered);
  }

  /** Reads the settings back from a deployment configuration (already validated by {@link AppConfig#from}). */
  public static TicketConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  private static String text(Map<String, Integer> targets) {
    StringBuilder sb = new StringBuilder();
    for (String p : PRIORITIES) sb.append(sb.length() == 0 ? "" : ",").append(p).append(':').append(targets.get(p));
    return sb.toString();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("TICKET_REOPEN_WINDOW_HOURS", reopenWindowHours)
        .put("TICKET_SLA_RESPONSE_MINUTES", text(slaResponseMinutes))
        .put("TICKET_SLA_RESOLUTION_HOURS", text(slaResolutionHours))
        .put("TICKET_RESOLVED_TEMPLATE", resolvedTemplate)
        .put("TICKET_RESOLVED_TEMPLATE_LANGUAGE", resolvedTemplateLanguage)
        .put("TICKET_LIST_INDEX", listIndex);
  }
}
