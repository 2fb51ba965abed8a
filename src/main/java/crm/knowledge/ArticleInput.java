package crm.knowledge;

import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.Presets;
import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validation of what callers send, field by field (type, length, allowed values): nothing unchecked reaches a document
 * or the index. Server-owned fields ({@code _id}, {@code source}, {@code presetArticleId}, {@code createdBy}, dates) are
 * never taken from a caller; other unknown fields are ignored.
 */
final class ArticleInput {
  private ArticleInput() {}

  static final int TITLE_MIN = 3;
  static final int TITLE_MAX = 200;
  static final int CONTENT_MAX = 20_000;
  static final int TAGS_MAX = 20;
  static final int TAG_MAX = 50;
  static final int CATEGORY_MAX = 64;
  static final int QUERY_MAX = 2_000;
  static final int LIST_SEARCH_MAX = 200;
  static final int SEARCH_LIMIT_MAX = 10;
  static final int SEARCH_LIMIT_DEFAULT = 3;
  /** What {@code businessType} may be: "general" or one of the presets (the value the active configuration carries). */
  static final List<String> BUSINESS_TYPES = businessTypes();
  /** {@code ?businessType=all} on the list: every article, whatever its business type. */
  static final String ALL = "all";
  /** The fields a change may name. */
  static final List<String> CHANGEABLE = List.of("title", "content", "tags", "category", "businessType", "language", "active");

  private static final Pattern LANGUAGE = Pattern.compile("^[a-z]{2}(-[a-z]{2})?$");

  private static List<String> businessTypes() {
    List<String> out = new ArrayList<>();
    out.add(Article.GENERAL);
    out.addAll(Presets.IDS);
    return List.copyOf(out);
  }

  /** A validated new article; {@code businessType} and {@code language} null when the caller left them to the defaults. */
  record NewArticle(String title, String content, List<String> tags, String category, String businessType, String language,
                    boolean active) {}

  static NewArticle create(JsonObject a) {
    String title = title(a);
    String content = content(a);
    if (title == null) throw CrmException.validation("title", "title is required");
    if (content == null) throw CrmException.validation("content", "content is required");
    List<String> tags = tags(a);
    Boolean active = Check.optionalBoolean(a, "active");
    return new NewArticle(title, content, tags == null ? List.of() : tags, category(a), businessType(a, "businessType"),
        language(a), active == null || active);
  }

  /**
   * A validated change: the fields to {@code $set} (and {@code category} to unset when given as null). At least one
   * changeable field must be given.
   */
  static Map<String, Object> changes(JsonObject a) {
    Map<String, Object> set = new LinkedHashMap<>();
    for (String f : CHANGEABLE) {
      if (!a.containsKey(f)) continue;
      Object value = switch (f) {
        case "title" -> required(title(a), f);
        case "content" -> required(content(a), f);
        case "tags" -> { List<String> t = tags(a); yield t == null ? List.of() : t; }
        case "category" -> category(a);
        case "businessType" -> required(businessType(a, f), f);
        case "language" -> required(language(a), f);
        default -> required(Check.optionalBoolean(a, f), f);
      };
      set.put(f, value);
    }
    if (set.isEmpty()) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, "Nothing to change: give at least one of " + String.join(", ", CHANGEABLE),
          null, new JsonObject().put("allowed", new JsonArray(CHANGEABLE)));
    }
    return set;
  }

  private static <T> T required(T value, String field) {
    if (value == null) throw CrmException.validation(field, field + " cannot be removed");
    return value;
  }

  /** Stripped, 3-200 characters; null when absent. */
  static String title(JsonObject a) {
    String s = Check.optionalString(a, "title", TITLE_MAX * 2);
    if (s == null) return null;
    s = s.strip();
    if (s.length() < TITLE_MIN || s.length() > TITLE_MAX) {
      throw CrmException.validation("title", "title must be " + TITLE_MIN + " to " + TITLE_MAX + " characters");
    }
    return s;
  }

  /** Markdown or plain text, 1-20000 characters, not blank; surrounding blank lines stripped. Null when absent. */
  static String content(JsonObject a) {
    String s = Check.optionalString(a, "content", CONTENT_MAX + 1_000);
    if (s == null) return null;
    s = s.strip();
    if (s.isEmpty()) throw CrmException.validation("content", "content must not be empty");
    if (s.length() > CONTENT_MAX) throw CrmException.validation("content", "content must be at most " + CONTENT_MAX + " characters");
    return s;
  }

  /** Up to 20 strings of 1-50 characters, stripped, duplicates (ignoring case) dropped; null when absent. */
  static List<String> tags(JsonObject a) {
    JsonArray arr = Check.optionalStrings(a, "tags", TAGS_MAX, TAG_MAX * 2);
    if (arr == null) return null;
    Map<String, String> seen = new LinkedHashMap<>();
    for (int i = 0; i < arr.size(); i++) {
      String t = arr.getString(i).strip();
      if (t.isEmpty() || t.length() > TAG_MAX) {
        throw CrmException.validation("tags[" + i + "]", "tags[" + i + "] must be 1 to " + TAG_MAX + " characters");
      }
      seen.putIfAbsent(t.toLowerCase(Locale.ROOT), t);
    }
    return List.copyOf(seen.values());
  }

  /** Free text up to 64 characters; null (none) when absent, null or blank. */
  static String category(JsonObject a) {
    String s = Check.optionalString(a, "category", CATEGORY_MAX);
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** "general" or a preset id; null when absent. */
  static String businessType(JsonObject a, String field) {
    String s = Check.optionalString(a, field, 64);
    if (s == null) return null;
    String v = s.strip().toLowerCase(Locale.ROOT);
    if (!BUSINESS_TYPES.contains(v)) {
      throw new CrmException(ErrorCode.VALIDATION_FAILED, field + " must be one of " + String.join(", ", BUSINESS_TYPES), field,
          new JsonObject().put("allowed", new JsonArray(BUSINESS_TYPES)));
    }
    return v;
  }

  /** An ISO 639-1 code, optionally with a region ("es", "en", "es-mx"), lower case; null when absent. */
  static String language(JsonObject a) {
    String s = Check.optionalString(a, "language", 16);
    if (s == null) return null;
    String v = s.strip().toLowerCase(Locale.ROOT);
    if (!LANGUAGE.matcher(v).matches()) throw CrmException.validation("language", "language must be a code such as es, en or es-MX");
    return v;
  }

  /** The article id of a request: an ObjectId (any case), else RESOURCE_NOT_FOUND, as for an id nothing has. */
  static String id(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    if (!Mongo.isObjectId(id)) throw notFound();
    return id.toLowerCase(Locale.ROOT);
  }

  static CrmException notFound() {
    return CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Knowledge article");
  }

  /** The optional JSON object {@code field} of a request (the article, the changes); VALIDATION_FAILED when not an object. */
  static JsonObject object(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) return new JsonObject();
    if (!(v instanceof JsonObject o)) throw CrmException.validation(field, field + " must be an object");
    return o;
  }

  /** The caller's agent id when given ({@code by}), else "system" (a preset installed from the bus). */
  static String by(JsonObject body) {
    String by = Check.optionalString(body, "by", 64);
    return by == null || by.isBlank() ? "system" : by;
  }
}
