package crm.ticket;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The seven ticket states and the one table of allowed transitions (spec NOTES row 1). Anything not in the table,
 * including a state to itself and any way back to {@code new}, is refused with INVALID_STATUS_TRANSITION.
 *
 * <pre>
 * from \ to          open  in_progress  pending_customer  waiting_internal  resolved  closed
 * new                 x        x              x                  x              x        x
 * open                         x              x                  x              x        x
 * in_progress         x                       x                  x              x        x
 * pending_customer    x        x                                 x              x        x
 * waiting_internal    x        x              x                                 x        x
 * resolved            x                                                                  x     (open = reopened)
 * closed              (final)
 * </pre>
 */
public final class TicketStatus {
  private TicketStatus() {}

  public static final String NEW = "new";
  public static final String OPEN = "open";
  public static final String IN_PROGRESS = "in_progress";
  public static final String PENDING_CUSTOMER = "pending_customer";
  public static final String WAITING_INTERNAL = "waiting_internal";
  public static final String RESOLVED = "resolved";
  public static final String CLOSED = "closed";

  public static final List<String> ALL = List.of(NEW, OPEN, IN_PROGRESS, PENDING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED);
  /** States in which the ticket still needs work (SLA clocks run, escalation and assignment make sense). */
  public static final List<String> ACTIVE = List.of(NEW, OPEN, IN_PROGRESS, PENDING_CUSTOMER, WAITING_INTERNAL);

  private static final Map<String, Set<String>> ALLOWED = Map.of(
      NEW, Set.of(OPEN, IN_PROGRESS, PENDING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED),
      OPEN, Set.of(IN_PROGRESS, PENDING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED),
      IN_PROGRESS, Set.of(OPEN, PENDING_CUSTOMER, WAITING_INTERNAL, RESOLVED, CLOSED),
      PENDING_CUSTOMER, Set.of(OPEN, IN_PROGRESS, WAITING_INTERNAL, RESOLVED, CLOSED),
      WAITING_INTERNAL, Set.of(OPEN, IN_PROGRESS, PENDING_CUSTOMER, RESOLVED, CLOSED),
      RESOLVED, Set.of(OPEN, CLOSED),
      CLOSED, Set.of());

  public static boolean allowed(String from, String to) {
    return ALLOWED.getOrDefault(from, Set.of()).contains(to);
  }

  /** Where a ticket in {@code from} may go. */
  public static Set<String> next(String from) {
    return ALLOWED.getOrDefault(from, Set.of());
  }

  public static boolean active(String status) {
    return ACTIVE.contains(status);
  }
}
