package crm.conversation;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read cache's one rule: it never keeps what a read saw before a write that it heard of after the read began. */
class ReadCacheTest {

  private static ReadCache cache(int maxKeys) {
    return new ReadCache("crm.things", d -> d.get("_id"), maxKeys, 2);
  }

  private static Map<String, Object> doc(String id) {
    return Map.of("_id", id);
  }

  @Test
  void a_read_that_raced_a_write_is_not_kept() {
    ReadCache c = cache(100);
    long stamp = c.stamp();                       // a read is sent
    c.changed("crm.things", doc("a"), doc("a"));  // a write lands before its answer is handled
    c.fill("a", "", stamp, new JsonObject().put("_id", "a").put("v", "old"));
    assertThat((Object) c.get("a", "")).isNull();

    long later = c.stamp();                       // a read sent after the write keeps its answer
    c.fill("a", "", later, new JsonObject().put("_id", "a").put("v", "new"));
    assertThat(c.<JsonObject>get("a", "").getString("v")).isEqualTo("new");
  }

  @Test
  void a_write_drops_every_form_of_its_key_and_only_its_key() {
    ReadCache c = cache(100);
    long stamp = c.stamp();
    c.fill("a", "", stamp, new JsonObject());
    c.fill("a", "api", stamp, new JsonObject());
    c.fill("b", "", stamp, new JsonObject());
    c.changed("crm.things", null, doc("a"));
    assertThat((Object) c.get("a", "")).isNull();
    assertThat((Object) c.get("a", "api")).isNull();
    assertThat((Object) c.get("b", "")).isNotNull();
    // a write that moves a document between keys (a message to another conversation) drops both
    c.fill("a", "", c.stamp(), new JsonObject());
    c.changed("crm.things", doc("a"), doc("b"));
    assertThat((Object) c.get("a", "")).isNull();
    assertThat((Object) c.get("b", "")).isNull();
  }

  @Test
  void a_read_older_than_what_the_cache_still_remembers_of_writes_is_not_kept() {
    ReadCache c = cache(10); // remembers the last 10,000 written keys
    long stamp = c.stamp();
    for (int i = 0; i < 10_001; i++) c.changed("crm.things", null, doc("w" + i));
    c.fill("never-written", "", stamp, new JsonObject());
    assertThat((Object) c.get("never-written", "")).as("cannot tell whether it was written: not kept").isNull();
  }

  @Test
  void a_reset_forgets_everything_and_refuses_reads_begun_before_it() {
    ReadCache c = cache(100);
    long stamp = c.stamp();
    c.fill("a", "", stamp, new JsonObject());
    c.reset();
    assertThat((Object) c.get("a", "")).isNull();
    c.fill("b", "", stamp, new JsonObject());
    assertThat((Object) c.get("b", "")).isNull();
  }

  @Test
  void the_least_recently_used_keys_go_first() {
    ReadCache c = cache(2);
    long stamp = c.stamp();
    c.fill("a", "", stamp, new JsonObject());
    c.fill("b", "", stamp, new JsonObject());
    c.get("a", "");
    c.fill("c", "", stamp, new JsonObject());
    assertThat((Object) c.get("b", "")).isNull();
    assertThat((Object) c.get("a", "")).isNotNull();
  }
}
