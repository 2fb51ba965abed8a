package crm.whatsapp;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;

/** Meta's error codes in words an agent understands, and which of them are worth retrying. */
public final class MetaErrors {
  private MetaErrors() {}

  private static final Map<Integer, String> WORDS = Map.ofEntries(
      Map.entry(131047, "More than 24 hours have passed since the customer last wrote: send a template message instead"),
      Map.entry(131026, "Message undeliverable: the number may not be on WhatsApp, or the customer has not accepted the latest terms"),
      Map.entry(130429, "WhatsApp's throughput limit for this number was reached: try again in a moment"),
      Map.entry(131056, "Too many messages to this customer in a short time: wait a moment before sending again"),
      Map.entry(80007, "The WhatsApp Business account hit its rate limit: try again in a moment"),
      Map.entry(132000, "The number of template parameters does not match the template"),
      Map.entry(132001, "The template does not exist in this language, or is not approved"),
      Map.entry(132005, "The template text is too long once its parameters are filled in"),
      Map.entry(132012, "A template parameter has the wrong format"),
      Map.entry(131051, "This message type is not supported"),
      Map.entry(131052, "WhatsApp could not download the media the customer sent"),
      Map.entry(131053, "WhatsApp could not use the media file (type or size)"),
      Map.entry(131009, "A parameter value is not valid"),
      Map.entry(131008, "A required parameter is missing"),
      Map.entry(131021, "The recipient is the business number itself"),
      Map.entry(131031, "The WhatsApp Business account is locked"),
      Map.entry(131042, "There is a problem with the payment method of the WhatsApp Business account"),
      Map.entry(368, "The WhatsApp Business account is temporarily blocked for policy violations"),
      Map.entry(190, "The WhatsApp access token has expired or is invalid: an administrator must renew it"),
      Map.entry(100, "WhatsApp refused a parameter of the request"),
      Map.entry(131000, "WhatsApp reported an unknown error: try again"),
      Map.entry(131016, "WhatsApp is temporarily unavailable: try again in a moment"));

  private static final Set<Integer> RETRYABLE = Set.of(130429, 131056, 80007, 131000, 131016, 1, 2, 4);

  public static boolean retryable(int code) {
    return RETRYABLE.contains(code);
  }

  /**
   * One Meta error object ({@code {code, title, message, error_data:{details}}} from a status, or the {@code error}
   * of a Graph API answer) as {code, title, message, details, userMessage}.
   */
  public static JsonObject describe(JsonObject metaError) {
    if (metaError == null) return new JsonObject().put("code", 0).put("userMessage", "WhatsApp reported an error");
    int code = metaError.getValue("code") instanceof Number n ? n.intValue() : 0;
    JsonObject data = metaError.getValue("error_data") instanceof JsonObject d ? d : new JsonObject();
    String details = metaError.getValue("details") instanceof String s ? s
        : data.getValue("details") instanceof String s2 ? s2 : null;
    JsonObject out = new JsonObject().put("code", code)
        .put("title", str(metaError.getValue("title"), str(metaError.getValue("type"), null)))
        .put("message", str(metaError.getValue("message"), null))
        .put("userMessage", WORDS.getOrDefault(code, "WhatsApp refused the message"
            + (metaError.getValue("message") instanceof String m ? ": " + m : "")));
    if (details != null) out.put("details", details);
    if (metaError.getValue("fbtrace_id") instanceof String trace) out.put("fbtraceId", trace);
    return out;
  }

  /** A Graph API answer that is not 2xx: its {@code error} described, with the HTTP status. */
  static JsonObject ofResponse(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> res) {
    JsonObject body = bodyOf(res);
    return describe(body == null ? null : body.getJsonObject("error")).put("httpStatus", res.statusCode());
  }

  /** A Graph API call that got no answer (connection refused or closed, timeout). */
  static JsonObject network(Throwable cause) {
    return new JsonObject().put("code", 0).put("title", "network").put("message", String.valueOf(cause.getMessage()))
        .put("userMessage", "WhatsApp could not be reached");
  }

  /** A Graph API answer's JSON object body, or null when it has none or another kind. */
  static JsonObject bodyOf(io.vertx.ext.web.client.HttpResponse<io.vertx.core.buffer.Buffer> res) {
    try {
      return res.body() == null ? null : res.bodyAsJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String str(Object v, String def) {
    return v instanceof String s ? s : def;
  }
}
