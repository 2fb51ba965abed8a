package crm.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local stand-in for an OpenAI-compatible chat-completions server: a real HTTP server on 127.0.0.1, port 0. Merge
 * {@link #config()} (or {@link #azureConfig()}) into the application's configuration. It serves
 * <ul>
 *   <li>{@code POST /v1/chat/completions} with {@code Authorization: Bearer <key>} (OpenAI, Ollama, vLLM, llama.cpp);</li>
 *   <li>{@code POST /openai/deployments/{deployment}/chat/completions?api-version=..} with an {@code api-key} header
 *       (Azure OpenAI);</li>
 * </ul>
 * records every request (body and headers, before answering), checks what OpenAI checks (the key, a JSON body, a model,
 * messages, every {@code tool} message answering a preceding {@code tool_calls} id and every tool call answered,
 * {@code arguments} as a string) and answers in OpenAI's wire format ({@code id, object: "chat.completion", created,
 * model, choices[{index, message, finish_reason}], usage}).
 *
 * <p>Answers come from a script: first the queued {@link Reply}s ({@link #enqueue}), one per request, then the
 * {@link #respondWith responder} (a function of the request, e.g. "text once the last message is a tool result"),
 * else a fixed text answer. A reply can be a text, tool calls, any assistant message, raw JSON or bytes, an HTTP error
 * with {@code Retry-After}, a delay, or a dropped connection.
 */
public final class FakeLlm implements AutoCloseable {
  public static final String API_KEY = "sk-fake-llm-4f1c2d";
  public static final String MODEL = "fake-gpt-mini";
  public static final String DEPLOYMENT = "fake-deployment";
  public static final String DEFAULT_TEXT = "Hello from the fake LLM.";
  public static final String PATH = "/v1/chat/completions";

  private static final Pattern AZURE_PATH = Pattern.compile("^/openai/deployments/([^/]+)/chat/completions$");

  /** One request as received ({@code receivedNanos}: {@link System#nanoTime()} when its body was read). */
  public record Request(String method, String path, String query, MultiMap headers, Buffer body, long receivedNanos) {

    /** The JSON body, or null when it is not a JSON object. */
    public JsonObject json() {
      return jsonOf(body);
    }

    /** The {@code messages} sent (empty when none). */
    public List<JsonObject> messages() {
      JsonObject json = json();
      List<JsonObject> out = new ArrayList<>();
      if (json != null && json.getValue("messages") instanceof JsonArray a) {
        for (Object m : a) if (m instanceof JsonObject o) out.add(o);
      }
      return out;
    }

    /** The last message, or null. */
    public JsonObject lastMessage() {
      List<JsonObject> m = messages();
      return m.isEmpty() ? null : m.get(m.size() - 1);
    }

    /** The role of the last message ("user", "tool", ...), or null. */
    public String lastRole() {
      JsonObject last = lastMessage();
      return last == null ? null : last.getString("role");
    }

    /** The {@code tools} sent, or null. */
    public JsonArray tools() {
      JsonObject json = json();
      return json == null ? null : json.getJsonArray("tools");
    }

    public String header(String name) {
      return headers.get(name);
    }

    /** A query parameter, or null. */
    public String param(String name) {
      if (query == null) return null;
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        if (key.equals(name)) return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
      return null;
    }

    /** The Azure deployment of the path, or null on the OpenAI path. */
    public String deployment() {
      Matcher m = AZURE_PATH.matcher(path);
      return m.matches() ? m.group(1) : null;
    }
  }

  /** What to answer one request with. Build with the static methods, adjust with the others. */
  public static final class Reply {
    private int status = 200;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private long delayMs;
    private boolean drop;
    private JsonObject message;
    private String finishReason;
    private JsonObject usage;
    private boolean noUsage;
    private Buffer raw;

    private Reply() {}

    /** An assistant text answer, finish_reason "stop". */
    public static Reply text(String content) {
      return message(new JsonObject().put("role", "assistant").put("content", content).put("refusal", null), "stop");
    }

    /** An answer calling these tools ({@link #call}), content null, finish_reason "tool_calls". */
    public static Reply toolCalls(JsonObject... calls) {
      return message(new JsonObject().put("role", "assistant").put("content", null)
          .put("tool_calls", new JsonArray(new ArrayList<Object>(Arrays.asList(calls)))).put("refusal", null), "tool_calls");
    }

    /** An answer calling one tool. */
    public static Reply toolCall(String name, JsonObject arguments) {
      return toolCalls(call(name, arguments));
    }

    /** Any assistant message (sent as is, inside the usual envelope), with this finish_reason (null allowed). */
    public static Reply message(JsonObject message, String finishReason) {
      Reply r = new Reply();
      r.message = message;
      r.finishReason = finishReason;
      return r;
    }

    /** Exactly this JSON body, status 200. */
    public static Reply json(JsonObject body) {
      return raw(200, body.encode(), "application/json");
    }

    /** Exactly these bytes. */
    public static Reply raw(int status, String body, String contentType) {
      Reply r = new Reply();
      r.status = status;
      r.raw = Buffer.buffer(body);
      if (contentType != null) r.headers.set("Content-Type", contentType);
      return r;
    }

    /** This status with this JSON body. */
    public static Reply status(int status, JsonObject body) {
      return raw(status, body == null ? "" : body.encode(), "application/json");
    }

    /** OpenAI's error envelope for this status: {@code {error:{message, type, param, code}}}. */
    public static Reply error(int status, String message) {
      String type = switch (status) {
        case 401, 403 -> "invalid_request_error";
        case 429 -> "requests";
        default -> status >= 500 ? "server_error" : "invalid_request_error";
      };
      String code = switch (status) {
        case 401 -> "invalid_api_key";
        case 429 -> "rate_limit_exceeded";
        default -> null;
      };
      return status(status, errorBody(message, type, null, code));
    }

    /** No answer: the connection is closed once the request is read. */
    public static Reply drop() {
      Reply r = new Reply();
      r.drop = true;
      return r;
    }

    /** Answer (or drop) only after this long. */
    public Reply delay(long ms) {
      delayMs = ms;
      return this;
    }

    public Reply header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    public Reply retryAfter(String value) {
      return header("Retry-After", value);
    }

    /** The usage reported (otherwise counted roughly from the sizes). */
    public Reply usage(int promptTokens, int completionTokens) {
      usage = new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens);
      return this;
    }

    /** No {@code usage} field, as some servers answer. */
    public Reply noUsage() {
      noUsage = true;
      return this;
    }
  }

  /** A tool call as OpenAI sends it: {@code {id:"call_..", type:"function", function:{name, arguments:"<json>"}}}. */
  public static JsonObject call(String name, JsonObject arguments) {
    return new JsonObject().put("id", "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24))
        .put("type", "function").put("function", new JsonObject().put("name", name).put("arguments", arguments.encode()));
  }

  public static JsonObject errorBody(String message, String type, String param, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("param", param).put("code", code));
  }

  private final String apiKey;
  private Vertx vertx;
  private Vertx owned;
  private HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Deque<Reply> script = new ArrayDeque<>();
  private volatile Function<Request, Reply> responder;

  private FakeLlm(String apiKey) {
    this.apiKey = apiKey;
  }

  /** Starts on a random port, requiring {@link #API_KEY}; call from the test thread. */
  public static FakeLlm start(Vertx vertx) {
    return start(vertx, API_KEY);
  }

  /** Starts requiring {@code apiKey}, or no key at all when null (as local servers do). */
  public static FakeLlm start(Vertx vertx, String apiKey) {
    try {
      return create(vertx, apiKey).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("fake LLM did not start", e);
    }
  }

  /** Starts on a Vert.x of its own, which {@link #close} closes too. */
  public static FakeLlm startOwn() {
    Vertx vertx = Vertx.vertx();
    FakeLlm fake = start(vertx);
    fake.owned = vertx;
    return fake;
  }

  /** As {@link #start(Vertx, String)} without waiting, for callers on an event loop. */
  public static Future<FakeLlm> create(Vertx vertx, String apiKey) {
    FakeLlm fake = new FakeLlm(apiKey);
    fake.vertx = vertx;
    return vertx.createHttpServer().requestHandler(fake::handle).listen(0, "127.0.0.1").map(s -> {
      fake.server = s;
      return fake;
    });
  }

  @Override
  public void close() {
    try {
      server.close().await(10, TimeUnit.SECONDS);
      if (owned != null) owned.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the test's Vertx closes it anyway
    }
  }

  public int port() { return server.actualPort(); }

  /** {@code http://127.0.0.1:<port>}. */
  public String baseUrl() { return "http://127.0.0.1:" + port(); }

  /** The AI_* keys that point the application at this fake's OpenAI path: {@code <baseUrl>/v1}, its key, {@link #MODEL}. */
  public JsonObject config() {
    JsonObject cfg = new JsonObject().put("AI_BASE_URL", baseUrl() + "/v1").put("AI_MODEL", MODEL);
    if (apiKey != null) cfg.put("AI_API_KEY", apiKey);
    return cfg;
  }

  /** The AI_* keys for the Azure path: {@code <baseUrl>/openai/deployments/}{@link #DEPLOYMENT}, its key, no model. */
  public JsonObject azureConfig() {
    JsonObject cfg = new JsonObject().put("AI_BASE_URL", baseUrl() + "/openai/deployments/" + DEPLOYMENT);
    if (apiKey != null) cfg.put("AI_API_KEY", apiKey);
    return cfg;
  }

  // ---- script

  /** These replies answer the next requests, one each, in order (after any queued before). */
  public FakeLlm enqueue(Reply... replies) {
    synchronized (script) {
      script.addAll(Arrays.asList(replies));
    }
    return this;
  }

  /** Answers requests once the queue is empty (null: the fixed text {@link #DEFAULT_TEXT}). */
  public FakeLlm respondWith(Function<Request, Reply> responder) {
    this.responder = responder;
    return this;
  }

  /** Forgets queued replies and the responder (so one test's leftovers cannot reach the next). */
  public void reset() {
    synchronized (script) {
      script.clear();
    }
    responder = null;
    requests.clear();
  }

  public int queued() {
    synchronized (script) {
      return script.size();
    }
  }

  // ---- recorded requests

  public List<Request> requests() { return List.copyOf(requests); }

  public Request lastRequest() {
    List<Request> all = requests();
    if (all.isEmpty()) throw new AssertionError("the fake LLM received no request");
    return all.get(all.size() - 1);
  }

  public void clearRequests() { requests.clear(); }

  /** Waits (polling, on the test thread) until at least {@code count} requests came. */
  public List<Request> awaitRequests(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (requests.size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + count + " requests to the fake LLM within " + timeout + ", got " + requests.size());
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return requests();
  }

  // ---- the server

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      Request r = new Request(req.method().name(), req.path(), req.query(),
          MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body.copy(), System.nanoTime());
      requests.add(r);
      Reply reply;
      try {
        reply = route(r);
      } catch (RuntimeException e) {
        reply = Reply.error(500, "the fake LLM's responder failed: " + e);
      }
      Reply chosen = reply;
      if (chosen.delayMs > 0) {
        vertx.setTimer(chosen.delayMs, id -> send(req, r, chosen));
      } else {
        send(req, r, chosen);
      }
    });
  }

  private Reply route(Request r) {
    boolean azure = r.deployment() != null;
    if (!azure && !r.path().equals(PATH)) {
      return Reply.status(404, errorBody("Invalid URL (" + r.method() + " " + r.path() + ")", "invalid_request_error", null, null));
    }
    if (azure && (r.param("api-version") == null || r.param("api-version").isBlank())) {
      return Reply.status(404, new JsonObject().put("error", new JsonObject().put("code", "404").put("message", "Resource not found")));
    }
    if (!r.method().equals("POST")) {
      return Reply.status(405, errorBody("Method " + r.method() + " not allowed", "invalid_request_error", null, null));
    }
    if (apiKey != null) {
      if (azure && !apiKey.equals(r.header("api-key"))) {
        return Reply.status(401, new JsonObject().put("error", new JsonObject().put("code", "401").put("message",
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
                + "active subscription and use a correct regional API endpoint for your resource.")));
      }
      String auth = r.header("Authorization");
      if (!azure && auth == null) {
        return Reply.status(401, errorBody("You didn't provide an API key. You need to provide your API key in an "
            + "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null, null));
      }
      if (!azure && !auth.equals("Bearer " + apiKey)) {
        return Reply.status(401, errorBody("Incorrect API key provided: " + mask(auth.replaceFirst("^Bearer ", ""))
            + ". You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key"));
      }
    }
    String invalid = invalid(r, azure);
    if (invalid != null) return Reply.status(400, errorBody(invalid, "invalid_request_error", null, null));
    Reply next;
    synchronized (script) {
      next = script.poll();
    }
    if (next != null) return next;
    Function<Request, Reply> f = responder;
    Reply answer = f == null ? null : f.apply(r);
    return answer != null ? answer : Reply.text(DEFAULT_TEXT);
  }

  /** What OpenAI refuses with 400 (the same words), or null. */
  private static String invalid(Request r, boolean azure) {
    JsonObject json = r.json();
    if (json == null) {
      return "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
          + "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";
    }
    if (!azure && !(json.getValue("model") instanceof String m && !m.isBlank())) return "you must provide a model parameter";
    if (!(json.getValue("messages") instanceof JsonArray messages)) return "Missing required parameter: 'messages'.";
    if (messages.isEmpty()) return "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
    Set<String> open = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m) || !(m.getValue("role") instanceof String role)) {
        return "Invalid type for 'messages[" + i + "]': expected an object with a role.";
      }
      if (role.equals("tool")) {
        Object id = m.getValue("tool_call_id");
        if (!(id instanceof String s) || !open.remove(s)) {
          return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
        }
        continue;
      }
      if (!open.isEmpty()) {
        return "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            + "'tool_call_id'. The following tool_call_ids did not have response messages: " + String.join(", ", open);
      }
      if (role.equals("assistant") && m.getValue("tool_calls") instanceof JsonArray calls && !calls.isEmpty()) {
        for (int j = 0; j < calls.size(); j++) {
          if (!(calls.getValue(j) instanceof JsonObject call)) {
            return "Invalid type for 'messages[" + i + "].tool_calls[" + j + "]': expected an object.";
          }
          Object args = call.getValue("function") instanceof JsonObject fn ? fn.getValue("arguments") : null;
          if (!(args instanceof String)) {
            return "Invalid type for 'messages[" + i + "].tool_calls[" + j + "].function.arguments': expected a string, but got "
                + (args == null ? "null" : "an object") + " instead.";
          }
          if (!(call.getValue("id") instanceof String id) || id.isBlank()) {
            return "Missing required parameter: 'messages[" + i + "].tool_calls[" + j + "].id'.";
          }
          open.add(id);
        }
      }
    }
    if (!open.isEmpty()) {
      return "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
          + "'tool_call_id'. The following tool_call_ids did not have response messages: " + String.join(", ", open);
    }
    return null;
  }

  private void send(HttpServerRequest req, Request r, Reply reply) {
    if (reply.drop) {
      req.connection().close();
      return;
    }
    Buffer body = reply.raw != null ? reply.raw : completion(r, reply).toBuffer();
    var res = req.response().setStatusCode(reply.status);
    if (reply.raw == null) res.putHeader("Content-Type", "application/json");
    res.headers().addAll(reply.headers);
    res.end(body);
  }

  private static JsonObject completion(Request r, Reply reply) {
    JsonObject json = r.json();
    String model = json != null && json.getValue("model") instanceof String m && !m.isBlank() ? m
        : r.deployment() != null ? r.deployment() : MODEL;
    JsonObject out = new JsonObject()
        .put("id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 29))
        .put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", reply.message)
            .put("logprobs", null).put("finish_reason", reply.finishReason)));
    if (!reply.noUsage) {
      JsonObject usage = reply.usage;
      if (usage == null) {
        int prompt = Math.max(1, r.body().length() / 4);
        int completion = Math.max(1, reply.message == null ? 1 : reply.message.encode().length() / 4);
        usage = new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
            .put("total_tokens", prompt + completion);
      }
      out.put("usage", usage);
    }
    return out.put("system_fingerprint", "fp_fake");
  }

  private static String mask(String key) {
    return key.length() <= 6 ? "****" : key.substring(0, 3) + "****" + key.substring(key.length() - 2);
  }

  private static JsonObject jsonOf(Buffer body) {
    try {
      return body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
