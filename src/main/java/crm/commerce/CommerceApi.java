package crm.commerce;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The e-commerce requests on the bus (see {@link Addresses}, the COMMERCE_* block). The assistant's four functions
 * need the ecommerce preset and read or write only the orders of {@code owner_phone}, the conversation's customer; a
 * request about anyone else is refused, or (an order id) answered as not found, which tells nothing.
 */
final class CommerceApi {
  private static final Logger log = LoggerFactory.getLogger(CommerceApi.class);
  private static final Pattern ORDER_ID = Pattern.compile("^ORD-\\d{4}-\\d{1,10}$");
  private static final Pattern ORDER_NUMBER = Pattern.compile("^[A-Z]{3}-\\d{8}-\\d{1,10}$");
  static final int LOOKUP_MAX = 20;
  static final int RECENT_DAYS = 90;
  private static final List<String> SEARCH_TYPES = List.of("order_id", "phone", "email");

  private final Bus bus;
  private final CommerceStore store;
  private final Catalog catalog;
  private final OrderPlacement placement;
  private final ActivePreset preset;
  private final Views views;

  CommerceApi(Bus bus, CommerceStore store, Catalog catalog, OrderPlacement placement, ActivePreset preset, Views views) {
    this.bus = bus;
    this.store = store;
    this.catalog = catalog;
    this.placement = placement;
    this.preset = preset;
    this.views = views;
  }

  Future<Void> serve() {
    List<Future<Void>> all = new ArrayList<>();
    all.add(bus.serve(Addresses.COMMERCE_SEARCH_PRODUCTS, ecommerce(catalog::search)).completion());
    all.add(bus.serve(Addresses.COMMERCE_CREATE_ORDER, ecommerce(b -> placement.place(OrderInput.parse(b)))).completion());
    all.add(bus.serve(Addresses.COMMERCE_GET_ORDERS, ecommerce(this::getOrders)).completion());
    all.add(bus.serve(Addresses.COMMERCE_ACTIVE_ORDERS, ecommerce(this::activeOrders)).completion());
    all.add(bus.serve(Addresses.COMMERCE_IMPORT_PRODUCTS, catalog::importProducts).completion());
    all.add(bus.serve(Addresses.COMMERCE_LIST_PRODUCTS, catalog::list).completion());
    all.add(bus.serve(Addresses.COMMERCE_GET_PRODUCT, catalog::get).completion());
    all.add(bus.serve(Addresses.COMMERCE_LIST_ORDERS, this::listOrders).completion());
    all.add(bus.serve(Addresses.COMMERCE_SET_ORDER_STATUS, this::setStatus).completion());
    all.add(bus.serveLocal(Addresses.COMMERCE_SWEEP, b -> placement.sweep()).completion());
    return Future.all(all).mapEmpty();
  }

  /** The handler, once the ecommerce preset is known to be active (before anything else: that answer says the most). */
  private Function<JsonObject, Future<JsonObject>> ecommerce(Function<JsonObject, Future<JsonObject>> handler) {
    return body -> preset.require().compose(v -> handler.apply(body));
  }

  private static JsonObject visibleOf(String phone) {
    return new JsonObject().put("phone", phone).put("status", new JsonObject().put("$in", new JsonArray(OrderStatus.VISIBLE)));
  }

  private static CrmException notTheirs(String what) {
    return new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION, what + ": only the orders of the customer in this conversation "
        + "can be looked up", null, new JsonObject().put("reason", "other_customer"));
  }

  // ---- the assistant's lookups

  /** get_orders: {owner_phone, search_type, search_value, include_items?} -> {success, found, orders}. */
  private Future<JsonObject> getOrders(JsonObject body) {
    String owner = OrderInput.ownerPhone(body, "owner_phone");
    String value = Check.optionalString(body, "search_value", 254);
    if (value != null) value = value.strip();
    if (value != null && value.isEmpty()) value = null;
    String type = Check.optionalString(body, "search_type", 16);
    type = type == null || type.isBlank() ? inferType(value) : Check.oneOf(type.strip(), "search_type", SEARCH_TYPES);
    Boolean include = Check.optionalBoolean(body, "include_items");
    boolean items = include == null || include;
    JsonObject filter = visibleOf(owner);
    switch (type) {
      case "order_id" -> {
        if (value == null) throw CrmException.validation("search_value", "search_value (the order id) is required");
        String id = value.startsWith("#") ? value.substring(1).strip() : value;
        String upper = id.toUpperCase(Locale.ROOT);
        if (ORDER_ID.matcher(upper).matches()) filter.put("orderId", upper);
        else if (ORDER_NUMBER.matcher(upper).matches()) filter.put("orderNumber", upper);
        else if (Mongo.isObjectId(id)) filter.put("_id", id.toLowerCase(Locale.ROOT));
        else return Future.succeededFuture(found(List.of(), items));
      }
      case "phone" -> {
        if (value != null && !OrderInput.phone(value, "search_value").equals(owner)) {
          throw notTheirs("That phone number is not this customer's");
        }
      }
      default -> { // email
        if (value == null) throw CrmException.validation("search_value", "search_value (the email) is required");
        String email = Check.email(value, "search_value");
        filter.put("email", email);
        return store.findOrders(filter, 0, LOOKUP_MAX).map(orders -> {
          if (orders.isEmpty()) throw notTheirs("No order of this customer was placed with that email");
          return found(orders, items);
        });
      }
    }
    return store.findOrders(filter, 0, LOOKUP_MAX).map(orders -> found(orders, items));
  }

  /** search_type left out: what the value looks like (an order id, an email, else a phone; none: the customer's). */
  private static String inferType(String value) {
    if (value == null) return "phone";
    String v = value.startsWith("#") ? value.substring(1) : value;
    if (ORDER_ID.matcher(v.toUpperCase(Locale.ROOT)).matches() || ORDER_NUMBER.matcher(v.toUpperCase(Locale.ROOT)).matches()) {
      return "order_id";
    }
    return value.contains("@") ? "email" : "phone";
  }

  private JsonObject found(List<JsonObject> orders, boolean items) {
    return new JsonObject().put("success", true).put("found", !orders.isEmpty())
        .put("orders", new JsonArray(orders.stream().map(o -> views.foundForAi(o, items)).toList()));
  }

  /** active_orders: {owner_phone, customer_phone?} -> {success, orders, total}: the last 90 days, newest first, 20 at most. */
  private Future<JsonObject> activeOrders(JsonObject body) {
    String owner = OrderInput.ownerPhone(body, "owner_phone");
    String asked = Check.optionalString(body, "customer_phone", 32);
    if (asked != null && !asked.isBlank() && !OrderInput.phone(asked, "customer_phone").equals(owner)) {
      throw notTheirs("That phone number is not this customer's");
    }
    JsonObject filter = visibleOf(owner)
        .put("createdAt", new JsonObject().put("$gte", Mongo.date(Instant.now().minus(RECENT_DAYS, ChronoUnit.DAYS))));
    return store.findOrders(filter, 0, LOOKUP_MAX).map(orders -> new JsonObject().put("success", true)
        .put("orders", new JsonArray(orders.stream().map(views::summaryForAi).toList()))
        .put("total", orders.size()));
  }

  // ---- admins

  /** list_orders: {status?, phone?, page?, limit?} -> {orders, total}, newest first. */
  private Future<JsonObject> listOrders(JsonObject body) {
    String status = Check.optionalString(body, "status", 32);
    String phone = Check.optionalString(body, "phone", 32);
    Integer page = Check.optionalInt(body, "page", 1, 1_000_000);
    Integer max = Check.optionalInt(body, "limit", 1, 100);
    int limit = max == null ? 20 : max;
    int skip = ((page == null ? 1 : page) - 1) * limit;
    JsonObject filter = new JsonObject();
    if (status != null && !status.isBlank()) filter.put("status", Check.oneOf(status.strip(), "status", OrderStatus.ALL));
    else filter.put("status", new JsonObject().put("$in", new JsonArray(OrderStatus.VISIBLE)));
    if (phone != null && !phone.isBlank()) filter.put("phone", OrderInput.phone(phone, "phone"));
    return Future.all(store.findOrders(filter, skip, limit), store.countOrders(filter)).map(all -> new JsonObject()
        .put("orders", new JsonArray(all.<List<JsonObject>>resultAt(0).stream().map(views::order).toList()))
        .put("total", all.<Long>resultAt(1)));
  }

  /** The visible order an admin names by ObjectId, order id or order number; RESOURCE_NOT_FOUND otherwise. */
  private Future<JsonObject> existing(String id) {
    String upper = id.strip().toUpperCase(Locale.ROOT);
    JsonObject query = new JsonObject().put("status", new JsonObject().put("$in", new JsonArray(OrderStatus.VISIBLE)));
    if (Mongo.isObjectId(id)) query.put("_id", id.toLowerCase(Locale.ROOT));
    else if (ORDER_ID.matcher(upper).matches()) query.put("orderId", upper);
    else if (ORDER_NUMBER.matcher(upper).matches()) query.put("orderNumber", upper);
    else return Future.failedFuture(CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Order"));
    return store.findOrder(query).map(o -> {
      if (o == null) throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Order");
      return o;
    });
  }

  /** set_order_status: {id, status, tracking_number?, note?, by?} -> {order}. */
  private Future<JsonObject> setStatus(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    String to = Check.oneOf(Check.requiredString(body, "status", 32).strip(), "status", OrderStatus.VISIBLE);
    String trackingKey = body.containsKey("tracking_number") ? "tracking_number" : "trackingNumber";
    String tracking = Check.optionalString(body, trackingKey, 100);
    if (tracking != null && (tracking = tracking.strip()).isEmpty()) tracking = null;
    String note = Check.optionalString(body, "note", 1000);
    if (note != null && (note = note.strip()).isEmpty()) note = null;
    String by = Check.optionalString(body, "by", 64);
    String trackingNumber = tracking;
    String why = note;
    return existing(id).compose(order -> change(order, to, trackingNumber, why, by, 0)).compose(ch -> {
      JsonObject after = ch.getJsonObject("after");
      String from = ch.getString("from");
      Future<Void> restocked = OrderStatus.CANCELLED.equals(to) ? placement.restock(after).recover(err -> {
        log.warn("Stock of cancelled order {} not all given back yet (the sweep will): {}", after.getString("orderId"), err.toString());
        return Future.succeededFuture();
      }) : Future.succeededFuture();
      return restocked.compose(v -> store.mongo().sync()).map(v -> {
        bus.publish(Addresses.EVT_ORDER_STATUS_CHANGED, new JsonObject()
            .put("order_id", after.getString("orderId")).put("status", to).put("previousStatus", from)
            .put("phone", after.getString("phone")).put("conversationId", after.getString("conversationId"))
            .put("timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString()));
        log.info("Order {}: {} -> {} by {}", after.getString("orderId"), from, to, by);
        return new JsonObject().put("order", views.order(after));
      });
    });
  }

  /** One conditional step from the order's current status; re-read and decided again when another change came first. */
  private Future<JsonObject> change(JsonObject order, String to, String tracking, String note, String by, int attempt) {
    String from = order.getString("status");
    if (!OrderStatus.allowed(from, to)) {
      throw new CrmException(ErrorCode.INVALID_STATUS_TRANSITION, "An order cannot go from " + from + " to " + to, "status",
          new JsonObject().put("from", from).put("to", to).put("allowed", new JsonArray(OrderStatus.next(from))));
    }
    JsonObject now = Mongo.now();
    JsonObject set = new JsonObject().put("status", to).put("updatedAt", now);
    if (tracking != null) set.put("trackingNumber", tracking);
    if (OrderStatus.CANCELLED.equals(to)) set.put("cancelledAt", now).put("restock", "pending");
    JsonObject entry = new JsonObject().put("status", to).put("timestamp", now);
    if (by != null) entry.put("by", by);
    if (note != null) entry.put("note", note);
    JsonObject update = new JsonObject().put("$set", set).put("$push", new JsonObject().put("timeline", entry));
    return store.updateOrderIf(order.getString("_id"), from, update).compose(after -> {
      if (after != null) return Future.succeededFuture(new JsonObject().put("after", after).put("from", from));
      if (attempt >= 3) return Future.failedFuture(new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "The order keeps changing; try again"));
      return store.order(order.getString("_id")).compose(current -> {
        if (current == null) throw CrmException.notFound(ErrorCode.RESOURCE_NOT_FOUND, "Order");
        return change(current, to, tracking, note, by, attempt + 1);
      });
    });
  }
}
