package crm.analytics;

import crm.bus.Addresses;
import crm.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts everything again from the raw collections (through the inbox's and the ticket verticle's addresses), with the
 * same folds the running folder uses: every conversation from no state, all its messages in number order, every
 * ticket. What comes out is what the rollups must hold; the tests compare, {@code scripts/seed-demo} and the start-up
 * check write it.
 */
final class Recount {
  private static final int BATCH = 200;
  private static final int MESSAGES_PER_REQUEST = 100_000;

  /** The recounted states and rollups; conversations stopped at a number with no message (waiting, when asked to). */
  record Result(List<JsonObject> states, Deltas deltas, long conversations, long messages, long tickets, List<String> waiting) {}

  private final Bus bus;
  private final long windowMs;
  private final boolean waitForMissing;

  private final List<JsonObject> states = new ArrayList<>();
  private final Deltas deltas = new Deltas();
  private final List<String> waiting = new ArrayList<>();
  private long messages;
  private long conversations;

  /**
   * {@code waitForMissing}: a number without a message stops its conversation there (it is marked, and the folder goes
   * on from it: an insert may be on its way while writers run); otherwise it is a gap (everything is written).
   */
  Recount(Bus bus, long windowMs, boolean waitForMissing) {
    this.bus = bus;
    this.windowMs = windowMs;
    this.waitForMissing = waitForMissing;
  }

  Future<Result> run() {
    return bus.request(Addresses.CONVERSATION_ANALYTICS_IDS, new JsonObject(), 120_000).compose(res -> {
      List<String> ids = new ArrayList<>();
      for (Object o : res.getJsonArray("ids", new JsonArray())) ids.add(String.valueOf(o));
      // two batches in flight: one is read while the other is folded
      Future<Void> a = batches(ids, 0);
      Future<Void> b = batches(ids, BATCH);
      return Future.all(a, b);
    }).compose(v -> bus.request(Addresses.TICKET_ANALYTICS_FACTS, new JsonObject(), 120_000)).map(res -> {
      long tickets = 0;
      for (Object o : res.getJsonArray("tickets", new JsonArray())) {
        JsonObject t = (JsonObject) o;
        TicketFold.State s = TicketFold.of(t);
        deltas.addAll(TicketFold.diff(new TicketFold.State(), s));
        states.add(s.toJson("t:" + t.getString("_id")));
        tickets++;
      }
      return new Result(states, deltas, conversations, messages, tickets, waiting);
    });
  }

  /** The batches starting at {@code from}, {@code from} + 2 batches, ... one after the other. */
  private Future<Void> batches(List<String> ids, int from) {
    if (from >= ids.size()) return Future.succeededFuture();
    Map<String, ConversationFold.State> open = new HashMap<>();
    for (String id : ids.subList(from, Math.min(ids.size(), from + BATCH))) open.put(id, new ConversationFold.State());
    return foldBatch(open).compose(v -> batches(ids, from + 2 * BATCH));
  }

  /** Folds these conversations until each is done (one request, more for a conversation of very many messages). */
  private Future<Void> foldBatch(Map<String, ConversationFold.State> open) {
    if (open.isEmpty()) return Future.succeededFuture();
    JsonArray items = new JsonArray();
    open.forEach((id, s) -> items.add(new JsonObject().put("id", id).put("after", s.seq).put("limit", MESSAGES_PER_REQUEST)));
    return bus.request(Addresses.CONVERSATION_ANALYTICS_FACTS, new JsonObject().put("items", items), 120_000).compose(res -> {
      Map<String, ConversationFold.State> again = new HashMap<>();
      Map<String, JsonObject> found = new HashMap<>();
      for (Object o : res.getJsonArray("conversations", new JsonArray())) found.put(((JsonObject) o).getString("_id"), (JsonObject) o);
      open.forEach((id, state) -> {
        JsonObject facts = found.get(id);
        if (facts == null) return; // gone since it was listed
        boolean first = state.createdSlot == null && state.seq == 0;
        messages += facts.getJsonArray("messages", new JsonArray()).size();
        ConversationFold.Result r = ConversationFold.fold(state, facts, seq -> !waitForMissing, windowMs);
        deltas.addAll(r.deltas());
        if (first) conversations++;
        long top = facts.getLong("messageSeq", 0L);
        long upTo = Math.min(top, facts.getLong("upTo", top));
        if (!r.caughtUp() && state.seq < upTo) { // stopped at a number without a message: the folder goes on later
          waiting.add(id);
          states.add(state.toJson("c:" + id));
        } else if (!r.caughtUp()) {
          again.put(id, state); // more messages than one request reads
        } else {
          states.add(state.toJson("c:" + id));
        }
      });
      return foldBatch(again);
    });
  }
}
