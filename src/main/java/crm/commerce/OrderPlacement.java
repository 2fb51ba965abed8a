package crm.commerce;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.config.CommerceConfig;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Placing an order, and cleaning up after placements that did not finish.
 *
 * <p>Placing: the lines are priced from the catalog (never from the caller); the duplicate claim is taken (a unique
 * document per customer, conversation and basket, see {@link #claim}); the order is recorded as {@code reserving}
 * with its lines; each line's stock is taken by one conditional update that records the reservation on the product
 * ({@link CommerceStore#reserve}); then the order gets its number and becomes {@code pending}, and the reservation
 * records are forgotten. If a line cannot be had, the order becomes {@code failed}, what was taken is given back and
 * the claim released. If the process dies in between, {@link #sweep} does the same for orders left {@code reserving}
 * longer than {@link #RESERVATION_TIMEOUT_MS}, from the records on the products, so exactly what was taken is given
 * back.
 */
final class OrderPlacement {
  private static final Logger log = LoggerFactory.getLogger(OrderPlacement.class);
  /** An order still reserving after this long was abandoned (its request died with the process). */
  static final long RESERVATION_TIMEOUT_MS = 60_000;
  private static final long DUPLICATE_POLL_MS = 50;
  /** How long a repeated request waits for the first one, still being placed, to finish. */
  private static final long DUPLICATE_WAIT_MS = 10_000;
  private static final int SWEEP_BATCH = 200;

  private final Vertx vertx;
  private final CommerceStore store;
  private final CommerceConfig config;
  private final Money money;
  private final Views views;
  private boolean sweeping;

  OrderPlacement(Vertx vertx, CommerceStore store, CommerceConfig config, Money money, Views views) {
    this.vertx = vertx;
    this.store = store;
    this.config = config;
    this.money = money;
    this.views = views;
  }

  /** One priced line, as stored in the order. */
  record Line(String productId, String sku, String name, int quantity, long unitPriceMinor) {
    long subtotalMinor() {
      return unitPriceMinor * quantity;
    }

    JsonObject toJson() {
      return new JsonObject().put("productId", productId).put("sku", sku).put("name", name).put("quantity", quantity)
          .put("unitPriceMinor", unitPriceMinor).put("subtotalMinor", subtotalMinor());
    }

    static Line of(JsonObject stored) {
      return new Line(stored.getString("productId"), stored.getString("sku"), stored.getString("name"),
          ((Number) stored.getValue("quantity")).intValue(), ((Number) stored.getValue("unitPriceMinor")).longValue());
    }
  }

  /** create_order: {success, order, duplicate?, price_adjustments?}. */
  Future<JsonObject> place(OrderInput in) {
    List<String> ids = in.items().stream().map(OrderInput.Item::productId).toList();
    return store.productsByIds(ids).compose(found -> {
      Map<String, JsonObject> byId = new HashMap<>();
      for (JsonObject p : found) byId.put(p.getString("_id"), p);
      List<Line> lines = new ArrayList<>();
      JsonArray adjustments = new JsonArray();
      // decided after the duplicate check: the same order asked again is answered even when it took the last unit
      CrmException unavailable = null;
      for (int i = 0; i < in.items().size(); i++) {
        OrderInput.Item item = in.items().get(i);
        JsonObject p = byId.get(item.productId());
        if (p == null) {
          throw new CrmException(ErrorCode.RESOURCE_NOT_FOUND, "Product '" + item.productId() + "' not found: use a product_id that "
              + "search_products returned", "items[" + i + "].product_id", new JsonObject().put("product_id", item.productId()));
        }
        long stock = number(p, "stock");
        if (unavailable == null && !p.getBoolean("active", true)) unavailable = notSold(p);
        if (unavailable == null && stock < item.quantity()) unavailable = shortOf(p, item.quantity(), stock);
        Line line = new Line(p.getString("_id"), p.getString("sku"), p.getString("name"), item.quantity(), number(p, "priceMinor"));
        lines.add(line);
        if (item.unitPrice() != null && money.decimal(line.unitPriceMinor()).compareTo(new BigDecimal(item.unitPrice().toString())) != 0) {
          adjustments.add(new JsonObject().put("product_id", line.productId()).put("product_name", line.name())
              .put("requested_unit_price", item.unitPrice()).put("unit_price", money.decimal(line.unitPriceMinor())));
        }
      }
      String key = config.duplicateWindowMinutes() > 0 ? claimKey(in) : null;
      String oid = Mongo.newId();
      Instant now = Instant.now();
      Future<JsonObject> earlier = key == null ? Future.succeededFuture(null)
          : claim(key, oid, now, System.currentTimeMillis() + DUPLICATE_WAIT_MS);
      CrmException refusal = unavailable;
      return earlier.compose(first -> {
        if (first != null) {
          return Future.succeededFuture(new JsonObject().put("success", true).put("order", views.createdForAi(first))
              .put("duplicate", true)
              .put("message", "This order was already placed " + ageOf(first) + " ago: no new order was created"));
        }
        if (refusal != null) {
          // refused before anything is written but the claim: released, so the order can be asked again once in stock
          return (key == null ? Future.<Void>succeededFuture() : store.release(key, oid)).compose(v -> Future.failedFuture(refusal));
        }
        return create(in, lines, oid, now, key).map(order -> {
          JsonObject reply = new JsonObject().put("success", true).put("order", views.createdForAi(order));
          if (!adjustments.isEmpty()) reply.put("price_adjustments", adjustments);
          return reply;
        });
      });
    });
  }

  private static long number(JsonObject doc, String field) {
    return doc.getValue(field) instanceof Number n ? n.longValue() : 0L;
  }

  private static CrmException notSold(JsonObject p) {
    return new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION, "'" + p.getString("name") + "' is not available any more",
        "items", new JsonObject().put("product_id", p.getString("_id")));
  }

  private static CrmException shortOf(JsonObject p, int wanted, long stock) {
    String name = p.getString("name");
    String message = stock <= 0 ? "'" + name + "' is out of stock"
        : "Only " + stock + " of '" + name + "' left, " + wanted + " asked";
    return new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION, message, "items",
        new JsonObject().put("product_id", p.getString("_id")).put("requested", wanted).put("available", Math.max(0, stock)));
  }

  private static String ageOf(JsonObject order) {
    Instant at = Mongo.instant(order.getValue("createdAt"));
    long seconds = at == null ? 0 : Math.max(0, (System.currentTimeMillis() - at.toEpochMilli()) / 1000);
    return seconds < 60 ? seconds + " s" : (seconds / 60) + " min";
  }

  /** The duplicate key: the customer, the conversation and the basket (products and quantities, in any order). */
  static String claimKey(OrderInput in) {
    List<String> basket = in.items().stream().map(i -> i.productId() + ":" + i.quantity()).sorted().toList();
    String text = in.phone() + "\n" + (in.conversationId() == null ? "" : in.conversationId()) + "\n" + String.join(",", basket);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Takes the duplicate claim for order {@code oid}: null when this request may place the order, the earlier order
   * when it is the same order asked again within the window. A claim whose order failed or was cancelled, or that is
   * older than the window, is taken over (conditionally: of two requests, one does). While the earlier order is still
   * being placed, this waits for it (two identical requests racing get one order).
   */
  private Future<JsonObject> claim(String key, String oid, Instant now, long deadline) {
    return store.claim(key, oid, now).<JsonObject>map(v -> null).recover(err -> {
      if (!Mongo.isDuplicateKey(err)) return Future.failedFuture(err);
      return store.claimOf(key).compose(c -> {
        if (c == null) return again(key, oid, now, deadline, 0); // released meanwhile
        String other = c.getString("order");
        Instant at = Mongo.instant(c.getValue("at"));
        long age = at == null ? Long.MAX_VALUE : now.toEpochMilli() - at.toEpochMilli();
        if (age > config.duplicateWindowMinutes() * 60_000L) return takeOver(key, other, oid, now, deadline);
        return store.order(other).compose(first -> {
          String status = first == null ? null : first.getString("status");
          if (first == null && age < RESERVATION_TIMEOUT_MS || OrderStatus.RESERVING.equals(status)) {
            return again(key, oid, now, deadline, DUPLICATE_POLL_MS); // the first request is still placing it
          }
          if (first == null || OrderStatus.FAILED.equals(status) || OrderStatus.CANCELLED.equals(status)) {
            return takeOver(key, other, oid, now, deadline);
          }
          return Future.succeededFuture(first);
        });
      });
    });
  }

  private Future<JsonObject> takeOver(String key, String former, String oid, Instant now, long deadline) {
    return store.takeOver(key, former, oid, now)
        .compose(mine -> mine ? Future.succeededFuture((JsonObject) null) : again(key, oid, now, deadline, 0));
  }

  private Future<JsonObject> again(String key, String oid, Instant now, long deadline, long delayMs) {
    if (System.currentTimeMillis() > deadline) {
      return Future.failedFuture(new CrmException(ErrorCode.SERVICE_UNAVAILABLE,
          "The same order is still being placed by an earlier request; ask again in a moment"));
    }
    Future<Void> wait = delayMs > 0 ? vertx.timer(delayMs).mapEmpty() : Future.succeededFuture();
    return wait.compose(v -> claim(key, oid, now, deadline));
  }

  // ---- placing

  private Future<JsonObject> create(OrderInput in, List<Line> lines, String oid, Instant now, String key) {
    long subtotal = lines.stream().mapToLong(Line::subtotalMinor).sum();
    Money.Totals totals = money.totals(subtotal);
    JsonObject at = Mongo.date(now);
    JsonObject doc = new JsonObject()
        .put("_id", oid)
        .put("status", OrderStatus.RESERVING)
        .put("businessType", "ecommerce")
        .put("phone", in.phone())
        .put("customerName", in.customerName())
        .put("email", in.email())
        .put("conversationId", in.conversationId())
        .put("items", new JsonArray(lines.stream().map(Line::toJson).toList()))
        .put("shippingAddress", in.shippingAddress())
        .put("paymentMethod", in.paymentMethod())
        .put("notes", in.notes())
        .put("currency", money.currency())
        .put("subtotalMinor", totals.subtotal()).put("shippingMinor", totals.shipping())
        .put("taxMinor", totals.tax()).put("totalMinor", totals.total())
        .put("estimatedDelivery", now.atZone(ZoneOffset.UTC).toLocalDate().plusDays(config.deliveryDays()).toString())
        .put("timeline", new JsonArray())
        .put("claimKey", key)
        .put("createdAt", at).put("updatedAt", at);
    return store.insertOrder(doc)
        .compose(v -> reserveAll(lines, oid, now, 0))
        .compose(v -> number(oid, now, 0))
        .recover(err -> abandon(oid, lines, key).transform(ar -> Future.failedFuture(err)))
        .compose(order -> forgetAll(lines, oid).compose(v -> store.mongo().sync()).map(order));
  }

  /** Takes each line's stock in turn; the first that cannot be had fails the order (the caller gives the rest back). */
  private Future<Void> reserveAll(List<Line> lines, String oid, Instant at, int i) {
    if (i == lines.size()) return Future.succeededFuture();
    Line line = lines.get(i);
    return store.reserve(line.productId(), oid, line.quantity(), at).compose(ok -> {
      if (ok) return reserveAll(lines, oid, at, i + 1);
      return store.product(line.productId()).compose(p -> Future.failedFuture(p == null || !p.getBoolean("active", true)
          ? new CrmException(ErrorCode.BUSINESS_RULE_VIOLATION, "'" + line.name() + "' is not available any more", "items",
              new JsonObject().put("product_id", line.productId()))
          : shortOf(p, line.quantity(), number(p, "stock"))));
    });
  }

  /** Allocates the order's number and makes it pending; an id already taken (a restored backup) takes the next. */
  private Future<JsonObject> number(String oid, Instant now, int attempt) {
    LocalDate day = now.atZone(ZoneOffset.UTC).toLocalDate();
    return store.nextSeq("ORD-" + day.getYear()).compose(seq -> {
      String orderId = String.format("ORD-%d-%05d", day.getYear(), seq);
      String orderNumber = String.format("%s-%s-%05d", config.orderPrefix(), day.toString().replace("-", ""), seq);
      JsonObject at = Mongo.now();
      JsonObject update = new JsonObject()
          .put("$set", new JsonObject().put("status", OrderStatus.PENDING).put("orderId", orderId).put("orderNumber", orderNumber)
              .put("seq", seq).put("trackingUrl", trackingUrl(orderId, orderNumber)).put("updatedAt", at))
          .put("$push", new JsonObject().put("timeline", new JsonObject().put("status", OrderStatus.PENDING).put("timestamp", at)));
      return store.updateOrderIf(oid, OrderStatus.RESERVING, update)
          .recover(err -> Mongo.isDuplicateKey(err) && attempt < 5 ? number(oid, now, attempt + 1) : Future.failedFuture(err));
    }).compose(order -> order != null ? Future.succeededFuture(order)
        // the sweep found it abandoned (this request took longer than RESERVATION_TIMEOUT_MS) and gave its stock back
        : Future.failedFuture(new CrmException(ErrorCode.SERVICE_UNAVAILABLE, "Placing the order took too long; try again")));
  }

  private String trackingUrl(String orderId, String orderNumber) {
    return config.trackingUrl().replace("{orderId}", orderId).replace("{orderNumber}", orderNumber);
  }

  private Future<Void> forgetAll(List<Line> lines, String oid) {
    return sequence(lines, l -> store.forgetReservation(l.productId(), oid))
        .recover(err -> {
          log.warn("Reservation records of order {} not cleared (the sweep will): {}", oid, err.toString());
          return Future.succeededFuture();
        });
  }

  /**
   * A placement that failed: the order becomes failed (unless it was placed after all), what its lines took is given
   * back and its claim released. Never fails: what it could not do, the sweep does.
   */
  private Future<Void> abandon(String oid, List<Line> lines, String key) {
    JsonObject failed = new JsonObject().put("$set", new JsonObject().put("status", OrderStatus.FAILED).put("updatedAt", Mongo.now()));
    return store.updateOrderIf(oid, OrderStatus.RESERVING, failed)
        .compose(doc -> doc != null ? Future.succeededFuture(true) : store.order(oid).map(o -> o == null || OrderStatus.FAILED.equals(o.getString("status"))))
        .compose(giveBack -> !giveBack ? Future.<Void>succeededFuture()
            : giveBackAll(lines, oid).compose(v -> key == null ? Future.succeededFuture() : store.release(key, oid)))
        .recover(err -> {
          log.warn("Order {} not fully rolled back (the sweep will finish): {}", oid, err.toString());
          return Future.succeededFuture();
        });
  }

  private Future<Void> giveBackAll(List<Line> lines, String oid) {
    return sequence(lines, l -> store.giveBack(l.productId(), oid, l.quantity()).mapEmpty());
  }

  // ---- cancellation

  /** Gives a cancelled order's stock back, each line once, then marks it done. */
  Future<Void> restock(JsonObject order) {
    String oid = order.getString("_id");
    List<Line> lines = lines(order);
    return sequence(lines, l -> store.restock(l.productId(), oid, l.quantity()).mapEmpty())
        .compose(v -> store.updateOrder(oid, new JsonObject().put("$set", new JsonObject().put("restock", "done"))))
        .compose(v -> sequence(lines, l -> store.forgetRestock(l.productId(), oid)));
  }

  static List<Line> lines(JsonObject order) {
    List<Line> out = new ArrayList<>();
    for (Object o : order.getJsonArray("items", new JsonArray())) {
      if (o instanceof JsonObject line) out.add(Line.of(line));
    }
    return out;
  }

  // ---- the sweep

  /**
   * {rolledBack, released, restocked}: orders left reserving longer than {@link #RESERVATION_TIMEOUT_MS} become failed
   * and what they took is given back; reservation records older than that are given back when their order failed (or
   * is gone) and forgotten when it was placed; cancellations whose stock was not all given back are finished; duplicate
   * claims older than the window are dropped. Safe to run anywhere, any number of times, beside live requests.
   */
  Future<JsonObject> sweep() {
    if (sweeping) return Future.succeededFuture(new JsonObject().put("skipped", true));
    sweeping = true;
    Instant now = Instant.now();
    Instant cutoff = now.minusMillis(RESERVATION_TIMEOUT_MS);
    JsonObject before = new JsonObject().put("$lt", Mongo.date(cutoff));
    int[] counts = new int[3];
    Future<Void> abandoned = store.findOrders(new JsonObject().put("status", OrderStatus.RESERVING).put("createdAt", before), 0, SWEEP_BATCH)
        .compose(orders -> sequence(orders, o -> {
          String oid = o.getString("_id");
          JsonObject failed = new JsonObject().put("$set", new JsonObject().put("status", OrderStatus.FAILED).put("updatedAt", Mongo.now()));
          return store.updateOrderIf(oid, OrderStatus.RESERVING, failed).compose(doc -> {
            if (doc == null) return Future.succeededFuture();
            counts[0]++;
            log.warn("Order {} was abandoned while reserving stock: rolled back", oid);
            String key = o.getString("claimKey");
            return giveBackAll(lines(o), oid).compose(v -> key == null ? Future.succeededFuture() : store.release(key, oid));
          });
        }));
    Future<Void> records = abandoned.compose(v -> store.productsWithReservations()).compose(products -> sequence(products, p -> {
      List<JsonObject> old = new ArrayList<>();
      for (Object r : p.getJsonArray("reservations", new JsonArray())) {
        if (r instanceof JsonObject m && m.getString("o") != null) {
          Instant at = Mongo.instant(m.getValue("at"));
          if (at == null || at.isBefore(cutoff)) old.add(m);
        }
      }
      return sequence(old, m -> store.order(m.getString("o")).compose(o -> {
        String status = o == null ? null : o.getString("status");
        if (OrderStatus.RESERVING.equals(status)) return Future.succeededFuture(); // still being placed (or next sweep)
        if (o == null || OrderStatus.FAILED.equals(status)) {
          return store.giveBack(p.getString("_id"), m.getString("o"), number(m, "q")).map(given -> {
            if (given) counts[1]++;
            return null;
          });
        }
        return store.forgetReservation(p.getString("_id"), m.getString("o"));
      }));
    }));
    Future<Void> restocks = records.compose(v -> store.findOrders(new JsonObject().put("status", OrderStatus.CANCELLED)
            .put("restock", "pending").put("updatedAt", before), 0, SWEEP_BATCH))
        .compose(orders -> sequence(orders, o -> restock(o).map(x -> {
          counts[2]++;
          return null;
        })));
    Future<Long> claims = restocks.compose(v -> config.duplicateWindowMinutes() == 0 ? Future.succeededFuture(0L)
        : store.dropClaimsBefore(now.minusSeconds(config.duplicateWindowMinutes() * 60L)));
    return claims.compose(dropped -> store.mongo().sync().map(v -> new JsonObject()
            .put("rolledBack", counts[0]).put("released", counts[1]).put("restocked", counts[2]).put("claimsDropped", dropped)))
        .onComplete(ar -> sweeping = false);
  }

  /** Runs {@code step} on each item in turn; the first failure stops it. */
  static <T> Future<Void> sequence(List<T> items, Function<T, Future<Void>> step) {
    Future<Void> chain = Future.succeededFuture();
    for (T item : items) chain = chain.compose(v -> step.apply(item));
    return chain;
  }
}
