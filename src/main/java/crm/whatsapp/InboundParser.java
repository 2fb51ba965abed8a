package crm.whatsapp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Placeholder until the parser branch lands (its InboundParser replaces this file). */
public final class InboundParser {
  private InboundParser() {}

  public static boolean isWhatsappBusinessAccount(JsonObject body) {
    return body != null && "whatsapp_business_account".equals(body.getValue("object")) && body.getValue("entry") instanceof JsonArray;
  }

  public static JsonObject parse(JsonObject webhook) {
    return new JsonObject().put("messages", new JsonArray()).put("statuses", new JsonArray()).put("ignored", new JsonArray());
  }
}
