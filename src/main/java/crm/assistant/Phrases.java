package crm.assistant;

import java.util.Locale;
import java.util.Map;

/**
 * What the assistant says to a customer without the model: the hand-off notice and the fallback when the model fails,
 * in the active preset's language (English for a language we have no words in).
 */
final class Phrases {
  private Phrases() {}

  private static final Map<String, String> HANDOFF = Map.of(
      "es", "Gracias por tu paciencia. Te comunico con una persona de nuestro equipo, que te responderá por aquí en breve.",
      "en", "Thank you for your patience. I'm passing you to a member of our team, who will reply here shortly.",
      "pt", "Obrigado pela paciência. Vou transferir você para uma pessoa da nossa equipe, que responderá aqui em breve.",
      "it", "Grazie per la pazienza. Ti metto in contatto con una persona del nostro team, che ti risponderà qui a breve.",
      "fr", "Merci de votre patience. Je vous mets en relation avec une personne de notre équipe, qui vous répondra ici sous peu.");

  private static final Map<String, String> FALLBACK = Map.of(
      "es", "Lo siento, en este momento no puedo ayudarte con eso. Te comunico con una persona de nuestro equipo, que te responderá por aquí en breve.",
      "en", "Sorry, I can't help with that right now. I'm passing you to a member of our team, who will reply here shortly.",
      "pt", "Desculpe, não consigo ajudar com isso agora. Vou transferir você para uma pessoa da nossa equipe, que responderá aqui em breve.",
      "it", "Mi dispiace, al momento non posso aiutarti. Ti metto in contatto con una persona del nostro team, che ti risponderà qui a breve.",
      "fr", "Désolé, je ne peux pas vous aider pour le moment. Je vous mets en relation avec une personne de notre équipe, qui vous répondra ici sous peu.");

  /** Told to the customer when the conversation goes to people at the model's request. */
  static String handoff(String language) {
    return HANDOFF.getOrDefault(base(language), HANDOFF.get("en"));
  }

  /** Told to the customer when the model failed or went past a bound: an apology, and people take over. */
  static String fallback(String language) {
    return FALLBACK.getOrDefault(base(language), FALLBACK.get("en"));
  }

  /** "es", "es-MX", "es_MX" -> "es". */
  static String base(String language) {
    if (language == null || language.isBlank()) return "en";
    String l = language.toLowerCase(Locale.ROOT);
    int cut = l.indexOf('-') >= 0 ? l.indexOf('-') : l.indexOf('_');
    return cut > 0 ? l.substring(0, cut) : l;
  }
}
