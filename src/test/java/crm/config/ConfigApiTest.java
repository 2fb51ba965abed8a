package crm.config;

import static crm.support.ApiErrors.assertError;
import static crm.support.ApiErrors.assertFieldError;
import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /config over real HTTP: who may read and write, what each write validates, and what a preset load changes. */
class ConfigApiTest {
  static final String CATEGORIES = "/api/v2/config/ticket-categories";
  static final String ASSISTANT = "/api/v2/config/assistant";
  static final String PRESETS = "/api/v2/config/presets";
  static final String LOAD = "/api/v2/config/presets/load";

  static TestApp app;
  static String admin;
  static String agent;
  static String supervisor;

  @BeforeAll
  static void start() {
    app = TestApp.start();
    admin = app.adminToken();
    agent = token("agent");
    supervisor = token("supervisor");
  }

  static String token(String role) {
    String email = role + "-" + UUID.randomUUID().toString().substring(0, 8) + "@crm.test";
    app.createAgent(admin, email, "password-" + role, role);
    return app.login(email, "password-" + role).getString("token");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** Every test starts from the general configuration's categories and assistant (the order of tests is free). */
  @BeforeEach
  void reset() {
    ok(app.put(CATEGORIES, admin, new JsonObject().put("categories", BusinessConfig.defaults().getJsonArray("categories"))));
    JsonObject assistant = BusinessConfig.active(null).getJsonObject("assistant");
    ok(app.put(ASSISTANT, admin, assistant));
  }

  static JsonObject ok(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getBoolean("success")).isTrue();
    return body;
  }

  static JsonObject category(String id) {
    return new JsonObject().put("id", id).put("label", "Etiqueta " + id).put("labelEn", "Label " + id)
        .put("icon", "build").put("color", "#12ab34").put("description", "Descripción de " + id);
  }

  static JsonObject categories(JsonObject... items) {
    return new JsonObject().put("categories", new JsonArray(java.util.List.of((Object[]) items)));
  }

  // ---- categories

  @Test
  void every_role_reads_the_categories() {
    for (String token : new String[] {agent, supervisor, admin}) {
      JsonArray cats = ok(app.get(CATEGORIES, token)).getJsonArray("categories");
      assertThat(cats.size()).isGreaterThanOrEqualTo(5);
      assertThat(cats.getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("id", "label", "labelEn", "icon", "color", "description");
    }
  }

  @Test
  void admin_replaces_the_categories_and_get_reflects_it() {
    JsonObject body = ok(app.put(CATEGORIES, admin, categories(category("water_leak"), category("gas_smell"))));
    assertThat(body.getString("message")).isNotBlank();
    JsonArray cats = ok(app.get(CATEGORIES, agent)).getJsonArray("categories");
    assertThat(cats.stream().map(c -> ((JsonObject) c).getString("id")).toList()).containsExactly("water_leak", "gas_smell");
    assertThat(cats.getJsonObject(0).getString("color")).as("colour normalised to upper case").isEqualTo("#12AB34");
    assertThat(cats.getJsonObject(0).getString("label")).isEqualTo("Etiqueta water_leak");
  }

  @Test
  void optional_category_fields_are_filled_in_and_unknown_ones_dropped() {
    JsonObject minimal = new JsonObject().put("id", "minimal").put("label", "Mínima").put("labelEn", "Minimal")
        .put("$where", "1").put("extra", new JsonObject().put("$gt", 1));
    ok(app.put(CATEGORIES, admin, categories(minimal)));
    JsonObject stored = ok(app.get(CATEGORIES, admin)).getJsonArray("categories").getJsonObject(0);
    assertThat(stored).isEqualTo(new JsonObject().put("id", "minimal").put("label", "Mínima").put("labelEn", "Minimal")
        .put("icon", "label").put("color", "#607D8B").put("description", ""));
  }

  @Test
  void categories_writes_are_admin_only_and_need_a_token() {
    for (String token : new String[] {agent, supervisor}) {
      JsonObject err = assertError(app.put(CATEGORIES, token, categories(category("nope"))), 403, "AUTH_INSUFFICIENT_PERMISSIONS", CATEGORIES);
      assertThat(err.getJsonObject("details").getString("required")).isEqualTo("write:config");
    }
    assertError(app.put(CATEGORIES, null, categories(category("nope"))), 401, "AUTH_TOKEN_INVALID", CATEGORIES);
    assertError(app.get(CATEGORIES, null), 401, "AUTH_TOKEN_INVALID", CATEGORIES);
    assertError(app.get(CATEGORIES, "not.a.jwt"), 401, "AUTH_TOKEN_INVALID", CATEGORIES);
    assertThat(ids()).doesNotContain("nope");
  }

  static java.util.List<String> ids() {
    return ok(app.get(CATEGORIES, admin)).getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("id")).toList();
  }

  @Test
  void each_category_rule_is_a_400_naming_the_field() {
    java.util.List<String> before = ids();
    bad(new JsonObject(), "categories");
    bad(new JsonObject().put("categories", "billing"), "categories");
    bad(new JsonObject().put("categories", new JsonObject().put("$set", 1)), "categories");
    bad(new JsonObject().put("categories", new JsonArray()), "categories");
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < BusinessConfig.MAX_CATEGORIES + 1; i++) tooMany.add(category("c" + i));
    bad(new JsonObject().put("categories", tooMany), "categories");
    bad(categories(category("a")).put("categories", new JsonArray().add("a")), "categories[0]");
    bad(categories(category("dup"), category("dup")), "categories[1].id");
    bad(categories(category("Not Snake")), "categories[0].id");
    bad(categories(category("ok"), category("9starts_with_digit")), "categories[1].id");
    bad(categories(category("x".repeat(49))), "categories[0].id");
    bad(categories(category("ok").put("id", 7)), "categories[0].id");
    bad(categories(category("ok").put("id", (String) null)), "categories[0].id");
    bad(categories(category("ok").put("label", (String) null)), "categories[0].label");
    bad(categories(category("ok").put("label", "  ")), "categories[0].label");
    bad(categories(category("ok").put("labelEn", (String) null)), "categories[0].labelEn");
    bad(categories(category("ok").put("labelEn", new JsonObject().put("$ne", ""))), "categories[0].labelEn");
    bad(categories(category("ok").put("label", "x".repeat(81))), "categories[0].label");
    bad(categories(category("ok").put("description", "x".repeat(301))), "categories[0].description");
    bad(categories(category("ok").put("color", "red")), "categories[0].color");
    bad(categories(category("ok").put("color", "#12345")), "categories[0].color");
    bad(categories(category("ok").put("color", "#GGGGGG")), "categories[0].color");
    bad(categories(category("ok").put("icon", "Bad Icon!")), "categories[0].icon");
    assertThat(ids()).as("nothing written by a refused request").isEqualTo(before);
  }

  static void bad(JsonObject body, String field) {
    assertFieldError(app.put(CATEGORIES, admin, body), 400, "VALIDATION_FAILED", CATEGORIES, field);
  }

  @Test
  void malformed_or_non_json_bodies_are_refused() {
    assertError(app.put(CATEGORIES, admin, "{\"categories\": ["), 400, "VALIDATION_FAILED", CATEGORIES);
    assertError(app.put(CATEGORIES, admin, "[1,2]"), 400, "VALIDATION_FAILED", CATEGORIES);
    HttpResponse<Buffer> text = app.client.request(HttpMethod.PUT, CATEGORIES).putHeader("Authorization", "Bearer " + admin)
        .putHeader("Content-Type", "text/plain").sendBuffer(Buffer.buffer("categories")).await();
    assertError(text, 415, "UNSUPPORTED_MEDIA_TYPE", CATEGORIES);
  }

  // ---- assistant

  @Test
  void every_role_reads_the_seven_assistant_settings_and_whether_the_assistant_answers() {
    for (String token : new String[] {agent, supervisor, admin}) {
      JsonObject config = ok(app.get(ASSISTANT, token)).getJsonObject("config");
      assertThat(config.fieldNames()).containsExactlyInAnyOrder("assistantName", "companyName", "primaryServiceIssue",
          "serviceType", "ticketNoun", "ticketNounPlural", "language", "enabled", "reason");
      assertThat(config.getBoolean("enabled")).isFalse(); // no model configured here
      assertThat(config.getString("reason")).contains("AI_BASE_URL");
      assertThat(config.getString("language")).isEqualTo("es");
    }
  }

  @Test
  void admin_changes_some_assistant_settings_and_the_rest_stay() {
    JsonObject before = ok(app.get(ASSISTANT, admin)).getJsonObject("config");
    JsonObject res = ok(app.put(ASSISTANT, admin, new JsonObject().put("assistantName", "Luz").put("ticketNoun", "caso")));
    assertThat(res.getString("message")).isNotBlank();
    JsonObject after = ok(app.get(ASSISTANT, agent)).getJsonObject("config");
    assertThat(after.getString("assistantName")).isEqualTo("Luz");
    assertThat(after.getString("ticketNoun")).isEqualTo("caso");
    assertThat(after.getString("companyName")).isEqualTo(before.getString("companyName"));
    assertThat(after.getString("ticketNounPlural")).isEqualTo(before.getString("ticketNounPlural"));
    assertThat(res.getJsonObject("config")).isEqualTo(after);
    // the {config: {...}} shape of the GET is accepted too
    ok(app.put(ASSISTANT, admin, new JsonObject().put("config", new JsonObject().put("language", "en-US"))));
    assertThat(ok(app.get(ASSISTANT, admin)).getJsonObject("config").getString("language")).isEqualTo("en-US");
  }

  @Test
  void assistant_writes_are_admin_only_and_validated() {
    for (String token : new String[] {agent, supervisor}) {
      assertError(app.put(ASSISTANT, token, new JsonObject().put("assistantName", "X")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", ASSISTANT);
    }
    assertError(app.put(ASSISTANT, null, new JsonObject().put("assistantName", "X")), 401, "AUTH_TOKEN_INVALID", ASSISTANT);
    assertError(app.get(ASSISTANT, null), 401, "AUTH_TOKEN_INVALID", ASSISTANT);
    JsonObject before = ok(app.get(ASSISTANT, admin)).getJsonObject("config");
    badAssistant(new JsonObject(), "config");
    badAssistant(new JsonObject().put("assistantName", ""), "assistantName");
    badAssistant(new JsonObject().put("assistantName", 12), "assistantName");
    badAssistant(new JsonObject().put("companyName", new JsonObject().put("$set", "x")), "companyName");
    badAssistant(new JsonObject().put("companyName", "x".repeat(121)), "companyName");
    badAssistant(new JsonObject().put("language", "spanish"), "language");
    badAssistant(new JsonObject().put("ticketNoun", "x".repeat(41)), "ticketNoun");
    badAssistant(new JsonObject().put("assistantName", "Ok").put("$set", new JsonObject()), "$set");
    badAssistant(new JsonObject().put("asistantName", "typo"), "asistantName");
    assertThat(ok(app.get(ASSISTANT, admin)).getJsonObject("config")).as("nothing written").isEqualTo(before);
  }

  static void badAssistant(JsonObject body, String field) {
    assertFieldError(app.put(ASSISTANT, admin, body), 400, "VALIDATION_FAILED", ASSISTANT, field);
  }

  // ---- presets

  @Test
  void every_role_lists_the_four_presets() {
    for (String token : new String[] {agent, supervisor, admin}) {
      JsonArray presets = ok(app.get(PRESETS, token)).getJsonArray("presets");
      assertThat(presets.stream().map(p -> ((JsonObject) p).getString("id")).toList())
          .containsExactly("luxfree", "restaurant", "ecommerce", "healthcare");
      for (Object o : presets) {
        JsonObject p = (JsonObject) o;
        assertThat(p.fieldNames()).contains("id", "name", "description", "industry");
        assertThat(p.getString("name")).isNotBlank();
        assertThat(p.getString("industry")).isNotBlank();
      }
    }
    assertError(app.get(PRESETS, null), 401, "AUTH_TOKEN_INVALID", PRESETS);
  }

  @Test
  void loading_a_preset_changes_categories_id_format_and_assistant() {
    JsonObject res = ok(app.post(LOAD, admin, new JsonObject().put("presetId", "ecommerce")));
    assertThat(res.getString("message")).isNotBlank();
    JsonObject applied = res.getJsonObject("appliedConfig");
    assertThat(applied.fieldNames()).contains("categories", "terminology", "ticketIdFormat", "assistantConfig");
    assertThat(applied.getJsonObject("ticketIdFormat"))
        .isEqualTo(new JsonObject().put("prefix", "ORD").put("includeYear", true).put("padding", 5));
    assertThat(applied.getJsonObject("terminology").getString("ticketNoun")).isEqualTo("pedido");
    assertThat(applied.getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("order_status", "return_refund");
    assertThat(applied.getJsonObject("assistantConfig").getString("ticketNoun")).isEqualTo("pedido");

    // GET reflects it, for everyone
    assertThat(ok(app.get(CATEGORIES, agent)).getJsonArray("categories")).isEqualTo(applied.getJsonArray("categories"));
    assertThat(ok(app.get(ASSISTANT, agent)).getJsonObject("config")).isEqualTo(applied.getJsonObject("assistantConfig"));
    assertThat(ok(app.get(ASSISTANT, agent)).getJsonObject("config").getString("companyName")).isEqualTo("TiendaOnline");
    assertThat(ok(app.get(PRESETS, agent)).getString("activePresetId")).isEqualTo("ecommerce");

    // another preset replaces all of it
    JsonObject lux = ok(app.post(LOAD, admin, new JsonObject().put("presetId", "luxfree"))).getJsonObject("appliedConfig");
    assertThat(lux.getJsonObject("ticketIdFormat").getString("prefix")).isEqualTo("LUX");
    assertThat(ok(app.get(CATEGORIES, agent)).getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("power_outage", "solar_installation").doesNotContain("order_status");
    assertThat(ok(app.get(ASSISTANT, agent)).getJsonObject("config").getString("ticketNoun")).isEqualTo("reporte");
  }

  @Test
  void preset_load_is_admin_only_and_needs_a_known_preset() {
    for (String token : new String[] {agent, supervisor}) {
      assertError(app.post(LOAD, token, new JsonObject().put("presetId", "restaurant")), 403, "AUTH_INSUFFICIENT_PERMISSIONS", LOAD);
    }
    assertError(app.post(LOAD, null, new JsonObject().put("presetId", "restaurant")), 401, "AUTH_TOKEN_INVALID", LOAD);
    assertThat(ok(app.get(PRESETS, admin)).getString("activePresetId")).isNotEqualTo("restaurant");
    JsonObject err = assertFieldError(app.post(LOAD, admin, new JsonObject().put("presetId", "bakery")), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertThat(err.getJsonObject("details").getJsonArray("allowed")).contains("luxfree", "restaurant", "ecommerce", "healthcare");
    assertFieldError(app.post(LOAD, admin, new JsonObject()), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertFieldError(app.post(LOAD, admin, null), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertFieldError(app.post(LOAD, admin, new JsonObject().put("presetId", "")), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertFieldError(app.post(LOAD, admin, new JsonObject().put("presetId", new JsonObject().put("$ne", "x"))), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertFieldError(app.post(LOAD, admin, new JsonObject().put("presetId", 3)), 400, "VALIDATION_FAILED", LOAD, "presetId");
    assertFieldError(app.post(LOAD, admin, new JsonObject().put("presetId", "__proto__")), 400, "VALIDATION_FAILED", LOAD, "presetId");
  }
}
