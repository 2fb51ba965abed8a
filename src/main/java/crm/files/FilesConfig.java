package crm.files;

import crm.config.AppConfig;
import crm.config.InvalidConfigException;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Uploaded files (keys FILE_*, PUBLIC_BASE_URL, CLOUDINARY_*), validated with the rest of {@link AppConfig}: where
 * uploads go ({@code gridfs}, the default, or {@code cloudinary}), the absolute base of the links this node hands out,
 * the secret and lifetime of those links, and Cloudinary's account ({@code CLOUDINARY_URL}
 * {@code cloudinary://<api_key>:<api_secret>@<cloud_name>}, each part overridable by its own key) and API base.
 * Choosing cloudinary without a complete account stops the start.
 */
public record FilesConfig(
    String store,
    String publicBaseUrl,
    String linkSecret,
    int linkTtlSeconds,
    String cloudinaryUrl,
    String cloudName,
    String apiKey,
    String apiSecret,
    String cloudinaryApiUrl,
    int cloudinaryTimeoutMs) {

  public static final String GRIDFS = "gridfs";
  public static final String CLOUDINARY = "cloudinary";

  public static final List<String> KEYS = List.of(
      "FILE_STORE", "PUBLIC_BASE_URL", "FILE_LINK_SECRET", "FILE_LINK_TTL_SECONDS", "CLOUDINARY_URL",
      "CLOUDINARY_CLOUD_NAME", "CLOUDINARY_API_KEY", "CLOUDINARY_API_SECRET", "CLOUDINARY_API_URL", "CLOUDINARY_TIMEOUT_MS");
  /** Keys whose values are never printed. */
  public static final List<String> SECRET_KEYS = List.of("FILE_LINK_SECRET", "CLOUDINARY_URL", "CLOUDINARY_API_SECRET");

  public static FilesConfig from(AppConfig.Reader r) {
    String store = r.oneOf("FILE_STORE", GRIDFS, GRIDFS, CLOUDINARY);
    String base = r.string("PUBLIC_BASE_URL", "").trim().replaceAll("/+$", "");
    if (!base.isEmpty() && !base.matches("^https?://[^/\\s?#@]+(/[^\\s?#]*)?$")) {
      throw new InvalidConfigException("PUBLIC_BASE_URL", "must be an absolute http(s) URL without query, like "
          + "https://crm.example.com, got '" + base + "'");
    }
    String linkSecret = r.string("FILE_LINK_SECRET", "");
    if (!linkSecret.isEmpty() && linkSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
      throw new InvalidConfigException("FILE_LINK_SECRET", "must be at least 32 bytes (empty: derived from JWT_SECRET)");
    }
    String url = r.string("CLOUDINARY_URL", "").trim();
    String[] fromUrl = url.isEmpty() ? new String[3] : parseUrl(url);
    String cloud = or(r.string("CLOUDINARY_CLOUD_NAME", "").trim(), fromUrl[2]);
    String key = or(r.string("CLOUDINARY_API_KEY", "").trim(), fromUrl[0]);
    String secret = or(r.string("CLOUDINARY_API_SECRET", "").trim(), fromUrl[1]);
    if (!cloud.isEmpty() && !cloud.matches("^[A-Za-z0-9_-]{1,128}$")) {
      throw new InvalidConfigException("CLOUDINARY_CLOUD_NAME", "must be letters, digits, '-' or '_', got '" + cloud + "'");
    }
    if (!key.isEmpty() && !key.matches("^[A-Za-z0-9_-]{1,128}$")) {
      throw new InvalidConfigException("CLOUDINARY_API_KEY", "must be letters and digits");
    }
    if (!secret.isEmpty() && !secret.matches("^\\S{1,256}$")) {
      throw new InvalidConfigException("CLOUDINARY_API_SECRET", "must not contain spaces");
    }
    if (store.equals(CLOUDINARY) && (cloud.isEmpty() || key.isEmpty() || secret.isEmpty())) {
      throw new InvalidConfigException("FILE_STORE", "cloudinary needs CLOUDINARY_URL (cloudinary://<api_key>:<api_secret>@"
          + "<cloud_name>) or CLOUDINARY_CLOUD_NAME, CLOUDINARY_API_KEY and CLOUDINARY_API_SECRET");
    }
    String api = r.nonEmpty("CLOUDINARY_API_URL", "https://api.cloudinary.com").replaceAll("/+$", "");
    if (!api.matches("^https?://[^/\\s?#@]+(/[^\\s?#]*)?$")) {
      throw new InvalidConfigException("CLOUDINARY_API_URL", "must be an http(s) URL, got '" + api + "'");
    }
    return new FilesConfig(store, base, linkSecret,
        r.integer("FILE_LINK_TTL_SECONDS", 7 * 86_400, 60, 366 * 86_400),
        url, cloud, key, secret, api,
        r.integer("CLOUDINARY_TIMEOUT_MS", 120_000, 1_000, 3_600_000));
  }

  /** Reads the settings back from a deployment configuration (validated by {@link AppConfig#from} already). */
  public static FilesConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  private static final java.util.regex.Pattern CLOUDINARY_URL =
      java.util.regex.Pattern.compile("^cloudinary://([^:@/\\s]+):([^@/\\s]+)@([^/?#\\s]+)/?(\\?\\S*)?$");

  /** {api_key, api_secret, cloud_name} of {@code cloudinary://<api_key>:<api_secret>@<cloud_name>} (a query is ignored). */
  private static String[] parseUrl(String url) {
    java.util.regex.Matcher m = CLOUDINARY_URL.matcher(url);
    if (!m.matches()) {
      throw new InvalidConfigException("CLOUDINARY_URL", "is not cloudinary://<api_key>:<api_secret>@<cloud_name>");
    }
    return new String[] {decode(m.group(1)), decode(m.group(2)), m.group(3)};
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8); // percent-decoding only: '+' is a '+' here
  }

  private static String or(String value, String fallback) {
    return !value.isEmpty() ? value : fallback == null ? "" : fallback;
  }

  public boolean cloudinary() {
    return store.equals(CLOUDINARY);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("FILE_STORE", store)
        .put("PUBLIC_BASE_URL", publicBaseUrl)
        .put("FILE_LINK_SECRET", linkSecret)
        .put("FILE_LINK_TTL_SECONDS", linkTtlSeconds)
        .put("CLOUDINARY_URL", cloudinaryUrl)
        .put("CLOUDINARY_CLOUD_NAME", cloudName)
        .put("CLOUDINARY_API_KEY", apiKey)
        .put("CLOUDINARY_API_SECRET", apiSecret)
        .put("CLOUDINARY_API_URL", cloudinaryApiUrl)
        .put("CLOUDINARY_TIMEOUT_MS", cloudinaryTimeoutMs);
  }
}
