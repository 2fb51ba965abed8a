package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import crm.assistant.LlmException.Kind;
import crm.support.FakeLlm;
import crm.support.FakeLlm.Reply;
import crm.support.FakeLlm.Request;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * {@link LlmClient} against {@link FakeLlm} over real HTTP: the answer shapes different servers send, the request we
 * send (OpenAI and Azure), retries and their limits, and every failure kind.
 */
class LlmClientTest {
  static Vertx vertx;
  static FakeLlm fake;
  final List<LlmClient> clients = new ArrayList<>();

  static final JsonObject ORDER_ARGS = new JsonObject().put("orderId", "ORD-2026-00456").put("includeItems", true);
  static final JsonArray TOOLS = new JsonArray()
      .add(tool("get_order_status", "The status of an order", new JsonObject().put("type", "object")
          .put("properties", new JsonObject().put("orderId", new JsonObject().put("type", "string")))
          .put("required", new JsonArray().add("orderId"))))
      .add(tool("handoff_to_agent", "Pass the conversation to a human", new JsonObject().put("type", "object")
          .put("properties", new JsonObject())));

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    fake = FakeLlm.start(vertx);
  }

  @AfterAll
  static void stop() {
    fake.close();
    vertx.close().await();
  }

  @BeforeEach
  @AfterEach
  void resetFake() {
    fake.reset();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(LlmClient::close);
  }

  // ---- helpers

  static JsonObject tool(String name, String description, JsonObject parameters) {
    return new JsonObject().put("type", "function").put("function", new JsonObject().put("name", name)
        .put("description", description).put("parameters", parameters));
  }

  /** Fast retries unless a test says otherwise. */
  LlmClient client(JsonObject overrides) {
    JsonObject cfg = fake.config().put("AI_RETRY_BASE_MS", 1).mergeIn(overrides);
    LlmClient client = LlmClient.create(vertx, cfg);
    clients.add(client);
    return client;
  }

  LlmClient client() {
    return client(new JsonObject());
  }

  static List<JsonObject> conversation() {
    return new ArrayList<>(List.of(
        new JsonObject().put("role", "system").put("content", "You are the support assistant of a shop."),
        new JsonObject().put("role", "user").put("content", "Where is my order ORD-2026-00456?")));
  }

  static ChatResult ok(Future<ChatResult> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected an answer, got " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static LlmException failure(Future<ChatResult> future) {
    try {
      ChatResult r = future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return fail("expected a failure, got " + r);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(LlmException.class);
      return (LlmException) e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  ChatResult answer(Reply reply) {
    fake.enqueue(reply);
    return ok(client().complete(conversation(), TOOLS));
  }

  static JsonObject assistant(Object content) {
    return new JsonObject().put("role", "assistant").put("content", content);
  }

  static JsonObject rawCall(Object id, String name, Object arguments) {
    JsonObject call = new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments));
    if (id != null) call.put("id", id);
    return call;
  }

  /** The arguments of the assistant message's i-th tool call: a JSON string, as OpenAI requires. */
  static JsonObject sentArguments(ChatResult r, int i) {
    Object args = r.assistantMessage().getJsonArray("tool_calls").getJsonObject(i).getJsonObject("function").getValue("arguments");
    assertThat(args).as("arguments in the assistant message are a JSON string").isInstanceOf(String.class);
    return new JsonObject((String) args);
  }

  // ---- answer shapes

  @Test
  void text_answer_with_usage() {
    ChatResult r = answer(Reply.text("Your order ships tomorrow.").usage(42, 7));
    assertThat(r.content()).isEqualTo("Your order ships tomorrow.");
    assertThat(r.toolCalls()).isEmpty();
    assertThat(r.hasToolCalls()).isFalse();
    assertThat(r.finishReason()).isEqualTo("stop");
    assertThat(r.usage()).isEqualTo(new ChatResult.Usage(42, 7, 49));
    assertThat(r.model()).isEqualTo(FakeLlm.MODEL);
    assertThat(r.attempts()).isEqualTo(1);
    assertThat(r.latencyMs()).isGreaterThanOrEqualTo(0);
    assertThat(r.assistantMessage()).isEqualTo(assistant("Your order ships tomorrow."));
  }

  @Test
  void tool_call_with_arguments_as_a_json_string() {
    JsonObject call = FakeLlm.call("get_order_status", ORDER_ARGS);
    ChatResult r = answer(Reply.toolCalls(call));
    assertThat(r.content()).isNull();
    assertThat(r.finishReason()).isEqualTo("tool_calls");
    assertThat(r.toolCalls()).singleElement().satisfies(tc -> {
      assertThat(tc.id()).isEqualTo(call.getString("id"));
      assertThat(tc.name()).isEqualTo("get_order_status");
      assertThat(tc.arguments()).isEqualTo(ORDER_ARGS);
      assertThat(tc.rawArguments()).isEqualTo(ORDER_ARGS.encode());
      assertThat(tc.argumentsError()).isNull();
      assertThat(tc.valid()).isTrue();
    });
    JsonObject sent = r.assistantMessage().getJsonArray("tool_calls").getJsonObject(0);
    assertThat(sent.getString("id")).isEqualTo(call.getString("id"));
    assertThat(sent.getString("type")).isEqualTo("function");
    assertThat(sent.getJsonObject("function").getString("name")).isEqualTo("get_order_status");
    assertThat(sentArguments(r, 0)).isEqualTo(ORDER_ARGS);
    assertThat(r.assistantMessage().getString("role")).isEqualTo("assistant");
    assertThat(r.assistantMessage().containsKey("content")).isTrue();
  }

  @Test
  void tool_call_with_arguments_as_a_json_object() { // Ollama's native shape, some llama.cpp versions
    ChatResult r = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(rawCall("call_obj", "get_order_status", ORDER_ARGS.copy()))), "tool_calls"));
    ToolCall tc = r.toolCalls().get(0);
    assertThat(tc.arguments()).isEqualTo(ORDER_ARGS);
    assertThat(tc.argumentsError()).isNull();
    assertThat(new JsonObject(tc.rawArguments())).isEqualTo(ORDER_ARGS);
    assertThat(sentArguments(r, 0)).isEqualTo(ORDER_ARGS);
  }

  @Test
  void tool_call_with_arguments_that_are_not_json_gives_empty_arguments_and_the_reason() {
    String broken = "{\"orderId\": \"ORD-2026-00456\", \"includeItems\": tru";
    ChatResult r = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(rawCall("call_bad", "get_order_status", broken))), "tool_calls"));
    ToolCall tc = r.toolCalls().get(0);
    assertThat(tc.id()).isEqualTo("call_bad");
    assertThat(tc.name()).isEqualTo("get_order_status");
    assertThat(tc.arguments()).isEqualTo(new JsonObject());
    assertThat(tc.rawArguments()).isEqualTo(broken);
    assertThat(tc.argumentsError()).startsWith("arguments are not valid JSON");
    assertThat(tc.valid()).isFalse();
    assertThat(sentArguments(r, 0)).as("the history gets valid JSON, which every server accepts back").isEqualTo(new JsonObject());
  }

  @Test
  void tool_call_with_arguments_that_are_json_but_not_an_object_is_an_arguments_error() {
    ChatResult r = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(rawCall("c1", "get_order_status", "[1,2]"))
        .add(rawCall("c2", "handoff_to_agent", ""))
        .add(rawCall("c3", "get_order_status", "\"" + ORDER_ARGS.encode().replace("\"", "\\\"") + "\""))), "tool_calls"));
    assertThat(r.toolCalls().get(0).argumentsError()).startsWith("arguments are not a JSON object");
    assertThat(r.toolCalls().get(1).arguments()).as("empty arguments mean none").isEqualTo(new JsonObject());
    assertThat(r.toolCalls().get(1).argumentsError()).isNull();
    assertThat(r.toolCalls().get(2).arguments()).as("arguments encoded twice").isEqualTo(ORDER_ARGS);
  }

  @Test
  void tool_calls_without_ids_get_unique_ids_used_in_the_assistant_message() {
    ChatResult r = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(rawCall(null, "get_order_status", ORDER_ARGS.encode()))
        .add(rawCall("", "handoff_to_agent", "{}"))
        .add(rawCall("dup", "handoff_to_agent", "{}"))
        .add(rawCall("dup", "handoff_to_agent", "{}"))), "tool_calls"));
    List<String> ids = r.toolCalls().stream().map(ToolCall::id).toList();
    assertThat(ids.get(0)).startsWith("call_");
    assertThat(ids.get(1)).startsWith("call_");
    assertThat(ids.get(2)).isEqualTo("dup");
    assertThat(ids).doesNotHaveDuplicates().doesNotContainNull();
    JsonArray sent = r.assistantMessage().getJsonArray("tool_calls");
    for (int i = 0; i < ids.size(); i++) assertThat(sent.getJsonObject(i).getString("id")).isEqualTo(ids.get(i));

    ChatResult again = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(rawCall(null, "handoff_to_agent", "{}"))), "tool_calls"));
    assertThat(again.toolCalls().get(0).id()).as("unique across answers too").isNotIn(ids);
  }

  @ParameterizedTest(name = "finish_reason {0}")
  @NullSource
  @ValueSource(strings = {"stop", "tool_calls", "function_call"})
  void tool_calls_count_whatever_the_finish_reason(String finishReason) {
    ChatResult r = answer(Reply.message(assistant(null).put("tool_calls", new JsonArray()
        .add(FakeLlm.call("get_order_status", ORDER_ARGS))), finishReason));
    assertThat(r.finishReason()).isEqualTo(finishReason);
    assertThat(r.hasToolCalls()).isTrue();
    assertThat(r.toolCalls().get(0).arguments()).isEqualTo(ORDER_ARGS);
  }

  @Test
  void content_beside_tool_calls_is_kept() {
    ChatResult r = answer(Reply.message(assistant("Let me look that up.").put("tool_calls", new JsonArray()
        .add(FakeLlm.call("get_order_status", ORDER_ARGS))), "tool_calls"));
    assertThat(r.content()).isEqualTo("Let me look that up.");
    assertThat(r.toolCalls()).hasSize(1);
    assertThat(r.assistantMessage().getString("content")).isEqualTo("Let me look that up.");
    assertThat(r.assistantMessage().getJsonArray("tool_calls")).hasSize(1);
  }

  @Test
  void several_tool_calls_in_one_answer_keep_their_order() {
    JsonObject a = FakeLlm.call("get_order_status", ORDER_ARGS);
    JsonObject b = FakeLlm.call("get_order_status", new JsonObject().put("orderId", "ORD-2026-00457"));
    JsonObject c = FakeLlm.call("handoff_to_agent", new JsonObject());
    ChatResult r = answer(Reply.toolCalls(a, b, c));
    assertThat(r.toolCalls()).extracting(ToolCall::id).containsExactly(a.getString("id"), b.getString("id"), c.getString("id"));
    assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_order_status", "get_order_status", "handoff_to_agent");
    assertThat(r.toolCalls().get(1).arguments().getString("orderId")).isEqualTo("ORD-2026-00457");
    assertThat(r.assistantMessage().getJsonArray("tool_calls")).hasSize(3);
    assertThat(sentArguments(r, 2)).isEqualTo(new JsonObject());
  }

  @Test
  void legacy_function_call_becomes_a_tool_call_with_an_id() {
    ChatResult r = answer(Reply.message(assistant(null).put("function_call", new JsonObject()
        .put("name", "get_order_status").put("arguments", ORDER_ARGS.encode())), "function_call"));
    ToolCall tc = r.toolCalls().get(0);
    assertThat(tc.id()).startsWith("call_");
    assertThat(tc.name()).isEqualTo("get_order_status");
    assertThat(tc.arguments()).isEqualTo(ORDER_ARGS);
    assertThat(r.assistantMessage().getJsonArray("tool_calls").getJsonObject(0).getString("id")).isEqualTo(tc.id());
    assertThat(r.assistantMessage().containsKey("function_call")).isFalse();
  }

  @Test
  void content_as_text_parts_is_joined() {
    ChatResult r = answer(Reply.message(assistant(new JsonArray()
        .add(new JsonObject().put("type", "text").put("text", "Your order "))
        .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "http://x")))
        .add(new JsonObject().put("type", "text").put("text", "ships tomorrow."))), "stop"));
    assertThat(r.content()).isEqualTo("Your order ships tomorrow.");
    assertThat(r.assistantMessage().getValue("content")).isEqualTo("Your order ships tomorrow.");
  }

  @Test
  void missing_usage_gives_null_counts() {
    ChatResult r = answer(Reply.text("ok").noUsage());
    assertThat(r.content()).isEqualTo("ok");
    assertThat(r.usage()).isEqualTo(ChatResult.Usage.NONE);
    assertThat(r.usage().totalTokens()).isNull();
  }

  @Test
  void a_conversation_continues_after_tool_results_with_the_ids_we_assigned() {
    // the fake refuses (400, as OpenAI does) a tool result whose id no preceding tool call has
    fake.respondWith(req -> "tool".equals(req.lastRole())
        ? Reply.text("Your order " + req.messages().stream().filter(m -> "tool".equals(m.getString("role")))
            .map(m -> new JsonObject(m.getString("content"))).filter(c -> c.containsKey("status"))
            .map(c -> c.getString("status")).findFirst().orElse("?") + ".")
        : Reply.message(assistant(null).put("tool_calls", new JsonArray()
            .add(rawCall(null, "get_order_status", ORDER_ARGS.encode()))
            .add(rawCall(null, "get_order_status", "{not json"))), null));
    LlmClient client = client();
    List<JsonObject> history = conversation();
    ChatResult first = ok(client.complete(history, TOOLS));
    assertThat(first.toolCalls()).hasSize(2);
    history.add(first.assistantMessage());
    for (ToolCall call : first.toolCalls()) {
      JsonObject result = call.valid() ? new JsonObject().put("status", "ships tomorrow")
          : new JsonObject().put("error", call.argumentsError());
      history.add(new JsonObject().put("role", "tool").put("tool_call_id", call.id()).put("content", result.encode()));
    }
    ChatResult second = ok(client.complete(history, TOOLS));
    assertThat(second.content()).isEqualTo("Your order ships tomorrow.");
    assertThat(second.hasToolCalls()).isFalse();
    assertThat(fake.requests()).hasSize(2);
    assertThat(fake.lastRequest().messages()).hasSize(5);
  }

  // ---- the request

  @Test
  void request_carries_model_messages_tools_tool_choice_limits_and_the_bearer_key() {
    fake.enqueue(Reply.text("ok"));
    List<JsonObject> messages = conversation();
    ok(client(new JsonObject().put("AI_MAX_TOKENS", 123).put("AI_TEMPERATURE", "0.7")).complete(messages, TOOLS));
    Request req = fake.lastRequest();
    assertThat(req.method()).isEqualTo("POST");
    assertThat(req.path()).isEqualTo("/v1/chat/completions");
    assertThat(req.query()).isNull();
    assertThat(req.header("Authorization")).isEqualTo("Bearer " + FakeLlm.API_KEY);
    assertThat(req.header("api-key")).isNull();
    assertThat(req.header("Content-Type")).startsWith("application/json");
    JsonObject body = req.json();
    assertThat(body.getString("model")).isEqualTo(FakeLlm.MODEL);
    assertThat(body.getJsonArray("messages")).isEqualTo(new JsonArray(new ArrayList<Object>(messages)));
    assertThat(body.getJsonArray("tools")).isEqualTo(TOOLS);
    assertThat(body.getString("tool_choice")).isEqualTo("auto");
    assertThat(body.getInteger("max_tokens")).isEqualTo(123);
    assertThat(body.getDouble("temperature")).isEqualTo(0.7);
    assertThat(body.getBoolean("stream")).isFalse();
  }

  @Test
  void request_without_tools_has_no_tools_nor_tool_choice() {
    fake.enqueue(Reply.text("ok"), Reply.text("ok"));
    ok(client().complete(conversation(), null));
    ok(client().complete(conversation(), new JsonArray()));
    for (Request req : fake.requests()) {
      assertThat(req.json().fieldNames()).doesNotContain("tools", "tool_choice");
      assertThat(req.json().getInteger("max_tokens")).isEqualTo(500);
      assertThat(req.json().getDouble("temperature")).isEqualTo(0.3);
    }
  }

  @Test
  void without_a_key_no_authorization_header_is_sent() { // Ollama, llama.cpp, LM Studio
    try (FakeLlm local = FakeLlm.start(vertx, null)) {
      LlmClient client = LlmClient.create(vertx, local.config());
      clients.add(client);
      assertThat(ok(client.complete(conversation(), null)).content()).isEqualTo(FakeLlm.DEFAULT_TEXT);
      assertThat(local.lastRequest().header("Authorization")).isNull();
      assertThat(local.lastRequest().header("api-key")).isNull();
    }
  }

  @Test
  void azure_gets_the_api_key_header_and_the_api_version() {
    fake.enqueue(Reply.toolCall("get_order_status", ORDER_ARGS));
    LlmClient client = LlmClient.create(vertx, fake.azureConfig());
    clients.add(client);
    assertThat(client.config().azure()).isTrue();
    ChatResult r = ok(client.complete(conversation(), TOOLS));
    assertThat(r.toolCalls().get(0).arguments()).isEqualTo(ORDER_ARGS);
    Request req = fake.lastRequest();
    assertThat(req.path()).isEqualTo("/openai/deployments/" + FakeLlm.DEPLOYMENT + "/chat/completions");
    assertThat(req.param("api-version")).isEqualTo("2024-06-01");
    assertThat(req.header("api-key")).isEqualTo(FakeLlm.API_KEY);
    assertThat(req.header("Authorization")).isNull();
    assertThat(req.json().getString("model")).as("the deployment, AI_MODEL being unset").isEqualTo(FakeLlm.DEPLOYMENT);
    assertThat(req.json().getString("tool_choice")).isEqualTo("auto");
  }

  @Test
  void azure_by_provider_setting_with_its_own_api_version() {
    fake.enqueue(Reply.text("ok"));
    LlmClient client = LlmClient.create(vertx, fake.azureConfig().put("AI_PROVIDER", "azure")
        .put("AI_API_VERSION", "2024-10-21").put("AI_MODEL", "gpt-4o"));
    clients.add(client);
    ok(client.complete(conversation(), null));
    assertThat(fake.lastRequest().param("api-version")).isEqualTo("2024-10-21");
    assertThat(fake.lastRequest().json().getString("model")).isEqualTo("gpt-4o");
  }

  // ---- retries

  @Test
  void rate_limited_with_retry_after_waits_that_long_then_succeeds() {
    fake.enqueue(Reply.error(429, "Rate limit reached for requests").retryAfter("1"), Reply.text("ok"));
    ChatResult r = ok(client().complete(conversation(), TOOLS)); // AI_RETRY_BASE_MS 1: only Retry-After makes it wait
    assertThat(r.content()).isEqualTo("ok");
    assertThat(r.attempts()).isEqualTo(2);
    List<Request> reqs = fake.requests();
    assertThat(reqs).hasSize(2);
    assertThat((reqs.get(1).receivedNanos() - reqs.get(0).receivedNanos()) / 1_000_000)
        .as("the retry waited for Retry-After: 1").isGreaterThanOrEqualTo(900);
    assertThat(reqs.get(1).body()).isEqualTo(reqs.get(0).body());
  }

  @Test
  void server_errors_are_retried_until_success() {
    fake.enqueue(Reply.error(500, "The server had an error"), Reply.raw(502, "<html>Bad Gateway</html>", "text/html"),
        Reply.text("ok"));
    ChatResult r = ok(client().complete(conversation(), TOOLS));
    assertThat(r.content()).isEqualTo("ok");
    assertThat(r.attempts()).isEqualTo(3);
    assertThat(fake.requests()).hasSize(3);
  }

  @Test
  void server_errors_beyond_the_retries_fail_as_SERVER() {
    fake.respondWith(req -> Reply.error(503, "The engine is currently overloaded, please try again later"));
    LlmException e = failure(client().complete(conversation(), TOOLS));
    assertThat(e.kind()).isEqualTo(Kind.SERVER);
    assertThat(e.httpStatus()).isEqualTo(503);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(e.getMessage()).contains("currently overloaded");
    assertThat(fake.requests()).hasSize(3);
  }

  @Test
  void rate_limited_beyond_the_retries_fails_as_RATE_LIMITED() {
    fake.respondWith(req -> Reply.error(429, "Rate limit reached").retryAfter("0"));
    LlmException e = failure(client(new JsonObject().put("AI_MAX_RETRIES", 1)).complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(fake.requests()).hasSize(2);
  }

  @Test
  void an_exhausted_quota_is_not_retried() {
    fake.enqueue(Reply.status(429, FakeLlm.errorBody("You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota", null, "insufficient_quota")));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(e.getMessage()).contains("exceeded your current quota");
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void a_wrong_key_fails_as_AUTH_without_retry() {
    LlmException e = failure(client(new JsonObject().put("AI_API_KEY", "sk-wrong-key-123456")).complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.AUTH);
    assertThat(e.httpStatus()).isEqualTo(401);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.getMessage()).contains("Incorrect API key");
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void forbidden_is_AUTH_too() {
    fake.enqueue(Reply.error(403, "Country, region, or territory not supported"));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.AUTH);
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void a_bad_request_fails_with_the_servers_message_without_retry() {
    fake.enqueue(Reply.status(400, FakeLlm.errorBody("This model's maximum context length is 8192 tokens. However, your "
        + "messages resulted in 9000 tokens.", "invalid_request_error", "messages", "context_length_exceeded")));
    LlmException e = failure(client().complete(conversation(), TOOLS));
    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.getMessage()).contains("maximum context length is 8192 tokens");
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(fake.requests()).hasSize(1);
  }

  static Stream<Arguments> errorShapes() {
    return Stream.of(
        Arguments.of(404, new JsonObject().put("error", "model \"llama9\" not found, try pulling it first"), "llama9"), // Ollama
        Arguments.of(400, new JsonObject().put("object", "error").put("message", "max_tokens is too large")
            .put("type", "BadRequestError").put("code", 400), "max_tokens is too large"), // vLLM
        Arguments.of(422, new JsonObject().put("detail", "Field required: messages"), "Field required")); // FastAPI
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("errorShapes")
  void the_servers_message_is_found_in_each_servers_error_shape(int status, JsonObject body, String expected) {
    fake.enqueue(Reply.status(status, body));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
    assertThat(e.httpStatus()).isEqualTo(status);
    assertThat(e.getMessage()).contains(expected);
  }

  // ---- no answer

  @Test
  void a_server_slower_than_the_timeout_fails_as_TIMEOUT_after_the_retries() {
    fake.respondWith(req -> Reply.text("too late").delay(5_000));
    LlmException e = failure(client(new JsonObject().put("AI_TIMEOUT_MS", 200).put("AI_MAX_RETRIES", 1))
        .complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(e.httpStatus()).isZero();
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(fake.requests()).hasSize(2);
  }

  @Test
  void a_timeout_then_an_answer_succeeds() {
    fake.enqueue(Reply.text("too late").delay(5_000), Reply.text("in time"));
    ChatResult r = ok(client(new JsonObject().put("AI_TIMEOUT_MS", 200)).complete(conversation(), null));
    assertThat(r.content()).isEqualTo("in time");
    assertThat(r.attempts()).isEqualTo(2);
  }

  @Test
  void a_dropped_connection_is_retried() {
    fake.enqueue(Reply.drop(), Reply.text("ok"));
    ChatResult r = ok(client().complete(conversation(), null));
    assertThat(r.content()).isEqualTo("ok");
    assertThat(r.attempts()).isEqualTo(2);
  }

  @Test
  void connection_refused_fails_as_TIMEOUT_after_the_retries() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    LlmException e = failure(client(new JsonObject().put("AI_BASE_URL", "http://127.0.0.1:" + closedPort + "/v1"))
        .complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(e.getMessage()).contains("could not connect to http://127.0.0.1:" + closedPort);
    assertThat(e.attempts()).isEqualTo(3);
  }

  // ---- unusable answers

  @Test
  void a_body_that_is_not_json_is_BAD_RESPONSE_without_retry() {
    fake.enqueue(Reply.raw(200, "<html><body>Welcome to nginx!</body></html>", "text/html"));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("not JSON").contains("Welcome to nginx");
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(fake.requests()).hasSize(1);
  }

  static Stream<Arguments> unusable() {
    JsonObject envelope = new JsonObject().put("id", "chatcmpl-1").put("object", "chat.completion").put("model", "m");
    return Stream.of(
        Arguments.of("no choices", envelope.copy()),
        Arguments.of("empty choices", envelope.copy().put("choices", new JsonArray())),
        Arguments.of("a choice without message", envelope.copy().put("choices", new JsonArray()
            .add(new JsonObject().put("index", 0).put("finish_reason", "stop")))),
        Arguments.of("an empty message", envelope.copy().put("choices", new JsonArray()
            .add(new JsonObject().put("index", 0).put("message", assistant("")).put("finish_reason", "length")))),
        Arguments.of("an error with status 200", new JsonObject().put("error", new JsonObject().put("message", "boom"))),
        Arguments.of("a JSON array", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unusable")
  void an_unusable_answer_is_BAD_RESPONSE(String what, JsonObject body) {
    fake.enqueue(body == null ? Reply.raw(200, "[1,2,3]", "application/json") : Reply.json(body));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(fake.requests()).hasSize(1);
  }

  @Test
  void an_answer_larger_than_the_cap_is_BAD_RESPONSE() {
    fake.enqueue(Reply.text("x".repeat(LlmClient.MAX_BODY_BYTES + 1)));
    LlmException e = failure(client().complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.BAD_RESPONSE);
    assertThat(e.getMessage()).contains("larger than");
  }

  // ---- configuration

  @Test
  void not_configured_fails_at_once_with_the_reason() {
    LlmClient noUrl = client(new JsonObject().put("AI_BASE_URL", ""));
    assertThat(noUrl.configured()).isFalse();
    LlmException e = failure(noUrl.complete(conversation(), null));
    assertThat(e.kind()).isEqualTo(Kind.NOT_CONFIGURED);
    assertThat(e.getMessage()).isEqualTo("AI_BASE_URL is not set");
    assertThat(e.attempts()).isZero();

    LlmClient noModel = client(new JsonObject().put("AI_MODEL", " "));
    assertThat(noModel.notConfiguredReason()).contains("AI_MODEL is not set");
    assertThat(failure(noModel.complete(conversation(), null)).getMessage()).isEqualTo("AI_MODEL is not set");
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void no_messages_is_refused_before_sending() {
    LlmException e = failure(client().complete(List.of(), null));
    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
    assertThat(fake.requests()).isEmpty();
  }

  // ---- Retry-After

  @Test
  void retry_after_is_read_in_milliseconds_seconds_or_as_a_date() {
    assertThat(LlmClient.retryAfterMs(headers("retry-after-ms", "250", "Retry-After", "9"))).isEqualTo(250L);
    assertThat(LlmClient.retryAfterMs(headers("Retry-After", "2"))).isEqualTo(2_000L);
    assertThat(LlmClient.retryAfterMs(headers("Retry-After", "0.5"))).isEqualTo(500L);
    String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(10));
    assertThat(LlmClient.retryAfterMs(headers("Retry-After", inTenSeconds))).isBetween(8_000L, 10_000L);
    assertThat(LlmClient.retryAfterMs(headers("Retry-After", "soon"))).isNull();
    assertThat(LlmClient.retryAfterMs(headers())).isNull();
  }

  private static MultiMap headers(String... kv) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < kv.length; i += 2) m.add(kv[i], kv[i + 1]);
    return m;
  }

  // ---- logs

  @Test
  void logs_name_the_model_and_sizes_never_the_key_nor_the_conversation() {
    Logger logger = (Logger) LoggerFactory.getLogger(LlmClient.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Level level = logger.getLevel();
    boolean additive = logger.isAdditive();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
    try {
      fake.enqueue(Reply.error(500, "oops"), Reply.text("Your order ships tomorrow."), Reply.error(400, "bad"));
      LlmClient client = client();
      ok(client.complete(conversation(), TOOLS));
      failure(client.complete(conversation(), TOOLS));
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(level);
      logger.setAdditive(additive);
    }
    List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines).anySatisfy(l -> assertThat(l).contains(FakeLlm.MODEL).contains("answered"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("failed after 1 attempt(s)"));
    assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain(FakeLlm.API_KEY)
        .doesNotContain("Where is my order").doesNotContain("support assistant of a shop").doesNotContain("ships tomorrow"));
  }
}
