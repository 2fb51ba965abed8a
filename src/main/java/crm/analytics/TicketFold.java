package crm.analytics;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What one ticket adds to the rollups: in the slot it was created in, one active or done (resolved, closed) ticket, and
 * for a done one its resolution time ({@code resolutionMs}, which a reopening removes), for everyone and for the agent
 * it is assigned to now. Folding a ticket again takes its previous contribution back and adds the new one, so a fold
 * may run any number of times.
 */
final class TicketFold {
  private TicketFold() {}

  static final class State {
    Long createdSlot;
    boolean done;
    String agent;
    Long resolutionMs;

    static State fromJson(JsonObject doc) {
      State s = new State();
      if (doc == null) return s;
      s.createdSlot = doc.getLong("cs");
      s.done = doc.getBoolean("done", false);
      s.agent = doc.getString("ag");
      s.resolutionMs = doc.getLong("rm");
      return s;
    }

    JsonObject toJson(String id) {
      return new JsonObject().put("_id", id).put("cs", createdSlot).put("done", done).put("ag", agent).put("rm", resolutionMs);
    }

    boolean sameAs(State o) {
      return Objects.equals(createdSlot, o.createdSlot) && done == o.done && Objects.equals(agent, o.agent)
          && Objects.equals(resolutionMs, o.resolutionMs);
    }
  }

  static boolean isDone(String status) {
    return "resolved".equals(status) || "closed".equals(status);
  }

  /** The ticket as {@code TICKET_ANALYTICS_FACTS} gives it, or null (it does not exist: counts nothing). */
  static State of(JsonObject facts) {
    State s = new State();
    if (facts == null || facts.getLong("createdAt") == null) return s;
    s.createdSlot = Slots.slotOf(facts.getLong("createdAt"));
    s.done = isDone(facts.getString("status"));
    s.agent = facts.getString("assignedAgentId");
    Long rm = facts.getLong("resolutionMs");
    s.resolutionMs = s.done && rm != null && rm >= 0 ? rm : null;
    return s;
  }

  /** The increments from {@code before} to {@code after} (empty when nothing changed). */
  static Deltas diff(State before, State after) {
    Deltas d = new Deltas();
    if (before.sameAs(after)) return d;
    contribute(d, before, -1);
    contribute(d, after, 1);
    return d;
  }

  private static void contribute(Deltas d, State s, int sign) {
    if (s.createdSlot == null) return;
    add(d, Deltas.TEAM, s, sign);
    if (s.agent != null) add(d, Deltas.agent(s.agent), s, sign);
  }

  private static void add(Deltas d, String scope, State s, int sign) {
    d.add(scope, s.createdSlot, s.done ? Deltas.TICKET_DONE : Deltas.TICKET_ACTIVE, sign);
    if (s.done && s.resolutionMs != null) {
      d.add(scope, s.createdSlot, Deltas.RESOLUTION_SUM, sign * s.resolutionMs);
      d.add(scope, s.createdSlot, Deltas.RESOLUTION_N, sign);
    }
  }
}
