package crm.commerce;

import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Stored products and orders as the outside sees them: the AI functions' snake_case shapes of the spec, and the REST
 * API's camelCase ones. Amounts become decimals; internal fields (search text, reservations) stay inside.
 */
final class Views {
  private final Money money;

  Views(Money money) {
    this.money = money;
  }

  private static long minor(JsonObject doc, String field) {
    Object v = doc.getValue(field);
    return v instanceof Number n ? n.longValue() : 0L;
  }

  // ---- products

  /** search_products' product. */
  JsonObject productForAi(JsonObject p) {
    return new JsonObject()
        .put("product_id", p.getString("_id"))
        .put("name", p.getString("name"))
        .put("price", money.decimal(minor(p, "priceMinor")))
        .put("currency", money.currency())
        .put("stock", Math.max(0, minor(p, "stock")))
        .put("description", p.getString("description", ""))
        .put("image_url", p.getString("imageUrl"));
  }

  /** The REST API's product. */
  JsonObject product(JsonObject p) {
    JsonObject out = new JsonObject()
        .put("_id", p.getString("_id")).put("id", p.getString("_id"))
        .put("sku", p.getString("sku"))
        .put("name", p.getString("name"))
        .put("description", p.getString("description", ""))
        .put("price", money.decimal(minor(p, "priceMinor")))
        .put("priceMinor", minor(p, "priceMinor"))
        .put("currency", money.currency())
        .put("stock", minor(p, "stock"))
        .put("tags", p.getJsonArray("tags", new JsonArray()))
        .put("imageUrl", p.getString("imageUrl"))
        .put("active", p.getBoolean("active", true));
    long reserved = 0;
    for (Object r : p.getJsonArray("reservations", new JsonArray())) {
      if (r instanceof JsonObject o) reserved += minor(o, "q");
    }
    if (reserved > 0) out.put("reserved", reserved); // taken by orders being placed right now
    return out.put("createdAt", iso(p.getValue("createdAt"))).put("updatedAt", iso(p.getValue("updatedAt")));
  }

  // ---- orders

  static String day(Object storedDate) {
    Instant i = Mongo.instant(storedDate);
    return i == null ? null : i.atZone(ZoneOffset.UTC).toLocalDate().toString();
  }

  private static String iso(Object storedDate) {
    Instant i = Mongo.instant(storedDate);
    return i == null ? null : i.toString();
  }

  private JsonArray timeline(JsonObject o, boolean full) {
    JsonArray out = new JsonArray();
    for (Object t : o.getJsonArray("timeline", new JsonArray())) {
      if (!(t instanceof JsonObject e)) continue;
      JsonObject entry = new JsonObject().put("status", e.getString("status")).put("timestamp", iso(e.getValue("timestamp")));
      if (full) {
        if (e.getString("by") != null) entry.put("by", e.getString("by"));
        if (e.getString("note") != null) entry.put("note", e.getString("note"));
      }
      out.add(entry);
    }
    return out;
  }

  /** create_order's order. */
  JsonObject createdForAi(JsonObject o) {
    JsonArray items = new JsonArray();
    for (Object i : o.getJsonArray("items", new JsonArray())) {
      JsonObject line = (JsonObject) i;
      items.add(new JsonObject().put("product_name", line.getString("name")).put("quantity", line.getValue("quantity"))
          .put("unit_price", money.decimal(minor(line, "unitPriceMinor"))).put("subtotal", money.decimal(minor(line, "subtotalMinor"))));
    }
    return new JsonObject()
        .put("order_id", o.getString("orderId"))
        .put("order_number", o.getString("orderNumber"))
        .put("status", o.getString("status"))
        .put("total", money.decimal(minor(o, "totalMinor")))
        .put("estimated_delivery", o.getString("estimatedDelivery"))
        .put("tracking_url", o.getString("trackingUrl"))
        .put("items", items)
        .put("shipping_cost", money.decimal(minor(o, "shippingMinor")))
        .put("tax", money.decimal(minor(o, "taxMinor")))
        .put("subtotal", money.decimal(minor(o, "subtotalMinor")))
        .put("currency", o.getString("currency", money.currency()));
  }

  /** get_orders' order. */
  JsonObject foundForAi(JsonObject o, boolean includeItems) {
    JsonObject out = new JsonObject()
        .put("order_id", o.getString("orderId"))
        .put("order_number", o.getString("orderNumber"))
        .put("status", o.getString("status"))
        .put("total", money.decimal(minor(o, "totalMinor")))
        .put("order_date", day(o.getValue("createdAt")))
        .put("estimated_delivery", o.getString("estimatedDelivery"));
    if (o.getString("trackingNumber") != null) out.put("tracking_number", o.getString("trackingNumber"));
    out.put("tracking_url", o.getString("trackingUrl"));
    if (includeItems) {
      JsonArray items = new JsonArray();
      for (Object i : o.getJsonArray("items", new JsonArray())) {
        JsonObject line = (JsonObject) i;
        items.add(new JsonObject().put("product_name", line.getString("name")).put("quantity", line.getValue("quantity"))
            .put("unit_price", money.decimal(minor(line, "unitPriceMinor"))));
      }
      out.put("items", items);
    }
    return out.put("timeline", timeline(o, false));
  }

  /** active_orders' order. */
  JsonObject summaryForAi(JsonObject o) {
    return new JsonObject()
        .put("order_id", o.getString("orderId"))
        .put("status", o.getString("status"))
        .put("total", money.decimal(minor(o, "totalMinor")))
        .put("order_date", day(o.getValue("createdAt")))
        .put("item_count", o.getJsonArray("items", new JsonArray()).size());
  }

  /** The REST API's order. */
  JsonObject order(JsonObject o) {
    JsonArray items = new JsonArray();
    for (Object i : o.getJsonArray("items", new JsonArray())) {
      JsonObject line = (JsonObject) i;
      items.add(new JsonObject().put("productId", line.getString("productId")).put("sku", line.getString("sku"))
          .put("name", line.getString("name")).put("quantity", line.getValue("quantity"))
          .put("unitPrice", money.decimal(minor(line, "unitPriceMinor"))).put("unitPriceMinor", minor(line, "unitPriceMinor"))
          .put("subtotal", money.decimal(minor(line, "subtotalMinor"))).put("subtotalMinor", minor(line, "subtotalMinor")));
    }
    JsonObject out = new JsonObject()
        .put("_id", o.getString("_id")).put("id", o.getString("_id"))
        .put("orderId", o.getString("orderId"))
        .put("orderNumber", o.getString("orderNumber"))
        .put("status", o.getString("status"))
        .put("businessType", o.getString("businessType"))
        .put("customerName", o.getString("customerName"))
        .put("phone", o.getString("phone"))
        .put("email", o.getString("email"))
        .put("conversationId", o.getString("conversationId"))
        .put("items", items)
        .put("shippingAddress", o.getJsonObject("shippingAddress"))
        .put("paymentMethod", o.getString("paymentMethod"))
        .put("notes", o.getString("notes"))
        .put("currency", o.getString("currency", money.currency()));
    for (String amount : new String[] {"subtotal", "shipping", "tax", "total"}) {
      out.put(amount, money.decimal(minor(o, amount + "Minor"))).put(amount + "Minor", minor(o, amount + "Minor"));
    }
    out.put("estimatedDelivery", o.getString("estimatedDelivery"))
        .put("trackingNumber", o.getString("trackingNumber"))
        .put("trackingUrl", o.getString("trackingUrl"))
        .put("timeline", timeline(o, true))
        .put("createdAt", iso(o.getValue("createdAt")))
        .put("updatedAt", iso(o.getValue("updatedAt")));
    return out;
  }
}
