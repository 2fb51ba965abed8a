package crm.assistant;

import crm.assistant.LlmException.Kind;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads a chat-completions answer the way the servers actually send it (OpenAI, Azure, Ollama, vLLM, llama.cpp, LM
 * Studio differ): arguments as a JSON string or an object, arguments that are not JSON, tool calls without ids, tool
 * calls beside content or under {@code finish_reason: "stop"}, the legacy {@code function_call}, content as a string or
 * as text parts, no {@code usage}. Anything that is not a usable answer is {@link Kind#BAD_RESPONSE}.
 */
final class ChatResponses {
  private ChatResponses() {}

  /** The parsed answer, before latency and attempts are known. */
  record Answer(String content, List<ToolCall> toolCalls, String finishReason, ChatResult.Usage usage, String model,
      JsonObject assistantMessage) {

    ChatResult toResult(long latencyMs, int attempts) {
      return new ChatResult(content, toolCalls, finishReason, usage, model, latencyMs, attempts, assistantMessage);
    }
  }

  /** @param newId assigns ids to tool calls that came without one (or with one already used in this answer) */
  static Answer parse(Buffer body, Supplier<String> newId) {
    JsonObject json;
    try {
      Object value = body == null || body.length() == 0 ? null : Json.decodeValue(body);
      if (!(value instanceof JsonObject o)) throw bad("the answer is not a JSON object" + snippet(body));
      json = o;
    } catch (DecodeException e) {
      throw bad("the answer is not JSON" + snippet(body));
    }
    if (json.getValue("error") != null) {
      throw bad("the answer is an error: " + LlmClient.errorMessage(json));
    }
    if (!(json.getValue("choices") instanceof JsonArray choices)) throw bad("the answer has no choices");
    if (choices.isEmpty()) throw bad("the answer has no choices (empty list)");
    if (!(choices.getValue(0) instanceof JsonObject choice) || !(choice.getValue("message") instanceof JsonObject message)) {
      throw bad("the answer's first choice has no message");
    }
    String finishReason = choice.getValue("finish_reason") instanceof String s ? s : null;
    String content = text(message.getValue("content"));
    if (content == null && message.getValue("refusal") instanceof String refusal && !refusal.isBlank()) content = refusal;

    List<ToolCall> calls = toolCalls(message, newId);
    if (calls.isEmpty() && (content == null || content.isBlank())) {
      throw bad("the answer has neither content nor tool calls (finish_reason " + finishReason + ")");
    }
    if (!calls.isEmpty() && content != null && content.isBlank()) content = null;

    JsonObject assistant = new JsonObject().put("role", "assistant").put("content", content);
    if (!calls.isEmpty()) {
      JsonArray tc = new JsonArray();
      calls.forEach(c -> tc.add(c.toJson()));
      assistant.put("tool_calls", tc);
    }
    return new Answer(content, List.copyOf(calls), finishReason, usage(json.getValue("usage")),
        json.getValue("model") instanceof String m ? m : null, assistant);
  }

  /** A string, or the text parts of {@code [{type:"text", text}]} joined; null when there is no text. */
  static String text(Object content) {
    if (content instanceof String s) return s;
    if (content instanceof JsonArray parts) {
      StringBuilder out = new StringBuilder();
      boolean any = false;
      for (Object part : parts) {
        if (part instanceof String s) {
          out.append(s);
          any = true;
        } else if (part instanceof JsonObject p && p.getValue("text") instanceof String s
            && (p.getValue("type") == null || "text".equals(p.getValue("type")) || "output_text".equals(p.getValue("type")))) {
          out.append(s);
          any = true;
        }
      }
      return any ? out.toString() : null;
    }
    if (content instanceof JsonObject part && part.getValue("text") instanceof String s) return s;
    return null;
  }

  private static List<ToolCall> toolCalls(JsonObject message, Supplier<String> newId) {
    List<ToolCall> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    if (message.getValue("tool_calls") instanceof JsonArray list) {
      for (Object entry : list) {
        if (!(entry instanceof JsonObject call)) continue;
        // {id, type, function:{name, arguments}}; a few servers put name and arguments on the call itself
        JsonObject fn = call.getValue("function") instanceof JsonObject f ? f : call;
        String id = call.getValue("id") instanceof String s && !s.isBlank() && !seen.contains(s) ? s : newId.get();
        seen.add(id);
        out.add(call(id, fn));
      }
    }
    if (out.isEmpty() && message.getValue("function_call") instanceof JsonObject legacy) {
      out.add(call(newId.get(), legacy));
    }
    return out;
  }

  private static ToolCall call(String id, JsonObject fn) {
    String name = fn.getValue("name") instanceof String s ? s.trim() : "";
    Object raw = fn.getValue("arguments");
    JsonObject args = new JsonObject();
    String rawText = null;
    String error = null;
    if (raw instanceof JsonObject o) {
      args = o;
      rawText = o.encode();
    } else if (raw instanceof String s) {
      rawText = s;
      if (!s.isBlank()) {
        Object parsed = decode(s);
        if (parsed instanceof String inner && decode(inner) instanceof JsonObject o) parsed = o; // encoded twice
        if (parsed instanceof JsonObject o) {
          args = o;
        } else {
          error = parsed instanceof DecodeException e ? "arguments are not valid JSON: " + shorten(firstLine(e.getMessage()))
              : "arguments are not a JSON object: " + shorten(s);
        }
      }
    } else if (raw != null) {
      rawText = Json.encode(raw);
      error = "arguments are not a JSON object: " + shorten(rawText);
    }
    if (name.isEmpty()) error = "the tool call has no function name";
    return new ToolCall(id, name, args, rawText, error);
  }

  /** The value, or the DecodeException (so the caller can report it). */
  private static Object decode(String s) {
    try {
      return Json.decodeValue(s);
    } catch (DecodeException e) {
      return e;
    }
  }

  private static ChatResult.Usage usage(Object value) {
    if (!(value instanceof JsonObject u)) return ChatResult.Usage.NONE;
    return new ChatResult.Usage(count(u, "prompt_tokens"), count(u, "completion_tokens"), count(u, "total_tokens"));
  }

  private static Integer count(JsonObject u, String key) {
    return u.getValue(key) instanceof Number n ? n.intValue() : null;
  }

  private static LlmException bad(String message) {
    return new LlmException(Kind.BAD_RESPONSE, message);
  }

  /** The start of a body, for messages (an HTML error page from a proxy says a lot). */
  static String snippet(Buffer body) {
    if (body == null || body.length() == 0) return " (empty body)";
    String s = body.length() > 200 ? body.getString(0, 200) + "..." : body.toString();
    return ": " + s.replaceAll("\\s+", " ").strip();
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
