package crm.whatsapp;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.bus.Check;
import crm.bus.CrmException;
import crm.bus.ErrorCode;
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
 *
 * <p>In a cluster each stored document is processed by the node holding its lease (see {@link WebhookEventStore}):
 * the node that stored it, which renews the lease while the document waits here; the start-up replay and the sweep
 * take only documents whose lease ran out or whose node left the cluster ({@code WEBHOOK_LEASE_SECONDS}).
 */
public final class WhatsappVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(WhatsappVerticle.class);
  private static final int MAX_BATCH = 64;    // bodies per processing batch (a lane's; see Lane)
  private static final int LANES = 4;
  private static final int SWEEP_DOCS = 20;   // stored documents per sweep step

  private Mongo mongo;
  private WebhookEventStore events;
  private WhatsappSender sender;
  private MediaJobs media;
  private Bus bus;

  private List<Intake> intakeQueue = new ArrayList<>();
  private boolean storing;
  private Lane[] lanes;
  private boolean sweeping;
  /** Stored documents this node holds the lease of and has not finished: renewed until they are. */
  private final java.util.Set<String> held = new java.util.HashSet<>();

  private record Intake(String raw, int lane, Promise<JsonObject> done) {}

  /**
   * Processing runs in lanes, each one batch at a time; a person's notifications always take the same lane (by who
   * they are about), so theirs are recorded in the order they arrived, while other people's are recorded beside them.
   * A batch waits on several database round trips: one lane alone could not keep up with the intake.
   */
  private static final class Lane {
    final List<JsonObject> queue = new ArrayList<>();
    boolean processing;
  }

  @Override
  public Future<?> start() {
    JsonObject cfg = config();
    mongo = new Mongo(vertx, cfg);
    Duration lease = Duration.ofSeconds(cfg.getInteger("WEBHOOK_LEASE_SECONDS", 30));
    events = new WebhookEventStore(mongo, crm.cluster.Membership.nodeId(vertx), lease);
    bus = new Bus(vertx);
    lanes = new Lane[LANES];
    for (int i = 0; i < lanes.length; i++) lanes[i] = new Lane();
    sender = new WhatsappSender(vertx, cfg, bus);
    media = new MediaJobs(vertx, cfg, bus, mongo);
    TemplateCatalog templates = new TemplateCatalog(cfg, sender.client(), bus);
    return events.ensureIndexes()
        .compose(v -> Future.all(List.of(
            bus.serve(Addresses.WHATSAPP_INTAKE, this::intake).completion(),
            bus.serve(Addresses.WHATSAPP_SEND, sender::send).completion(),
            bus.serve(Addresses.WHATSAPP_TEMPLATES, templates::list).completion(),
            vertx.eventBus().consumer(Addresses.EVT_WHATSAPP_TEMPLATES_CHANGED, m -> templates.forget()).completion(),
            bus.serve(Addresses.WHATSAPP_STATS, this::stats).completion(),
            bus.serve(Addresses.WHATSAPP_DEAD_LETTERS, this::listDeadLetters).completion(),
            bus.serve(Addresses.WHATSAPP_DEAD_LETTER_GET, this::getDeadLetter).completion(),
            bus.serve(Addresses.WHATSAPP_DEAD_LETTER_RETRY, this::retryDeadLetter).completion())))
        .onSuccess(v -> {
          // replay what was stored but not processed before the last stop (or by a node that is gone), then keep
          // sweeping for what a node let go of or lost; and keep this node's leases while it holds documents
          sweep();
          long every = Math.max(1_000, lease.toMillis() / 3);
          vertx.setPeriodic(every, id -> sweep());
          vertx.setPeriodic(every, id -> events.renew(held)
              .onFailure(err -> log.warn("Cannot renew the lease of {} stored webhook documents: {}", held.size(), err.toString())));
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
    String subject = body.getValue("subject") instanceof String s ? s : subjectOf(raw);
    Promise<JsonObject> done = Promise.promise();
    intakeQueue.add(new Intake(raw, Math.floorMod(subject.hashCode(), lanes.length), done));
    if (!storing) storeQueued();
    return done.future();
  }

  private static String subjectOf(String raw) {
    try {
      return InboundParser.subject(new JsonObject(raw));
    } catch (RuntimeException e) {
      return "";
    }
  }

  /**
   * Stores everything queued with one insert (bodies grouped into few documents, each of one lane); what arrives
   * meanwhile waits for the next one. Each body is acknowledged once a disk commit that started after its insert has
   * finished; inserts do not wait for commits, so one group commit covers several insert batches; nor does processing.
   */
  private void storeQueued() {
    List<Intake> batch = intakeQueue;
    intakeQueue = new ArrayList<>();
    storing = true;
    List<List<String>> byLane = new ArrayList<>();
    for (int i = 0; i < lanes.length; i++) byLane.add(new ArrayList<>());
    for (Intake in : batch) byLane.get(in.lane()).add(in.raw());
    events.store(byLane).onComplete(ar -> {
      storing = false;
      if (!intakeQueue.isEmpty()) storeQueued();
      if (ar.failed()) {
        log.error("Webhook intake failed for {} bodies: {}", batch.size(), ar.cause().toString());
        batch.forEach(in -> in.done().fail(ar.cause()));
        return;
      }
      // processed at once, acknowledged once on disk: the store commits only between whole commands, and these bodies'
      // insert ended before any command of their processing began, so a commit that holds what processing wrote
      // holds the bodies too. A crash before the commit loses both, unacknowledged, and Meta sends them again.
      List<List<JsonObject>> docs = ar.result();
      docs.forEach(group -> group.forEach(d -> held.add(d.getString("_id"))));
      for (int i = 0; i < lanes.length; i++) {
        lanes[i].queue.addAll(docs.get(i));
        processQueued(lanes[i]);
      }
      mongo.sync().onComplete(synced -> {
        for (Intake in : batch) {
          if (synced.succeeded()) in.done().complete(new JsonObject().put("stored", true));
          else in.done().fail(synced.cause());
        }
      });
    });
  }

  // ---- processing

  private void processQueued(Lane lane) {
    if (lane.processing || lane.queue.isEmpty()) return;
    lane.processing = true;
    List<JsonObject> batch = new ArrayList<>();
    int bodies = 0;
    while (!lane.queue.isEmpty() && bodies < MAX_BATCH) {
      JsonObject doc = lane.queue.remove(0);
      batch.add(doc);
      bodies += WebhookEventStore.bodies(doc).size();
    }
    process(batch).onComplete(ar -> {
      lane.processing = false;
      batch.forEach(d -> held.remove(d.getString("_id"))); // processed, or failed and left to the lease's end
      processQueued(lane);
    });
  }

  /** What a group of stored documents holds, parsed: messages, statuses, and bodies that did not parse at all. */
  /** templatesChanged: the batch held one of Meta's template webhooks (approved, rejected, paused, recategorised). */
  private record Parsed(JsonArray messages, JsonArray statuses, List<Unparsable> unparsable, boolean templatesChanged) {}

  /** A stored body that is not JSON any more (stored bodies passed the shape check: this is only defence). */
  private record Unparsable(JsonObject doc, String raw) {}

  private static Parsed parse(List<JsonObject> docs) {
    JsonArray messages = new JsonArray();
    JsonArray statuses = new JsonArray();
    List<Unparsable> unparsable = new ArrayList<>();
    boolean templatesChanged = false;
    for (JsonObject doc : docs) for (String raw : WebhookEventStore.bodies(doc)) {
      JsonObject parsed;
      try {
        parsed = InboundParser.parse(new JsonObject(raw));
      } catch (RuntimeException e) { // stored bodies passed the shape check; this is only defence
        log.warn("A stored webhook body in {} does not parse: {}", doc.getString("_id"), e.toString());
        unparsable.add(new Unparsable(doc, raw));
        continue;
      }
      parsed.getJsonArray("messages", new JsonArray()).forEach(messages::add);
      for (Object o : parsed.getJsonArray("ignored", new JsonArray())) {
        // most ignored items have no field (a malformed entry): Set.of's contains(null) would throw
        if (o instanceof JsonObject i && i.getValue("field") instanceof String field && TemplateCatalog.TEMPLATE_FIELDS.contains(field)) {
          templatesChanged = true;
        }
      }
      for (Object o : parsed.getJsonArray("statuses", new JsonArray())) {
        JsonObject st = (JsonObject) o;
        JsonArray errors = st.getJsonArray("errors");
        if (errors != null && !errors.isEmpty()) st.put("error", MetaErrors.describe(errors.getJsonObject(0)));
        statuses.add(st);
      }
    }
    return new Parsed(messages, statuses, unparsable, templatesChanged);
  }

  /**
   * Records messages, then statuses, then schedules media downloads; one request each, to this node's inbox (every
   * node has one): a request that went to another node which then died would hold this lane for the bus timeout.
   */
  private Future<Void> record(JsonArray messages, JsonArray statuses) {
    Future<JsonObject> recorded = messages.isEmpty() ? Future.succeededFuture(new JsonObject())
        : bus.requestLocal(Addresses.CONVERSATION_RECORD_INBOUND, new JsonObject().put("messages", messages));
    return recorded
        .compose(res -> (statuses.isEmpty() ? Future.succeededFuture(new JsonObject())
            : bus.requestLocal(Addresses.CONVERSATION_RECORD_STATUSES, new JsonObject().put("statuses", statuses)))
            .map(res))
        .compose(res -> media.enqueue(res.getJsonArray("results", new JsonArray())));
  }

  /**
   * Parses, records and removes stored bodies. When the group fails, each document is processed on its own, and a
   * document that fails alone is taken apart: each message and status is recorded on its own, and one that still
   * fails while the database answers is set aside as a dead letter with the reason, so the rest of its body is
   * recorded. When the database itself is failing, the document stays stored for the sweep (nothing is set aside
   * for a fault that is not the message's).
   */
  private Future<Void> process(List<JsonObject> batch) {
    Parsed parsed = parse(batch);
    List<String> ids = batch.stream().map(e -> e.getString("_id")).toList();
    // every node's template list is read from Meta again (it is kept a minute per node)
    if (parsed.templatesChanged()) bus.publish(Addresses.EVT_WHATSAPP_TEMPLATES_CHANGED, new JsonObject());
    return record(parsed.messages(), parsed.statuses())
        .compose(v -> deadLetterBodies(parsed.unparsable()))
        .compose(v -> events.markProcessed(ids))
        .recover(err -> {
          if (batch.size() > 1) {
            // one bad document must not hold the others back: each on its own, so only the culprit stays behind
            log.warn("Processing {} stored webhook documents failed ({}); retrying them one by one", batch.size(), err.toString());
            Future<Void> each = Future.succeededFuture();
            for (JsonObject doc : batch) each = each.compose(v -> process(List.of(doc)).recover(e -> Future.succeededFuture()));
            return each;
          }
          return isolate(batch.get(0), parsed, err);
        });
  }

  private Future<Void> deadLetterBodies(List<Unparsable> bodies) {
    Future<Void> chain = Future.succeededFuture();
    for (Unparsable u : bodies) {
      chain = chain.compose(v -> events.deadLetter(u.doc(), DeadLetter.BODY, null, null, u.raw(), "the stored body does not parse"));
    }
    return chain;
  }

  /** One stored document that failed as a whole: its items one at a time (see {@link #process}). */
  private Future<Void> isolate(JsonObject doc, Parsed parsed, Throwable first) {
    String id = doc.getString("_id");
    List<Item> items = new ArrayList<>();
    for (Object m : parsed.messages()) items.add(new Item(DeadLetter.MESSAGE, (JsonObject) m));
    for (Object st : parsed.statuses()) items.add(new Item(DeadLetter.STATUS, (JsonObject) st));
    log.warn("Stored webhook document {} failed ({}); recording its {} messages and statuses one by one", id,
        first.toString(), items.size());
    Future<Boolean> allSettled = Future.succeededFuture(true);
    for (Item item : items) {
      allSettled = allSettled.compose(settled -> !settled ? Future.succeededFuture(false) : recordAlone(doc, item));
    }
    return allSettled.compose(settled -> {
      if (settled) {
        return deadLetterBodies(parsed.unparsable()).compose(v -> events.markProcessed(List.of(id)));
      }
      log.warn("Stored webhook document {} stays stored: the database is not answering ({})", id, first.toString());
      return events.markFailedAttempt(List.of(id), first.toString()).recover(e -> Future.succeededFuture())
          .compose(v -> Future.failedFuture(first));
    });
  }

  private record Item(String kind, JsonObject value) {
    JsonArray messages() { return kind.equals(DeadLetter.MESSAGE) ? new JsonArray().add(value) : new JsonArray(); }

    JsonArray statuses() { return kind.equals(DeadLetter.STATUS) ? new JsonArray().add(value) : new JsonArray(); }
  }

  /**
   * Records one item; true once it is recorded or set aside, false when the database is failing (try later). A
   * failure is tried once more before the item is set aside, so a passing fault does not make a dead letter.
   */
  private Future<Boolean> recordAlone(JsonObject doc, Item item) {
    return record(item.messages(), item.statuses()).map(true)
        .recover(err -> databaseFailing(err).compose(failing -> {
          if (failing) return Future.succeededFuture(false);
          return record(item.messages(), item.statuses()).map(true).recover(again -> {
            String reason = Bus.fromReply(again).getMessage();
            log.error("WhatsApp {} {} cannot be recorded ({}): set aside as a dead letter", item.kind(),
                item.value().getString("waMessageId"), again.toString());
            return events.deadLetter(doc, item.kind(), item.value().getString("waMessageId"), item.value().getString("from"),
                item.value().encode(), reason).map(true).recover(e -> Future.succeededFuture(false));
          });
        }));
  }

  /** Whether a failure is the database's (or the bus's) rather than the item's: timeouts, no handler, no ping. */
  private Future<Boolean> databaseFailing(Throwable err) {
    ErrorCode code = Bus.fromReply(err).code();
    if (code == ErrorCode.SERVICE_UNAVAILABLE || code == ErrorCode.GATEWAY_TIMEOUT) { // no inbox answering, or not in time
      return Future.succeededFuture(true);
    }
    return mongo.ping().timeout(5, java.util.concurrent.TimeUnit.SECONDS).map(false).otherwise(true);
  }

  // ---- dead letters

  private Future<JsonObject> listDeadLetters(JsonObject body) {
    int page = body.getInteger("page", 1);
    int limit = body.getInteger("limit", 20);
    return events.deadLetters((page - 1) * limit, limit).map(found -> new JsonObject()
        .put("deadLetters", new JsonArray(found.items().stream().map(DeadLetter::toApi).toList()))
        .put("pagination", new JsonObject().put("page", page).put("limit", limit).put("total", found.total())
            .put("pages", (found.total() + limit - 1) / limit)));
  }

  private Future<JsonObject> getDeadLetter(JsonObject body) {
    return events.deadLetter(Check.requiredString(body, "id", 64)).map(doc -> new JsonObject()
        .put("deadLetter", DeadLetter.toApi(doc, Integer.MAX_VALUE)));
  }

  /**
   * Records a dead letter again (after a fix, or once what it refers to exists): a message or status is recorded on
   * its own, a body is stored again as a new webhook. The dead letter is removed once that worked; otherwise it
   * stays with the new reason and one more attempt, and the caller gets the failure.
   */
  private Future<JsonObject> retryDeadLetter(JsonObject body) {
    String id = Check.requiredString(body, "id", 64);
    return events.deadLetter(id).compose(doc -> {
      String kind = doc.getString("kind", DeadLetter.BODY);
      String payload = doc.getString("payload", "");
      Future<Void> retried;
      if (kind.equals(DeadLetter.BODY)) {
        retried = intake(new JsonObject().put("raw", payload)).mapEmpty();
      } else {
        JsonObject item;
        try {
          item = new JsonObject(payload);
        } catch (RuntimeException e) {
          item = null;
        }
        retried = item == null ? Future.failedFuture(new CrmException(ErrorCode.VALIDATION_FAILED, "its payload is not a JSON object"))
            : kind.equals(DeadLetter.STATUS) ? record(new JsonArray(), new JsonArray().add(item))
            : record(new JsonArray().add(item), new JsonArray());
      }
      return retried
          .compose(v -> events.removeDeadLetter(id))
          .map(v -> new JsonObject().put("retried", true).put("id", id).put("kind", kind))
          .recover(err -> {
            CrmException failure = Bus.fromReply(err);
            boolean unavailable = failure.code() == ErrorCode.DATABASE_ERROR || failure.code() == ErrorCode.SERVICE_UNAVAILABLE
                || failure.code() == ErrorCode.GATEWAY_TIMEOUT;
            return events.markDeadLetterAttempt(id, failure.getMessage()).recover(e -> Future.succeededFuture())
                .compose(v -> Future.failedFuture(new CrmException(unavailable ? failure.code() : ErrorCode.BUSINESS_RULE_VIOLATION,
                    "The dead letter still cannot be recorded: " + failure.getMessage(), null, new JsonObject().put("id", id))));
          });
    });
  }

  /** Claims and processes stored documents nobody holds, batch after batch. */
  private void sweep() {
    if (sweeping) return;
    sweeping = true;
    sweepFrom(0).onComplete(ar -> {
      sweeping = false;
      if (ar.succeeded() && ar.result() > 0) log.info("Processed {} stored webhook bodies that were pending", ar.result());
    });
  }

  private Future<Integer> sweepFrom(int done) {
    return events.claim(crm.cluster.Membership.liveNodes(vertx), SWEEP_DOCS).compose(found -> {
      if (found.isEmpty()) return Future.succeededFuture(done);
      int bodies = found.stream().mapToInt(d -> WebhookEventStore.bodies(d).size()).sum();
      found.forEach(d -> held.add(d.getString("_id")));
      // a document that fails keeps this node's fresh lease, so it is not claimed again before that runs out
      return process(found).onComplete(ar -> found.forEach(d -> held.remove(d.getString("_id"))))
          .compose(v -> sweepFrom(done + bodies));
    });
  }

  private Future<JsonObject> stats(JsonObject body) {
    return Future.all(events.countPending(), events.countDeadLetters(),
            bus.request(Addresses.CONVERSATION_STATS, new JsonObject()))
        .map(all -> new JsonObject().put("webhooksPending", all.<Long>resultAt(0)).put("deadLetters", all.<Long>resultAt(1))
            .mergeIn(all.<JsonObject>resultAt(2)));
  }
}
