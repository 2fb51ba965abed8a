package crm.whatsapp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>}, compared in constant time. */
public final class WebhookSignature {
  private WebhookSignature() {}

  public static String sign(String appSecret, byte[] body) {
    return "sha256=" + HexFormat.of().formatHex(hmac(appSecret, body));
  }

  public static boolean verify(String appSecret, byte[] body, String header) {
    if (header == null || !header.startsWith("sha256=") || header.length() != 7 + 64) return false;
    byte[] given;
    try {
      given = HexFormat.of().parseHex(header.substring(7).toLowerCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(hmac(appSecret, body), given);
  }

  /** One keyed MAC per thread and secret: looking up the provider and keying it cost more than hashing a webhook. */
  private record Keyed(String secret, Mac mac) {}

  private static final ThreadLocal<Keyed> MACS = new ThreadLocal<>();

  private static byte[] hmac(String secret, byte[] body) {
    Keyed keyed = MACS.get();
    if (keyed == null || !keyed.secret().equals(secret)) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        keyed = new Keyed(secret, mac);
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException(e);
      }
      MACS.set(keyed);
    }
    return keyed.mac().doFinal(body); // doFinal leaves the MAC reset for the next body, with the same key
  }
}
