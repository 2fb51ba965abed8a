package crm.commerce;

import static crm.commerce.CommerceFixture.item;
import static crm.commerce.CommerceFixture.order;
import static crm.commerce.CommerceFixture.row;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * set_order_status: forward along the flow (steps may be skipped), cancelled from pending, confirmed or processing
 * with the stock given back once, anything else INVALID_STATUS_TRANSITION; each step on the timeline the customer
 * sees and announced as crm.events.commerce.order_status_changed.
 */
class OrderStatusTest {
  static TestApp app;
  static CommerceFixture fx;
  static final List<JsonObject> events = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    app = TestApp.start();
    fx = new CommerceFixture(app);
    fx.loadPreset("ecommerce");
    app.vertx.eventBus().<JsonObject>consumer(Addresses.EVT_ORDER_STATUS_CHANGED, m -> events.add(m.body()));
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  static String product(long stock) {
    String w = CommerceFixture.token();
    return fx.product(row("S-" + w, "Café " + w, 2.50, stock));
  }

  static JsonObject set(String id, String status, JsonObject extra) {
    return fx.call(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", id).put("status", status).put("by", "admin-1")
        .mergeIn(extra)).getJsonObject("order");
  }

  static CrmException illegal(String id, String status) {
    CrmException e = fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", id).put("status", status),
        ErrorCode.INVALID_STATUS_TRANSITION);
    assertThat(e.field()).isEqualTo("status");
    return e;
  }

  static JsonObject awaitEvent(String orderId, String status) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < deadline) {
      for (JsonObject e : events) {
        if (orderId.equals(e.getString("order_id")) && status.equals(e.getString("status"))) return e;
      }
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    throw new AssertionError("no order_status_changed " + status + " for " + orderId + " in " + events);
  }

  @Test
  void an_order_moves_forward_skipping_steps_and_every_step_is_on_the_timeline_and_announced() {
    String owner = CommerceFixture.phone();
    String p = product(10);
    JsonObject placed = fx.place(order(owner, item(p, 2)).put("conversation_id", "conv-" + owner));
    String id = placed.getString("order_id");

    JsonObject confirmed = set(id, "confirmed", new JsonObject().put("note", "pago verificado"));
    assertThat(confirmed.getString("status")).isEqualTo("confirmed");
    JsonObject e = awaitEvent(id, "confirmed");
    assertThat(e.fieldNames()).containsExactlyInAnyOrder("order_id", "status", "previousStatus", "phone", "conversationId", "timestamp");
    assertThat(e.getString("previousStatus")).isEqualTo("pending");
    assertThat(e.getString("phone")).isEqualTo(owner);
    assertThat(e.getString("conversationId")).isEqualTo("conv-" + owner);
    assertThat(e.getString("timestamp")).endsWith("Z");

    // processing skipped, as in the spec's timeline; by the order number and with a tracking number
    JsonObject shipped = set(placed.getString("order_number"), "shipped", new JsonObject().put("tracking_number", "TRACK123456"));
    assertThat(shipped.getString("trackingNumber")).isEqualTo("TRACK123456");
    awaitEvent(id, "shipped");
    illegal(id, "confirmed");
    illegal(id, "cancelled");
    illegal(id, "shipped");
    JsonObject byObjectId = set(shipped.getString("_id"), "in_transit", new JsonObject());
    assertThat(byObjectId.getString("status")).isEqualTo("in_transit");

    JsonObject found = fx.lookup(owner, "order_id", id).getJsonArray("orders").getJsonObject(0);
    assertThat(found.getString("status")).isEqualTo("in_transit");
    assertThat(found.getString("tracking_number")).isEqualTo("TRACK123456");
    assertThat(found.getJsonArray("timeline").stream().map(t -> ((JsonObject) t).getString("status")).toList())
        .containsExactly("pending", "confirmed", "shipped", "in_transit");
    JsonObject stored = fx.storedOrder(id);
    assertThat(stored.getJsonArray("timeline").getJsonObject(1).getString("note")).isEqualTo("pago verificado");
    assertThat(stored.getJsonArray("timeline").getJsonObject(1).getString("by")).isEqualTo("admin-1");

    set(id, "delivered", new JsonObject());
    CrmException end = illegal(id, "cancelled");
    assertThat(((JsonObject) end.details()).getJsonArray("allowed")).isEmpty();
    illegal(id, "in_transit");
    assertThat(fx.stock(p)).as("a delivered order keeps its stock").isEqualTo(8);
  }

  @Test
  void cancelling_gives_the_stock_back_once_and_only_before_shipping() {
    String owner = CommerceFixture.phone();
    String a = product(10);
    String b = product(5);
    JsonObject o = fx.place(order(owner, item(a, 3), item(b, 5)));
    assertThat(fx.stock(a)).isEqualTo(7);
    assertThat(fx.stock(b)).isZero();
    set(o.getString("order_id"), "processing", new JsonObject());
    JsonObject cancelled = set(o.getString("order_id"), "cancelled", new JsonObject().put("note", "el cliente se arrepintió"));
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(fx.stock(a)).isEqualTo(10);
    assertThat(fx.stock(b)).isEqualTo(5);
    assertThat(fx.storedOrder(o.getString("order_id")).getString("restock")).isEqualTo("done");
    assertThat(fx.stored("products", a).getJsonArray("restocked", new JsonArray())).isEmpty();
    assertThat(awaitEvent(o.getString("order_id"), "cancelled").getString("previousStatus")).isEqualTo("processing");
    illegal(o.getString("order_id"), "cancelled");
    illegal(o.getString("order_id"), "pending");
    // the sweep does not give it back again
    fx.call(Addresses.COMMERCE_SWEEP, new JsonObject());
    assertThat(fx.stock(a)).isEqualTo(10);
    // the customer still sees it, cancelled
    assertThat(fx.lookup(owner, "order_id", o.getString("order_id")).getJsonArray("orders").getJsonObject(0).getString("status"))
        .isEqualTo("cancelled");

    JsonObject shipped = fx.place(order(owner, item(a, 1)));
    set(shipped.getString("order_id"), "shipped", new JsonObject());
    illegal(shipped.getString("order_id"), "cancelled");
    assertThat(fx.stock(a)).isEqualTo(9);
  }

  @Test
  void a_cancellation_interrupted_before_all_its_stock_came_back_is_finished_by_the_sweep() {
    String owner = CommerceFixture.phone();
    String a = product(10);
    String b = product(10);
    JsonObject o = fx.place(order(owner, item(a, 2), item(b, 4)));
    String oid = fx.storedOrder(o.getString("order_id")).getString("_id");
    // as a crash leaves it: cancelled, a's 2 given back (and recorded), b's 4 not yet
    JsonObject old = crm.storage.Mongo.date(java.time.Instant.now().minusSeconds(120));
    CommerceFixture.await(fx.db.updateCollection("orders", new JsonObject().put("_id", oid), new JsonObject().put("$set",
        new JsonObject().put("status", "cancelled").put("restock", "pending").put("updatedAt", old))));
    CommerceFixture.await(fx.db.updateCollection("products", new JsonObject().put("_id", a), new JsonObject()
        .put("$inc", new JsonObject().put("stock", 2)).put("$push", new JsonObject().put("restocked", oid))));
    JsonObject res = fx.call(Addresses.COMMERCE_SWEEP, new JsonObject());
    assertThat(res.getInteger("restocked")).isEqualTo(1);
    assertThat(fx.stock(a)).isEqualTo(10);
    assertThat(fx.stock(b)).isEqualTo(10);
    assertThat(fx.stored("orders", oid).getString("restock")).isEqualTo("done");
  }

  @Test
  void unknown_orders_and_bad_requests_are_refused() {
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", "ORD-1999-00001").put("status", "confirmed"),
        ErrorCode.RESOURCE_NOT_FOUND);
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", "0123456789abcdef01234567").put("status", "confirmed"),
        ErrorCode.RESOURCE_NOT_FOUND);
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", "nonsense").put("status", "confirmed"),
        ErrorCode.RESOURCE_NOT_FOUND);
    String owner = CommerceFixture.phone();
    JsonObject o = fx.place(order(owner, item(product(3), 1)));
    assertThat(fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", o.getString("order_id")).put("status", "lost"),
        ErrorCode.VALIDATION_FAILED).field()).isEqualTo("status");
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", o.getString("order_id")).put("status", "reserving"),
        ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", o.getString("order_id")).put("status", "confirmed")
        .put("tracking_number", 42), ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_SET_ORDER_STATUS, new JsonObject().put("id", new JsonObject().put("$ne", "")).put("status", "confirmed"),
        ErrorCode.VALIDATION_FAILED);
    assertThat(fx.storedOrder(o.getString("order_id")).getString("status")).isEqualTo("pending");
  }
}
