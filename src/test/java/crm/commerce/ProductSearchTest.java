package crm.commerce;

import static org.assertj.core.api.Assertions.assertThat;

import crm.bus.Addresses;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * search_products on the real app and the embedded Mongo: case and accents ignored, every word must begin a word of
 * the name, description or tags, in-stock products first then by name, operators and regex syntax in the query
 * taken literally. Each test works on products carrying its own made-up word, so the demo catalog does not interfere.
 */
class ProductSearchTest {
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

  static JsonObject search(String query, Integer limit) {
    JsonObject body = new JsonObject();
    if (query != null) body.put("query", query);
    if (limit != null) body.put("limit", limit);
    return fx.call(Addresses.COMMERCE_SEARCH_PRODUCTS, body);
  }

  static List<String> names(JsonObject res) {
    return res.getJsonArray("products").stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }

  @Test
  void cafe_finds_cafe_with_its_accent_in_any_case_and_accented_queries_find_plain_names() {
    String w = CommerceFixture.token();
    fx.importRows(
        CommerceFixture.row("S1-" + w, "Café de Olla " + w, 4.5, 3),
        CommerceFixture.row("S2-" + w, "Té verde " + w, 2.0, 5).put("description", "Infusión japonesa, sin café"),
        CommerceFixture.row("S3-" + w, "Chocolate " + w, 3.0, 5, "Cafetería"),
        CommerceFixture.row("S4-" + w, "Jabón neutro " + w, 1.0, 5));
    assertThat(names(search("cafe " + w, null))).containsExactlyInAnyOrder("Café de Olla " + w, "Té verde " + w, "Chocolate " + w);
    assertThat(names(search("CAFÉ " + w.toUpperCase(), null))).hasSize(3);
    assertThat(names(search("infusion japonésa " + w, null))).containsExactly("Té verde " + w);
    assertThat(names(search("jabon " + w, null))).containsExactly("Jabón neutro " + w);
    // the beginning of a word, not the middle
    assertThat(names(search("abon " + w, null))).isEmpty();
    JsonObject one = search("olla " + w, null).getJsonArray("products").getJsonObject(0);
    assertThat(one.fieldNames()).containsExactlyInAnyOrder("product_id", "name", "price", "currency", "stock", "description", "image_url");
    assertThat(one.getDouble("price")).isEqualTo(4.5);
    assertThat(one.encode()).contains("\"price\":4.50");
    assertThat(one.getString("currency")).isEqualTo("USD");
    assertThat(one.getLong("stock")).isEqualTo(3);
  }

  @Test
  void every_word_must_match_and_the_spec_example_is_found() {
    String w = CommerceFixture.token();
    fx.importRows(
        CommerceFixture.row("P1-" + w, "Spaghetti Barilla 500g", 2.5, 45, "pasta", w).put("description", "Premium Italian pasta"),
        CommerceFixture.row("P2-" + w, "Penne " + w, 2.5, 5, "pasta"),
        CommerceFixture.row("P3-" + w, "Arroz " + w, 1.0, 5));
    assertThat(names(search("pasta " + w, null))).containsExactly("Penne " + w, "Spaghetti Barilla 500g");
    assertThat(names(search("spag bari " + w, null))).containsExactly("Spaghetti Barilla 500g");
    assertThat(names(search("spaghetti arroz " + w, null))).isEmpty();
    assertThat(search("premium italian " + w, null).getLong("total")).isEqualTo(1);
  }

  @Test
  void in_stock_products_come_first_then_by_name_and_total_counts_every_match() {
    String w = CommerceFixture.token();
    fx.importRows(
        CommerceFixture.row("O1-" + w, "Aceite " + w, 5, 0),
        CommerceFixture.row("O2-" + w, "Bolsas " + w, 5, 7),
        CommerceFixture.row("O3-" + w, "Azúcar " + w, 5, 2),
        CommerceFixture.row("O4-" + w, "Ábaco " + w, 5, 0),
        CommerceFixture.row("O5-" + w, "Cepillo " + w, 5, 1),
        CommerceFixture.row("O6-" + w, "Escoba " + w, 5, 4).put("active", false));
    JsonObject all = search(w, null);
    assertThat(names(all)).containsExactly("Azúcar " + w, "Bolsas " + w, "Cepillo " + w, "Ábaco " + w, "Aceite " + w);
    assertThat(all.getLong("total")).as("inactive products are not offered").isEqualTo(5);
    JsonObject firstTwo = search(w, 2);
    assertThat(names(firstTwo)).containsExactly("Azúcar " + w, "Bolsas " + w);
    assertThat(firstTwo.getLong("total")).isEqualTo(5);
    assertThat(names(search(w, 4))).containsExactly("Azúcar " + w, "Bolsas " + w, "Cepillo " + w, "Ábaco " + w);
  }

  @Test
  void operators_and_regex_syntax_in_the_query_are_looked_for_literally() {
    String w = CommerceFixture.token();
    fx.importRows(
        CommerceFixture.row("R1-" + w, "Cable USB-C " + w, 5, 3),
        CommerceFixture.row("R2-" + w, "Guía C++ (2.ª edición) " + w, 5, 3),
        CommerceFixture.row("R3-" + w, "Cuaderno " + w, 5, 3));
    assertThat(search(w, null).getLong("total")).isEqualTo(3);
    for (String q : List.of(".*", "^", "$where", "{\"$gt\": \"\"}", "[a-z]+", "\\", "\\w", "c.*", "cu.?derno", "|", "a|c", "(?i)c")) {
      assertThat(search(w + " " + q, null).getLong("total")).as("query %s", q).isZero();
    }
    // sentence punctuation around words and control characters are no words: they leave the other words alone
    for (String q : List.of(".", "(", "¿?", "\u0000", "\n")) {
      assertThat(search(w + " " + q, null).getLong("total")).as("query %s", q).isEqualTo(3);
    }
    assertThat(names(search("usb-c " + w, null))).containsExactly("Cable USB-C " + w);
    assertThat(names(search("usb " + w, null))).containsExactly("Cable USB-C " + w);
    assertThat(names(search("c++ " + w, null))).containsExactly("Guía C++ (2.ª edición) " + w);
    assertThat(names(search("¿guia? " + w, null))).containsExactly("Guía C++ (2.ª edición) " + w);
    // the query must be text: an operator object never reaches the database
    CrmException e = fx.refused(Addresses.COMMERCE_SEARCH_PRODUCTS,
        new JsonObject().put("query", new JsonObject().put("$regex", ".*")), ErrorCode.VALIDATION_FAILED);
    assertThat(e.field()).isEqualTo("query");
    fx.refused(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("query", new JsonArray().add("x")), ErrorCode.VALIDATION_FAILED);
    assertThat(fx.refused(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("limit", 51), ErrorCode.VALIDATION_FAILED).field())
        .isEqualTo("limit");
    fx.refused(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("limit", 0), ErrorCode.VALIDATION_FAILED);
    fx.refused(Addresses.COMMERCE_SEARCH_PRODUCTS, new JsonObject().put("query", "x".repeat(201)), ErrorCode.VALIDATION_FAILED);
  }

  @Test
  void an_empty_query_lists_the_catalog_ten_at_a_time_by_default() {
    JsonObject res = search(null, null);
    assertThat(res.getJsonArray("products")).hasSize(10);
    assertThat(res.getLong("total")).isGreaterThanOrEqualTo(30);
    assertThat(search("   ", 50).getJsonArray("products")).hasSizeGreaterThanOrEqualTo(30);
  }
}
