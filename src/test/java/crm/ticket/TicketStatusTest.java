package crm.ticket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The transition table, written out here independently of {@link TicketStatus} (README: Tickets). */
class TicketStatusTest {
  /** from -> the states it may go to; everything else is refused. */
  static final Map<String, Set<String>> EXPECTED = Map.of(
      "new", Set.of("open", "in_progress", "pending_customer", "waiting_internal", "resolved", "closed"),
      "open", Set.of("in_progress", "pending_customer", "waiting_internal", "resolved", "closed"),
      "in_progress", Set.of("open", "pending_customer", "waiting_internal", "resolved", "closed"),
      "pending_customer", Set.of("open", "in_progress", "waiting_internal", "resolved", "closed"),
      "waiting_internal", Set.of("open", "in_progress", "pending_customer", "resolved", "closed"),
      "resolved", Set.of("open", "closed"),
      "closed", Set.of());

  static boolean expected(String from, String to) {
    return EXPECTED.get(from).contains(to);
  }

  @Test
  void the_seven_states_and_every_pair_of_the_table() {
    assertThat(TicketStatus.ALL).containsExactly("new", "open", "in_progress", "pending_customer", "waiting_internal", "resolved", "closed");
    for (String from : TicketStatus.ALL) {
      for (String to : TicketStatus.ALL) {
        assertThat(TicketStatus.allowed(from, to)).as(from + " -> " + to).isEqualTo(expected(from, to));
      }
    }
    assertThat(TicketStatus.allowed("closed", "in_progress")).isFalse(); // NOTES row 1's example
    assertThat(TicketStatus.allowed("bogus", "open")).isFalse();
    assertThat(TicketStatus.ACTIVE).containsExactlyElementsOf(List.of("new", "open", "in_progress", "pending_customer", "waiting_internal"));
  }
}
