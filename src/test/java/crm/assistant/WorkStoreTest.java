package crm.assistant;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.MemoryMongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The assistant's to-do list on the embedded store: a message queued and claimed in one write, a held conversation
 * only queued (and its holder keeps it until everything is answered), one winner among concurrent claims, an expired
 * lease taken over, and the hour's turn count carried from one claim to the next.
 */
class WorkStoreTest {
  @RegisterExtension static final MemoryMongo.PerTest db = new MemoryMongo.PerTest("work");
  Mongo mongo;
  WorkStore work;
  final String conversation = Mongo.newId();

  @BeforeEach
  void freshDatabase() {
    mongo = db.mongo();
    work = new WorkStore(mongo);
  }

  @Test
  void a_first_message_is_queued_and_claimed_in_one_write() throws Exception {
    JsonObject claimed = await(work.pendingAndClaim(conversation, 3, "t1", "node-a", 30_000));
    assertThat(claimed.getString("claimToken")).isEqualTo("t1");
    assertThat(claimed.getString("claimBy")).isEqualTo("node-a");
    assertThat(claimed.getLong("pendingSeq")).isEqualTo(3);
    assertThat(claimed.getLong("doneSeq")).isEqualTo(-1);
    assertThat(claimed.getBoolean("pending")).isTrue();
  }

  @Test
  void a_held_conversation_is_only_queued_and_its_holder_answers_it_before_letting_go() throws Exception {
    await(work.pendingAndClaim(conversation, 1, "t1", "node-a", 30_000));
    assertThat(await(work.pendingAndClaim(conversation, 2, "t2", "node-b", 30_000))).isNull();
    JsonObject doc = await(work.get(conversation));
    assertThat(doc.getLong("pendingSeq")).isEqualTo(2);
    assertThat(doc.getString("claimToken")).isEqualTo("t1");

    WorkStore.Hour hour = new WorkStore.Hour(doc);
    hour.count(Instant.now());
    assertThat(await(work.finish(conversation, "t1", 1, hour))).as("message 2 came meanwhile: the claim is kept").isFalse();
    assertThat(await(work.countPending())).as("still waiting for an answer").isEqualTo(1);
    doc = await(work.get(conversation));
    assertThat(doc.getString("claimToken")).isEqualTo("t1");
    assertThat(doc.getLong("doneSeq")).isEqualTo(1);

    hour.count(Instant.now());
    assertThat(await(work.finish(conversation, "t1", 2, hour))).isTrue();
    assertThat(await(work.countPending())).as("everything answered").isZero();
    doc = await(work.get(conversation));
    assertThat(doc.getString("claimToken")).isNull();
    assertThat(doc.getBoolean("pending")).isFalse();
    assertThat(doc.getInteger("hourTurns")).isEqualTo(2);

    JsonObject next = await(work.pendingAndClaim(conversation, 3, "t3", "node-b", 30_000));
    assertThat(next.getString("claimToken")).isEqualTo("t3");
    assertThat(next.getLong("doneSeq")).isEqualTo(2);
    assertThat(new WorkStore.Hour(next).count(Instant.now())).as("the hour's count goes on from the last claim").isEqualTo(3);
  }

  @Test
  void of_many_nodes_queuing_at_once_exactly_one_holds_the_conversation() throws Exception {
    List<Future<JsonObject>> all = new ArrayList<>();
    for (int i = 1; i <= 20; i++) all.add(work.pendingAndClaim(conversation, i, "t" + i, "node-" + i, 30_000));
    await(Future.join(all));
    long winners = all.stream().filter(f -> f.result() != null).count();
    assertThat(winners).isEqualTo(1);
    JsonObject doc = await(work.get(conversation));
    assertThat(doc.getLong("pendingSeq")).isEqualTo(20);
    String winner = all.stream().filter(f -> f.result() != null).findFirst().orElseThrow().result().getString("claimToken");
    assertThat(doc.getString("claimToken")).isEqualTo(winner);
  }

  @Test
  void a_lease_that_ran_out_is_taken_over_by_the_next_message() throws Exception {
    await(work.pendingAndClaim(conversation, 1, "dead", "node-a", -1_000)); // its lease is already over
    JsonObject taken = await(work.pendingAndClaim(conversation, 2, "alive", "node-b", 30_000));
    assertThat(taken).isNotNull();
    assertThat(taken.getString("claimBy")).isEqualTo("node-b");
    assertThat(await(work.finish(conversation, "dead", 2, new WorkStore.Hour(null)))).as("the dead holder's finish changes nothing")
        .isFalse();
    assertThat(await(work.get(conversation)).getString("claimToken")).isEqualTo("alive");
  }

  @Test
  void an_hour_that_is_over_starts_the_count_again() {
    JsonObject old = new JsonObject().put("hourStart", Mongo.date(Instant.now().minusSeconds(3_700))).put("hourTurns", 30);
    assertThat(new WorkStore.Hour(old).count(Instant.now())).isEqualTo(1);
    JsonObject recent = new JsonObject().put("hourStart", Mongo.date(Instant.now().minusSeconds(600))).put("hourTurns", 30);
    assertThat(new WorkStore.Hour(recent).count(Instant.now())).isEqualTo(31);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.await(10, TimeUnit.SECONDS);
  }
}
