package crm.whatsapp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Webhook bodies in Meta's format, for the simulator, the benchmark and tests. */
public final class WebhookPayloads {
  private WebhookPayloads() {}

  /** A notification carrying one customer text message. */
  public static JsonObject text(String phoneNumberId, String from, String profileName, String wamid, String text,
                                long epochSeconds) {
    JsonObject message = new JsonObject().put("from", from).put("id", wamid)
        .put("timestamp", String.valueOf(epochSeconds)).put("type", "text")
        .put("text", new JsonObject().put("body", text));
    return notification(phoneNumberId, from, profileName, new JsonArray().add(message), null);
  }

  /** A notification with the given messages and/or statuses, from one contact. */
  public static JsonObject notification(String phoneNumberId, String from, String profileName, JsonArray messages,
                                        JsonArray statuses) {
    JsonObject value = new JsonObject().put("messaging_product", "whatsapp")
        .put("metadata", new JsonObject().put("display_phone_number", "15550001111").put("phone_number_id", phoneNumberId));
    if (from != null) {
      value.put("contacts", new JsonArray().add(new JsonObject()
          .put("profile", new JsonObject().put("name", profileName == null ? "" : profileName)).put("wa_id", from)));
    }
    if (messages != null) value.put("messages", messages);
    if (statuses != null) value.put("statuses", statuses);
    return new JsonObject().put("object", "whatsapp_business_account").put("entry", new JsonArray().add(new JsonObject()
        .put("id", "WABA_ID").put("changes", new JsonArray().add(new JsonObject().put("value", value).put("field", "messages")))));
  }

  /** One status notification for an outbound message. */
  public static JsonObject status(String phoneNumberId, String wamid, String status, String recipient, long epochSeconds,
                                  JsonObject error) {
    JsonObject s = new JsonObject().put("id", wamid).put("status", status).put("timestamp", String.valueOf(epochSeconds))
        .put("recipient_id", recipient);
    if (error != null) s.put("errors", new JsonArray().add(error));
    return notification(phoneNumberId, null, null, null, new JsonArray().add(s));
  }
}
