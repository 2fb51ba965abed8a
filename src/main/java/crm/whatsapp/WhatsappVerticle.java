package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WhatsApp ingress and egress. Intake: webhook bodies arriving together are stored with one durable write (group
 * insert), and each is acknowledged once on disk. Processing: stored bodies are parsed and handed to the inbox domain in
 * batches; a body is marked processed only after its messages and statuses are recorded, so a crash at any point
 * leaves it pending, and pending bodies are processed at start-up and by a periodic sweep (processing twice changes
 * nothing). Egress: {@link Addresses#WHATSAPP_SEND} through {@link WhatsappSender}.
 */
public final class WhatsappVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WhatsappVerticle.class);
  private static final int MAX_BATCH = 200;   // bodies per processing batch
  private static final int SWEEP_DOCS = 20;   // stored documents per sweep step
  /** A stored document that fails this often is set aside (kept, never dropped) instead of blocking the sweep. */
  static final int MAX_ATTEMPTS = 10;
  private static final Duration STALE = Duration.ofSeconds(30);

  private Mongo mongo;
  private WebhookEventStore events;
  private WhatsappSender sender;
  private MediaJobs media;
  private Bus bus;

  private List<Intake> intakeQueue = new ArrayList<>();
  private boolean storing;
  private final List<JsonObject> processQueue = new ArrayList<>();
  private boolean processing;
  private boolean sweeping;

  private record Intake(String raw, Promise<JsonObject> done) {}

  @Override
  public Future<?> start() {
    JsonObject cfg = config();
    mongo = new Mongo(vertx, cfg);
    events = new WebhookEventStore(mongo);
    bus = new Bus(vertx);
    sender = new WhatsappSender(vertx, cfg, bus);
    media = new MediaJobs(vertx, cfg, bus, mongo);
    return events.ensureIndexes()
        .compose(v -> Future.all(List.of(
            bus.serve(Addresses.WHATSAPP_INTAKE, this::intake).completion(),
            bus.serve(Addresses.WHATSAPP_SEND, sender::send).completion(),
            bus.serve(Addresses.WHATSAPP_STATS, this::stats).completion())))
        .onSuccess(v -> {
          // replay what was stored but not processed before the last stop, then keep sweeping
          sweep(Instant.now().plusSeconds(1));
          vertx.setPeriodic(STALE.toMillis() / 2, id -> sweep(Instant.now().minus(STALE)));
          media.start();
        });
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = media == null ? Future.succeededFuture() : media.close();
    return closed.onComplete(ar -> { if (mongo != null) mongo.close(); });
  }

  // ---- intake

  private Future<JsonObject> intake(JsonObject body) {
    String raw = Check.requiredString(body, "raw", Integer.MAX_VALUE);
    Promise<JsonObject> done = Promise.promise();
    intakeQueue.add(new Intake(raw, done));
    if (!storing) storeQueued();
    return done.future();
  }

  /**
   * Stores everything queued with one insert (bodies grouped into few documents); what arrives meanwhile waits for
   * the next one. Each body is acknowledged once a disk commit that started after its insert has finished; inserts do
   * not wait for commits, so one group commit covers several insert batches.
   */
  private void storeQueued() {
    List<Intake> batch = intakeQueue;
    intakeQueue = new ArrayList<>();
    storing = true;
    events.store(batch.stream().map(Intake::raw).toList()).onComplete(ar -> {
      storing = false;
      if (!intakeQueue.isEmpty()) storeQueued();
      if (ar.failed()) {
        log.error("Webhook intake failed for {} bodies: {}", batch.size(), ar.cause().toString());
        batch.forEach(in -> in.done().fail(ar.cause()));
        return;
      }
      mongo.sync().onComplete(synced -> {
        for (Intake in : batch) {
          if (synced.succeeded()) in.done().complete(new JsonObject().put("stored", true));
          else in.done().fail(synced.cause());
        }
        if (synced.succeeded()) {
          processQueue.addAll(ar.result());
          processQueued();
        }
      });
    });
  }

  // ---- processing

  private void processQueued() {
    if (processing || processQueue.isEmpty()) return;
    processing = true;
    List<JsonObject> batch = new ArrayList<>();
    int bodies = 0;
    while (!processQueue.isEmpty() && bodies < MAX_BATCH) {
      JsonObject doc = processQueue.remove(0);
      batch.add(doc);
      bodies += WebhookEventStore.bodies(doc).size();
    }
    process(batch).onComplete(ar -> {
      processing = false;
      processQueued();
    });
  }

  /** Parses, records and removes stored bodies; on failure they stay stored for the sweep. */
  private Future<Void> process(List<JsonObject> batch) {
    JsonArray messages = new JsonArray();
    JsonArray statuses = new JsonArray();
    for (JsonObject doc : batch) for (String raw : WebhookEventStore.bodies(doc)) {
      JsonObject parsed;
      try {
        parsed = InboundParser.parse(new JsonObject(raw));
      } catch (RuntimeException e) { // stored bodies passed the shape check; this is only defence
        log.warn("A stored webhook body in {} does not parse: {}", doc.getString("_id"), e.toString());
        continue;
      }
      parsed.getJsonArray("messages", new JsonArray()).forEach(messages::add);
      for (Object o : parsed.getJsonArray("statuses", new JsonArray())) {
        JsonObject s = (JsonObject) o;
        JsonArray errors = s.getJsonArray("errors");
        if (errors != null && !errors.isEmpty()) s.put("error", MetaErrors.describe(errors.getJsonObject(0)));
        statuses.add(s);
      }
    }
    List<String> ids = batch.stream().map(e -> e.getString("_id")).toList();
    Future<JsonObject> recorded = messages.isEmpty() ? Future.succeededFuture(new JsonObject())
        : bus.request(Addresses.CONVERSATION_RECORD_INBOUND, new JsonObject().put("messages", messages));
    return recorded
        .compose(res -> (statuses.isEmpty() ? Future.succeededFuture(new JsonObject())
            : bus.request(Addresses.CONVERSATION_RECORD_STATUSES, new JsonObject().put("statuses", statuses)))
            .map(res))
        .compose(res -> media.enqueue(res.getJsonArray("results", new JsonArray())))
        .compose(v -> events.markProcessed(ids))
        .recover(err -> {
          if (batch.size() > 1) {
            // one bad document must not hold the others back: each on its own, so only the culprit stays behind
            log.warn("Processing {} stored webhook documents failed ({}); retrying them one by one", batch.size(), err.toString());
            Future<Void> each = Future.succeededFuture();
            for (JsonObject doc : batch) each = each.compose(v -> process(List.of(doc)).recover(e -> Future.succeededFuture()));
            return each;
          }
          JsonObject doc = batch.get(0);
          int attempts = doc.getInteger("attempts", 0) + 1;
          if (attempts >= MAX_ATTEMPTS) {
            log.error("Stored webhook document {} failed {} times ({}): moved to {} for a person to look at",
                doc.getString("_id"), attempts, err.toString(), WebhookEventStore.DEAD_LETTERS);
            return events.deadLetter(doc, err.toString());
          }
          log.warn("Processing stored webhook document {} failed (attempt {}), it stays stored: {}", doc.getString("_id"),
              attempts, err.toString());
          return events.markFailedAttempt(ids, err.toString()).recover(e -> Future.succeededFuture())
              .compose(v -> Future.failedFuture(err));
        });
  }

  /** Processes pending bodies received before {@code before}, batch after batch. */
  private void sweep(Instant before) {
    if (sweeping) return;
    sweeping = true;
    sweepFrom(before, 0).onComplete(ar -> {
      sweeping = false;
      if (ar.succeeded() && ar.result() > 0) log.info("Processed {} stored webhook bodies that were pending", ar.result());
    });
  }

  private Future<Integer> sweepFrom(Instant before, int done) {
    return events.pending(before, SWEEP_DOCS).compose(found -> {
      if (found.isEmpty()) return Future.succeededFuture(done);
      int bodies = found.stream().mapToInt(d -> WebhookEventStore.bodies(d).size()).sum();
      return process(found).compose(v -> found.size() < SWEEP_DOCS ? Future.succeededFuture(done + bodies)
          : sweepFrom(before, done + bodies));
    });
  }

  private Future<JsonObject> stats(JsonObject body) {
    return Future.all(events.countPending(), bus.request(Addresses.CONVERSATION_STATS, new JsonObject()))
        .map(all -> new JsonObject().put("webhooksPending", all.<Long>resultAt(0)).mergeIn(all.<JsonObject>resultAt(1)));
  }
}
