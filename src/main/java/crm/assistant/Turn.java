package crm.assistant;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn: everything the customer wrote since the last answer, answered once. Reads the conversation (the last
 * messages, the customer), builds the prompt, calls the model, runs the functions it asks for and gives it their
 * results, up to the bounds; then sends the answer through the WhatsApp sender as the assistant. A model that fails,
 * a bound that is reached, or a loop that does not converge ends in a polite fallback in the preset's language and a
 * hand-off to people. The turn is recorded whatever happens. Answers {@code upToSeq}: the last message it answered.
 */
final class Turn {
  private static final Logger log = LoggerFactory.getLogger(Turn.class);
  private static final int RESULT_CHARS = 4_000;

  private final Bus bus;
  private final LlmClient llm;
  private final Functions functions;
  private final TurnStore turns;
  private final crm.config.AssistantConfig settings;
  private final String node;

  Turn(Bus bus, LlmClient llm, Functions functions, TurnStore turns, crm.config.AssistantConfig settings, String node) {
    this.bus = bus;
    this.llm = llm;
    this.functions = functions;
    this.turns = turns;
    this.settings = settings;
    this.node = node;
  }

  /** What happened, for the record and the caller. */
  private static final class Record {
    final JsonObject doc = new JsonObject();
    final JsonArray calls = new JsonArray();
    int modelCalls;
    long promptTokens;
    long completionTokens;
    long modelMs;
    long startNanos;

    Record put(String key, Object value) {
      doc.put(key, value);
      return this;
    }
  }

  /**
   * Runs a turn for the messages after {@code doneSeq}. {@code stillMine} says whether the claim still holds: checked
   * before anything is sent, so a node that lost its claim (it stalled past its lease) sends nothing.
   */
  Future<Long> run(String conversationId, long doneSeq, BooleanSupplier stillMine, long heardAtNanos, WorkStore.Hour hour) {
    Record rec = new Record();
    rec.startNanos = System.nanoTime();
    // from the message's event on this node to this turn (the to-do list and the claim), when this node heard it
    if (heardAtNanos > 0) rec.doc.put("queuedMs", (rec.startNanos - heardAtNanos) / 1_000_000);
    rec.doc.put("_id", Mongo.newId()).put("conversationId", conversationId).put("node", node).put("startedAt", Mongo.now())
        .put("afterSeq", doneSeq);
    Future<JsonObject> context = bus.request(Addresses.CONVERSATION_ASSISTANT_CONTEXT,
        new JsonObject().put("conversationId", conversationId).put("limit", settings.historyMessages()));
    Future<JsonObject> config = bus.request(Addresses.CONFIG_ACTIVE, new JsonObject());
    return Future.all(context, config).recover(err -> {
      // a conversation that is gone has nothing left to answer: everything of it counts as done
      if (Bus.fromReply(err).code() == crm.bus.ErrorCode.CONVERSATION_NOT_FOUND) return Future.failedFuture(new Gone());
      return Future.failedFuture(err);
    }).compose(v -> {
      JsonObject ctxJson = context.result();
      JsonObject conv = ctxJson.getJsonObject("conversation");
      JsonObject customer = ctxJson.getJsonObject("customer");
      List<JsonObject> history = ctxJson.getJsonArray("messages").stream().map(o -> (JsonObject) o).toList();
      // answered: what the to-do list says; before the assistant's first turn here (-1), what came before the last
      // message sent to the customer (an agent's). Later, a reply recorded after a message does not answer it: that
      // message arrived while the turn ran, and the next turn answers it.
      long answered = doneSeq >= 0 ? doneSeq : history.stream().filter(m -> "outbound".equals(m.getString("direction")))
          .mapToLong(m -> m.getLong("seq", 0L)).max().orElse(0L);
      // everything recorded when the context was read was seen by this turn; what comes later is the next turn's
      long upTo = Math.max(conv.getLong("messageSeq", 0L), history.stream().mapToLong(m -> m.getLong("seq", 0L)).max().orElse(0L));
      JsonArray answering = new JsonArray(history.stream().filter(m -> answers(m, answered)).map(m -> m.getLong("seq")).toList());
      rec.doc.put("customerId", conv.getString("customerId")).put("messages", answering).put("upToSeq", Math.max(upTo, doneSeq));
      if (!conv.getBoolean("isAIEnabled", false) || answering.isEmpty()
          || "resolved".equals(conv.getString("status")) || "closed".equals(conv.getString("status"))) {
        // AI turned off meanwhile, or nothing new: nothing to say
        return finish(rec, answering.isEmpty() ? "nothing_new" : "ai_off", null).map(Math.max(upTo, doneSeq));
      }
      Functions.Context fctx = new Functions.Context(conversationId, conv.getString("customerId"), customer.getString("phoneNumber"),
          customer.getString("email"), customer.getString("name"), config.result());
      String language = config.result().getJsonObject("assistant", new JsonObject()).getString("language", "en");
      String key = "assistant:" + conversationId + ":" + upTo;
      if (hour.count(Instant.now()) > settings.maxTurnsPerHour()) {
        return fallback(rec, fctx, language, key, stillMine, "bound_turns_per_hour", "more than " + settings.maxTurnsPerHour()
            + " turns in the last hour").map(Math.max(upTo, doneSeq));
      }
      JsonArray tools = functions.tools(fctx);
      List<JsonObject> messages = new ArrayList<>();
      messages.add(new JsonObject().put("role", "system").put("content", Prompt.system(config.result(), customer, settings.extraPrompt(),
          !tools.isEmpty())));
      // what is being answered comes last, after our replies recorded meanwhile: the customer wrote it since our last answer
      for (JsonObject m : history) if (!answers(m, answered)) messages.add(Prompt.message(m));
      for (JsonObject m : history) if (answers(m, answered)) messages.add(Prompt.message(m));
      rec.doc.put("promptMessages", messages.size()).put("promptChars", messages.stream().mapToInt(m -> m.encode().length()).sum());
      Future<Void> ended = loop(rec, fctx, messages, tools, 0, 0).compose(answer -> {
        if (answer.handoff()) return handoff(rec, fctx, language, key, stillMine, "handoff", answer.reason());
        if (answer.text() == null || answer.text().isBlank()) {
          return fallback(rec, fctx, language, key, stillMine, answer.outcome(), answer.reason());
        }
        return send(fctx, answer.text(), key, stillMine).compose(sent -> finish(rec.put("reply", answer.text()), sent ? "answered" : "send_failed", null));
      }, err -> {
        LlmException e = err instanceof LlmException le ? le : null;
        log.warn("Assistant turn for conversation {} failed: {}", conversationId, err.toString());
        return fallback(rec, fctx, language, key, stillMine, e == null ? "error" : "model_" + e.kind().name().toLowerCase(java.util.Locale.ROOT),
            err.getMessage());
      });
      return ended.map(Math.max(upTo, doneSeq));
    }).recover(err -> err instanceof Gone ? Future.succeededFuture(Long.MAX_VALUE) : Future.failedFuture(err));
  }

  /** The conversation does not exist (any more). */
  private static final class Gone extends RuntimeException {
    Gone() {
      super("conversation not found", null, false, false);
    }
  }

  private static boolean answers(JsonObject m, long doneSeq) {
    return "inbound".equals(m.getString("direction")) && m.getLong("seq", 0L) > doneSeq;
  }

  /** The model's last word: a text, a hand-off, or nothing usable (with why). */
  private record Answer(String text, boolean handoff, String outcome, String reason) {}

  private Future<Answer> loop(Record rec, Functions.Context ctx, List<JsonObject> messages, JsonArray tools, int round, int callsSoFar) {
    if (round >= settings.maxRounds()) {
      return Future.succeededFuture(new Answer(null, false, "no_convergence", "no answer after " + round + " model calls"));
    }
    rec.modelCalls++;
    // the turn's own work before the model is first asked: the conversation read, the prompt
    if (round == 0) rec.doc.put("beforeModelMs", (System.nanoTime() - rec.startNanos) / 1_000_000);
    return llm.complete(messages, tools).compose(result -> {
      rec.modelMs += result.latencyMs();
      if (result.usage() != null) {
        if (result.usage().promptTokens() != null) rec.promptTokens += result.usage().promptTokens();
        if (result.usage().completionTokens() != null) rec.completionTokens += result.usage().completionTokens();
      }
      if (result.toolCalls().isEmpty()) return Future.succeededFuture(new Answer(result.content(), false, "empty_answer", "the model answered nothing"));
      if (callsSoFar + result.toolCalls().size() > settings.maxToolCalls()) {
        return Future.succeededFuture(new Answer(null, false, "bound_tool_calls", "more than " + settings.maxToolCalls() + " function calls"));
      }
      messages.add(result.assistantMessage());
      Future<Boolean> chain = Future.succeededFuture(false);
      for (ToolCall call : result.toolCalls()) {
        chain = chain.compose(handedOff -> {
          long t0 = System.nanoTime();
          return functions.call(ctx, call.name(), call.arguments(), call.argumentsError()).map(out -> {
            rec.calls.add(new JsonObject().put("id", call.id()).put("name", call.name())
                .put("arguments", call.arguments() == null ? new JsonObject() : call.arguments())
                .put("result", truncate(out)).put("ok", out.getBoolean("success", false))
                .put("ms", (System.nanoTime() - t0) / 1_000_000));
            messages.add(new JsonObject().put("role", "tool").put("tool_call_id", call.id()).put("content", out.encode()));
            return handedOff || (Functions.HANDOFF.equals(call.name()) && out.getBoolean("success", false));
          });
        });
      }
      return chain.compose(handedOff -> {
        if (handedOff) {
          String reason = result.toolCalls().stream().filter(c -> Functions.HANDOFF.equals(c.name())).findFirst()
              .map(c -> c.arguments() == null ? null : c.arguments().getString("reason")).orElse(null);
          return Future.succeededFuture(new Answer(null, true, "handoff", reason));
        }
        return loop(rec, ctx, messages, tools, round + 1, callsSoFar + result.toolCalls().size());
      });
    });
  }

  /** The conversation goes to people: AI off (and auto-assignment), and the customer is told so in their language. */
  private Future<Void> handoff(Record rec, Functions.Context ctx, String language, String key, BooleanSupplier stillMine,
                               String outcome, String reason) {
    if (!stillMine.getAsBoolean()) return finish(rec, "claim_lost", null);
    return bus.request(Addresses.CONVERSATION_HANDOFF, new JsonObject().put("conversationId", ctx.conversationId())
            .put("reason", reason == null ? outcome : reason))
        .recover(err -> {
          log.warn("Hand-off of conversation {} failed: {}", ctx.conversationId(), err.toString());
          return Future.succeededFuture(new JsonObject());
        })
        .compose(r -> send(ctx, "handoff".equals(outcome) ? Phrases.handoff(language) : Phrases.fallback(language), key, stillMine))
        .compose(sent -> finish(rec.put("reply", "handoff".equals(outcome) ? Phrases.handoff(language) : Phrases.fallback(language)),
            outcome, reason));
  }

  private Future<Void> fallback(Record rec, Functions.Context ctx, String language, String key, BooleanSupplier stillMine,
                                String outcome, String reason) {
    return handoff(rec, ctx, language, key, stillMine, outcome, reason);
  }

  /** Sends as the assistant; the key makes a retried turn's answer the same message. False when it could not be sent. */
  private Future<Boolean> send(Functions.Context ctx, String text, String key, BooleanSupplier stillMine) {
    if (!stillMine.getAsBoolean()) return Future.succeededFuture(false);
    String body = text.length() > 4096 ? text.substring(0, 4093) + "..." : text;
    return bus.request(Addresses.WHATSAPP_SEND, new JsonObject().put("type", "text").put("conversationId", ctx.conversationId())
            .put("content", body).put("idempotencyKey", key).put("sentBy", "assistant"))
        .map(r -> true)
        .recover(err -> {
          log.warn("The assistant's answer in conversation {} was not sent: {}", ctx.conversationId(), err.toString());
          return Future.succeededFuture(false);
        });
  }

  private Future<Void> finish(Record rec, String outcome, String reason) {
    JsonObject doc = rec.doc.put("outcome", outcome).put("calls", rec.calls).put("modelCalls", rec.modelCalls)
        .put("modelMs", rec.modelMs)
        .put("tokens", new JsonObject().put("prompt", rec.promptTokens).put("completion", rec.completionTokens)
            .put("total", rec.promptTokens + rec.completionTokens))
        .put("finishedAt", Mongo.now());
    Instant began = Mongo.instant(doc.getValue("startedAt"));
    doc.put("latencyMs", began == null ? 0 : java.time.Duration.between(began, Instant.now()).toMillis());
    if (reason != null) doc.put("reason", reason);
    return turns.record(doc).recover(err -> {
      log.warn("Assistant turn {} not recorded: {}", doc.getString("_id"), err.toString());
      return Future.succeededFuture();
    });
  }

  private static Object truncate(JsonObject out) {
    String s = out.encode();
    return s.length() <= RESULT_CHARS ? out : s.substring(0, RESULT_CHARS) + "...";
  }

  /** Today's date for the prompt (UTC). */
  static String today() {
    return Instant.now().atOffset(ZoneOffset.UTC).toLocalDate().toString();
  }
}
