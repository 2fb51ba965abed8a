package crm.commerce;

import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One product row of an import, validated: {@code sku} (letters, digits, {@code . _ -}; kept upper case), {@code name},
 * {@code price} (a decimal) or {@code priceMinor}, and optionally {@code description}, {@code currency} (must be the
 * shop's), {@code stock}, {@code tags}, {@code image_url} ({@code imageUrl}), {@code active}. Other keys are ignored.
 * Every value must have its type: nothing is converted (a number where a name goes refuses the row).
 *
 * <p>What a row says replaces what the product had; {@code stock} and {@code active} only when the row gives them (a
 * price list re-imported leaves the inventory alone), a new product starting with stock 0, active.
 */
record ProductInput(String sku, String name, String description, long priceMinor, Long stock, List<String> tags,
                    String imageUrl, Boolean active) {

  static final Pattern SKU = Pattern.compile("^[A-Z0-9][A-Z0-9._-]{0,63}$");
  private static final Pattern URL = Pattern.compile("^https?://[^\\s/?#]+[^\\s]*$");
  static final int NAME_MAX = 200;
  static final int DESCRIPTION_MAX = 2000;
  static final int TAGS_MAX = 30;
  static final int TAG_MAX = 50;
  static final int URL_MAX = 1000;
  static final long STOCK_MAX = 1_000_000_000L;

  /** A row that cannot be imported: its position, the field at fault (null: the row itself) and why. */
  record RowError(int index, String field, String message) {
    JsonObject toJson() {
      return new JsonObject().put("index", index).put("field", field).put("message", message);
    }
  }

  /** Parses row {@code index}; a CrmException (VALIDATION_FAILED, field = the row's field) when it is not valid. */
  static ProductInput parse(Object value, int index, Money money) {
    if (!(value instanceof JsonObject row)) throw CrmException.validation(null, "a product must be an object");
    String sku = string(row, "sku", 64, true).strip().toUpperCase(Locale.ROOT);
    if (!SKU.matcher(sku).matches()) {
      throw CrmException.validation("sku", "sku must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    String name = string(row, "name", NAME_MAX, true).strip();
    if (name.isEmpty()) throw CrmException.validation("name", "name is required");
    String description = string(row, "description", DESCRIPTION_MAX, false);
    long price;
    if (row.getValue("priceMinor") != null) {
      price = whole(row, "priceMinor", 0, Money.MAX_PRICE_MINOR);
      if (row.getValue("price") != null && money.minorOf(row.getValue("price"), "price") != price) {
        throw CrmException.validation("price", "price and priceMinor disagree");
      }
    } else if (row.getValue("price") != null) {
      price = money.minorOf(row.getValue("price"), "price");
    } else {
      throw CrmException.validation("price", "price (a decimal) or priceMinor is required");
    }
    String currency = string(row, "currency", 3, false);
    if (currency != null && !currency.equalsIgnoreCase(money.currency())) {
      throw CrmException.validation("currency", "the shop sells in " + money.currency() + " (COMMERCE_CURRENCY), not " + currency);
    }
    Long stock = row.getValue("stock") == null ? null : whole(row, "stock", 0, STOCK_MAX);
    List<String> tags = tags(row.getValue("tags"));
    String imageKey = row.containsKey("image_url") ? "image_url" : "imageUrl";
    String imageUrl = string(row, imageKey, URL_MAX, false);
    if (imageUrl != null && (imageUrl = imageUrl.strip()).isEmpty()) imageUrl = null;
    if (imageUrl != null && !URL.matcher(imageUrl).matches()) {
      throw CrmException.validation("image_url", "image_url must be an http(s) URL");
    }
    Object active = row.getValue("active");
    if (active != null && !(active instanceof Boolean)) throw CrmException.validation("active", "active must be true or false");
    return new ProductInput(sku, name, description == null ? "" : description.strip(), price, stock, tags, imageUrl,
        (Boolean) active);
  }

  private static String string(JsonObject row, String field, int max, boolean required) {
    Object v = row.getValue(field);
    if (v == null) {
      if (required) throw CrmException.validation(field, field + " is required");
      return null;
    }
    if (!(v instanceof String s)) throw CrmException.validation(field, field + " must be a string");
    if (s.length() > max) throw CrmException.validation(field, field + " must be at most " + max + " characters");
    return s;
  }

  private static long whole(JsonObject row, String field, long min, long max) {
    Object v = row.getValue(field);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
      throw CrmException.validation(field, field + " must be a whole number");
    }
    double d = n.doubleValue();
    if (d < min || d > max) throw CrmException.validation(field, field + " must be between " + min + " and " + max);
    return n.longValue();
  }

  private static List<String> tags(Object v) {
    if (v == null) return List.of();
    if (!(v instanceof JsonArray arr)) throw CrmException.validation("tags", "tags must be an array of strings");
    if (arr.size() > TAGS_MAX) throw CrmException.validation("tags", "tags has more than " + TAGS_MAX + " items");
    List<String> out = new ArrayList<>();
    for (Object t : arr) {
      if (!(t instanceof String s) || s.isBlank() || s.length() > TAG_MAX) {
        throw CrmException.validation("tags", "tags must be non-empty strings of at most " + TAG_MAX + " characters");
      }
      String tag = s.strip();
      if (!out.contains(tag)) out.add(tag);
    }
    return out;
  }

  /** What the stored product gets from this row ({@code $set}); {@code stock} and {@code active} only when given. */
  JsonObject fields() {
    JsonObject set = new JsonObject().put("sku", sku).put("name", name).put("description", description)
        .put("priceMinor", priceMinor).put("tags", new JsonArray(tags)).put("imageUrl", imageUrl)
        .put("nameKey", SearchText.fold(name)).put("searchText", SearchText.of(name, description, tags));
    if (stock != null) set.put("stock", stock);
    if (active != null) set.put("active", active);
    return set;
  }

  /** A new product's defaults for what the row leaves out. */
  JsonObject defaults() {
    JsonObject d = new JsonObject();
    if (stock == null) d.put("stock", 0L);
    if (active == null) d.put("active", true);
    return d;
  }
}
