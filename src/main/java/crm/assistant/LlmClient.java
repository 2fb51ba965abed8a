package crm.assistant;

import crm.assistant.LlmException.Kind;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for any OpenAI-compatible chat-completions API (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server, LM
 * Studio), over vertx-web-client: {@code POST <AI_BASE_URL>/chat/completions} with the model, the messages, the tools
 * ({@code tool_choice: "auto"}), {@code max_tokens} and {@code temperature}. Answers are normalised by
 * {@link ChatResponses}; failures are {@link LlmException}s with a {@link Kind}.
 *
 * <p>429, 5xx, timeouts and connection errors are retried up to AI_MAX_RETRIES times with exponential backoff and
 * jitter, or after the server's {@code Retry-After} / {@code retry-after-ms} (at most {@link #MAX_RETRY_AFTER_MS}); other
 * 4xx never are. Each attempt must be answered within AI_TIMEOUT_MS. At most {@link #MAX_BODY_BYTES} of an answer are
 * read. Nothing blocks: the body is encoded once, the answer parsed once, both bounded in size. Logs name the model,
 * counts and sizes, never the key or the conversation.
 */
public final class LlmClient {
  private static final Logger log = LoggerFactory.getLogger(LlmClient.class);

  /** The largest answer read; a larger one is {@link Kind#BAD_RESPONSE}. */
  public static final int MAX_BODY_BYTES = 2 * 1_048_576;
  /** The longest wait a {@code Retry-After} gets (a longer one is cut to this). */
  public static final long MAX_RETRY_AFTER_MS = 5_000;
  /** The longest computed backoff. */
  public static final long MAX_BACKOFF_MS = 10_000;

  private final Vertx vertx;
  private final LlmConfig config;
  private final WebClient client;
  private final String url;
  private final String endpoint;
  private final String idPrefix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private final AtomicLong ids = new AtomicLong();

  public LlmClient(Vertx vertx, LlmConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.url = config.completionsUrl();
    this.endpoint = endpointOf(config.baseUrl());
    // keep-alive 4 s: servers such as uvicorn (vLLM) close idle connections after 5 s, and a request sent on a
    // connection the server is closing fails; a fresh connection costs little next to an LLM answer
    this.client = WebClient.create(vertx, new WebClientOptions()
            .setConnectTimeout(config.connectTimeoutMs()).setKeepAlive(true).setKeepAliveTimeout(4)
            .setFollowRedirects(false).setDecompressionSupported(true).setUserAgent("whatsapp-crm"),
        new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    if (config.configured()) {
      log.info("LLM client: {}", config);
    } else {
      log.info("LLM client off: {}", config.notConfiguredReason().orElse(""));
    }
  }

  /** From a deployment configuration (the AI_* keys); invalid values throw {@code InvalidConfigException}. */
  public static LlmClient create(Vertx vertx, JsonObject config) {
    return new LlmClient(vertx, LlmConfig.fromJson(config));
  }

  public LlmConfig config() {
    return config;
  }

  /** Whether calls can be made; when not, {@link #complete} fails with {@link Kind#NOT_CONFIGURED}. */
  public boolean configured() {
    return config.configured();
  }

  /** Why the assistant is off, or empty when it is configured. */
  public Optional<String> notConfiguredReason() {
    return config.notConfiguredReason();
  }

  /**
   * One chat completion.
   *
   * @param messages the conversation in OpenAI's format ({@code system}, {@code user}, {@code assistant} with
   *     {@code tool_calls}, {@code tool} with {@code tool_call_id}); append {@link ChatResult#assistantMessage()} and
   *     one {@code tool} message per tool call to continue after tool calls
   * @param tools OpenAI's {@code [{type:"function", function:{name, description, parameters}}]}, or null / empty
   * @return the normalised answer, or a failed future with an {@link LlmException}
   */
  public Future<ChatResult> complete(List<JsonObject> messages, JsonArray tools) {
    Optional<String> reason = config.notConfiguredReason();
    if (reason.isPresent()) return Future.failedFuture(new LlmException(Kind.NOT_CONFIGURED, reason.get()));
    if (messages == null || messages.isEmpty() || messages.stream().anyMatch(Objects::isNull)) {
      return Future.failedFuture(new LlmException(Kind.BAD_REQUEST, "no messages to send (or a null one)"));
    }
    JsonObject body = new JsonObject()
        .put("model", config.requestModel())
        .put("messages", new JsonArray(new ArrayList<Object>(messages)))
        .put("max_tokens", config.maxTokens())
        .put("temperature", config.temperature())
        .put("stream", false);
    int toolCount = tools == null ? 0 : tools.size();
    if (toolCount > 0) body.put("tools", tools).put("tool_choice", "auto");
    Call call = new Call(body.toBuffer(), messages.size(), toolCount, System.nanoTime());
    return attempt(call, 1);
  }

  /** Closes the HTTP client (the Vert.x that made it closes it too). */
  public void close() {
    client.close();
  }

  private record Call(Buffer payload, int messages, int tools, long startNanos) {
    long elapsedMs() {
      return (System.nanoTime() - startNanos) / 1_000_000;
    }
  }

  /** The per-attempt deadline passed (the HTTP client's own idle timeout may say so first). */
  private static final class AnswerTimeout extends RuntimeException {
    AnswerTimeout(long ms) {
      super("no answer within " + ms + " ms", null, false, false);
    }
  }

  /** A failed attempt: the failure, and whether to retry it (and after how long, if the server said). */
  private record Failed(LlmException error, boolean retry, Long retryAfterMs) {}

  private Future<ChatResult> attempt(Call call, int n) {
    HttpRequest<Buffer> request = client.postAbs(url).as(new CappedBody(MAX_BODY_BYTES))
        .connectTimeout(config.connectTimeoutMs()).idleTimeout(config.timeoutMs())
        .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json");
    if (!config.apiKey().isEmpty()) {
      if (config.azure()) {
        request.putHeader("api-key", config.apiKey());
      } else {
        request.putHeader("Authorization", "Bearer " + config.apiKey());
      }
    }
    Promise<HttpResponse<Buffer>> answered = Promise.promise();
    long timer = vertx.setTimer(config.timeoutMs(), id -> answered.tryFail(new AnswerTimeout(config.timeoutMs())));
    request.sendBuffer(call.payload()).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        answered.tryComplete(ar.result());
      } else {
        answered.tryFail(ar.cause());
      }
    });
    return answered.future().transform(ar -> {
      Failed failed;
      if (ar.failed()) {
        failed = network(ar.cause());
      } else if (ar.result().statusCode() / 100 == 2) {
        try {
          ChatResult result = ChatResponses.parse(ar.result().body(), this::newId).toResult(call.elapsedMs(), n);
          if (log.isDebugEnabled()) {
            log.debug("LLM {} answered in {} ms ({} attempt(s)): finish {}, {} tool call(s), tokens {}/{}; sent {} "
                    + "messages, {} tools, {} bytes", config.requestModel(), result.latencyMs(), n, result.finishReason(),
                result.toolCalls().size(), result.usage().promptTokens(), result.usage().completionTokens(),
                call.messages(), call.tools(), call.payload().length());
          }
          return Future.succeededFuture(result);
        } catch (LlmException e) {
          failed = new Failed(e, false, null);
        }
      } else {
        failed = status(ar.result());
      }
      if (failed.retry() && n <= config.maxRetries()) {
        long delay = failed.retryAfterMs() != null ? Math.min(failed.retryAfterMs(), MAX_RETRY_AFTER_MS) : backoff(n);
        log.debug("LLM {} attempt {} failed ({} {}), retrying in {} ms", config.requestModel(), n,
            failed.error().kind(), failed.error().httpStatus(), delay);
        Promise<ChatResult> later = Promise.promise();
        vertx.setTimer(Math.max(1, delay), id -> attempt(call, n + 1).onComplete(later));
        return later.future();
      }
      LlmException error = failed.error().afterAttempts(n);
      log.warn("LLM {} call failed after {} attempt(s), {} ms ({} messages, {} tools, {} bytes sent): {}",
          config.requestModel(), n, call.elapsedMs(), call.messages(), call.tools(), call.payload().length(), error);
      return Future.failedFuture(error);
    });
  }

  /** No (usable) HTTP answer: a connection or timeout problem, retried; or an answer too large to read, not. */
  private Failed network(Throwable cause) {
    if (cause instanceof CappedBody.TooLarge) {
      return new Failed(new LlmException(Kind.BAD_RESPONSE, cause.getMessage()), false, null);
    }
    String what;
    if (cause instanceof AnswerTimeout) {
      what = endpoint + " sent " + cause.getMessage();
    } else if (cause instanceof ConnectException) { // refused, unreachable, connect timeout (netty's is one too)
      what = "could not connect to " + endpoint + ": " + cause.getMessage();
    } else if (cause instanceof java.util.concurrent.TimeoutException) {
      what = "timed out talking to " + endpoint + ": " + cause.getMessage();
    } else {
      what = "no answer from " + endpoint + ": " + cause.getClass().getSimpleName() + " " + cause.getMessage();
    }
    return new Failed(new LlmException(Kind.TIMEOUT, what, 0, 0, cause), true, null);
  }

  /** A non-2xx answer. */
  private static Failed status(HttpResponse<Buffer> res) {
    int status = res.statusCode();
    JsonObject json = jsonOf(res.body());
    String message = json != null ? errorMessage(json) : null;
    if (message == null) message = ChatResponses.snippet(res.body()).replaceFirst("^: ", "").strip();
    message = ChatResponses.shorten(message);
    if (status == 429) {
      // an exhausted quota answers 429 too, and waiting does not help it
      boolean quota = json != null && json.getValue("error") instanceof JsonObject e && "insufficient_quota".equals(e.getValue("code"));
      return new Failed(new LlmException(Kind.RATE_LIMITED, "rate limited (429): " + message, status, 0, null), !quota,
          retryAfterMs(res.headers()));
    }
    if (status == 401 || status == 403) {
      return new Failed(new LlmException(Kind.AUTH, "the key was refused (" + status + "): " + message, status, 0, null), false, null);
    }
    if (status >= 500) {
      return new Failed(new LlmException(Kind.SERVER, "server error " + status + ": " + message, status, 0, null), true,
          retryAfterMs(res.headers()));
    }
    if (status >= 400) {
      return new Failed(new LlmException(Kind.BAD_REQUEST, "request refused (" + status + "): " + message, status, 0, null), false, null);
    }
    return new Failed(new LlmException(Kind.BAD_RESPONSE, "unexpected status " + status, status, 0, null), false, null);
  }

  /**
   * The error's text in the shapes servers use: OpenAI/Azure/vLLM/llama.cpp {@code {error:{message}}}, Ollama
   * {@code {error:"..."}}, vLLM's older {@code {object:"error", message}}, FastAPI's {@code {detail}}; null if none.
   */
  static String errorMessage(JsonObject json) {
    Object error = json.getValue("error");
    if (error instanceof String s && !s.isBlank()) return s;
    if (error instanceof JsonObject e) {
      if (e.getValue("message") instanceof String s && !s.isBlank()) return s;
      return e.encode();
    }
    if (json.getValue("message") instanceof String s && !s.isBlank()) return s;
    Object detail = json.getValue("detail");
    if (detail instanceof String s && !s.isBlank()) return s;
    if (detail != null) return io.vertx.core.json.Json.encode(detail);
    return null;
  }

  private static JsonObject jsonOf(Buffer body) {
    try {
      return body == null || body.length() == 0 ? null : body.toJsonObject();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** {@code retry-after-ms} (OpenAI, Azure), else {@code Retry-After} in seconds or as an HTTP date; null if neither. */
  static Long retryAfterMs(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double v = Double.parseDouble(ms.trim());
        if (v >= 0 && v < 1e12) return (long) v;
      } catch (NumberFormatException ignored) {
        // try Retry-After
      }
    }
    String after = headers.get("Retry-After");
    if (after == null || after.isBlank()) return null;
    try {
      double seconds = Double.parseDouble(after.trim());
      return seconds >= 0 && seconds < 1e9 ? (long) (seconds * 1000) : null;
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (RuntimeException notADate) {
        return null;
      }
    }
  }

  /** base * 2^(attempt-1), with +-50 % jitter, at most {@link #MAX_BACKOFF_MS}. */
  private long backoff(int attempt) {
    double exp = config.retryBaseMs() * Math.pow(2, attempt - 1);
    double jitter = 0.5 + ThreadLocalRandom.current().nextDouble();
    return (long) Math.min(MAX_BACKOFF_MS, exp * jitter);
  }

  /** An id for a tool call that came without one: unique in this process, unlikely to clash with a server's. */
  private String newId() {
    return "call_" + idPrefix + "_" + ids.incrementAndGet();
  }

  /** scheme://host:port of the base URL, for messages (no path: Azure's names the deployment, harmless but long). */
  private static String endpointOf(String baseUrl) {
    if (baseUrl.isEmpty()) return "the LLM server";
    try {
      URI uri = URI.create(baseUrl);
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    } catch (RuntimeException e) {
      return "the LLM server";
    }
  }
}
