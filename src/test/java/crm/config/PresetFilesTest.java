package crm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.bus.CrmException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The four preset files: each is complete and valid, and the build packs the same file into the jar's classpath. */
class PresetFilesTest {
  static final Pattern COLOR = Pattern.compile("^#[0-9A-Fa-f]{6}$");
  static final Pattern SNAKE = Pattern.compile("^[a-z][a-z0-9_]*$");

  static JsonObject file(String id) throws IOException {
    return new JsonObject(Files.readString(Path.of("conf/presets/" + id + ".json"), StandardCharsets.UTF_8));
  }

  @Test
  void the_presets_are_the_four_of_the_spec() throws IOException {
    assertThat(Presets.IDS).containsExactly("luxfree", "restaurant", "ecommerce", "healthcare");
    try (var files = Files.list(Path.of("conf/presets"))) {
      // each preset, the help articles it ships (crm.knowledge) and the e-commerce preset's demo catalog (crm.commerce)
      assertThat(files.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrder("luxfree.json", "restaurant.json", "ecommerce.json", "healthcare.json",
              "luxfree-articles.json", "restaurant-articles.json", "ecommerce-articles.json", "healthcare-articles.json",
              "ecommerce-catalog.json");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"luxfree", "restaurant", "ecommerce", "healthcare"})
  void each_preset_file_is_complete_and_valid(String id) throws IOException {
    JsonObject json = file(id);
    assertThat(json.getString("id")).isEqualTo(id);
    for (String key : List.of("name", "description", "industry")) assertThat(json.getString(key)).as(key).isNotBlank();

    JsonArray categories = json.getJsonArray("categories");
    assertThat(categories.size()).as("categories of %s", id).isGreaterThanOrEqualTo(6);
    Set<String> ids = new HashSet<>();
    for (Object o : categories) {
      JsonObject c = (JsonObject) o;
      assertThat(c.fieldNames()).containsExactlyInAnyOrder("id", "label", "labelEn", "icon", "color", "description");
      assertThat(ids.add(c.getString("id"))).as("unique id %s", c.getString("id")).isTrue();
      assertThat(c.getString("id")).matches(SNAKE);
      assertThat(c.getString("color")).matches(COLOR);
      assertThat(c.getString("label")).isNotBlank().isNotEqualTo(c.getString("labelEn"));
      assertThat(c.getString("labelEn")).isNotBlank();
      assertThat(c.getString("icon")).matches("^[a-z0-9_]+$");
      assertThat(c.getString("description")).isNotBlank();
    }

    JsonObject terminology = json.getJsonObject("terminology");
    assertThat(terminology.getString("ticketNoun")).isNotBlank();
    assertThat(terminology.getString("ticketNounPlural")).startsWith(terminology.getString("ticketNoun").substring(0, 3));
    JsonObject format = json.getJsonObject("ticketIdFormat");
    assertThat(format.getString("prefix")).matches("^[A-Z][A-Z0-9]*$");
    assertThat(format.getValue("includeYear")).isInstanceOf(Boolean.class);
    assertThat(format.getInteger("padding")).isBetween(1, 10);
    assertThat(json.getString("initialTicketStatus")).isIn("open", "new");

    JsonObject assistant = json.getJsonObject("assistant");
    assertThat(assistant.fieldNames()).containsExactlyInAnyOrder("assistantName", "companyName", "primaryServiceIssue", "serviceType", "language");
    assertThat(assistant.getString("language")).isEqualTo("es");

    JsonObject notifications = json.getJsonObject("notifications");
    for (String p : List.of("{customerName}", "{ticketNoun}", "{ticketId}", "{summary}")) {
      assertThat(notifications.getString("ticketResolved")).as("ticketResolved of %s", id).contains(p);
    }
    for (String p : List.of("{ticketNoun}", "{ticketId}", "{content}")) {
      assertThat(notifications.getString("ticketNote")).as("ticketNote of %s", id).contains(p);
    }

    // and the application's own validation accepts it as it is
    Preset preset = Preset.fromJson(json);
    assertThat(preset.settings().getJsonArray("categories")).isEqualTo(categories);
    assertThat(preset.settings().getString("businessType")).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"luxfree", "restaurant", "ecommerce", "healthcare"})
  void the_jar_carries_the_same_file_on_the_classpath(String id) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/" + Presets.DIR + id + ".json")) {
      assertThat(in).as("classpath copy of %s", id).isNotNull();
      assertThat(new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8))).isEqualTo(file(id));
    }
  }

  @Test
  void the_presets_fit_their_industries() throws IOException {
    assertThat(categoryIds("luxfree")).contains("power_outage", "billing", "meter_reading", "solar_installation", "new_connection");
    assertThat(file("luxfree").getJsonObject("terminology").getString("ticketNoun")).isEqualTo("reporte");
    assertThat(categoryIds("ecommerce")).contains("order_status", "return_refund", "payment_issue");
    assertThat(file("ecommerce").getJsonObject("ticketIdFormat"))
        .isEqualTo(new JsonObject().put("prefix", "ORD").put("includeYear", true).put("padding", 5));
    assertThat(categoryIds("restaurant")).contains("reservation", "delivery_order", "food_quality");
    assertThat(categoryIds("healthcare")).contains("appointment_booking", "lab_results", "prescriptions");
  }

  static List<String> categoryIds(String id) throws IOException {
    return file(id).getJsonArray("categories").stream().map(c -> ((JsonObject) c).getString("id")).toList();
  }

  @Test
  void a_broken_preset_is_refused_naming_the_field() throws IOException {
    JsonObject noPlaceholder = file("restaurant");
    noPlaceholder.getJsonObject("notifications").put("ticketResolved", "Resuelto: {summary}");
    assertThatThrownBy(() -> Preset.fromJson(noPlaceholder)).isInstanceOf(CrmException.class)
        .satisfies(e -> assertThat(((CrmException) e).field()).isEqualTo("notifications.ticketResolved"));
    JsonObject badColour = file("healthcare");
    badColour.getJsonArray("categories").getJsonObject(3).put("color", "blue");
    assertThatThrownBy(() -> Preset.fromJson(badColour))
        .satisfies(e -> assertThat(((CrmException) e).field()).isEqualTo("categories[3].color"));
    JsonObject badStatus = file("luxfree").put("initialTicketStatus", "closed");
    assertThatThrownBy(() -> Preset.fromJson(badStatus))
        .satisfies(e -> assertThat(((CrmException) e).field()).isEqualTo("initialTicketStatus"));
    JsonObject badFormat = file("ecommerce");
    badFormat.getJsonObject("ticketIdFormat").put("padding", 0);
    assertThatThrownBy(() -> Preset.fromJson(badFormat))
        .satisfies(e -> assertThat(((CrmException) e).field()).isEqualTo("ticketIdFormat.padding"));
  }

  @Test
  void the_fresh_install_defaults_are_valid_too() {
    JsonObject d = BusinessConfig.defaults();
    assertThat(BusinessConfig.categories(d.getJsonArray("categories"), "categories")).isEqualTo(d.getJsonArray("categories"));
    assertThat(d.getJsonArray("categories").size()).isGreaterThanOrEqualTo(5);
    BusinessConfig.notifications(d.getJsonObject("notifications"), "notifications");
    assertThat(BusinessConfig.ticketIdFormat(d.getJsonObject("ticketIdFormat"), "f"))
        .isEqualTo(new JsonObject().put("prefix", "TICKET").put("includeYear", false).put("padding", 3));
  }
}
