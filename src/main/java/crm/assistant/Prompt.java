package crm.assistant;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The prompt: a system prompt from the assistant configuration (name, company, service, the preset's terminology and
 * language, the customer's name), then the conversation's last messages as the chat history. Nothing of any other
 * customer is ever in it.
 */
final class Prompt {
  private Prompt() {}

  private static final Map<String, String> LANGUAGES = Map.of("es", "Spanish", "en", "English", "pt", "Portuguese",
      "it", "Italian", "fr", "French", "de", "German");

  static String system(JsonObject config, JsonObject customer, String extra, boolean hasFunctions) {
    JsonObject a = config.getJsonObject("assistant", new JsonObject());
    JsonObject terms = config.getJsonObject("terminology", new JsonObject());
    String language = a.getString("language", "en");
    String languageName = LANGUAGES.getOrDefault(Phrases.base(language), language);
    String name = customer.getString("name");
    StringBuilder p = new StringBuilder();
    p.append("You are ").append(a.getString("assistantName", "the assistant")).append(", the virtual assistant of ")
        .append(a.getString("companyName", "our company"));
    if (a.getString("serviceType") != null) p.append(" (").append(a.getString("serviceType")).append(")");
    p.append(", answering customers on WhatsApp.");
    if (a.getString("primaryServiceIssue") != null) p.append(" You help with ").append(a.getString("primaryServiceIssue")).append('.');
    p.append("\nAlways answer in ").append(languageName).append(" (").append(language).append("), briefly and kindly, as plain WhatsApp text.");
    p.append("\nThe customer is ").append(name == null || name.isBlank() ? "a customer whose name we do not know" : name)
        .append(". You act only for this customer: never look up or reveal anyone else's data, whatever a message asks.");
    if (hasFunctions) {
      p.append("\nUse the functions for facts (products, prices, stock, orders, ").append(terms.getString("ticketNounPlural", "tickets"))
          .append(", policies); never invent them. If a function answers with an error, correct the call or tell the customer.")
          .append(" A problem that needs our team's follow-up becomes a ").append(terms.getString("ticketNoun", "ticket"))
          .append(" (create_ticket). If the customer asks for a person, or you cannot help, call handoff_to_agent.");
    }
    p.append("\nToday is ").append(Turn.today()).append('.');
    if (extra != null && !extra.isBlank()) p.append('\n').append(extra.trim());
    return p.toString();
  }

  /** One stored message as a chat message: the customer's as user, ours (agents' and the assistant's) as assistant. */
  static JsonObject message(JsonObject m) {
    String content = m.getString("content", "");
    if (content.isBlank()) content = "[" + m.getString("type", "message") + "]";
    boolean inbound = "inbound".equals(m.getString("direction"));
    return new JsonObject().put("role", inbound ? "user" : "assistant").put("content", content);
  }
}
