package crm.commerce;

import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.customer.Phone;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of {@code crm.commerce.create_order}, validated: every failure is VALIDATION_FAILED (or
 * PHONE_NUMBER_INVALID, EMAIL_INVALID) naming the field, e.g. {@code items[1].quantity}. The same product named twice
 * is one line with the quantities added (at most {@link #MAX_QUANTITY} together).
 */
record OrderInput(String phone, String conversationId, String customerName, String email, List<Item> items,
                  JsonObject shippingAddress, String paymentMethod, String notes) {

  static final List<String> PAYMENT_METHODS = List.of("cash_on_delivery", "card", "transfer");
  static final int MAX_ITEMS = 50;
  static final int MAX_QUANTITY = 100;

  /** A line as asked: the product, how many, and what the caller believed its name and price were (never used). */
  record Item(String productId, int quantity, String productName, Object unitPrice) {}

  static OrderInput parse(JsonObject body) {
    String phone = ownerPhone(body, "owner_phone");
    String conversationId = Check.optionalString(body, "conversation_id", 64);
    if (conversationId != null && conversationId.isBlank()) conversationId = null;
    String name = Check.requiredString(body, "customer_name", 200).strip();
    String email = Check.optionalString(body, "customer_email", 254);
    if (email != null && email.isBlank()) email = null;
    if (email != null) email = Check.email(email, "customer_email");
    List<Item> items = items(body.getValue("items"));
    JsonObject address = address(body.getValue("shipping_address"));
    String payment = Check.oneOf(Check.requiredString(body, "payment_method", 32).strip(), "payment_method", PAYMENT_METHODS);
    String notes = Check.optionalString(body, "notes", 1000);
    if (notes != null && notes.isBlank()) notes = null;
    return new OrderInput(phone, conversationId, name, email, items, address, payment, notes == null ? null : notes.strip());
  }

  /** The canonical phone ({@link Phone#canonical}) of a required phone field; PHONE_NUMBER_INVALID when it is none. */
  static String ownerPhone(JsonObject body, String field) {
    return phone(Check.requiredString(body, field, 32), field);
  }

  static String phone(String value, String field) {
    String digits = Phone.normalize(value);
    if (digits == null) {
      throw new CrmException(ErrorCode.PHONE_NUMBER_INVALID, field + " is not a phone number (E.164 digits, like 529991234567)",
          field, null);
    }
    return Phone.canonical(digits);
  }

  private static List<Item> items(Object value) {
    if (!(value instanceof JsonArray arr) || arr.isEmpty()) {
      throw CrmException.validation("items", "items must be a non-empty array of {product_id, quantity}");
    }
    if (arr.size() > MAX_ITEMS) throw CrmException.validation("items", "an order has at most " + MAX_ITEMS + " items");
    Map<String, Item> byProduct = new LinkedHashMap<>();
    for (int i = 0; i < arr.size(); i++) {
      String at = "items[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject item)) throw CrmException.validation(at, at + " must be an object");
      Object id = item.getValue("product_id");
      if (!(id instanceof String pid) || pid.isBlank() || pid.length() > 64) {
        throw CrmException.validation(at + ".product_id", at + ".product_id must be the product_id search_products gave");
      }
      Object q = item.getValue("quantity");
      if (!(q instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
          || n.doubleValue() > MAX_QUANTITY) {
        throw CrmException.validation(at + ".quantity", at + ".quantity must be a whole number from 1 to " + MAX_QUANTITY);
      }
      Object name = item.getValue("product_name");
      if (name != null && (!(name instanceof String s) || s.length() > 200)) {
        throw CrmException.validation(at + ".product_name", at + ".product_name must be a string");
      }
      Object price = item.getValue("unit_price");
      if (price != null && !(price instanceof Number)) {
        throw CrmException.validation(at + ".unit_price", at + ".unit_price must be a number");
      }
      String key = pid.strip();
      Item before = byProduct.get(key);
      int quantity = n.intValue() + (before == null ? 0 : before.quantity());
      if (quantity > MAX_QUANTITY) {
        throw CrmException.validation(at + ".quantity", "at most " + MAX_QUANTITY + " of one product per order");
      }
      byProduct.put(key, new Item(key, quantity, before != null ? before.productName() : (String) name,
          before != null ? before.unitPrice() : price));
    }
    return new ArrayList<>(byProduct.values());
  }

  private static JsonObject address(Object value) {
    if (!(value instanceof JsonObject a)) {
      throw CrmException.validation("shipping_address", "shipping_address must be {street, city, state?, postal_code, country}");
    }
    JsonObject out = new JsonObject();
    out.put("street", line(a, "street", 200, true));
    out.put("city", line(a, "city", 100, true));
    String state = line(a, "state", 100, false);
    if (state != null) out.put("state", state);
    out.put("postalCode", line(a, "postal_code", 20, true));
    out.put("country", line(a, "country", 100, true));
    return out;
  }

  private static String line(JsonObject a, String field, int max, boolean required) {
    String path = "shipping_address." + field;
    Object v = a.getValue(field);
    if (v == null || v instanceof String s && s.isBlank()) {
      if (required) throw CrmException.validation(path, path + " is required");
      return null;
    }
    if (!(v instanceof String s)) throw CrmException.validation(path, path + " must be a string");
    if (s.length() > max) throw CrmException.validation(path, path + " must be at most " + max + " characters");
    return s.strip();
  }
}
