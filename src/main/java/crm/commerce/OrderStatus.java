package crm.commerce;

import java.util.List;

/**
 * An order's life: {@code reserving} (being placed: its stock is being taken; never shown) becomes {@code pending}, or
 * {@code failed} when placing it did not finish (never shown either). Then forward along {@link #FLOW}, steps may be
 * skipped (the spec's timeline goes confirmed -> shipped); {@code cancelled} from pending, confirmed or processing,
 * which gives the stock back. Nothing leaves delivered or cancelled.
 */
final class OrderStatus {
  private OrderStatus() {}

  static final String RESERVING = "reserving";
  static final String FAILED = "failed";
  static final String PENDING = "pending";
  static final String CANCELLED = "cancelled";
  static final List<String> FLOW = List.of(PENDING, "confirmed", "processing", "shipped", "in_transit", "delivered");
  static final List<String> CANCELLABLE = List.of(PENDING, "confirmed", "processing");
  /** The statuses an order that exists for the customer can have, in order. */
  static final List<String> VISIBLE = List.of(PENDING, "confirmed", "processing", "shipped", "in_transit", "delivered", CANCELLED);
  /** Every status, the internal ones included (for operators' lists). */
  static final List<String> ALL = List.of(RESERVING, FAILED, PENDING, "confirmed", "processing", "shipped", "in_transit",
      "delivered", CANCELLED);

  static boolean allowed(String from, String to) {
    if (CANCELLED.equals(to)) return CANCELLABLE.contains(from);
    int a = FLOW.indexOf(from);
    int b = FLOW.indexOf(to);
    return a >= 0 && b > a;
  }

  /** The statuses {@code from} may go to. */
  static List<String> next(String from) {
    return VISIBLE.stream().filter(to -> allowed(from, to)).toList();
  }
}
