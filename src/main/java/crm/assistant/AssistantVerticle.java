package crm.assistant;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AI assistant: answers customers on WhatsApp when their conversation has {@code isAIEnabled}, through an
 * OpenAI-compatible model ({@link LlmClient}) that acts only through {@link Functions}.
 *
 * <p>An inbound message, on the node that recorded it, is written to the durable to-do list ({@link WorkStore})
 * before anything else; the node then claims the conversation (a lease) and runs {@link Turn}s until nothing is
 * pending. Messages that arrive while a turn runs, on any node, only raise the pending mark: the claim holder sees it
 * when it finishes and answers them in the next turn, so they are never answered twice nor out of order. A node that
 * dies mid-turn leaves a claim whose lease runs out; every node's sweep takes such conversations over (and, at start,
 * what was pending before a stop). Without configuration ({@code AI_BASE_URL}, {@code AI_MODEL}) the assistant is off:
 * conversations go to people, and the status says why.
 */
public final class AssistantVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AssistantVerticle.class);
  private static final int SWEEP_BATCH = 50;

  private final String node = UUID.randomUUID().toString();
  private final Set<String> running = new HashSet<>();
  private final Map<String, String> claims = new ConcurrentHashMap<>(); // conversation -> claim token, held here
  private volatile boolean stopping;
  /** When this node heard of a conversation's oldest unanswered message (for the turn record's queuedMs). */
  private final Map<String, Long> heard = new java.util.HashMap<>();
  private Mongo mongo;
  private Bus bus;
  private WorkStore work;
  private TurnStore turns;
  private Turn turn;
  private LlmConfig llmConfig;
  private crm.config.AssistantConfig settings;
  private LlmClient llm;

  @Override
  public Future<?> start() {
    mongo = new Mongo(vertx, config());
    bus = new Bus(vertx);
    work = new WorkStore(mongo);
    turns = new TurnStore(vertx, mongo);
    settings = crm.config.AssistantConfig.fromJson(config());
    llmConfig = LlmConfig.fromJson(config());
    Future<?> served = Future.all(
        bus.serve(Addresses.ASSISTANT_TURNS, this::listTurns).completion(),
        bus.serve(Addresses.ASSISTANT_STATUS, b -> work.countPending().map(n -> status().put("pending", n))).completion());
    if (!llmConfig.configured()) {
      log.info("Assistant off: {}; conversations go to people", llmConfig.notConfiguredReason().orElse("not configured"));
      return served.compose(v -> turns.ensureIndexes());
    }
    llm = new LlmClient(vertx, llmConfig);
    turn = new Turn(bus, llm, new Functions(bus, turns, settings.effectWindowMs()), turns, settings, node);
    // local: the node that recorded a message queues it (on its own node the event is published once)
    vertx.eventBus().<JsonObject>localConsumer(Addresses.EVT_CONVERSATION_NEW_MESSAGE, m -> inbound(m.body()));
    return served.compose(v -> turns.ensureIndexes()).onSuccess(v -> {
      log.info("Assistant on: model {} at {}", llmConfig.model(), llmConfig.baseUrl());
      vertx.setPeriodic(1_000, Math.max(1_000, settings.leaseMs() / 2), id -> sweep());
      // what was waiting for an answer when the last node stopped (or crashed before its to-do list reached the disk)
      vertx.setTimer(2_000, id -> recover());
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true; // a turn still running sends nothing now: the next start answers it (recover())
    // what this node holds goes back at once, so another node (or this one after a restart) need not wait for the lease
    Future<?> released = Future.all(claims.entrySet().stream().map(e -> work.release(e.getKey(), e.getValue())
        .recover(err -> Future.succeededFuture())).toList());
    return released.onComplete(ar -> { if (llm != null) llm.close(); if (mongo != null) mongo.close(); });
  }

  private JsonObject status() {
    return new JsonObject().put("enabled", llmConfig.configured()).put("reason", llmConfig.notConfiguredReason().orElse(null))
        .put("model", llmConfig.model());
  }

  private void inbound(JsonObject event) {
    if (event == null) return;
    JsonObject message = event.getJsonObject("message", new JsonObject());
    String conversationId = event.getString("conversationId");
    if (!"inbound".equals(message.getString("direction")) || !event.getBoolean("isAIEnabled", false)
        || conversationId == null || !(event.getValue("seq") instanceof Number seq)) {
      return;
    }
    heard.putIfAbsent(conversationId, System.nanoTime());
    long n = seq.longValue();
    if (running.contains(conversationId)) { // the running turn sees it when it finishes (or, if it just let go, we claim)
      work.pending(conversationId, n).onSuccess(v -> tryRun(conversationId)).onFailure(err -> notQueued(conversationId, err));
      return;
    }
    running.add(conversationId);
    String token = UUID.randomUUID().toString();
    work.pendingAndClaim(conversationId, n, token, node, settings.leaseMs()).onComplete(ar -> claimed(conversationId, token, ar));
  }

  private void notQueued(String conversationId, Throwable err) {
    heard.remove(conversationId);
    log.warn("Conversation {} not queued for the assistant (the start-up scan finds it again): {}", conversationId, err.toString());
  }

  /** Runs the conversation's turns here if it has something pending and nobody else holds it. */
  private void tryRun(String conversationId) {
    if (running.contains(conversationId)) return; // the running turn sees the new message when it finishes
    running.add(conversationId);
    String token = UUID.randomUUID().toString();
    work.claim(conversationId, token, node, settings.leaseMs()).onComplete(ar -> claimed(conversationId, token, ar));
  }

  private void claimed(String conversationId, String token, io.vertx.core.AsyncResult<JsonObject> ar) {
    if (ar.failed() || ar.result() == null) { // another node holds it (or nothing is pending): its turn, not ours
      running.remove(conversationId);
      heard.remove(conversationId);
      if (ar.failed()) log.warn("Claim of conversation {} failed: {}", conversationId, ar.cause().toString());
      return;
    }
    claims.put(conversationId, token);
    turns(conversationId, token, ar.result().getLong("doneSeq", 0L), new WorkStore.Hour(ar.result()));
  }

  /** Turn after turn while messages keep coming, the lease renewed meanwhile; then lets go. */
  private void turns(String conversationId, String token, long doneSeq, WorkStore.Hour hour) {
    boolean[] lost = {false};
    long renewEvery = Math.max(500, settings.leaseMs() / 3);
    long timer = vertx.setPeriodic(renewEvery, id -> work.renew(conversationId, token, settings.leaseMs())
        .onSuccess(mine -> { if (!mine) lost[0] = true; }));
    // the next turn's starting point, or null when done (finished, or the claim was lost to another node)
    Long heardAt = heard.remove(conversationId);
    turn.run(conversationId, doneSeq, () -> !lost[0] && !stopping, heardAt == null ? 0 : heardAt, hour)
        .compose(upTo -> lost[0] || stopping ? Future.<Long>succeededFuture(null) : work.finish(conversationId, token, upTo, hour)
            .compose(done -> done ? Future.<Long>succeededFuture(null) : work.get(conversationId)
                .map(doc -> Math.max(upTo, doc == null ? upTo : doc.getLong("doneSeq", upTo)))))
        .onComplete(ar -> {
          vertx.cancelTimer(timer);
          if (ar.succeeded() && ar.result() != null) {
            turns(conversationId, token, ar.result(), hour); // more arrived meanwhile: still ours, answered next
            return;
          }
          claims.remove(conversationId);
          running.remove(conversationId);
          if (ar.failed()) {
            log.warn("Assistant turns for conversation {} stopped: {}", conversationId, ar.cause().toString());
            work.release(conversationId, token);
          }
        });
  }

  /** Takes over what nobody holds: left by a node that died, or pending before this node started. */
  private void sweep() {
    work.orphans(Instant.now().minusSeconds(2), SWEEP_BATCH).onSuccess(ids -> ids.forEach(this::tryRun))
        .onFailure(err -> log.debug("Assistant sweep failed: {}", err.toString()));
  }

  /** Conversations whose last message is the customer's, with the assistant on: on the to-do list again. */
  private void recover() {
    bus.request(Addresses.CONVERSATION_AWAITING_ASSISTANT, new JsonObject().put("limit", 1_000))
        .onSuccess(r -> {
          JsonArray found = r.getJsonArray("conversations", new JsonArray());
          if (!found.isEmpty()) log.info("{} conversations wait for the assistant's answer", found.size());
          for (Object o : found) {
            JsonObject c = (JsonObject) o;
            work.pending(c.getString("conversationId"), c.getLong("seq", 0L)).onSuccess(v -> tryRun(c.getString("conversationId")));
          }
        })
        .onFailure(err -> log.warn("Conversations waiting for the assistant not read: {}", err.toString()));
  }

  /** {conversationId?, page, limit} -> {turns, pagination}. */
  private Future<JsonObject> listTurns(JsonObject body) {
    String conversationId = Check.optionalString(body, "conversationId", 64);
    if (conversationId != null && !Mongo.isObjectId(conversationId)) {
      throw crm.bus.CrmException.validation("conversationId", "conversationId must be an ObjectId");
    }
    int page = Math.max(1, body.getInteger("page", 1));
    int limit = Math.max(1, Math.min(100, body.getInteger("limit", 20)));
    return Future.all(turns.list(conversationId, (page - 1) * limit, limit), turns.count(conversationId)).map(all -> {
      JsonArray list = new JsonArray();
      for (JsonObject t : all.<java.util.List<JsonObject>>resultAt(0)) list.add(Mongo.toApi(t));
      long total = all.<Long>resultAt(1);
      return new JsonObject().put("turns", list).put("pagination", new JsonObject().put("page", page).put("limit", limit)
          .put("total", total).put("pages", (total + limit - 1) / limit));
    });
  }
}
