package crm.config;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The assistant's turn loop (keys AI_* other than the model's connection, which is {@code crm.assistant.LlmConfig}):
 * model calls and function calls per turn, turns per conversation per hour, messages of history in the prompt, the
 * claim's lease, an extra system prompt, and how long the same side effect (order, ticket) counts as one.
 */
public record AssistantConfig(int maxRounds, int maxToolCalls, int maxTurnsPerHour, int historyMessages, int leaseMs,
                              String extraPrompt, int effectWindowMinutes) {

  public static final List<String> KEYS = List.of("AI_MAX_ROUNDS", "AI_MAX_TOOL_CALLS", "AI_MAX_TURNS_PER_HOUR",
      "AI_HISTORY_MESSAGES", "AI_CLAIM_LEASE_MS", "AI_SYSTEM_PROMPT", "AI_EFFECT_WINDOW_MINUTES");

  static AssistantConfig from(AppConfig.Reader r) {
    return new AssistantConfig(
        r.integer("AI_MAX_ROUNDS", 5, 1, 20),
        r.integer("AI_MAX_TOOL_CALLS", 8, 0, 50),
        r.integer("AI_MAX_TURNS_PER_HOUR", 30, 1, 10_000),
        r.integer("AI_HISTORY_MESSAGES", 20, 1, 100),
        r.integer("AI_CLAIM_LEASE_MS", 30_000, 1_000, 600_000),
        r.string("AI_SYSTEM_PROMPT", ""),
        r.integer("AI_EFFECT_WINDOW_MINUTES", 10, 1, 1_440));
  }

  /** Reads the settings back from a deployment configuration (already validated by {@link AppConfig#from}). */
  public static AssistantConfig fromJson(JsonObject deployed) {
    return from(new AppConfig.Reader(deployed));
  }

  public long effectWindowMs() {
    return effectWindowMinutes * 60_000L;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("AI_MAX_ROUNDS", maxRounds).put("AI_MAX_TOOL_CALLS", maxToolCalls).put("AI_MAX_TURNS_PER_HOUR", maxTurnsPerHour)
        .put("AI_HISTORY_MESSAGES", historyMessages).put("AI_CLAIM_LEASE_MS", leaseMs).put("AI_SYSTEM_PROMPT", extraPrompt)
        .put("AI_EFFECT_WINDOW_MINUTES", effectWindowMinutes);
  }
}
