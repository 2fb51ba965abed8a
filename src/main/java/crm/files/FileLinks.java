package crm.files;

import crm.bus.CrmException;
import crm.bus.ErrorCode;
import crm.http.HttpVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring links to files this backend serves: {@code <PUBLIC_BASE_URL>/api/v2/files/<id>?exp=<epoch
 * seconds>&sig=<HMAC-SHA256 of "<id>.<exp>", base64url without padding>}, for anyone holding the link (Meta fetching a
 * media message, an {@code <img>} in the agents' app) until {@code exp}. The key is FILE_LINK_SECRET, or one derived
 * from JWT_SECRET (HMAC-SHA256 of "crm.files.link" under it), so every node of a cluster signs and checks alike.
 */
public final class FileLinks {
  public static final String PATH = HttpVerticle.API_PREFIX + "/files/";
  private static final String HMAC = "HmacSHA256";

  private final Vertx vertx;
  private final byte[] key;
  private final long ttlSeconds;
  private final String publicBaseUrl;
  private final int configuredPort;

  FileLinks(Vertx vertx, byte[] key, long ttlSeconds, String publicBaseUrl, int configuredPort) {
    this.vertx = vertx;
    this.key = key.clone();
    this.ttlSeconds = ttlSeconds;
    this.publicBaseUrl = publicBaseUrl;
    this.configuredPort = configuredPort;
  }

  /** From a deployment configuration (FILE_LINK_SECRET or JWT_SECRET, FILE_LINK_TTL_SECONDS, PUBLIC_BASE_URL, PORT). */
  public static FileLinks create(Vertx vertx, JsonObject config) {
    FilesConfig files = FilesConfig.fromJson(config);
    byte[] key;
    if (!files.linkSecret().isEmpty()) {
      key = files.linkSecret().getBytes(StandardCharsets.UTF_8);
    } else {
      String jwt = config.getString("JWT_SECRET", "");
      if (jwt.isEmpty()) throw new IllegalStateException("neither FILE_LINK_SECRET nor JWT_SECRET is set");
      key = hmac(jwt.getBytes(StandardCharsets.UTF_8), "crm.files.link".getBytes(StandardCharsets.UTF_8));
    }
    return new FileLinks(vertx, key, files.linkTtlSeconds(), files.publicBaseUrl(), config.getInteger("PORT", 5000));
  }

  public long ttlSeconds() {
    return ttlSeconds;
  }

  /** The absolute link to {@code id}, valid {@link #ttlSeconds()} from {@code now}. */
  public String url(String id, Instant now) {
    long exp = now.getEpochSecond() + ttlSeconds;
    return baseUrl() + PATH + id + "?exp=" + exp + "&sig=" + sign(id, exp);
  }

  /** When a link made at {@code now} stops working. */
  public Instant expiry(Instant now) {
    return Instant.ofEpochSecond(now.getEpochSecond() + ttlSeconds);
  }

  /** PUBLIC_BASE_URL, or {@code http://localhost:<this node's HTTP port>}. */
  String baseUrl() {
    if (!publicBaseUrl.isEmpty()) return publicBaseUrl;
    Object port = vertx == null ? null : vertx.sharedData().getLocalMap(HttpVerticle.RUNTIME_MAP).get("http.port");
    return "http://localhost:" + (port instanceof Integer p ? p : configuredPort);
  }

  String sign(String id, long exp) {
    byte[] mac = hmac(key, (id + "." + exp).getBytes(StandardCharsets.UTF_8));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
  }

  /**
   * Checks a link's {@code exp} and {@code sig} for {@code id} at {@code nowSeconds}: 401 AUTH_TOKEN_EXPIRED once it
   * expired, 403 AUTH_INSUFFICIENT_PERMISSIONS when the signature does not match (a changed id, exp or sig) or a part
   * is missing or malformed.
   */
  public void verify(String id, String exp, String sig, long nowSeconds) {
    if (id == null || exp == null || sig == null || !exp.matches("^\\d{1,18}$") || !sig.matches("^[A-Za-z0-9_-]{43}$")) {
      throw refused("The link is incomplete or malformed: it needs exp (epoch seconds) and sig");
    }
    long expiry = Long.parseLong(exp);
    // the canonical text compared, not decoded bytes: base64 ignores the last character's spare bits, so another
    // spelling of the same bytes would pass a byte comparison
    byte[] given = sig.getBytes(StandardCharsets.US_ASCII);
    byte[] wanted = sign(id, Long.parseLong(exp)).getBytes(StandardCharsets.US_ASCII);
    if (!exp.equals(Long.toString(expiry)) || !MessageDigest.isEqual(given, wanted)) {
      throw refused("The link's signature does not match");
    }
    if (expiry < nowSeconds) {
      throw new CrmException(ErrorCode.AUTH_TOKEN_EXPIRED, "The link expired; ask for a new one", null,
          new JsonObject().put("reason", "expired").put("expiredAt", Instant.ofEpochSecond(expiry).toString()));
    }
  }

  private static CrmException refused(String message) {
    return new CrmException(ErrorCode.AUTH_INSUFFICIENT_PERMISSIONS, message, null,
        new JsonObject().put("reason", "signature"));
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM has no " + HMAC, e);
    }
  }
}
