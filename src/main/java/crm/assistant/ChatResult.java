package crm.assistant;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One answer of the chat-completions API, normalised across servers.
 *
 * @param content the text (parts joined), or null when the model only called tools
 * @param toolCalls the functions to call, in order (empty when none); branch on this, not on {@code finishReason}:
 *     servers answer tool calls with "tool_calls", "function_call", "stop" or null alike
 * @param finishReason as the server said it, or null
 * @param usage token counts; each null when the server did not report it
 * @param model the model the server says answered, or null
 * @param latencyMs from the call to the answer, retries and backoff included
 * @param attempts HTTP requests made (1 = no retry)
 * @param assistantMessage {@code {role:"assistant", content, tool_calls:[{id, type:"function", function:{name,
 *     arguments}}]}} to append to the history before the {@code tool} results (arguments re-encoded as a JSON string)
 */
public record ChatResult(
    String content,
    List<ToolCall> toolCalls,
    String finishReason,
    Usage usage,
    String model,
    long latencyMs,
    int attempts,
    JsonObject assistantMessage) {

  public boolean hasToolCalls() {
    return !toolCalls.isEmpty();
  }

  /** Token counts; null where the server reported none. */
  public record Usage(Integer promptTokens, Integer completionTokens, Integer totalTokens) {
    public static final Usage NONE = new Usage(null, null, null);
  }
}
