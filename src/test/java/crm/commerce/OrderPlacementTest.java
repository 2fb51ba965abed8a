package crm.commerce;

import static crm.commerce.CommerceFixture.item;
import static crm.commerce.CommerceFixture.order;
import static crm.commerce.CommerceFixture.row;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * create_order, get_orders and active_orders on the real app and the embedded Mongo with the default configuration
 * (USD, 16% tax, 3.00 shipping): the spec's example to the cent, stock taken atomically (never oversold, given back
 * when a later line fails), duplicates absorbed, and nobody reading another customer's orders.
 */
class OrderPlacementTest {
  static TestApp app;
  static CommerceFixture fx;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    fx = new CommerceFixture(app);
    fx.loadPreset("ecommerce");
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  static String product(double price, long stock) {
    String w = CommerceFixture.token();
    return fx.product(row("T-" + w, "Spaghetti " + w, price, stock, "pasta"));
  }

  @Test
  void the_spec_example_end_to_end_totals_ids_stock_and_lookups() {
    String owner = CommerceFixture.phone();
    String spaghetti = product(2.50, 10);
    JsonObject body = order(owner, item(spaghetti, 2).put("product_name", "Spaghetti Barilla 500g").put("unit_price", 2.50))
        .put("conversation_id", "65a0c0ffee0000000000c0de");
    JsonObject o = fx.place(body);

    int year = LocalDate.now(ZoneOffset.UTC).getYear();
    assertThat(o.getString("order_id")).matches("ORD-" + year + "-\\d{5}");
    String n = o.getString("order_id").substring(9);
    String today = LocalDate.now(ZoneOffset.UTC).toString().replace("-", "");
    assertThat(o.getString("order_number")).isEqualTo("TOL-" + today + "-" + n);
    assertThat(o.getString("status")).isEqualTo("pending");
    assertThat(o.encode()).contains("\"total\":8.80", "\"subtotal\":5.00", "\"shipping_cost\":3.00", "\"tax\":0.80",
        "\"unit_price\":2.50");
    assertThat(o.getDouble("total")).isEqualTo(8.80);
    assertThat(o.getString("currency")).isEqualTo("USD");
    assertThat(o.getString("estimated_delivery")).isEqualTo(LocalDate.now(ZoneOffset.UTC).plusDays(4).toString());
    assertThat(o.getString("tracking_url")).isEqualTo("https://track.example.com/" + o.getString("order_id"));
    JsonObject line = o.getJsonArray("items").getJsonObject(0);
    assertThat(line.fieldNames()).containsExactlyInAnyOrder("product_name", "quantity", "unit_price", "subtotal");
    assertThat(line.getInteger("quantity")).isEqualTo(2);
    assertThat(line.getDouble("subtotal")).isEqualTo(5.00);
    assertThat(fx.stock(spaghetti)).isEqualTo(8);

    // stored: minor units, the customer, the timeline, the business type; no reservation left on the product
    JsonObject stored = fx.storedOrder(o.getString("order_id"));
    assertThat(stored.getString("phone")).isEqualTo(owner);
    assertThat(stored.getString("email")).isEqualTo("giovanni." + owner + "@example.com");
    assertThat(stored.getString("customerName")).isEqualTo("Giovanni Rossi");
    assertThat(stored.getString("conversationId")).isEqualTo("65a0c0ffee0000000000c0de");
    assertThat(stored.getString("businessType")).isEqualTo("ecommerce");
    assertThat(stored.getLong("subtotalMinor")).isEqualTo(500);
    assertThat(stored.getLong("shippingMinor")).isEqualTo(300);
    assertThat(stored.getLong("taxMinor")).isEqualTo(80);
    assertThat(stored.getLong("totalMinor")).isEqualTo(880);
    assertThat(stored.getJsonArray("items").getJsonObject(0).getLong("unitPriceMinor")).isEqualTo(250);
    assertThat(stored.getJsonArray("timeline")).hasSize(1);
    assertThat(stored.getJsonArray("timeline").getJsonObject(0).getString("status")).isEqualTo("pending");
    assertThat(stored.getValue("createdAt")).isNotNull();
    assertThat(stored.getValue("updatedAt")).isNotNull();
    assertThat(fx.stored("products", spaghetti).getJsonArray("reservations", new JsonArray())).isEmpty();

    // the owner finds it by id (any case, with #), by phone (any form) and by email
    for (String id : List.of(o.getString("order_id"), "#" + o.getString("order_id").toLowerCase(), o.getString("order_number"))) {
      JsonObject found = fx.lookup(owner, "order_id", id);
      assertThat(found.getBoolean("found")).as(id).isTrue();
      assertThat(found.getJsonArray("orders")).hasSize(1);
    }
    JsonObject got = fx.lookup(owner, "order_id", o.getString("order_id")).getJsonArray("orders").getJsonObject(0);
    assertThat(got.fieldNames()).containsExactlyInAnyOrder("order_id", "order_number", "status", "total", "order_date",
        "estimated_delivery", "tracking_url", "items", "timeline");
    assertThat(got.getString("order_date")).isEqualTo(LocalDate.now(ZoneOffset.UTC).toString());
    assertThat(got.getDouble("total")).isEqualTo(8.80);
    assertThat(got.getJsonArray("items").getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("product_name", "quantity", "unit_price");
    JsonObject step = got.getJsonArray("timeline").getJsonObject(0);
    assertThat(step.getString("status")).isEqualTo("pending");
    assertThat(step.getString("timestamp")).endsWith("Z");
    String plus = "+" + owner.substring(0, 2) + " " + owner.substring(2, 5) + " " + owner.substring(5);
    assertThat(fx.lookup(owner, "phone", plus).getJsonArray("orders")).extracting(x -> ((JsonObject) x).getString("order_id"))
        .containsExactly(o.getString("order_id"));
    assertThat(fx.lookup(owner, "email", "Giovanni." + owner + "@Example.com").getBoolean("found")).isTrue();
    JsonObject noItems = fx.call(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("owner_phone", owner).put("search_type", "order_id")
        .put("search_value", o.getString("order_id")).put("include_items", false));
    assertThat(noItems.getJsonArray("orders").getJsonObject(0).containsKey("items")).isFalse();

    JsonObject active = fx.call(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", owner).put("customer_phone", plus));
    assertThat(active.getInteger("total")).isEqualTo(1);
    JsonObject summary = active.getJsonArray("orders").getJsonObject(0);
    assertThat(summary.fieldNames()).containsExactlyInAnyOrder("order_id", "status", "total", "order_date", "item_count");
    assertThat(summary.getInteger("item_count")).isEqualTo(1);
    assertThat(summary.getDouble("total")).isEqualTo(8.80);
  }

  @Test
  void the_price_is_always_the_catalogs_and_lines_of_one_product_are_added_up() {
    String owner = CommerceFixture.phone();
    String p = product(1.99, 20);
    JsonObject res = fx.call(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 2).put("unit_price", 0.01), item(p, 1)));
    JsonObject o = res.getJsonObject("order");
    assertThat(o.getJsonArray("items")).hasSize(1);
    assertThat(o.getJsonArray("items").getJsonObject(0).getInteger("quantity")).isEqualTo(3);
    // 3 x 1.99 = 5.97; tax 16% = 0.9552 -> 0.96 (half-up); + 3.00
    assertThat(o.encode()).contains("\"subtotal\":5.97", "\"tax\":0.96", "\"total\":9.93");
    JsonObject adjustment = res.getJsonArray("price_adjustments").getJsonObject(0);
    assertThat(adjustment.getString("product_id")).isEqualTo(p);
    assertThat(adjustment.getDouble("unit_price")).isEqualTo(1.99);
    assertThat(fx.stock(p)).isEqualTo(17);
  }

  @Test
  void bad_orders_are_refused_naming_the_problem_and_leave_nothing_behind() {
    String owner = CommerceFixture.phone();
    String p = product(2.50, 3);
    String w = CommerceFixture.token();
    String retired = fx.product(row("X-" + w, "Retired " + w, 1, 10).put("active", false));
    String unknown = "0123456789abcdef0123abcd";
    CrmException e = fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 1), item(unknown, 1)), ErrorCode.RESOURCE_NOT_FOUND);
    assertThat(e.getMessage()).contains(unknown);
    assertThat(e.field()).isEqualTo("items[1].product_id");
    assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item("not-an-id", 1)), ErrorCode.RESOURCE_NOT_FOUND).getMessage())
        .contains("not-an-id");
    assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(retired, 1)), ErrorCode.BUSINESS_RULE_VIOLATION).getMessage())
        .contains("Retired " + w);
    CrmException short4 = fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 4)), ErrorCode.BUSINESS_RULE_VIOLATION);
    assertThat(short4.getMessage()).contains("Only 3");
    for (int q : new int[] {0, 101, -1}) {
      assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, q)), ErrorCode.VALIDATION_FAILED).field())
          .isEqualTo("items[0].quantity");
    }
    assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 60), item(p, 41)), ErrorCode.VALIDATION_FAILED).field())
        .isEqualTo("items[1].quantity");
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, new JsonObject().put("product_id", p).put("quantity", 1.5)),
        ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, new JsonObject().put("product_id", new JsonObject().put("$ne", ""))
        .put("quantity", 1)), ErrorCode.VALIDATION_FAILED);
    JsonObject noOwner = order(owner, item(p, 1));
    noOwner.remove("owner_phone");
    assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, noOwner, ErrorCode.VALIDATION_FAILED).field()).isEqualTo("owner_phone");
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order("12ab", item(p, 1)), ErrorCode.PHONE_NUMBER_INVALID);
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 1)).put("customer_email", "nope"), ErrorCode.EMAIL_INVALID);
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 1)).put("payment_method", "bitcoin"), ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner), ErrorCode.VALIDATION_FAILED);
    JsonObject noCity = order(owner, item(p, 1));
    noCity.getJsonObject("shipping_address").remove("city");
    assertThat(fx.refused(Addresses.COMMERCE_CREATE_ORDER, noCity, ErrorCode.VALIDATION_FAILED).field()).isEqualTo("shipping_address.city");
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 1)).put("customer_name", " "), ErrorCode.VALIDATION_FAILED);

    assertThat(fx.orders(new JsonObject().put("phone", owner))).as("nothing stored").isEmpty();
    assertThat(fx.stock(p)).isEqualTo(3);
  }

  @Test
  void nobody_reads_another_customers_orders() {
    String alice = CommerceFixture.phone();
    String bob = CommerceFixture.phone();
    String p = product(3.00, 50);
    JsonObject aliceOrder = fx.place(order(alice, item(p, 1)));
    fx.place(order(bob, item(p, 2)));

    // Alice's order id asked in Bob's conversation: as if it did not exist
    JsonObject asBob = fx.lookup(bob, "order_id", aliceOrder.getString("order_id"));
    assertThat(asBob.getBoolean("found")).isFalse();
    assertThat(asBob.getJsonArray("orders")).isEmpty();
    assertThat(fx.lookup(bob, "order_id", aliceOrder.getString("order_number")).getBoolean("found")).isFalse();
    assertThat(fx.lookup(bob, "order_id", "ORD-1999-99999").getBoolean("found")).isFalse();
    // by Alice's phone or email from Bob's conversation: refused, nothing of hers in the answer
    CrmException byPhone = fx.refused(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("owner_phone", bob)
        .put("search_type", "phone").put("search_value", "+" + alice), ErrorCode.BUSINESS_RULE_VIOLATION);
    assertThat(byPhone.getMessage()).doesNotContain(aliceOrder.getString("order_id"));
    CrmException byEmail = fx.refused(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("owner_phone", bob)
        .put("search_type", "email").put("search_value", "giovanni." + alice + "@example.com"), ErrorCode.BUSINESS_RULE_VIOLATION);
    assertThat(byEmail.getMessage()).doesNotContain(aliceOrder.getString("order_id"));
    assertThat(byEmail.details().toString()).doesNotContain(aliceOrder.getString("order_id"));
    fx.refused(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", bob).put("customer_phone", alice),
        ErrorCode.BUSINESS_RULE_VIOLATION);
    // Bob's own lookups hold only his order
    JsonObject bobs = fx.lookup(bob, "phone", null);
    assertThat(bobs.getJsonArray("orders")).hasSize(1);
    assertThat(bobs.getJsonArray("orders").getJsonObject(0).getString("order_id")).isNotEqualTo(aliceOrder.getString("order_id"));
    assertThat(fx.call(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", bob)).getInteger("total")).isEqualTo(1);
    // the owner is required and must be a phone
    fx.refused(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("search_type", "order_id")
        .put("search_value", aliceOrder.getString("order_id")), ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", new JsonObject().put("$ne", "")),
        ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_GET_ORDERS, new JsonObject().put("owner_phone", bob).put("search_type", "sku")
        .put("search_value", "x"), ErrorCode.VALIDATION_FAILED);
  }

  @Test
  void the_same_order_asked_again_answers_the_first_and_creates_nothing() {
    String owner = CommerceFixture.phone();
    String a = product(2.00, 20);
    String b = product(1.00, 20);
    JsonObject body = order(owner, item(a, 2), item(b, 1)).put("conversation_id", "c-" + owner);
    JsonObject first = fx.call(Addresses.COMMERCE_CREATE_ORDER, body);
    assertThat(first.containsKey("duplicate")).isFalse();
    // the same basket in another order of lines, asked again
    JsonObject again = fx.call(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(b, 1), item(a, 2)).put("conversation_id", "c-" + owner));
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(again.getJsonObject("order").getString("order_id")).isEqualTo(first.getJsonObject("order").getString("order_id"));
    assertThat(again.getJsonObject("order").getDouble("total")).isEqualTo(first.getJsonObject("order").getDouble("total"));
    assertThat(fx.stock(a)).isEqualTo(18);
    assertThat(fx.stock(b)).isEqualTo(19);
    // another quantity, or another conversation, is another order
    JsonObject more = fx.call(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(a, 3), item(b, 1)).put("conversation_id", "c-" + owner));
    assertThat(more.containsKey("duplicate")).isFalse();
    JsonObject elsewhere = fx.call(Addresses.COMMERCE_CREATE_ORDER, body.copy().put("conversation_id", "other-" + owner));
    assertThat(elsewhere.containsKey("duplicate")).isFalse();
    assertThat(fx.orders(new JsonObject().put("phone", owner).put("status", "pending"))).hasSize(3);
    assertThat(fx.stock(a)).isEqualTo(13);
  }

  @Test
  void an_order_that_took_the_last_units_asked_again_is_still_the_same_order() {
    String owner = CommerceFixture.phone();
    String p = product(6.00, 2);
    JsonObject first = fx.place(order(owner, item(p, 2)));
    assertThat(fx.stock(p)).isZero();
    JsonObject again = fx.call(Addresses.COMMERCE_CREATE_ORDER, order(owner, item(p, 2)));
    assertThat(again.getBoolean("duplicate")).isTrue();
    assertThat(again.getJsonObject("order").getString("order_id")).isEqualTo(first.getString("order_id"));
    // another customer asking for it is told it is gone, and leaves no claim behind
    String other = CommerceFixture.phone();
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(other, item(p, 2)), ErrorCode.BUSINESS_RULE_VIOLATION);
    assertThat(fx.orders(new JsonObject().put("phone", other))).isEmpty();
    assertThat(CommerceFixture.await(fx.db.count("order_claims", new JsonObject().put("_id",
        OrderPlacement.claimKey(OrderInput.parse(order(other, item(p, 2)))))))).isZero();
  }

  @Test
  void identical_requests_racing_get_one_order() {
    String owner = CommerceFixture.phone();
    String p = product(4.00, 30);
    JsonObject body = order(owner, item(p, 2));
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) all.add(fx.bus.request(Addresses.COMMERCE_CREATE_ORDER, body.copy(), 60_000));
    CommerceFixture.settle(all);
    Set<String> ids = new HashSet<>();
    int firsts = 0;
    for (Future<JsonObject> f : all) {
      assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue();
      ids.add(f.result().getJsonObject("order").getString("order_id"));
      if (!f.result().containsKey("duplicate")) firsts++;
    }
    assertThat(ids).hasSize(1);
    assertThat(firsts).isEqualTo(1);
    assertThat(fx.stock(p)).isEqualTo(28);
    assertThat(fx.orders(new JsonObject().put("phone", owner))).hasSize(1);
  }

  @Test
  void twenty_customers_racing_for_the_last_unit_one_gets_it() {
    String p = product(9.99, 1);
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      all.add(fx.bus.request(Addresses.COMMERCE_CREATE_ORDER, order(CommerceFixture.phone(), item(p, 1)), 60_000));
    }
    CommerceFixture.settle(all);
    int won = 0;
    for (Future<JsonObject> f : all) {
      if (f.succeeded()) {
        won++;
      } else {
        assertThat(f.cause()).isInstanceOf(CrmException.class);
        assertThat(((CrmException) f.cause()).code()).isEqualTo(ErrorCode.BUSINESS_RULE_VIOLATION);
        assertThat(f.cause().getMessage()).contains("out of stock");
      }
    }
    assertThat(won).isEqualTo(1);
    assertThat(fx.stock(p)).isZero();
    assertThat(fx.stored("products", p).getJsonArray("reservations", new JsonArray())).isEmpty();
    List<JsonObject> placed = fx.orders(new JsonObject().put("items.productId", p).put("status", "pending"));
    assertThat(placed).hasSize(1);
    assertThat(fx.orders(new JsonObject().put("items.productId", p).put("status", "reserving"))).isEmpty();
  }

  /**
   * A line that passed the first check but whose stock went meanwhile (another customer took it): the lines taken
   * before it are given back. The 20 orders are sent in one event-loop task, so they reach the commerce verticle
   * together, ahead of the database's answers: nearly all pass the first check (one unit left; one or two may read
   * after the winner took it, 18 of 19 were seen), each of those takes its first line, and only one gets the last unit.
   * Before, rounds of orders sent one by one from the test thread were tried until one lost its second line (which
   * was left to chance).
   */
  @Test
  void when_a_later_line_cannot_be_had_the_earlier_lines_are_given_back() {
    String plenty = product(1.00, 100);
    String last = product(5.00, 1);
    io.vertx.core.Promise<List<Future<JsonObject>>> sent = io.vertx.core.Promise.promise();
    fx.app.vertx.runOnContext(v -> {
      List<Future<JsonObject>> orders = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        orders.add(fx.bus.request(Addresses.COMMERCE_CREATE_ORDER, order(CommerceFixture.phone(), item(plenty, 3), item(last, 1)), 60_000));
      }
      sent.complete(orders);
    });
    List<Future<JsonObject>> all = CommerceFixture.await(sent.future());
    CommerceFixture.settle(all);
    assertThat(all.stream().filter(Future::succeeded).count()).isEqualTo(1);
    assertThat(fx.stock(plenty)).as("only the one placed order keeps its 3").isEqualTo(97);
    assertThat(fx.stock(last)).isZero();
    assertThat(fx.stored("products", plenty).getJsonArray("reservations", new JsonArray())).isEmpty();
    assertThat(fx.orders(new JsonObject().put("items.productId", last).put("status", "failed")))
        .as("orders that took their first line and lost the second").isNotEmpty();
  }

  @Test
  void the_sweep_gives_back_exactly_what_an_abandoned_order_took() throws Exception {
    String owner = CommerceFixture.phone();
    String taken = product(2.00, 8); // as if 2 had been taken: 10 before
    String notYet = product(3.00, 5);
    String oid = crm.storage.Mongo.newId();
    JsonObject old = crm.storage.Mongo.date(java.time.Instant.now().minusSeconds(120));
    String key = "sweep-test-" + oid;
    JsonObject abandoned = new JsonObject().put("_id", oid).put("status", "reserving").put("phone", owner).put("businessType", "ecommerce")
        .put("items", new JsonArray()
            .add(new JsonObject().put("productId", taken).put("sku", "A").put("name", "A").put("quantity", 2).put("unitPriceMinor", 200).put("subtotalMinor", 400))
            .add(new JsonObject().put("productId", notYet).put("sku", "B").put("name", "B").put("quantity", 3).put("unitPriceMinor", 300).put("subtotalMinor", 900)))
        .put("timeline", new JsonArray()).put("claimKey", key).put("createdAt", old).put("updatedAt", old);
    CommerceFixture.await(fx.db.insert("orders", abandoned));
    CommerceFixture.await(fx.db.insert("order_claims", new JsonObject().put("_id", key).put("order", oid).put("at", old)));
    CommerceFixture.await(fx.db.updateCollection("products", new JsonObject().put("_id", taken), new JsonObject().put("$push",
        new JsonObject().put("reservations", new JsonObject().put("o", oid).put("q", 2).put("at", old)))));
    // one being placed right now: left alone
    String young = crm.storage.Mongo.newId();
    JsonObject now = crm.storage.Mongo.now();
    CommerceFixture.await(fx.db.insert("orders", abandoned.copy().put("_id", young).put("claimKey", "young-" + young)
        .put("createdAt", now).put("updatedAt", now)));
    CommerceFixture.await(fx.db.updateCollection("products", new JsonObject().put("_id", notYet), new JsonObject()
        .put("$inc", new JsonObject().put("stock", -3)).put("$push",
        new JsonObject().put("reservations", new JsonObject().put("o", young).put("q", 3).put("at", now)))));

    JsonObject res = fx.call(Addresses.COMMERCE_SWEEP, new JsonObject());
    assertThat(res.getInteger("rolledBack")).isGreaterThanOrEqualTo(1);
    assertThat(fx.stock(taken)).as("the 2 taken come back").isEqualTo(10);
    assertThat(fx.stored("products", taken).getJsonArray("reservations", new JsonArray())).isEmpty();
    assertThat(fx.stock(notYet)).as("the young order's 3 stay taken").isEqualTo(2);
    assertThat(fx.stored("orders", oid).getString("status")).isEqualTo("failed");
    assertThat(fx.stored("orders", young).getString("status")).isEqualTo("reserving");
    assertThat(fx.stored("order_claims", key)).as("claim released").isNull();
    // a second sweep gives nothing back twice
    fx.call(Addresses.COMMERCE_SWEEP, new JsonObject());
    assertThat(fx.stock(taken)).isEqualTo(10);
    // never shown to the customer
    assertThat(fx.lookup(owner, "phone", null).getJsonArray("orders")).isEmpty();
    assertThat(fx.call(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", owner)).getInteger("total")).isZero();
  }

  @Test
  void the_sweep_settles_reservation_records_left_by_a_crash_after_the_order_changed() {
    String p = product(2.00, 10);
    JsonObject old = crm.storage.Mongo.date(java.time.Instant.now().minusSeconds(120));
    String failed = crm.storage.Mongo.newId(); // marked failed, crashed before giving back 4
    String placed = crm.storage.Mongo.newId(); // placed, crashed before forgetting its record of 1
    CommerceFixture.await(fx.db.insert("orders", new JsonObject().put("_id", failed).put("status", "failed").put("items", new JsonArray())
        .put("createdAt", old).put("updatedAt", old)));
    CommerceFixture.await(fx.db.insert("orders", new JsonObject().put("_id", placed).put("status", "pending").put("items", new JsonArray())
        .put("createdAt", old).put("updatedAt", old)));
    CommerceFixture.await(fx.db.updateCollection("products", new JsonObject().put("_id", p), new JsonObject()
        .put("$push", new JsonObject().put("reservations", new JsonObject().put("$each", new JsonArray()
            .add(new JsonObject().put("o", failed).put("q", 4).put("at", old))
            .add(new JsonObject().put("o", placed).put("q", 1).put("at", old)))))));
    JsonObject res = fx.call(Addresses.COMMERCE_SWEEP, new JsonObject());
    assertThat(res.getInteger("released")).isGreaterThanOrEqualTo(1);
    assertThat(fx.stock(p)).isEqualTo(14);
    assertThat(fx.stored("products", p).getJsonArray("reservations", new JsonArray())).isEmpty();
  }

  @Test
  void the_functions_answer_only_while_the_ecommerce_preset_is_active() throws Exception {
    String owner = CommerceFixture.phone();
    String p = product(1.00, 5);
    try {
      fx.loadPreset("luxfree");
      for (String address : List.of(Addresses.COMMERCE_SEARCH_PRODUCTS, Addresses.COMMERCE_CREATE_ORDER, Addresses.COMMERCE_GET_ORDERS,
          Addresses.COMMERCE_ACTIVE_ORDERS)) {
        JsonObject body = address.equals(Addresses.COMMERCE_CREATE_ORDER) ? order(owner, item(p, 1))
            : new JsonObject().put("owner_phone", owner).put("query", "x");
        assertThat(fx.refused(address, body, ErrorCode.BUSINESS_RULE_VIOLATION).getMessage()).as(address).contains("e-commerce is not active");
      }
      assertThat(fx.stock(p)).isEqualTo(5);
      // the admins' catalog stays available
      assertThat(fx.call(Addresses.COMMERCE_GET_PRODUCT, new JsonObject().put("id", p)).getJsonObject("product").getLong("stock")).isEqualTo(5);
    } finally {
      fx.loadPreset("ecommerce");
    }
    assertThat(fx.call(Addresses.COMMERCE_ACTIVE_ORDERS, new JsonObject().put("owner_phone", owner)).getBoolean("success")).isTrue();
  }
}
