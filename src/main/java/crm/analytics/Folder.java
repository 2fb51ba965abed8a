package crm.analytics;

import crm.bus.Addresses;
import crm.bus.Bus;
import crm.storage.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the rollups current: folds what the marks name into them, one pass at a time, on one node at a time (the lock
 * {@code crm.analytics.fold}).
 *
 * <p>A pass reads the marks, picks those that may have news (marked again since they were last folded, announced by an
 * event, not caught up yet, or old enough to be looked at the last time), asks the inbox and the ticket verticle for
 * those conversations and tickets as they are now (with the messages after what is counted), folds them
 * ({@link ConversationFold}, {@link TicketFold}), writes the new states and the increments as one chunk, applies it,
 * and deletes the marks that are done.
 *
 * <p>Why nothing is counted twice or lost. A writer marks before it writes (or, for messages, once their numbers are
 * reserved), so a stored change always has its mark. A fold reads what is stored and counts messages by number, once:
 * a number with no message yet is waited for, unless it is known to stay empty (a gap: the writer says so) or has
 * stayed empty for {@code settle} (a writer that crashed between reserving and inserting). A mark is deleted only when
 * its conversation or ticket was folded caught up at least {@code settle} after the mark, so a write still on its way
 * when the mark was folded first is seen by a later fold. The chunk makes the many documents one fold changes change
 * once: see {@link AnalyticsStore}.
 */
final class Folder {
  private static final Logger log = LoggerFactory.getLogger(Folder.class);
  static final String LOCK = "crm.analytics.fold";
  static final int MAX_PER_PASS = 200;
  static final int MESSAGES_PER_CONVERSATION = 500;

  private final Vertx vertx;
  private final Bus bus;
  private final AnalyticsStore store;
  private final long windowMs;
  private final long settleMs;

  /** markId -> the v it had when last folded on this node. */
  private final Map<String, Long> seen = new HashMap<>();
  /** Marks folded at least once {@code settle} after their last marking. */
  private final Set<String> settled = new HashSet<>();
  /** Marks whose fold stopped before the end: folded again at every pass. */
  private final Set<String> behind = new HashSet<>();
  /** Marks an event announced a change of (the write after the mark landed). */
  private final Set<String> nudged = new HashSet<>();
  /** "conversationId:seq" -> when that number was first found without a message. */
  private final Map<String, Long> missingSince = new HashMap<>();

  /** The serialized queue of work (passes, flushes, the rebuild): one at a time on this node. */
  private Future<?> tail = Future.succeededFuture();
  private boolean passQueued;

  Folder(Vertx vertx, Bus bus, AnalyticsStore store, long windowMs, long settleMs) {
    this.vertx = vertx;
    this.bus = bus;
    this.store = store;
    this.windowMs = windowMs;
    this.settleMs = settleMs;
  }

  /** An event says this conversation ({@code c:<id>}) or ticket ({@code t:<id>}) changed. */
  void nudge(String markId) {
    nudged.add(markId);
  }

  /** The states changed under this node's memory of them (a rebuild): fold every mark again. */
  void forget() {
    seen.clear();
    settled.clear();
    behind.clear();
    missingSince.clear();
  }

  /** What one pass did. */
  record Pass(int folded, int due, boolean more, boolean idle) {}

  /** Runs {@code work} after everything queued before it, under the fold lock. */
  <T> Future<T> queue(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    tail = tail.transform(ar -> locked(work).onComplete(done));
    return done.future();
  }

  private <T> Future<T> locked(Supplier<Future<T>> work) {
    return vertx.sharedData().getLockWithTimeout(LOCK, 60_000).compose(lock -> {
      Future<T> f;
      try {
        f = work.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      return f.onComplete(ar -> lock.release());
    });
  }

  /** Queues one pass unless one is queued already (timers and marks ask often). */
  void requestPass() {
    if (passQueued) return;
    passQueued = true;
    queue(() -> {
      passQueued = false;
      return pass();
    }).onSuccess(p -> { if (p.more()) requestPass(); })
        .onFailure(err -> log.debug("analytics fold pass failed (tried again at the next one): {}", err.toString()));
  }

  /** Folds until nothing marked is left to count, or the timeout: whether it got there. */
  Future<JsonObject> flush(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Promise<JsonObject> done = Promise.promise();
    flushStep(deadline, 0, done);
    return done.future();
  }

  private void flushStep(long deadline, int passes, Promise<JsonObject> done) {
    queue(this::pass).onComplete(ar -> {
      if (ar.succeeded() && ar.result().idle() && behind.isEmpty()) {
        done.complete(new JsonObject().put("caughtUp", true).put("passes", passes + 1));
      } else if (System.currentTimeMillis() > deadline) {
        done.complete(new JsonObject().put("caughtUp", false).put("passes", passes + 1)
            .put("error", ar.failed() ? String.valueOf(ar.cause()) : null));
      } else {
        vertx.setTimer(ar.succeeded() && ar.result().more() ? 1 : 20, id -> flushStep(deadline, passes + 1, done));
      }
    });
  }

  // ---- one pass (under the lock)

  Future<Pass> pass() {
    return recoverChunks().compose(v -> store.marks(100_000)).compose(marks -> {
      long now = System.currentTimeMillis();
      Set<String> present = new HashSet<>();
      List<AnalyticsStore.Mark> due = new ArrayList<>();
      boolean more = false;
      for (AnalyticsStore.Mark m : marks) {
        present.add(m.id());
        boolean isDue = nudged.contains(m.id()) || behind.contains(m.id()) || !Long.valueOf(m.v()).equals(seen.get(m.id()))
            || (now - m.at() >= settleMs && !settled.contains(m.id()));
        if (!isDue) continue;
        if (due.size() >= MAX_PER_PASS) {
          more = true;
          continue;
        }
        due.add(m);
      }
      // another node folded (and deleted) marks this one saw: forget them
      seen.keySet().retainAll(present);
      settled.retainAll(present);
      behind.retainAll(present);
      if (due.isEmpty()) return Future.succeededFuture(new Pass(0, 0, false, true));
      due.forEach(m -> nudged.remove(m.id()));
      boolean moreAfter = more;
      // conversations waiting for a message are folded again by the next timed pass, not in a loop
      return fold(due, now).map(folded -> new Pass(folded, due.size(), moreAfter, false));
    });
  }

  /** A chunk left by an interrupted fold is applied first (where it was not), then dropped. */
  private Future<Void> recoverChunks() {
    return store.pendingChunks().compose(chunks -> {
      Future<Void> chain = Future.succeededFuture();
      for (JsonObject c : chunks) {
        chain = chain.compose(v -> store.applyChunk(c)).compose(v -> store.bumpVersion(AnalyticsStore.rollupIds(c))).compose(v -> store.deleteChunk(c.getString("_id")));
      }
      return chain;
    });
  }

  private Future<Integer> fold(List<AnalyticsStore.Mark> due, long now) {
    Map<String, AnalyticsStore.Mark> conversations = new HashMap<>();
    Map<String, AnalyticsStore.Mark> tickets = new HashMap<>();
    for (AnalyticsStore.Mark m : due) {
      if (m.id().startsWith("c:")) conversations.put(m.id().substring(2), m);
      else if (m.id().startsWith("t:")) tickets.put(m.id().substring(2), m);
    }
    List<String> stateIds = due.stream().map(AnalyticsStore.Mark::id).toList();
    return store.states(stateIds).compose(states -> {
      JsonArray items = new JsonArray();
      conversations.keySet().forEach(id -> items.add(new JsonObject().put("id", id)
          .put("after", ConversationFold.State.fromJson(states.get("c:" + id)).seq).put("limit", MESSAGES_PER_CONVERSATION)));
      Future<JsonObject> convFacts = items.isEmpty() ? Future.succeededFuture(new JsonObject())
          : bus.request(Addresses.CONVERSATION_ANALYTICS_FACTS, new JsonObject().put("items", items));
      Future<JsonObject> ticketFacts = tickets.isEmpty() ? Future.succeededFuture(new JsonObject())
          : bus.request(Addresses.TICKET_ANALYTICS_FACTS, new JsonObject().put("ids", new JsonArray(new ArrayList<>(tickets.keySet()))));
      return Future.all(convFacts, ticketFacts).compose(all -> {
        Deltas deltas = new Deltas();
        List<JsonObject> newStates = new ArrayList<>();
        Map<String, Boolean> caughtUp = new HashMap<>();
        Map<String, JsonObject> convById = byId(convFacts.result().getJsonArray("conversations"));
        for (Map.Entry<String, AnalyticsStore.Mark> e : conversations.entrySet()) {
          String id = e.getKey();
          JsonObject facts = convById.get(id);
          if (facts == null) { // no such conversation (yet): nothing to count
            caughtUp.put(e.getValue().id(), true);
            continue;
          }
          JsonObject before = states.get("c:" + id);
          ConversationFold.State state = ConversationFold.State.fromJson(before);
          JsonObject was = state.toJson("c:" + id);
          Set<Long> gaps = new HashSet<>(e.getValue().gaps());
          ConversationFold.Result r = ConversationFold.fold(state, facts,
              seq -> gaps.contains(seq) || missingTooLong(id, seq, now), windowMs);
          deltas.addAll(r.deltas());
          JsonObject is = r.state().toJson("c:" + id);
          if (!is.equals(was)) newStates.add(is);
          caughtUp.put(e.getValue().id(), r.caughtUp());
          if (r.caughtUp()) missingSince.keySet().removeIf(k -> k.startsWith(id + ":"));
        }
        Map<String, JsonObject> ticketById = byId(ticketFacts.result().getJsonArray("tickets"));
        for (Map.Entry<String, AnalyticsStore.Mark> e : tickets.entrySet()) {
          String id = e.getKey();
          TicketFold.State before = TicketFold.State.fromJson(states.get("t:" + id));
          TicketFold.State after = TicketFold.of(ticketById.get(id));
          deltas.addAll(TicketFold.diff(before, after));
          if (!before.sameAs(after)) newStates.add(after.toJson("t:" + id));
          caughtUp.put(e.getValue().id(), true);
        }
        Future<Void> written = newStates.isEmpty() && deltas.isEmpty() ? Future.succeededFuture()
            : apply(AnalyticsStore.chunk(Mongo.newId(), newStates, deltas));
        return written.compose(v -> settle(due, caughtUp, now)).map(v -> due.size());
      });
    });
  }

  private Future<Void> apply(JsonObject chunk) {
    return store.writeChunk(chunk).compose(v -> store.applyChunk(chunk)).compose(v -> store.bumpVersion(AnalyticsStore.rollupIds(chunk)))
        .compose(v -> store.deleteChunk(chunk.getString("_id")));
  }

  /** Records what was folded; deletes the marks that are done (caught up, and folded {@code settle} after marking). */
  private Future<Void> settle(List<AnalyticsStore.Mark> due, Map<String, Boolean> caughtUp, long now) {
    List<AnalyticsStore.Mark> done = new ArrayList<>();
    for (AnalyticsStore.Mark m : due) {
      seen.put(m.id(), m.v());
      boolean upToDate = caughtUp.getOrDefault(m.id(), true);
      if (upToDate) behind.remove(m.id());
      else behind.add(m.id());
      if (now - m.at() >= settleMs) {
        settled.add(m.id());
        if (upToDate) done.add(m);
      }
    }
    return store.unmark(done);
  }

  /** Whether a number has had no message for {@code settle}: its writer is gone, it will stay empty. */
  private boolean missingTooLong(String conversationId, long seq, long now) {
    long since = missingSince.computeIfAbsent(conversationId + ":" + seq, k -> now);
    return now - since >= settleMs;
  }

  private static Map<String, JsonObject> byId(JsonArray docs) {
    Map<String, JsonObject> out = new HashMap<>();
    if (docs == null) return out;
    for (Object o : docs) {
      JsonObject d = (JsonObject) o;
      out.put(d.getString("_id"), d);
    }
    return out;
  }
}
