package crm.whatsapp;

import crm.storage.Mongo;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A WhatsApp message, status or whole body that could not be recorded while the database was answering, set aside with
 * the reason so the rest of its webhook went through ({@code webhook_dead_letters}). Its payload is kept as JSON text,
 * whatever its shape, so setting it aside can never fail on the shape that made it fail.
 */
final class DeadLetter {
  static final String MESSAGE = "message";
  static final String STATUS = "status";
  static final String BODY = "body";
  /** Payload characters shown in a list; the single dead letter shows all of it. */
  static final int LIST_PAYLOAD_CHARS = 4096;

  private DeadLetter() {}

  /** The same item of the same stored document always gets the same id. */
  static String id(String documentId, String kind, String payload) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((documentId + "\n" + kind + "\n").getBytes(StandardCharsets.UTF_8));
      sha.update(payload.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest(), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonObject toApi(JsonObject doc) {
    return toApi(doc, LIST_PAYLOAD_CHARS);
  }

  static JsonObject toApi(JsonObject doc, int maxPayload) {
    JsonObject api = Mongo.toApi(doc);
    String payload = api.getString("payload", "");
    boolean cut = payload.length() > maxPayload;
    return api.put("payload", cut ? payload.substring(0, maxPayload) : payload).put("payloadTruncated", cut);
  }
}
