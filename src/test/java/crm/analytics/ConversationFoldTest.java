package crm.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-conversation fold on its own: order by number, waiting for a missing number, gaps, late messages, statuses. */
class ConversationFoldTest {
  static final String AGENT = "0123456789abcdef01234567";
  static final long HOUR = 3_600_000;
  static final long T0 = Instant.parse("2026-01-10T09:00:00Z").toEpochMilli();

  static JsonObject facts(String status, String agent, long messageSeq, JsonObject... messages) {
    return new JsonObject().put("_id", "c1").put("status", status).put("assignedAgentId", agent).put("createdAt", T0)
        .put("messageSeq", messageSeq).put("messages", new JsonArray(java.util.List.of((Object[]) messages)));
  }

  static JsonObject in(long seq, long t) {
    return new JsonObject().put("s", seq).put("d", "i").put("t", t);
  }

  static JsonObject reply(long seq, long t) {
    return new JsonObject().put("s", seq).put("d", "o").put("t", t).put("a", AGENT);
  }

  static long team(Deltas d, String counter) {
    return d.increments().getOrDefault("t:all", Map.of()).getOrDefault("n." + counter, 0L);
  }

  @Test
  void a_missing_number_is_waited_for_and_a_gap_is_skipped() {
    ConversationFold.State s = new ConversationFold.State();
    ConversationFold.Result r = ConversationFold.fold(s, facts("open", null, 3, in(1, T0), reply(3, T0 + 60_000)), seq -> false, HOUR);
    assertThat(r.caughtUp()).isFalse();
    assertThat(s.seq).isEqualTo(1);
    assertThat(team(r.deltas(), "rn")).isZero();
    // number 2 never comes (a duplicate's): skipped, the reply answers message 1 after one minute
    r = ConversationFold.fold(s, facts("open", null, 3, reply(3, T0 + 60_000)), seq -> seq == 2, HOUR);
    assertThat(r.caughtUp()).isTrue();
    assertThat(team(r.deltas(), "rs")).isEqualTo(60_000);
    assertThat(team(r.deltas(), "aw")).isEqualTo(1);
  }

  @Test
  void a_message_delivered_late_answers_at_zero_and_the_oldest_waiting_message_sets_the_time() {
    ConversationFold.State s = new ConversationFold.State();
    // recorded in this order: a message, a second one whose WhatsApp time is later than the reply's, then the reply
    ConversationFold.Result r = ConversationFold.fold(s, facts("open", null, 3,
        in(1, T0), in(2, T0 + 2 * HOUR), reply(3, T0 + 90 * 60_000)), seq -> true, HOUR);
    assertThat(team(r.deltas(), "rn")).isEqualTo(1);
    assertThat(team(r.deltas(), "rs")).isEqualTo(90 * 60_000); // from the oldest waiting message
    assertThat(team(r.deltas(), "ab")).isEqualTo(2);
    assertThat(team(r.deltas(), "aw")).isEqualTo(1); // the late one: -30 min, within; the first: 90 min, not
    assertThat(s.waiting).isEmpty();
  }

  @Test
  void a_status_or_assignee_change_moves_the_conversation_between_counters() {
    ConversationFold.State s = new ConversationFold.State();
    ConversationFold.fold(s, facts("open", null, 0), seq -> true, HOUR);
    ConversationFold.Result r = ConversationFold.fold(s, facts("assigned", AGENT, 0), seq -> true, HOUR);
    assertThat(team(r.deltas(), "co")).isEqualTo(-1);
    assertThat(team(r.deltas(), "ca")).isEqualTo(1);
    assertThat(r.deltas().increments().get("t:a:" + AGENT)).containsEntry("n.ca", 1L);
    r = ConversationFold.fold(s, facts("assigned", AGENT, 0), seq -> true, HOUR);
    assertThat(r.deltas().isEmpty()).isTrue();
  }

  @Test
  void at_most_max_waiting_messages_wait() {
    ConversationFold.State s = new ConversationFold.State();
    int n = ConversationFold.MAX_WAITING + 5;
    JsonObject[] messages = new JsonObject[n];
    for (int i = 0; i < n; i++) messages[i] = in(i + 1, T0 + i);
    ConversationFold.Result r = ConversationFold.fold(s, facts("open", null, n, messages), seq -> true, HOUR);
    assertThat(s.waiting).hasSize(ConversationFold.MAX_WAITING).first().isEqualTo(T0 + 5);
    assertThat(team(r.deltas(), "cm")).isEqualTo(n);
  }
}
