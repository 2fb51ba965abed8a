package crm.assistant;

import io.vertx.core.json.JsonObject;

/**
 * One function the model asked to call. {@code id} is the server's, or one {@link LlmClient} assigned when the server
 * sent none (the same id is in {@link ChatResult#assistantMessage()}, so the {@code tool} answer must use it).
 * {@code arguments} is never null: when the server's arguments were not a JSON object it is empty and
 * {@code argumentsError} says why, so the caller can answer the model with an error result instead of calling.
 *
 * @param rawArguments the arguments as the server sent them (a string, or an object encoded), or null when absent
 */
public record ToolCall(String id, String name, JsonObject arguments, String rawArguments, String argumentsError) {

  /** Whether the call can be made: a name and arguments that parsed. */
  public boolean valid() {
    return argumentsError == null;
  }

  /** The entry of the assistant message's {@code tool_calls} (arguments as a JSON string, as OpenAI expects). */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments.encode()));
  }
}
