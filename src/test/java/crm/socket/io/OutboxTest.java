package crm.socket.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a socket keeps for its client ({@link Outbox}): order, what a client lacks after its offset, pongs, bounds. */
class OutboxTest {
  private static Recovery.Entry entry(String offset) {
    return new Recovery.Entry(offset, new JsonArray().add("news").add(new JsonObject().put("o", offset)).add(offset));
  }

  private static List<String> offsets(List<Recovery.Entry> entries) {
    return entries == null ? null : entries.stream().map(Recovery.Entry::offset).toList();
  }

  @Test
  void a_client_lacks_what_came_after_its_offset_in_the_order_it_was_written() {
    Outbox o = new Outbox(10);
    for (String s : List.of("c", "a", "b")) o.add(entry(s)); // written in this order, whatever their names
    assertThat(offsets(o.after("c"))).containsExactly("a", "b");
    assertThat(offsets(o.after("a"))).containsExactly("b");
    assertThat(offsets(o.after("b"))).isEmpty();
    assertThat(offsets(o.after(null))).as("a client that got nothing lacks everything").containsExactly("c", "a", "b");
  }

  @Test
  void an_offset_never_written_here_cannot_be_placed() {
    Outbox o = new Outbox(10);
    o.add(entry("a"));
    assertThat(o.after("forged")).isNull();
    assertThat(o.after("")).isNull();
  }

  @Test
  void a_pong_drops_what_was_written_before_its_ping_and_remembers_the_newest() {
    Outbox o = new Outbox(10);
    o.add(entry("a"));
    o.add(entry("b"));
    o.pingSent();
    o.add(entry("c"));
    o.pongReceived();
    assertThat(o.size()).isEqualTo(1);
    assertThat(offsets(o.after("b"))).as("the client's last is the newest confirmed: it lacks the rest").containsExactly("c");
    assertThat(offsets(o.after("c"))).isEmpty();
    assertThat(o.after("a")).as("older than what the pong proved it has: not its last").isNull();
    assertThat(o.after(null)).as("a client that claims to have nothing, though it answered after b").isNull();
  }

  @Test
  void a_pong_without_a_ping_or_after_an_empty_one_drops_nothing() {
    Outbox o = new Outbox(10);
    o.pongReceived();
    o.pingSent(); // nothing pending yet
    o.add(entry("a"));
    o.pongReceived();
    assertThat(offsets(o.after(null))).containsExactly("a");
    o.pongReceived();
    assertThat(offsets(o.after(null))).containsExactly("a");
  }

  @Test
  void one_more_than_the_bound_breaks_it_and_frees_what_it_held() {
    Outbox o = new Outbox(3);
    for (String s : List.of("a", "b", "c")) o.add(entry(s));
    assertThat(o.broken()).isFalse();
    assertThat(offsets(o.after("a"))).containsExactly("b", "c");
    o.add(entry("d"));
    assertThat(o.broken()).isTrue();
    assertThat(o.size()).isZero();
    assertThat(o.after("a")).isNull();
    assertThat(o.after(null)).isNull();
    o.add(entry("e"));
    assertThat(o.size()).as("a broken outbox keeps nothing more").isZero();
  }

  @Test
  void a_broadcast_that_cannot_be_replayed_breaks_it() {
    Outbox o = new Outbox(10);
    o.add(entry("a"));
    o.add(new Recovery.Entry("bin", null));
    assertThat(o.broken()).isTrue();
    assertThat(o.after("a")).isNull();
    assertThat(o.after("bin")).isNull();
  }

  @Test
  void a_broken_outbox_heals_when_the_client_answers_the_next_ping() {
    Outbox o = new Outbox(2);
    for (String s : List.of("a", "b", "c")) o.add(entry(s)); // one too many: broken
    o.add(entry("d"));
    o.pingSent(); // written after d: its pong proves the client has d
    o.add(entry("e"));
    assertThat(o.broken()).isFalse();
    assertThat(o.after("d")).as("not proven before the pong").isNull();
    assertThat(offsets(o.after("e"))).as("what came after the ping is exact").isEmpty();
    o.pongReceived();
    assertThat(offsets(o.after("d"))).containsExactly("e");
    assertThat(o.after("c")).isNull();
    assertThat(o.after(null)).isNull();

    Outbox bin = new Outbox(10);
    bin.add(entry("a"));
    bin.add(new Recovery.Entry("bin", null));
    bin.pingSent();
    bin.pongReceived();
    assertThat(offsets(bin.after("bin"))).isEmpty();
  }

  @Test
  void a_break_between_a_healing_ping_and_its_pong_waits_for_the_next_ping() {
    Outbox o = new Outbox(1);
    o.add(entry("a"));
    o.add(entry("b")); // broken
    o.pingSent();
    o.add(entry("c"));
    o.add(entry("d")); // broken again before the pong
    o.pongReceived();
    assertThat(o.broken()).isTrue();
    assertThat(o.after("b")).isNull();
    o.pingSent();
    o.pongReceived();
    assertThat(offsets(o.after("d"))).isEmpty();
  }

  @Test
  void a_restored_outbox_knows_the_client_has_its_offset_and_lacks_the_replayed_ones_until_a_pong() {
    Outbox o = Outbox.restored(10, "x", List.of(entry("y"), entry("z")));
    assertThat(offsets(o.after("x"))).as("dropped again before reading the replay").containsExactly("y", "z");
    assertThat(offsets(o.after("y"))).containsExactly("z");
    assertThat(o.after(null)).isNull();
    o.pingSent();
    o.pongReceived();
    assertThat(offsets(o.after("z"))).isEmpty();
    assertThat(o.after("x")).isNull();

    Outbox none = Outbox.restored(10, null, List.of(entry("y")));
    assertThat(offsets(none.after(null))).as("a client that had no offset still has none").containsExactly("y");
  }

  @Test
  void an_entry_is_read_back_from_its_packet_data() {
    Recovery.Entry e = entry("k1");
    assertThat(Recovery.Entry.of(e.data())).isEqualTo(e);
    assertThat(Recovery.Entry.of(new JsonArray().add("news").add(42))).isNull();
    assertThat(Recovery.Entry.of(new JsonArray())).isNull();
    Recovery.Restored r = new Recovery.Restored("sid", List.of("everyone"), "k0", List.of(e));
    assertThat(Recovery.Restored.fromJson(r.toJson())).isEqualTo(r);
    assertThat(Recovery.Restored.fromJson(new JsonObject())).isNull();
    assertThat(Recovery.Restored.fromJson(r.toJson().put("missed", new JsonArray().add(new JsonArray().add(1))))).isNull();
  }
}
