package crm.commerce;

import static crm.commerce.CommerceFixture.item;
import static crm.commerce.CommerceFixture.order;
import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /api/v2/commerce: the import (admins; rows validated one by one, upsert by sku), the catalog (everyone who reads
 * the configuration), the orders and their statuses (supervisors and admins), with the error envelope for refusals.
 */
class CommerceRoutesTest {
  static TestApp app;
  static CommerceFixture fx;
  static String admin;
  static Inbox.Agent agent;
  static Inbox.Agent supervisor;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    fx = new CommerceFixture(app);
    fx.loadPreset("ecommerce");
    admin = app.adminToken();
    Inbox inbox = new Inbox(app);
    agent = inbox.agent(admin, "agent");
    supervisor = inbox.agent(admin, "supervisor");
  }

  @AfterAll
  static void stop() {
    if (app != null) app.close();
  }

  static JsonObject importBody(Object... rows) {
    return new JsonObject().put("products", new JsonArray(List.of(rows)));
  }

  @Test
  void the_import_reports_bad_rows_imports_the_others_and_upserts_by_sku() {
    String w = CommerceFixture.token();
    JsonObject res = Inbox.json(app.post("/api/v2/commerce/products/import", admin, importBody(
        CommerceFixture.row("a-" + w, "Aceite " + w, 7.80, 25, "aceite").put("image_url", "https://cdn.example.com/a.jpg"),
        CommerceFixture.row("B-" + w, "Bad price " + w, 2.505, 1),
        CommerceFixture.row("C-" + w, "Negative " + w, 1, -1),
        new JsonObject().put("sku", "D-" + w).put("price", 1),
        CommerceFixture.row("E-" + w, "Tags " + w, 1, 1).put("tags", "not-a-list"),
        CommerceFixture.row("A-" + w, "Again " + w, 1, 1),
        CommerceFixture.row("F-" + w, "Euros " + w, 1, 1).put("currency", "EUR"),
        CommerceFixture.row("G-" + w, "Url " + w, 1, 1).put("image_url", "javascript:alert(1)"),
        CommerceFixture.row("H-" + w, 42 + "", 1, 1).put("name", 42),
        new JsonObject().put("sku", "I-" + w).put("name", "Minor " + w).put("priceMinor", 1999).put("stock", 3),
        CommerceFixture.row("J $" + w, "Sku " + w, 1, 1),
        CommerceFixture.row("K-" + w, "Active " + w, 1, 1).put("active", "yes"),
        "not a product")), 200);
    assertThat(res.getInteger("imported")).isEqualTo(2);
    assertThat(res.getInteger("created")).isEqualTo(2);
    assertThat(res.getInteger("updated")).isZero();
    JsonArray errors = res.getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getInteger("index") + ":" + ((JsonObject) e).getString("field")).toList())
        .containsExactly("1:price", "2:stock", "3:name", "4:tags", "5:sku", "6:currency", "7:image_url", "8:name", "10:sku", "11:active",
            "12:null");
    assertThat(errors.getJsonObject(4).getString("message")).contains("row 0");
    JsonObject first = res.getJsonArray("products").getJsonObject(0);
    assertThat(first.getString("sku")).isEqualTo("A-" + w.toUpperCase());
    assertThat(first.getBoolean("created")).isTrue();
    String id = first.getString("id");

    var one = app.get("/api/v2/commerce/products/" + id, agent.token());
    JsonObject product = Inbox.json(one, 200).getJsonObject("product");
    assertThat(product.getString("name")).isEqualTo("Aceite " + w);
    assertThat(one.bodyAsString()).as("decimals as the currency writes them").contains("\"price\":7.80");
    assertThat(product.getLong("priceMinor")).isEqualTo(780);
    assertThat(product.getLong("stock")).isEqualTo(25);
    assertThat(product.getString("imageUrl")).isEqualTo("https://cdn.example.com/a.jpg");
    assertThat(product.getBoolean("active")).isTrue();
    assertThat(product.containsKey("searchText")).isFalse();
    JsonObject minor = Inbox.json(app.get("/api/v2/commerce/products/I-" + w, agent.token()), 200).getJsonObject("product");
    assertThat(minor.getDouble("price")).isEqualTo(19.99);

    // the same sku again: updated in place; a stock left out stays as it was
    JsonObject again = Inbox.json(app.post("/api/v2/commerce/products/import", admin, importBody(
        new JsonObject().put("sku", "A-" + w).put("name", "Aceite de oliva " + w).put("price", 8.10).put("active", false))), 200);
    assertThat(again.getInteger("created")).isZero();
    assertThat(again.getInteger("updated")).isEqualTo(1);
    assertThat(again.getJsonArray("products").getJsonObject(0).getString("id")).isEqualTo(id);
    JsonObject updated = Inbox.json(app.get("/api/v2/commerce/products/" + id, admin), 200).getJsonObject("product");
    assertThat(updated.getString("name")).isEqualTo("Aceite de oliva " + w);
    assertThat(updated.getLong("priceMinor")).isEqualTo(810);
    assertThat(updated.getLong("stock")).isEqualTo(25);
    assertThat(updated.getBoolean("active")).isFalse();
    assertThat(Inbox.json(app.get("/api/v2/commerce/products?query=" + w + "&limit=1", supervisor.token()), 200)
        .getJsonObject("pagination").getLong("totalCount")).isEqualTo(2);

    JsonObject none = assertFieldError(app.post("/api/v2/commerce/products/import", admin, importBody(
        CommerceFixture.row("N1-" + w, "No price " + w, 1, 1).putNull("price"), CommerceFixture.row("N2-" + w, " ", 1, 1))),
        400, "VALIDATION_FAILED", "/api/v2/commerce/products/import", "products[0].price");
    assertThat(none.getJsonObject("details").getJsonArray("errors")).hasSize(2);
    assertThat(Inbox.json(app.get("/api/v2/commerce/products?query=" + w, admin), 200).getLong("total")).as("nothing imported").isEqualTo(2);
    assertError(app.post("/api/v2/commerce/products/import", admin, new JsonObject().put("products", new JsonArray())),
        400, "VALIDATION_FAILED", "/api/v2/commerce/products/import");
    assertFieldError(app.post("/api/v2/commerce/products/import", admin, new JsonObject().put("products", "x")),
        400, "VALIDATION_FAILED", "/api/v2/commerce/products/import", "products");
    assertError(app.get("/api/v2/commerce/products/0123456789abcdef01234567", admin), 404, "RESOURCE_NOT_FOUND",
        "/api/v2/commerce/products/0123456789abcdef01234567");
    assertError(app.get("/api/v2/commerce/products/NO-SUCH-SKU", admin), 404, "RESOURCE_NOT_FOUND",
        "/api/v2/commerce/products/NO-SUCH-SKU");
  }

  @Test
  void who_may_do_what() {
    String path = "/api/v2/commerce/products/import";
    JsonObject body = importBody(CommerceFixture.row("Z-" + CommerceFixture.token(), "Nope", 1, 1));
    JsonObject err = assertError(app.post(path, agent.token(), body), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertThat(err.getJsonObject("details").getString("required")).isEqualTo("write:config");
    assertError(app.post(path, supervisor.token(), body), 403, "AUTH_INSUFFICIENT_PERMISSIONS", path);
    assertError(app.post(path, null, body), 401, "AUTH_TOKEN_INVALID", path);
    assertError(app.get("/api/v2/commerce/orders", agent.token()), 403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/commerce/orders");
    assertError(app.put("/api/v2/commerce/orders/ORD-2026-00001/status", agent.token(), new JsonObject().put("status", "confirmed")),
        403, "AUTH_INSUFFICIENT_PERMISSIONS", "/api/v2/commerce/orders/ORD-2026-00001/status");
    assertThat(Inbox.json(app.get("/api/v2/commerce/products", agent.token()), 200).getJsonArray("products")).isNotEmpty();
    assertThat(Inbox.json(app.get("/api/v2/commerce/orders", supervisor.token()), 200).containsKey("pagination")).isTrue();
  }

  @Test
  void supervisors_list_orders_and_move_them_along() {
    String owner = CommerceFixture.phone();
    String p = fx.product(CommerceFixture.row("O-" + CommerceFixture.token(), "Penne", 2.50, 10));
    JsonObject placed = fx.place(order(owner, item(p, 2)));
    String id = placed.getString("order_id");

    var page = app.get("/api/v2/commerce/orders?phone=%2B" + owner + "&limit=5", supervisor.token());
    JsonObject list = Inbox.json(page, 200);
    assertThat(page.bodyAsString()).contains("\"total\":8.80", "\"totalMinor\":880", "\"unitPrice\":2.50");
    assertThat(list.getLong("total")).isEqualTo(1);
    assertThat(list.getJsonObject("pagination").getInteger("pageSize")).isEqualTo(5);
    JsonObject o = list.getJsonArray("orders").getJsonObject(0);
    assertThat(o.getString("orderId")).isEqualTo(id);
    assertThat(o.getString("status")).isEqualTo("pending");
    assertThat(o.getDouble("total")).isEqualTo(8.80);
    assertThat(o.getJsonObject("shippingAddress").getString("postalCode")).isEqualTo("00100");
    assertThat(Inbox.json(app.get("/api/v2/commerce/orders?status=pending&phone=" + owner, admin), 200).getLong("total")).isEqualTo(1);
    assertThat(Inbox.json(app.get("/api/v2/commerce/orders?status=shipped&phone=" + owner, admin), 200).getLong("total")).isZero();
    assertFieldError(app.get("/api/v2/commerce/orders?status=lost", admin), 400, "VALIDATION_FAILED", "/api/v2/commerce/orders", "status");
    assertError(app.get("/api/v2/commerce/orders?phone=abc", admin), 400, "PHONE_NUMBER_INVALID", "/api/v2/commerce/orders");
    assertError(app.get("/api/v2/commerce/orders?limit=500", admin), 400, "VALIDATION_FAILED", "/api/v2/commerce/orders");

    String path = "/api/v2/commerce/orders/" + id + "/status";
    JsonObject moved = Inbox.json(app.put(path, supervisor.token(), new JsonObject().put("status", "shipped")
        .put("tracking_number", "TRK-1").put("note", "DHL")), 200).getJsonObject("order");
    assertThat(moved.getString("status")).isEqualTo("shipped");
    assertThat(moved.getString("trackingNumber")).isEqualTo("TRK-1");
    JsonObject step = moved.getJsonArray("timeline").getJsonObject(1);
    assertThat(step.getString("by")).isEqualTo(supervisor.id());
    assertThat(step.getString("note")).isEqualTo("DHL");
    JsonObject err = assertError(app.put(path, admin, new JsonObject().put("status", "cancelled")), 409, "INVALID_STATUS_TRANSITION", path);
    assertThat(err.getJsonObject("details").getString("from")).isEqualTo("shipped");
    assertFieldError(app.put(path, admin, new JsonObject()), 400, "VALIDATION_FAILED", path, "status");
    assertError(app.put("/api/v2/commerce/orders/ORD-1999-00001/status", admin, new JsonObject().put("status", "confirmed")),
        404, "RESOURCE_NOT_FOUND", "/api/v2/commerce/orders/ORD-1999-00001/status");
  }
}
