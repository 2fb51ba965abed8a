package crm.commerce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.storage.Mongo;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the commerce tests share: bus calls as the assistant and the admins make them, products made through the
 * import, order bodies, and direct database reads (the real embedded Mongo, no mocks).
 */
final class CommerceFixture {
  final TestApp app;
  final Bus bus;
  final MongoClient db;

  CommerceFixture(TestApp app) {
    this.app = app;
    this.bus = new Bus(app.vertx);
    this.db = new Mongo(app.vertx, app.app.deployedConfig()).client();
  }

  static <T> T await(Future<T> f) {
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until every future has completed, failed or not. */
  static void settle(List<? extends Future<?>> all) {
    await(Future.join(all).transform(ar -> Future.succeededFuture()));
  }

  /** A request that must succeed. */
  JsonObject call(String address, JsonObject body) {
    Future<JsonObject> f = bus.request(address, body, 60_000);
    try {
      return f.await(60, TimeUnit.SECONDS);
    } catch (CrmException e) {
      throw new AssertionError(address + " failed: " + e.code() + " " + e.getMessage() + " (field " + e.field() + ")", e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A request that must fail with {@code code}; returns the failure. */
  CrmException refused(String address, JsonObject body, ErrorCode code) {
    Future<JsonObject> f = bus.request(address, body, 60_000);
    try {
      JsonObject res = f.await(60, TimeUnit.SECONDS);
      return fail(address + " should have failed with " + code + " but answered " + res.encode());
    } catch (CrmException e) {
      assertThat(e.code()).as("code of '%s'", e.getMessage()).isEqualTo(code);
      assertThat(e.getMessage()).isNotBlank();
      return e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  void loadPreset(String id) {
    call(Addresses.CONFIG_PRESETS_LOAD, new JsonObject().put("presetId", id).put("updatedBy", "test"));
  }

  // ---- products

  static JsonObject row(String sku, String name, double price, long stock, String... tags) {
    return new JsonObject().put("sku", sku).put("name", name).put("description", "").put("price", price).put("stock", stock)
        .put("tags", new JsonArray(List.of(tags)));
  }

  JsonObject importRows(JsonObject... rows) {
    return call(Addresses.COMMERCE_IMPORT_PRODUCTS, new JsonObject().put("products", new JsonArray(List.of(rows))));
  }

  /** Imports one product and returns its id. */
  String product(JsonObject row) {
    JsonObject res = importRows(row);
    assertThat(res.getJsonArray("errors")).as("import errors").isEmpty();
    return res.getJsonArray("products").getJsonObject(0).getString("id");
  }

  JsonObject stored(String collection, String id) {
    return await(db.findOne(collection, new JsonObject().put("_id", id), null));
  }

  long stock(String productId) {
    return ((Number) stored("products", productId).getValue("stock")).longValue();
  }

  // ---- orders

  static JsonObject item(String productId, int quantity) {
    return new JsonObject().put("product_id", productId).put("quantity", quantity);
  }

  static JsonObject order(String ownerPhone, JsonObject... items) {
    return new JsonObject()
        .put("owner_phone", ownerPhone)
        .put("customer_name", "Giovanni Rossi")
        .put("customer_email", "giovanni." + ownerPhone + "@example.com")
        .put("items", new JsonArray(List.of(items)))
        .put("shipping_address", new JsonObject().put("street", "123 Main Street").put("city", "Rome").put("state", "Lazio")
            .put("postal_code", "00100").put("country", "Italy"))
        .put("payment_method", "cash_on_delivery")
        .put("notes", "Please ring doorbell twice");
  }

  /** Places an order that must succeed; returns the reply's order. */
  JsonObject place(JsonObject body) {
    JsonObject res = call(Addresses.COMMERCE_CREATE_ORDER, body);
    assertThat(res.getBoolean("success")).isTrue();
    return res.getJsonObject("order");
  }

  JsonObject lookup(String ownerPhone, String type, String value) {
    JsonObject body = new JsonObject().put("owner_phone", ownerPhone).put("search_type", type);
    if (value != null) body.put("search_value", value);
    return call(Addresses.COMMERCE_GET_ORDERS, body);
  }

  /** The stored order with this order id (any status). */
  JsonObject storedOrder(String orderId) {
    return await(db.findOne("orders", new JsonObject().put("orderId", orderId), null));
  }

  List<JsonObject> orders(JsonObject query) {
    return await(db.find("orders", query));
  }

  static String phone() {
    return Inbox.phone();
  }

  static String token() {
    return Inbox.token();
  }
}
