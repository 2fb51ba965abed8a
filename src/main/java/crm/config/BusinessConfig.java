package crm.config;

import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The business configuration: its shape, the defaults of a fresh install (no preset loaded), and the validation of
 * everything that changes it (the admin's PUTs and the preset files alike). Pure functions over JSON.
 *
 * <p>The active configuration (the {@code crm.config.active} reply) is
 * {@code {presetId, businessType, categories, terminology, ticketIdFormat, initialTicketStatus, assistant,
 * notifications, version}}. The ticket nouns live once, in {@code terminology}; the assistant view repeats them.
 */
public final class BusinessConfig {
  private BusinessConfig() {}

  public static final String GENERAL = "general";
  public static final int MAX_CATEGORIES = 50;
  public static final List<String> INITIAL_STATUSES = List.of("open", "new");
  /** The assistant keys stored under {@code assistant}; the other two of the API's seven are the terminology. */
  public static final List<String> ASSISTANT_KEYS = List.of("assistantName", "companyName", "primaryServiceIssue", "serviceType", "language");
  public static final List<String> TERMINOLOGY_KEYS = List.of("ticketNoun", "ticketNounPlural");
  /** The seven keys of the spec's {@code AssistantConfigResponse.config}. */
  public static final List<String> ASSISTANT_VIEW_KEYS = List.of("assistantName", "companyName", "primaryServiceIssue",
      "serviceType", "ticketNoun", "ticketNounPlural", "language");
  public static final List<String> RESOLVED_PLACEHOLDERS = List.of("{customerName}", "{ticketNoun}", "{ticketId}", "{summary}");
  public static final List<String> NOTE_PLACEHOLDERS = List.of("{ticketNoun}", "{ticketId}", "{content}");

  static final Pattern CATEGORY_ID = Pattern.compile("^[a-z][a-z0-9_]{0,47}$");
  static final Pattern ICON = Pattern.compile("^[a-z0-9_]{1,64}$");
  static final Pattern COLOR = Pattern.compile("^#[0-9A-Fa-f]{6}$");
  static final Pattern PREFIX = Pattern.compile("^[A-Z][A-Z0-9]{0,9}$");
  static final Pattern LANGUAGE = Pattern.compile("^[a-z]{2}(-[A-Za-z]{2})?$");
  static final int LABEL_MAX = 80;
  static final int DESCRIPTION_MAX = 300;
  static final int NOTIFICATION_MAX = 1000;
  static final String DEFAULT_ICON = "label";
  static final String DEFAULT_COLOR = "#607D8B";

  private static final JsonObject DEFAULTS = new JsonObject()
      .put("presetId", null)
      .put("businessType", GENERAL)
      .put("categories", new JsonArray()
          .add(category("general_inquiry", "Consulta general", "General inquiry", "help_outline", "#607D8B",
              "Preguntas generales sobre nuestros productos o servicios"))
          .add(category("technical_issue", "Problema técnico", "Technical issue", "build", "#F44336",
              "Algo no funciona como debería"))
          .add(category("billing", "Facturación y pagos", "Billing and payments", "receipt_long", "#FF9800",
              "Cobros, facturas, pagos y reembolsos"))
          .add(category("service_request", "Solicitud de servicio", "Service request", "assignment", "#2196F3",
              "Altas, cambios o cancelaciones de un servicio"))
          .add(category("complaint", "Queja", "Complaint", "report_problem", "#E91E63",
              "Inconformidad con la atención o el servicio recibido"))
          .add(category("feedback", "Sugerencia", "Feedback", "feedback", "#4CAF50",
              "Comentarios y sugerencias para mejorar"))
          .add(category("other", "Otro", "Other", "more_horiz", "#9E9E9E",
              "Cualquier otro tema")))
      .put("terminology", new JsonObject().put("ticketNoun", "ticket").put("ticketNounPlural", "tickets"))
      .put("ticketIdFormat", new JsonObject().put("prefix", "TICKET").put("includeYear", false).put("padding", 3))
      .put("initialTicketStatus", "open")
      .put("assistant", new JsonObject()
          .put("assistantName", "Asistente virtual")
          .put("companyName", "Nuestra empresa")
          .put("primaryServiceIssue", "dudas y problemas con nuestros servicios")
          .put("serviceType", "atención al cliente")
          .put("language", "es"))
      .put("notifications", new JsonObject()
          .put("ticketResolved", "Hola {customerName}, hemos resuelto tu {ticketNoun} {ticketId}.\n\n"
              + "Resolución: {summary}\n\nSi necesitas algo más, responde a este mensaje.")
          .put("ticketNote", "Actualización de tu {ticketNoun} {ticketId}:\n\n{content}"))
      .put("version", 0L);

  private static JsonObject category(String id, String label, String labelEn, String icon, String color, String description) {
    return new JsonObject().put("id", id).put("label", label).put("labelEn", labelEn).put("icon", icon)
        .put("color", color).put("description", description);
  }

  /** The configuration of a fresh install: business type general, {@code TICKET-001} ids. */
  public static JsonObject defaults() {
    return DEFAULTS.copy();
  }

  /**
   * The active configuration from the stored document (null when none was ever written): the defaults, overlaid
   * with what is stored; the objects key by key, so a partly written document still gives every key. A stored value
   * of the wrong type (someone edited the database) falls back to the default instead of failing every reader.
   */
  public static JsonObject active(JsonObject stored) {
    JsonObject s = stored == null ? new JsonObject() : stored;
    JsonObject d = DEFAULTS;
    JsonObject out = new JsonObject();
    String presetId = s.getValue("presetId") instanceof String p ? p : null;
    out.put("presetId", presetId);
    out.put("businessType", s.getValue("businessType") instanceof String b && !b.isBlank() ? b
        : presetId != null ? presetId : GENERAL);
    out.put("categories", s.getValue("categories") instanceof JsonArray a && !a.isEmpty() ? a.copy()
        : d.getJsonArray("categories").copy());
    JsonObject terminology = merge(d.getJsonObject("terminology"), s.getValue("terminology"));
    out.put("terminology", terminology);
    out.put("ticketIdFormat", merge(d.getJsonObject("ticketIdFormat"), s.getValue("ticketIdFormat")));
    out.put("initialTicketStatus", s.getValue("initialTicketStatus") instanceof String st && INITIAL_STATUSES.contains(st)
        ? st : d.getString("initialTicketStatus"));
    JsonObject assistant = merge(d.getJsonObject("assistant"), s.getValue("assistant"));
    // the order of the spec's AssistantConfigResponse, nouns from the terminology
    JsonObject view = new JsonObject();
    for (String key : ASSISTANT_VIEW_KEYS) {
      view.put(key, TERMINOLOGY_KEYS.contains(key) ? terminology.getValue(key) : assistant.getValue(key));
    }
    out.put("assistant", view);
    out.put("notifications", merge(d.getJsonObject("notifications"), s.getValue("notifications")));
    out.put("version", s.getValue("version") instanceof Number n ? n.longValue() : 0L);
    return out;
  }

  private static JsonObject merge(JsonObject defaults, Object stored) {
    JsonObject out = defaults.copy();
    if (stored instanceof JsonObject o) {
      for (String key : defaults.fieldNames()) {
        Object v = o.getValue(key);
        if (v != null && v.getClass() == defaults.getValue(key).getClass()) out.put(key, v);
        else if (v instanceof Number n && defaults.getValue(key) instanceof Number) out.put(key, n.intValue());
      }
    }
    return out;
  }

  // ---- validation (VALIDATION_FAILED with the offending field, e.g. categories[2].color)

  /** A validated, normalised list of categories: only the six known fields, optional ones filled in. */
  public static JsonArray categories(Object value, String field) {
    if (value == null) throw CrmException.validation(field, field + " is required");
    if (!(value instanceof JsonArray arr)) throw CrmException.validation(field, field + " must be an array of categories");
    if (arr.isEmpty()) throw CrmException.validation(field, field + " must contain at least one category");
    if (arr.size() > MAX_CATEGORIES) {
      throw CrmException.validation(field, field + " must contain at most " + MAX_CATEGORIES + " categories");
    }
    JsonArray out = new JsonArray();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = field + "[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject c)) throw CrmException.validation(at, at + " must be an object");
      String id = string(c, "id", at, 48, true);
      if (!CATEGORY_ID.matcher(id).matches()) {
        throw CrmException.validation(at + ".id", at + ".id must be snake_case: a lower-case letter, then letters, digits or _ (at most 48)");
      }
      if (!ids.add(id)) throw CrmException.validation(at + ".id", at + ".id '" + id + "' is used by an earlier category");
      String label = string(c, "label", at, LABEL_MAX, true);
      String labelEn = string(c, "labelEn", at, LABEL_MAX, true);
      String icon = string(c, "icon", at, 64, false);
      if (icon != null && !ICON.matcher(icon).matches()) {
        throw CrmException.validation(at + ".icon", at + ".icon must be a Material icon name (lower case, digits, _)");
      }
      String color = string(c, "color", at, 7, false);
      if (color != null && !COLOR.matcher(color).matches()) {
        throw CrmException.validation(at + ".color", at + ".color must be a colour like #1A2B3C");
      }
      String description = string(c, "description", at, DESCRIPTION_MAX, false);
      out.add(category(id, label.strip(), labelEn.strip(), icon == null ? DEFAULT_ICON : icon,
          color == null ? DEFAULT_COLOR : color.toUpperCase(java.util.Locale.ROOT), description == null ? "" : description.strip()));
    }
    return out;
  }

  /**
   * A validated partial update of the seven assistant keys: {@code $set} paths for the stored document
   * ({@code assistant.x} and {@code terminology.ticketNoun...}). Unknown keys are refused, so typos do not pass silently.
   */
  public static JsonObject assistantChanges(Object value, String field) {
    if (!(value instanceof JsonObject changes)) throw CrmException.validation(field, field + " must be an object");
    JsonObject set = new JsonObject();
    for (String key : changes.fieldNames()) {
      if (!ASSISTANT_VIEW_KEYS.contains(key)) {
        throw CrmException.validation(key, "Unknown assistant setting " + key + "; allowed: " + String.join(", ", ASSISTANT_VIEW_KEYS));
      }
    }
    for (String key : ASSISTANT_VIEW_KEYS) {
      if (!changes.containsKey(key)) continue;
      String v = assistantValue(changes, key, key);
      set.put((TERMINOLOGY_KEYS.contains(key) ? "terminology." : "assistant.") + key, v);
    }
    if (set.isEmpty()) {
      throw CrmException.validation(field, "Give at least one of " + String.join(", ", ASSISTANT_VIEW_KEYS));
    }
    return set;
  }

  /** One assistant or terminology value: a non-blank bounded string; language an ISO 639-1 code. */
  static String assistantValue(JsonObject json, String key, String field) {
    int max = switch (key) {
      case "ticketNoun", "ticketNounPlural" -> 40;
      case "language" -> 5;
      case "primaryServiceIssue" -> 300;
      default -> 120;
    };
    Object v = json.getValue(key);
    if (!(v instanceof String s)) throw CrmException.validation(field, field + " must be a string");
    s = s.strip();
    if (s.isEmpty()) throw CrmException.validation(field, field + " must not be empty");
    if (s.length() > max) throw CrmException.validation(field, field + " must be at most " + max + " characters");
    if (key.equals("language") && !LANGUAGE.matcher(s).matches()) {
      throw CrmException.validation(field, field + " must be a language code like es or en-US");
    }
    return s;
  }

  /** A validated {@code {prefix, includeYear, padding}}. */
  static JsonObject ticketIdFormat(Object value, String field) {
    if (!(value instanceof JsonObject f)) throw CrmException.validation(field, field + " must be an object");
    String prefix = string(f, "prefix", field, 10, true);
    if (!PREFIX.matcher(prefix).matches()) {
      throw CrmException.validation(field + ".prefix", field + ".prefix must be upper-case letters and digits (at most 10)");
    }
    if (!(f.getValue("includeYear") instanceof Boolean year)) {
      throw CrmException.validation(field + ".includeYear", field + ".includeYear must be true or false");
    }
    if (!(f.getValue("padding") instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.intValue() < 1 || n.intValue() > 10) {
      throw CrmException.validation(field + ".padding", field + ".padding must be a whole number from 1 to 10");
    }
    return new JsonObject().put("prefix", prefix).put("includeYear", year).put("padding", n.intValue());
  }

  /** A validated {@code {ticketResolved, ticketNote}}, each with its placeholders. */
  static JsonObject notifications(Object value, String field) {
    if (!(value instanceof JsonObject n)) throw CrmException.validation(field, field + " must be an object");
    String resolved = string(n, "ticketResolved", field, NOTIFICATION_MAX, true);
    String note = string(n, "ticketNote", field, NOTIFICATION_MAX, true);
    for (String p : RESOLVED_PLACEHOLDERS) {
      if (!resolved.contains(p)) throw CrmException.validation(field + ".ticketResolved", field + ".ticketResolved must contain " + p);
    }
    for (String p : NOTE_PLACEHOLDERS) {
      if (!note.contains(p)) throw CrmException.validation(field + ".ticketNote", field + ".ticketNote must contain " + p);
    }
    return new JsonObject().put("ticketResolved", resolved).put("ticketNote", note);
  }

  static String string(JsonObject json, String key, String parent, int max, boolean required) {
    String field = parent + "." + key;
    Object v = json.getValue(key);
    if (v == null) {
      if (required) throw CrmException.validation(field, field + " is required");
      return null;
    }
    if (!(v instanceof String s)) throw CrmException.validation(field, field + " must be a string");
    if (required && s.isBlank()) throw CrmException.validation(field, field + " must not be empty");
    if (s.length() > max) throw CrmException.validation(field, field + " must be at most " + max + " characters");
    return s;
  }
}
