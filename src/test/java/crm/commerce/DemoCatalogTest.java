package crm.commerce;

import static crm.commerce.CommerceFixture.item;
import static crm.commerce.CommerceFixture.order;
import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.ErrorCode;
import crm.support.Inbox;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fresh install has no e-commerce: the assistant's functions refuse; loading the ecommerce preset brings the demo
 * catalog (conf/presets/ecommerce-catalog.json) in, every row of it, once: loading it again adds nothing and keeps
 * what orders took.
 */
class DemoCatalogTest {
  TestApp app;
  CommerceFixture fx;

  @BeforeEach
  void start() {
    app = TestApp.start();
    fx = new CommerceFixture(app);
  }

  @AfterEach
  void stop() {
    if (app != null) app.close();
  }

  static JsonArray fileRows() throws Exception {
    return new JsonObject(Files.readString(Path.of(Catalog.DEMO_FILE), StandardCharsets.UTF_8)).getJsonArray("products");
  }

  long products() {
    return CommerceFixture.await(fx.db.count("products", new JsonObject()));
  }

  long awaitProducts(long n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (products() < n && System.currentTimeMillis() < deadline) TimeUnit.MILLISECONDS.sleep(50);
    return products();
  }

  @Test
  void the_demo_catalog_is_a_spanish_shop_of_thirty_odd_valid_products() throws Exception {
    JsonArray rows = fileRows();
    assertThat(rows.size()).isGreaterThanOrEqualTo(30);
    Set<String> skus = new HashSet<>();
    int soldOut = 0;
    for (Object o : rows) {
      JsonObject r = (JsonObject) o;
      assertThat(skus.add(r.getString("sku"))).as("unique sku %s", r.getString("sku")).isTrue();
      assertThat(r.getString("image_url")).startsWith("https://");
      assertThat(r.getString("description")).isNotBlank();
      assertThat(r.getJsonArray("tags")).isNotEmpty();
      if (r.getLong("stock") == 0) soldOut++;
    }
    assertThat(soldOut).isGreaterThanOrEqualTo(3);
    assertThat(rows.encode()).contains("Spaghetti Barilla 500g", "Café", "á", "ñ");
  }

  @Test
  void without_the_preset_the_functions_refuse_and_loading_it_imports_the_catalog_once() throws Exception {
    String owner = CommerceFixture.phone();
    for (String address : List.of(Addresses.COMMERCE_SEARCH_PRODUCTS, Addresses.COMMERCE_GET_ORDERS, Addresses.COMMERCE_ACTIVE_ORDERS)) {
      assertThat(fx.refused(address, new JsonObject().put("owner_phone", owner), ErrorCode.BUSINESS_RULE_VIOLATION).getMessage())
          .contains("e-commerce is not active");
    }
    fx.refused(Addresses.COMMERCE_CREATE_ORDER, order(owner, item("0123456789abcdef01234567", 1)), ErrorCode.BUSINESS_RULE_VIOLATION);
    assertThat(products()).isZero();

    String admin = app.adminToken();
    Inbox.json(app.post("/api/v2/config/presets/load", admin, new JsonObject().put("presetId", "ecommerce")), 200);
    int expected = fileRows().size();
    assertThat(awaitProducts(expected)).isEqualTo(expected);

    JsonObject found = fx.call(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("query", "spaghetti barilla"));
    JsonObject spaghetti = found.getJsonArray("products").getJsonObject(0);
    assertThat(spaghetti.getString("name")).isEqualTo("Spaghetti Barilla 500g");
    assertThat(spaghetti.getDouble("price")).isEqualTo(2.50);
    assertThat(fx.call(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("query", "cafe")).getLong("total")).isGreaterThanOrEqualTo(4);

    // an order takes 2; loading the preset again adds nothing and gives nothing back
    fx.place(order(owner, item(spaghetti.getString("product_id"), 2)));
    Inbox.json(app.post("/api/v2/config/presets/load", admin, new JsonObject().put("presetId", "ecommerce")), 200);
    TimeUnit.MILLISECONDS.sleep(500);
    assertThat(products()).isEqualTo(expected);
    assertThat(fx.stock(spaghetti.getString("product_id"))).isEqualTo(43);
  }
}
