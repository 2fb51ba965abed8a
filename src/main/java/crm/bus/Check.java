package crm.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validation of JSON input from outside: wrong type, missing or oversized values -> VALIDATION_FAILED with the field. */
public final class Check {
  private Check() {}

  private static final Pattern EMAIL =
      Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");

  public static String requiredString(JsonObject json, String field, int maxLength) {
    String s = optionalString(json, field, maxLength);
    if (s == null || s.isBlank()) throw CrmException.validation(field, field + " is required");
    return s;
  }

  /** A string or null when absent; any other JSON type is refused (no {@code $}-operator objects slip through). */
  public static String optionalString(JsonObject json, String field, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof String s)) throw CrmException.validation(field, field + " must be a string");
    if (s.length() > maxLength) {
      throw CrmException.validation(field, field + " must be at most " + maxLength + " characters");
    }
    return s;
  }

  public static Boolean optionalBoolean(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof Boolean b)) throw CrmException.validation(field, field + " must be true or false");
    return b;
  }

  public static Integer optionalInt(JsonObject json, String field, int min, int max) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw CrmException.validation(field, field + " must be a whole number");
    }
    long l = n.longValue();
    if (l < min || l > max) throw CrmException.validation(field, field + " must be between " + min + " and " + max);
    return (int) l;
  }

  public static String oneOf(String value, String field, Collection<String> allowed) {
    if (value == null) return null;
    String v = value.toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw CrmException.validation(field, field + " must be one of " + String.join(", ", allowed));
    }
    return v;
  }

  /** A list of strings, or null when absent. */
  public static JsonArray optionalStrings(JsonObject json, String field, int maxItems, int maxLength) {
    Object v = json.getValue(field);
    if (v == null) return null;
    if (!(v instanceof JsonArray arr)) throw CrmException.validation(field, field + " must be an array of strings");
    if (arr.size() > maxItems) throw CrmException.validation(field, field + " has more than " + maxItems + " items");
    for (Object item : arr) {
      if (!(item instanceof String s) || s.length() > maxLength) {
        throw CrmException.validation(field, field + " must be an array of strings");
      }
    }
    return arr;
  }

  /** Lower-cased, trimmed email; EMAIL_INVALID when it does not look like one. */
  public static String email(String value, String field) {
    String e = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (e.length() > 254 || !EMAIL.matcher(e).matches()) {
      throw new CrmException(ErrorCode.EMAIL_INVALID, "Invalid email format", field, null);
    }
    return e;
  }
}
