package crm.analytics;

import crm.storage.Mongo;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * What one conversation adds to the rollups, computed from the conversation as it is and its messages in the order
 * they were recorded (their numbers), by one code path for both the running folder and the recount, so the two agree
 * by construction.
 *
 * <p>Definitions. A <b>reply</b> is an outbound message sent by an agent (it carries the agent's id) or by the
 * assistant ({@code metadata.sentBy: "assistant"}); automated notices ({@code sentBy: "system"}, such as a ticket's
 * resolution notice), reactions and anything sent without an agent are not replies. Customer messages wait for a reply
 * from the moment they are recorded; the first reply after them (by recorded order) answers every customer message
 * waiting, and gives one <b>response time</b>: the reply's time minus the time of the oldest message it answers (never
 * below 0: WhatsApp may deliver a message late), counted in the slot of that oldest message. Each answered message is
 * <b>answered within the window</b> when the reply's time is at most the window after its own time. At most
 * {@link #MAX_WAITING} messages wait at once: beyond that the oldest is dropped (it stays counted as a customer message
 * that was never answered).
 */
final class ConversationFold {
  static final int MAX_WAITING = 1000;

  /** The state kept per conversation between folds: {@code analytics_state} document {@code c:<id>}. */
  static final class State {
    Long createdSlot; // null: the conversation itself is not counted yet
    String status;
    String agent;
    long seq;
    final List<Long> waiting = new ArrayList<>();
    final List<String> replied = new ArrayList<>();

    static State fromJson(JsonObject doc) {
      State s = new State();
      if (doc == null) return s;
      s.createdSlot = doc.getLong("cs");
      s.status = doc.getString("st");
      s.agent = doc.getString("ag");
      s.seq = doc.getLong("seq", 0L);
      for (Object o : doc.getJsonArray("p", new JsonArray())) s.waiting.add(((Number) o).longValue());
      for (Object o : doc.getJsonArray("r", new JsonArray())) s.replied.add(String.valueOf(o));
      return s;
    }

    JsonObject toJson(String id) {
      JsonObject doc = new JsonObject().put("_id", id).put("cs", createdSlot).put("st", status).put("ag", agent).put("seq", seq);
      doc.put("p", new JsonArray(new ArrayList<>(waiting))).put("r", new JsonArray(new ArrayList<>(replied)));
      return doc;
    }
  }

  /** The outcome of one fold: the new state, the increments, and whether it stopped before the last message. */
  record Result(State state, Deltas deltas, boolean caughtUp) {}

  private ConversationFold() {}

  /**
   * Folds {@code facts} (see {@code CONVERSATION_ANALYTICS_FACTS}: the conversation now, and its messages numbered after
   * {@code state.seq} up to {@code upTo}) into {@code state} (changed in place). A number without a message is skipped
   * when {@code skipMissing} says so (a number reserved for a message that will never be stored), else the fold stops
   * there and waits for it (an insert still on its way).
   */
  static Result fold(State state, JsonObject facts, LongPredicate skipMissing, long windowMs) {
    Deltas d = new Deltas();
    countConversation(state, facts, d);
    Map<Long, JsonObject> bySeq = new HashMap<>();
    for (Object o : facts.getJsonArray("messages", new JsonArray())) {
      JsonObject m = (JsonObject) o;
      bySeq.put(m.getLong("s"), m);
    }
    long top = facts.getLong("messageSeq", 0L);
    long upTo = Math.min(top, facts.getLong("upTo", top));
    boolean held = false;
    while (state.seq < upTo) {
      long next = state.seq + 1;
      JsonObject m = bySeq.get(next);
      if (m == null && !skipMissing.test(next)) {
        held = true;
        break;
      }
      if (m != null) message(state, m, d, windowMs);
      state.seq = next;
    }
    return new Result(state, d, !held && state.seq >= top);
  }

  /** The conversation's own counters: its creation slot, by the status and assignee it has now. */
  private static void countConversation(State state, JsonObject facts, Deltas d) {
    Long createdAt = facts.getLong("createdAt");
    if (createdAt == null) return;
    long slot = Slots.slotOf(createdAt);
    String status = facts.getString("status");
    String agent = facts.getString("assignedAgentId");
    if (state.createdSlot != null && state.createdSlot == slot && java.util.Objects.equals(state.status, status)
        && java.util.Objects.equals(state.agent, agent)) {
      return;
    }
    if (state.createdSlot != null) conversation(d, state.createdSlot, state.status, state.agent, -1);
    conversation(d, slot, status, agent, 1);
    state.createdSlot = slot;
    state.status = status;
    state.agent = agent;
  }

  private static void conversation(Deltas d, long slot, String status, String agent, int sign) {
    String counter = Deltas.conversationCounter(status);
    d.add(Deltas.TEAM, slot, counter, sign);
    if (agent != null) d.add(Deltas.agent(agent), slot, counter, sign);
  }

  private static void message(State state, JsonObject m, Deltas d, long windowMs) {
    Long t = m.getLong("t");
    if (t == null) return;
    long slot = Slots.slotOf(t);
    d.add(Deltas.TEAM, slot, Deltas.MESSAGES, 1);
    if ("i".equals(m.getString("d"))) {
      d.add(Deltas.TEAM, slot, Deltas.CUSTOMER, 1);
      if (state.waiting.size() >= MAX_WAITING) state.waiting.remove(0);
      state.waiting.add(t);
      return;
    }
    String who = replier(m);
    if (who == null) return;
    String agentScope = who.equals(ASSISTANT) ? null : Deltas.agent(who);
    if (agentScope != null) d.add(agentScope, slot, Deltas.MESSAGES, 1);
    if (!state.waiting.isEmpty()) {
      long oldest = Long.MAX_VALUE;
      for (long w : state.waiting) oldest = Math.min(oldest, w);
      long oldestSlot = Slots.slotOf(oldest);
      long took = Math.max(0, t - oldest);
      answer(d, Deltas.TEAM, oldestSlot, took);
      if (agentScope != null) answer(d, agentScope, oldestSlot, took);
      for (long w : state.waiting) {
        long ws = Slots.slotOf(w);
        boolean inWindow = t - w <= windowMs;
        d.add(Deltas.TEAM, ws, Deltas.ANSWERED, 1);
        if (inWindow) d.add(Deltas.TEAM, ws, Deltas.IN_WINDOW, 1);
        if (agentScope != null) {
          d.add(agentScope, ws, Deltas.ANSWERED, 1);
          if (inWindow) d.add(agentScope, ws, Deltas.IN_WINDOW, 1);
        }
      }
      state.waiting.clear();
    }
    if (agentScope != null && !state.replied.contains(who)) {
      state.replied.add(who);
      d.add(agentScope, slot, Deltas.HANDLED, 1);
    }
  }

  private static void answer(Deltas d, String scope, long slot, long took) {
    d.add(scope, slot, Deltas.RESPONSE_SUM, took);
    d.add(scope, slot, Deltas.RESPONSE_N, 1);
  }

  static final String ASSISTANT = "assistant";

  /** "assistant", the replying agent's id, or null when the message is not a reply. */
  static String replier(JsonObject m) {
    String sentBy = m.getString("b");
    if (ASSISTANT.equals(sentBy)) return ASSISTANT;
    if ("system".equals(sentBy) || "reaction".equals(m.getString("w"))) return null;
    String agent = m.getString("a");
    return Mongo.isObjectId(agent) ? agent : null;
  }
}
