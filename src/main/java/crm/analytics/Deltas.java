package crm.analytics;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Increments to the rollup documents, added up before they are written: per document id, per counter path. A counter
 * of a slot goes to its scope's UTC day document ({@code s.q<index>.<counter>}) and to the scope's all-time totals
 * ({@code n.<counter>}), so the totals are always the sum of the days.
 *
 * <p>Scopes: {@link #TEAM} (everyone) and {@code a:<agentId>} (one agent). Counters (per slot):
 * <ul>
 * <li>{@code co ca cr cx}: conversations created in the slot, by the status they have now (open, assigned, resolved,
 *   closed); in an agent's scope, those assigned to the agent now;</li>
 * <li>{@code mt}: messages written in the slot (in an agent's scope: the agent's replies);</li>
 * <li>{@code cm}: customer messages written in the slot (team only);</li>
 * <li>{@code ab}, {@code aw}: customer messages of the slot answered by a reply (in an agent's scope, by theirs), and of
 *   those the ones answered within the response window;</li>
 * <li>{@code rs}, {@code rn}: the sum (ms) and number of response times whose oldest unanswered customer message lies
 *   in the slot;</li>
 * <li>{@code hc}: conversations an agent replied in for the first time in the slot;</li>
 * <li>{@code ta td}: tickets created in the slot, active or done (resolved, closed) now (in an agent's scope, assigned
 *   to the agent now); {@code ts}, {@code tn}: the sum (ms) and number of their resolution times.</li>
 * </ul>
 */
final class Deltas {
  static final String TEAM = "all";

  static final String CONV_OPEN = "co", CONV_ASSIGNED = "ca", CONV_RESOLVED = "cr", CONV_CLOSED = "cx";
  static final String MESSAGES = "mt", CUSTOMER = "cm", ANSWERED = "ab", IN_WINDOW = "aw";
  static final String RESPONSE_SUM = "rs", RESPONSE_N = "rn", HANDLED = "hc";
  static final String TICKET_ACTIVE = "ta", TICKET_DONE = "td", RESOLUTION_SUM = "ts", RESOLUTION_N = "tn";

  static String agent(String agentId) {
    return "a:" + agentId;
  }

  /** The counter of a conversation status, null for an unknown one (counted nowhere). */
  static String conversationCounter(String status) {
    if (status == null) return null;
    return switch (status) {
      case "open" -> CONV_OPEN;
      case "assigned" -> CONV_ASSIGNED;
      case "resolved" -> CONV_RESOLVED;
      case "closed" -> CONV_CLOSED;
      default -> null;
    };
  }

  /** docId -> path -> increment. */
  private final Map<String, Map<String, Long>> byDoc = new LinkedHashMap<>();

  void add(String scope, long slot, String counter, long n) {
    if (n == 0 || counter == null) return;
    int index = Slots.indexInDay(slot);
    bump(Slots.dayDoc(scope, Slots.utcDay(slot)), "s." + Slots.key(index) + "." + counter, n);
    bump(Slots.totalsDoc(scope), "n." + counter, n);
  }

  private void bump(String doc, String path, long n) {
    Map<String, Long> paths = byDoc.computeIfAbsent(doc, k -> new TreeMap<>());
    long v = paths.merge(path, n, Long::sum);
    if (v == 0) {
      paths.remove(path);
      if (paths.isEmpty()) byDoc.remove(doc);
    }
  }

  void addAll(Deltas other) {
    other.byDoc.forEach((doc, paths) -> paths.forEach((path, n) -> bump(doc, path, n)));
  }

  boolean isEmpty() {
    return byDoc.isEmpty();
  }

  /** docId -> {$inc} paths, nothing zero. */
  Map<String, Map<String, Long>> increments() {
    return byDoc;
  }

  /** The documents these increments make when applied to nothing (for the recount), each as path -> value. */
  Map<String, Map<String, Long>> asDocuments() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    byDoc.forEach((doc, paths) -> out.put(doc, new TreeMap<>(paths)));
    return out;
  }

  /** A stored rollup document flattened to path -> value, zeros and bookkeeping fields left out. */
  static Map<String, Long> flatten(JsonObject doc) {
    Map<String, Long> out = new TreeMap<>();
    flatten("", doc, out);
    return out;
  }

  private static void flatten(String prefix, JsonObject o, Map<String, Long> out) {
    for (Map.Entry<String, Object> e : o) {
      String key = e.getKey();
      if (prefix.isEmpty() && (key.equals("_id") || key.equals("lc"))) continue;
      String path = prefix.isEmpty() ? key : prefix + "." + key;
      if (e.getValue() instanceof JsonObject inner) flatten(path, inner, out);
      else if (e.getValue() instanceof Map<?, ?> m) flatten(path, new JsonObject(castMap(m)), out);
      else if (e.getValue() instanceof Number n && n.longValue() != 0) out.put(path, n.longValue());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }
}
