package crm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import java.util.stream.Stream;

/** {@link AppConfig#from}: types, ranges and the key named in the error, without starting anything. */
class AppConfigTest {

  @Test
  void empty_input_gives_the_same_configuration_as_the_shipped_conf_file() throws Exception {
    JsonObject shipped = new JsonObject(Files.readString(Path.of("conf/config.json")));
    assertThat(AppConfig.from(new JsonObject())).isEqualTo(AppConfig.from(shipped));
    assertThat(shipped.fieldNames()).containsExactlyInAnyOrderElementsOf(AppConfig.KEYS);
  }

  @Test
  void strings_from_the_environment_are_converted() {
    AppConfig cfg = AppConfig.from(new JsonObject()
        .put("PORT", " 8080 ").put("CRM_CLUSTER", "on").put("RATE_LIMIT_AUTH", "7")
        .put("CRM_DB_BACKEND", "MEMORY").put("CRM_ADMIN_EMAIL", " Boss@Example.COM ")
        .put("MONGO_DB", "00123").put("HTTP_INSTANCES", ""));
    assertThat(cfg.port()).isEqualTo(8080);
    assertThat(cfg.cluster()).isTrue();
    assertThat(cfg.rateLimitAuth()).isEqualTo(7);
    assertThat(cfg.dbBackend()).isEqualTo("memory");
    assertThat(cfg.adminEmail()).isEqualTo("boss@example.com");
    assertThat(cfg.mongoDb()).isEqualTo("00123");
    assertThat(AppConfig.from(new JsonObject().put("WHATSAPP_BUSINESS_ACCOUNT_ID", " 102290129340398 ")).whatsappBusinessAccountId())
        .isEqualTo("102290129340398");
    assertThat(cfg.httpInstances()).as("blank means default").isZero();
    assertThat(cfg.toJson().getValue("MONGO_DB")).isEqualTo("00123");
  }

  @Test
  void whole_floats_are_accepted_as_integers() {
    assertThat(AppConfig.from(new JsonObject().put("PORT", 6000.0)).port()).isEqualTo(6000);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("PORT", "abc"),
        Arguments.of("PORT", 70000),
        Arguments.of("PORT", -1),
        Arguments.of("PORT", 1.5),
        Arguments.of("PORT", true),
        Arguments.of("PORT", new JsonObject().put("value", 1)),
        Arguments.of("PORT", "99999999999999999999"),
        Arguments.of("HOST", new JsonObject()),
        Arguments.of("MONGO_URI", new JsonArray().add("mongodb://x")),
        Arguments.of("MONGO_DB", "  "),
        Arguments.of("CRM_DATA_DIR", ""),
        Arguments.of("CRM_DB_BACKEND", "oracle"),
        Arguments.of("DB_COMMIT_INTERVAL_MS", 5000),
        Arguments.of("JWT_SECRET", "31-bytes-secret-xxxxxxxxxxxxxxx"),
        Arguments.of("JWT_EXPIRES_IN", 0),
        Arguments.of("CORS_ORIGINS", "localhost:4200"),
        Arguments.of("CORS_ORIGINS", "http://ok.example,http://bad.example/path"),
        Arguments.of("CRM_ADMIN_EMAIL", "not-an-email"),
        Arguments.of("PASSWORD_HASH_ITERATIONS", "0"),
        Arguments.of("RATE_LIMIT_AUTH", 0),
        Arguments.of("JSON_BODY_LIMIT", 10),
        Arguments.of("CRM_CLUSTER", "maybe"),
        Arguments.of("CRM_CLUSTER", 2),
        Arguments.of("CRM_CLUSTER_HOST", " "),
        Arguments.of("CRM_CLUSTER_MEMBERS", "127.0.0.1:5701-5710"),
        Arguments.of("CRM_CLUSTER_NAME", "no spaces"),
        Arguments.of("CRM_NODE_NAME", "a-b"),
        Arguments.of("SHUTDOWN_GRACE_SECONDS", "ten"),
        Arguments.of("WHATSAPP_BUSINESS_ACCOUNT_ID", "waba-102290129340398"),
        Arguments.of("WHATSAPP_BUSINESS_ACCOUNT_ID", "1".repeat(33)),
        Arguments.of("COMMERCE_CURRENCY", "dollars"),
        Arguments.of("COMMERCE_CURRENCY", "XYZ"),
        Arguments.of("COMMERCE_CURRENCY", "XAU"),
        Arguments.of("COMMERCE_TAX_RATE_BP", -1),
        Arguments.of("COMMERCE_TAX_RATE_BP", 10_001),
        Arguments.of("COMMERCE_SHIPPING_MINOR", 2.5),
        Arguments.of("COMMERCE_FREE_SHIPPING_OVER_MINOR", -300),
        Arguments.of("COMMERCE_DELIVERY_DAYS", 400),
        Arguments.of("COMMERCE_TRACKING_URL", "track.example.com/{orderId}"),
        Arguments.of("COMMERCE_ORDER_PREFIX", "tol"),
        Arguments.of("COMMERCE_ORDER_PREFIX", "TOLA"),
        Arguments.of("COMMERCE_DUPLICATE_WINDOW_MINUTES", 1441));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("invalid")
  void invalid_values_fail_naming_the_key(String key, Object value) {
    assertThatThrownBy(() -> AppConfig.from(new JsonObject().put(key, value)))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
          assertThat(e.key()).isEqualTo(key);
          assertThat(e.getMessage()).startsWith("Invalid configuration " + key + ":");
        });
  }

  @Test
  void commerce_defaults_are_the_spec_example_and_strings_from_the_environment_are_read() {
    CommerceConfig c = AppConfig.from(new JsonObject()).commerce();
    assertThat(c).isEqualTo(new CommerceConfig("USD", 1600, 300, 0, 4, "https://track.example.com/{orderId}", "TOL", 10));
    assertThat(c.fractionDigits()).isEqualTo(2);
    CommerceConfig mx = AppConfig.from(new JsonObject().put("COMMERCE_CURRENCY", "mxn").put("COMMERCE_TAX_RATE_BP", "800")
        .put("COMMERCE_ORDER_PREFIX", "ABC")).commerce();
    assertThat(mx.currency()).isEqualTo("MXN");
    assertThat(mx.taxRateBp()).isEqualTo(800);
    assertThat(mx.orderPrefix()).isEqualTo("ABC");
    assertThat(AppConfig.from(new JsonObject().put("COMMERCE_CURRENCY", "JPY")).commerce().fractionDigits()).isZero();
  }

  @Test
  void a_32_byte_secret_is_enough_and_multibyte_characters_count_as_bytes() {
    assertThat(AppConfig.from(new JsonObject().put("JWT_SECRET", "x".repeat(32))).jwtSecret()).hasSize(32);
    // 16 characters, 32 bytes in UTF-8
    assertThat(AppConfig.from(new JsonObject().put("JWT_SECRET", "é".repeat(16))).jwtSecret()).hasSize(16);
    assertThatThrownBy(() -> AppConfig.from(new JsonObject().put("JWT_SECRET", "é".repeat(15) + "x")))
        .isInstanceOf(InvalidConfigException.class);
  }

  @Test
  void safe_json_masks_set_secrets_only() {
    AppConfig cfg = AppConfig.from(new JsonObject().put("JWT_SECRET", "s".repeat(40))
        .put("MONGO_URI", "mongodb://u:p@h/db"));
    JsonObject safe = cfg.toSafeJson();
    assertThat(safe.getString("JWT_SECRET")).isEqualTo("****");
    assertThat(safe.getString("MONGO_URI")).isEqualTo("****");
    assertThat(safe.getString("CRM_ADMIN_PASSWORD")).isEmpty();
    assertThat(cfg.toJson().getString("JWT_SECRET")).isEqualTo("s".repeat(40));
  }

  @Test
  void to_json_round_trips() {
    AppConfig cfg = AppConfig.from(new JsonObject().put("PORT", 1234).put("CORS_ORIGINS", "http://a.example, http://b.example")
        .put("CRM_CLUSTER", true).put("JWT_SECRET", "s".repeat(40)));
    assertThat(AppConfig.from(cfg.toJson())).isEqualTo(cfg);
  }

  @Test
  void every_key_is_documented_in_the_readme() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
    java.util.List<String> missing = AppConfig.KEYS.stream().filter(k -> !readme.contains("`" + k + "`")).toList();
    org.assertj.core.api.Assertions.assertThat(missing).as("configuration keys missing from the README table").isEmpty();
  }
}
