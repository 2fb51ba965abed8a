package crm.config;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.ChildJvm;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration order as the real program applies it: {@code crm.Main --print-config} in a child JVM whose
 * working directory is an empty temp dir (so only the classpath copy of conf/config.json is the default unless a
 * test puts a conf/ there) and whose environment holds only what the test sets.
 *
 * <p>Order, last wins: conf/config.json &lt; file named by CRM_CONFIG &lt; environment &lt; system properties.
 */
class ConfigPrecedenceTest {
  private static final String SECRET_40 = "env-secret-0123456789-0123456789-012345";

  @TempDir
  Path work;

  // ---- what wins

  @Test
  void without_anything_the_defaults_apply() {
    JsonObject cfg = printConfig(Map.of(), List.of());
    assertThat(cfg.getInteger("PORT")).isEqualTo(5000);
    assertThat(cfg.getString("CORS_ORIGINS")).isEqualTo("http://localhost:4200");
    assertThat(cfg.getString("MONGO_DB")).isEqualTo("crm");
    assertThat(cfg.getString("CRM_DB_BACKEND")).isEqualTo("h2");
    assertThat(cfg.getInteger("RATE_LIMIT_AUTH")).isEqualTo(5);
    assertThat(cfg.getBoolean("CRM_CLUSTER")).isFalse();
    // an unset secret prints as empty (nothing to hide), not as a mask that would suggest one is set
    assertThat(cfg.getString("JWT_SECRET")).isEmpty();
    assertThat(cfg.fieldNames()).containsExactlyInAnyOrderElementsOf(AppConfig.KEYS);
  }

  @Test
  void crm_config_file_beats_the_defaults_and_a_working_dir_conf_beats_the_classpath_copy() throws IOException {
    // ./conf/config.json in the working directory replaces the classpath copy as the defaults file
    Files.createDirectories(work.resolve("conf"));
    Files.writeString(work.resolve("conf/config.json"),
        new JsonObject().put("PORT", 5100).put("HOST", "10.1.1.1").put("MONGO_DB", "fromcwd").encode());
    Path file = writeCrmConfig(new JsonObject().put("PORT", 6001).put("MONGO_DB", "fromfile"));

    JsonObject cfg = printConfig(Map.of("CRM_CONFIG", file.toString()), List.of());
    assertThat(cfg.getInteger("PORT")).as("set in CRM_CONFIG only").isEqualTo(6001);
    assertThat(cfg.getString("MONGO_DB")).as("CRM_CONFIG beats conf/config.json").isEqualTo("fromfile");
    assertThat(cfg.getString("HOST")).as("from ./conf/config.json").isEqualTo("10.1.1.1");
    assertThat(cfg.getString("CORS_ORIGINS")).as("default").isEqualTo("http://localhost:4200");
  }

  @Test
  void environment_beats_the_crm_config_file_and_keeps_strings_as_strings() throws IOException {
    Path file = writeCrmConfig(new JsonObject().put("PORT", 6001).put("MONGO_DB", "fromfile").put("JWT_EXPIRES_IN", 120));
    JsonObject cfg = printConfig(Map.of(
        "CRM_CONFIG", file.toString(),
        "PORT", "6002",
        "MONGO_DB", "00123",
        "CORS_ORIGINS", "http://a.example:8080, https://b.example",
        "CRM_CLUSTER", "yes",
        "JWT_SECRET", SECRET_40), List.of());
    assertThat(cfg.getInteger("PORT")).as("file and env: env wins").isEqualTo(6002);
    assertThat(cfg.getValue("MONGO_DB")).as("a numeric-looking env value stays a string").isEqualTo("00123");
    assertThat(cfg.getInteger("JWT_EXPIRES_IN")).as("file only").isEqualTo(120);
    assertThat(cfg.getString("CORS_ORIGINS")).isEqualTo("http://a.example:8080,https://b.example");
    assertThat(cfg.getBoolean("CRM_CLUSTER")).isTrue();
  }

  @Test
  void system_properties_beat_environment_and_file() throws IOException {
    Path file = writeCrmConfig(new JsonObject().put("PORT", 6001).put("HOST", "10.0.0.1"));
    JsonObject cfg = printConfig(Map.of("CRM_CONFIG", file.toString(), "PORT", "6002", "HOST", "10.0.0.2"),
        List.of("-DPORT=6003", "-DMONGO_DB=00456"));
    assertThat(cfg.getInteger("PORT")).as("file, env and -D: -D wins").isEqualTo(6003);
    assertThat(cfg.getString("HOST")).as("file and env: env wins").isEqualTo("10.0.0.2");
    assertThat(cfg.getValue("MONGO_DB")).as("-D value stays a string").isEqualTo("00456");
  }

  @Test
  void secrets_are_printed_masked() throws IOException {
    Path file = writeCrmConfig(new JsonObject().put("CRM_ADMIN_PASSWORD", "file-admin-password"));
    ChildJvm.Result res = runMain(Map.of("CRM_CONFIG", file.toString(), "JWT_SECRET", SECRET_40,
        "MONGO_URI", "mongodb://user:pw-in-uri@db.example:27017"), List.of());
    assertThat(res.exitCode()).as(res.stderr()).isZero();
    JsonObject cfg = json(res.stdout());
    assertThat(cfg.getString("JWT_SECRET")).isEqualTo("****");
    assertThat(cfg.getString("CRM_ADMIN_PASSWORD")).isEqualTo("****");
    assertThat(cfg.getString("MONGO_URI")).isEqualTo("****");
    assertThat(res.stdout() + res.stderr()).doesNotContain(SECRET_40, "file-admin-password", "pw-in-uri");
  }

  // ---- fails fast, naming the key

  @Test
  void non_numeric_port_from_the_environment_is_refused() {
    assertRefused(Map.of("PORT", "abc"), List.of(), "PORT");
  }

  @Test
  void out_of_range_port_from_a_system_property_is_refused() {
    assertRefused(Map.of(), List.of("-DPORT=70000"), "PORT");
  }

  @Test
  void unknown_database_backend_from_the_crm_config_file_is_refused() throws IOException {
    Path file = writeCrmConfig(new JsonObject().put("CRM_DB_BACKEND", "oracle"));
    assertRefused(Map.of("CRM_CONFIG", file.toString()), List.of(), "CRM_DB_BACKEND");
  }

  @Test
  void jwt_secret_shorter_than_32_bytes_is_refused_without_printing_it() {
    ChildJvm.Result res = assertRefused(Map.of("JWT_SECRET", "short-secret-31-bytes-long-xxxx"), List.of(), "JWT_SECRET");
    assertThat(res.stdout() + res.stderr()).doesNotContain("short-secret-31-bytes-long-xxxx");
  }

  @Test
  void crm_config_naming_a_missing_file_is_refused() {
    Path missing = work.resolve("no-such-config.json");
    ChildJvm.Result res = runMain(Map.of("CRM_CONFIG", missing.toString()), List.of());
    assertThat(res.exitCode()).as("stdout: %s%nstderr: %s", res.stdout(), res.stderr()).isNotZero();
    assertThat(res.stdout()).doesNotContain("\"PORT\"");
  }

  // ---- helpers

  private Path writeCrmConfig(JsonObject json) throws IOException {
    Path file = work.resolve("crm-config-" + System.nanoTime() + ".json");
    Files.writeString(file, json.encodePrettily(), StandardCharsets.UTF_8);
    return file;
  }

  private ChildJvm.Result runMain(Map<String, String> env, List<String> jvmArgs) {
    return ChildJvm.run(work, env, jvmArgs, "crm.Main", List.of("--print-config"), 60);
  }

  private JsonObject printConfig(Map<String, String> env, List<String> jvmArgs) {
    ChildJvm.Result res = runMain(env, jvmArgs);
    assertThat(res.exitCode()).as("exit code; stderr: %s", res.stderr()).isZero();
    return json(res.stdout());
  }

  private ChildJvm.Result assertRefused(Map<String, String> env, List<String> jvmArgs, String key) {
    ChildJvm.Result res = runMain(env, jvmArgs);
    assertThat(res.exitCode()).as("exit code; stdout: %s%nstderr: %s", res.stdout(), res.stderr()).isEqualTo(2);
    assertThat(res.stderr()).contains("Invalid configuration " + key + ":");
    assertThat(res.stdout()).as("no configuration printed").doesNotContain("\"PORT\"");
    return res;
  }

  /** The pretty-printed JSON object in the output (log lines, if any, come before or after it). */
  private static JsonObject json(String stdout) {
    int start = stdout.indexOf("{\n");
    if (start < 0) start = stdout.indexOf('{');
    int end = stdout.lastIndexOf('}');
    assertThat(start).as("a JSON object in: %s", stdout).isGreaterThanOrEqualTo(0);
    return new JsonObject(stdout.substring(start, end + 1));
  }
}
