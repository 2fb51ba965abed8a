package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import crm.storage.Mongo;
import crm.support.MemoryMongo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stored webhooks held with a lease, as several nodes sharing one database see them: a live holder keeps its documents;
 * a holder that left the cluster, or whose lease ran out, loses them to exactly one claimer; a renewal keeps them.
 */
class WebhookLeaseTest {
  @RegisterExtension static final MemoryMongo.PerTest db = new MemoryMongo.PerTest("leases");
  Mongo mongo;

  @BeforeEach
  void freshDatabase() {
    mongo = db.mongo();
  }

  private WebhookEventStore node(String id, Duration lease) {
    return new WebhookEventStore(mongo, id, lease);
  }

  private static List<String> ids(List<JsonObject> docs) {
    return docs.stream().map(d -> d.getString("_id")).toList();
  }

  private List<String> store(WebhookEventStore store, int n) throws Exception {
    List<String> raws = new ArrayList<>();
    for (int i = 0; i < n; i++) raws.add("{\"n\":" + i + "}");
    List<String> out = new ArrayList<>();
    // one group per body: one document each
    List<List<String>> groups = raws.stream().map(List::of).toList();
    for (List<JsonObject> docs : await(store.store(groups))) out.addAll(ids(docs));
    return out;
  }

  @Test
  void documents_of_a_live_holder_are_not_claimed() throws Exception {
    WebhookEventStore a = node("a", Duration.ofMinutes(1));
    WebhookEventStore b = node("b", Duration.ofMinutes(1));
    store(a, 3);
    assertThat(await(b.claim(Set.of("a", "b"), 20))).isEmpty();
  }

  @Test
  void documents_of_a_node_that_left_go_to_one_claimer_each() throws Exception {
    WebhookEventStore a = node("a", Duration.ofMinutes(1));
    List<String> stored = store(a, 30);
    List<WebhookEventStore> claimers = List.of(node("b", Duration.ofMinutes(1)), node("c", Duration.ofMinutes(1)),
        node("d", Duration.ofMinutes(1)));
    Set<String> live = Set.of("b", "c", "d"); // a is gone
    List<String> all = new ArrayList<>();
    for (int round = 0; round < 20; round++) { // the three claim at once, round after round, as their sweeps would
      List<Future<List<JsonObject>>> claims = new ArrayList<>();
      for (WebhookEventStore c : claimers) claims.add(c.claim(live, 10));
      int got = 0;
      for (Future<List<JsonObject>> f : claims) {
        List<String> mine = ids(await(f));
        got += mine.size();
        all.addAll(mine);
      }
      if (got == 0) break;
    }
    assertThat(all).as("every document claimed").containsExactlyInAnyOrderElementsOf(stored);
    assertThat(new HashSet<>(all)).as("each by one claimer only").hasSize(all.size());
    JsonObject held = await(mongo.client().findOne(WebhookEventStore.COLLECTION, new JsonObject().put("_id", stored.get(0)), null));
    assertThat(held.getString("node")).isIn("b", "c", "d");
    assertThat(held.getInteger("claims")).isEqualTo(1);
  }

  @Test
  void an_expired_lease_is_taken_over_and_a_renewed_one_is_not() throws Exception {
    WebhookEventStore a = node("a", Duration.ofMinutes(1));
    WebhookEventStore b = node("b", Duration.ofMinutes(1));
    List<String> stored = store(a, 2);
    expire(stored); // both leases over, as if a had stopped renewing a minute ago
    await(a.renew(List.of(stored.get(0)))); // a still works on the first: renewed
    List<JsonObject> taken = await(b.claim(Set.of("a", "b"), 20));
    assertThat(ids(taken)).containsExactly(stored.get(1));
    // a renewal does not take back what another node claimed
    await(a.renew(stored));
    JsonObject second = await(mongo.client().findOne(WebhookEventStore.COLLECTION, new JsonObject().put("_id", stored.get(1)), null));
    assertThat(second.getString("node")).isEqualTo("b");
    assertThat(await(node("c", Duration.ofMinutes(1)).claim(Set.of("a", "b", "c"), 20))).isEmpty();
  }

  private void expire(List<String> ids) throws Exception {
    JsonObject past = Mongo.date(java.time.Instant.now().minusSeconds(60));
    await(mongo.client().updateCollectionWithOptions(WebhookEventStore.COLLECTION,
        new JsonObject().put("_id", new JsonObject().put("$in", new io.vertx.core.json.JsonArray(ids))),
        new JsonObject().put("$set", new JsonObject().put("leaseUntil", past)), new io.vertx.ext.mongo.UpdateOptions().setMulti(true)));
  }

  @Test
  void documents_stored_before_leases_existed_are_free() throws Exception {
    await(mongo.client().insert(WebhookEventStore.COLLECTION, new JsonObject().put("_id", "old").put("bodies", new io.vertx.core.json.JsonArray().add("{}"))
        .put("count", 1).put("receivedAt", Mongo.now())));
    assertThat(ids(await(node("b", Duration.ofMinutes(1)).claim(Set.of("b"), 20)))).containsExactly("old");
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
