package crm.analytics;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A rollup document parsed once into arrays (the dashboard adds up about 3,000 slots per request): for a day document
 * {@code 96 x N} counters and which slots are present, for a totals document {@code N} counters.
 */
final class Rollup {
  static final List<String> COUNTERS = List.of(Deltas.CONV_OPEN, Deltas.CONV_ASSIGNED, Deltas.CONV_RESOLVED, Deltas.CONV_CLOSED,
      Deltas.MESSAGES, Deltas.CUSTOMER, Deltas.ANSWERED, Deltas.IN_WINDOW, Deltas.RESPONSE_SUM, Deltas.RESPONSE_N, Deltas.HANDLED,
      Deltas.TICKET_ACTIVE, Deltas.TICKET_DONE, Deltas.RESOLUTION_SUM, Deltas.RESOLUTION_N);
  static final int N = COUNTERS.size();
  static final int CO = 0, CA = 1, CR = 2, CX = 3, MT = 4, CM = 5, AB = 6, AW = 7, RS = 8, RN = 9, HC = 10, TA = 11, TD = 12,
      TS = 13, TN = 14;

  /** Day document: slot * N + counter; totals: counter. */
  final long[] values;
  final boolean[] present;

  private Rollup(long[] values, boolean[] present) {
    this.values = values;
    this.present = present;
  }

  static int index(String counter) {
    return COUNTERS.indexOf(counter);
  }

  static Rollup day(JsonObject doc) {
    long[] values = new long[Slots.PER_DAY * N];
    boolean[] present = new boolean[Slots.PER_DAY];
    JsonObject slots = doc.getJsonObject("s");
    if (slots != null) {
      for (String key : slots.fieldNames()) {
        int slot = Integer.parseInt(key.substring(1));
        if (slot < 0 || slot >= Slots.PER_DAY || !(slots.getValue(key) instanceof JsonObject c)) continue;
        present[slot] = true;
        read(c, values, slot * N);
      }
    }
    return new Rollup(values, present);
  }

  static Rollup totals(JsonObject doc) {
    long[] values = new long[N];
    JsonObject n = doc.getJsonObject("n");
    if (n != null) read(n, values, 0);
    return new Rollup(values, new boolean[0]);
  }

  static Rollup of(String id, JsonObject doc) {
    return id.startsWith("t:") ? totals(doc) : day(doc);
  }

  private static void read(JsonObject counters, long[] into, int at) {
    for (String k : counters.fieldNames()) {
      int i = COUNTERS.indexOf(k);
      if (i >= 0 && counters.getValue(k) instanceof Number n) into[at + i] = n.longValue();
    }
  }

  long total(int counter) {
    return values[counter];
  }
}
