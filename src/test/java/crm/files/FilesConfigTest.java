package crm.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import crm.config.AppConfig;
import crm.config.InvalidConfigException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** FILE_*, PUBLIC_BASE_URL and CLOUDINARY_* settings, and the signed links made with them. */
class FilesConfigTest {

  @Test
  void the_defaults_store_in_gridfs_with_week_long_links() {
    FilesConfig cfg = AppConfig.from(new JsonObject()).files();
    assertThat(cfg.store()).isEqualTo("gridfs");
    assertThat(cfg.cloudinary()).isFalse();
    assertThat(cfg.publicBaseUrl()).isEmpty();
    assertThat(cfg.linkTtlSeconds()).isEqualTo(7 * 86_400);
    assertThat(cfg.cloudinaryApiUrl()).isEqualTo("https://api.cloudinary.com");
  }

  @Test
  void cloudinary_url_gives_the_account_and_each_key_may_override_its_part() {
    FilesConfig cfg = AppConfig.from(new JsonObject().put("FILE_STORE", "Cloudinary")
        .put("CLOUDINARY_URL", "cloudinary://123456789012345:abc%2Bdef_GHI-jkl@my_cloud")).files();
    assertThat(cfg.cloudinary()).isTrue();
    assertThat(cfg.apiKey()).isEqualTo("123456789012345");
    assertThat(cfg.apiSecret()).isEqualTo("abc+def_GHI-jkl");
    assertThat(cfg.cloudName()).isEqualTo("my_cloud");
    FilesConfig other = AppConfig.from(new JsonObject().put("FILE_STORE", "cloudinary")
        .put("CLOUDINARY_URL", "cloudinary://1:s@c1").put("CLOUDINARY_CLOUD_NAME", "c2")).files();
    assertThat(other.cloudName()).isEqualTo("c2");
    FilesConfig separate = AppConfig.from(new JsonObject().put("FILE_STORE", "cloudinary")
        .put("CLOUDINARY_CLOUD_NAME", "demo").put("CLOUDINARY_API_KEY", "42").put("CLOUDINARY_API_SECRET", "shh")).files();
    assertThat(separate.apiSecret()).isEqualTo("shh");
    assertThat(AppConfig.from(new JsonObject().put("CLOUDINARY_URL", "cloudinary://1:s@c1")).toSafeJson()
        .getString("CLOUDINARY_URL")).isEqualTo("****");
  }

  @Test
  void invalid_values_stop_the_start_naming_the_key() {
    assertInvalid(new JsonObject().put("FILE_STORE", "s3"), "FILE_STORE");
    assertInvalid(new JsonObject().put("FILE_STORE", "cloudinary"), "FILE_STORE");
    assertInvalid(new JsonObject().put("CLOUDINARY_URL", "https://key:secret@cloud"), "CLOUDINARY_URL");
    assertInvalid(new JsonObject().put("CLOUDINARY_CLOUD_NAME", "my cloud"), "CLOUDINARY_CLOUD_NAME");
    assertInvalid(new JsonObject().put("CLOUDINARY_API_URL", "ftp://api"), "CLOUDINARY_API_URL");
    assertInvalid(new JsonObject().put("PUBLIC_BASE_URL", "crm.example.com"), "PUBLIC_BASE_URL");
    assertInvalid(new JsonObject().put("PUBLIC_BASE_URL", "https://crm.example.com/?x=1"), "PUBLIC_BASE_URL");
    assertInvalid(new JsonObject().put("FILE_LINK_SECRET", "short"), "FILE_LINK_SECRET");
    assertInvalid(new JsonObject().put("FILE_LINK_TTL_SECONDS", 10), "FILE_LINK_TTL_SECONDS");
    assertInvalid(new JsonObject().put("CLOUDINARY_TIMEOUT_MS", "soon"), "CLOUDINARY_TIMEOUT_MS");
  }

  @Test
  void links_use_the_public_base_url_and_a_key_derived_from_the_jwt_secret_unless_one_is_given() {
    JsonObject deployed = AppConfig.from(new JsonObject().put("PUBLIC_BASE_URL", "https://crm.example.com/base/")
        .put("JWT_SECRET", "x".repeat(40))).toJson();
    FileLinks links = FileLinks.create(null, deployed);
    Instant now = Instant.ofEpochSecond(1_800_000_000L);
    String url = links.url("0123456789abcdef01234567", now);
    long exp = 1_800_000_000L + 7 * 86_400;
    assertThat(url).isEqualTo("https://crm.example.com/base/api/v2/files/0123456789abcdef01234567?exp=" + exp
        + "&sig=" + links.sign("0123456789abcdef01234567", exp));
    links.verify("0123456789abcdef01234567", Long.toString(exp), links.sign("0123456789abcdef01234567", exp), exp);

    FileLinks otherJwt = FileLinks.create(null, deployed.copy().put("JWT_SECRET", "y".repeat(40)));
    assertThat(otherJwt.sign("a", 1)).isNotEqualTo(links.sign("a", 1));
    FileLinks own = FileLinks.create(null, deployed.copy().put("FILE_LINK_SECRET", "z".repeat(32)));
    assertThat(own.sign("a", 1)).isNotEqualTo(links.sign("a", 1));
    assertThat(FileLinks.create(null, deployed.copy().put("FILE_LINK_SECRET", "z".repeat(32))).sign("a", 1))
        .as("the same secret, the same signature on every node").isEqualTo(own.sign("a", 1));
    assertThat(FileLinks.create(null, new JsonObject().put("JWT_SECRET", "x".repeat(40)).put("PORT", 5123)).url("i", now))
        .startsWith("http://localhost:5123/api/v2/files/i?exp=");
  }

  private static void assertInvalid(JsonObject raw, String key) {
    assertThatThrownBy(() -> AppConfig.from(raw)).isInstanceOf(InvalidConfigException.class).hasMessageContaining(key);
  }
}
