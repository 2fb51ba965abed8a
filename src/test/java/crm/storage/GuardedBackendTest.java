package crm.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The guard in front of the embedded store: depth limit, and the answers while a closed store is reopened. */
class GuardedBackendTest {

  static Document nested(int depth) {
    Document d = new Document("leaf", 1);
    for (int i = 0; i < depth; i++) d = new Document("k", d);
    return d;
  }

  @Test
  void depth_is_measured_without_recursion_and_counts_arrays() {
    assertThat(GuardedBackend.tooDeep(nested(1), 2)).isFalse();
    assertThat(GuardedBackend.tooDeep(nested(2), 2)).isTrue();
    assertThat(GuardedBackend.tooDeep(new Document("a", List.of(List.of(1))), 3)).isFalse();
    assertThat(GuardedBackend.tooDeep(new Document("a", List.of(List.of(List.of()))), 3)).isTrue();
    assertThat(GuardedBackend.tooDeep(nested(100_000), GuardedBackend.MAX_DEPTH)).isTrue();
  }

  @Test
  void a_closed_store_answers_ShutdownInProgress_until_it_is_reopened() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicInteger opened = new AtomicInteger();
    CountDownLatch mayReopen = new CountDownLatch(1);
    GuardedBackend guard = new GuardedBackend(GuardedBackend.opener(() -> {
      if (opened.incrementAndGet() > 1) {
        try {
          mayReopen.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        closed.set(false);
      }
      return new MemoryBackend();
    }, b -> closed.get()));
    try {
      assertThat(guard.handleCommand(null, "db", "ping", new Document("ping", 1)).get("ok")).isEqualTo(1.0);
      MongoBackend first = guard.current();
      closed.set(true); // the store closed itself

      Throwable err = catchThrowable(() -> guard.handleCommand(null, "db", "ping", new Document("ping", 1)));
      assertThat(err).isInstanceOf(MongoServerError.class);
      assertThat(((MongoServerError) err).getCode()).isEqualTo(91);
      assertThat(guard.unavailable()).isTrue();
      // clients keep their connection: the handshake is still answered
      assertThat(guard.handleCommand(null, "admin", "isMaster", new Document("isMaster", 1)).get("ismaster")).isEqualTo(true);

      mayReopen.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (guard.unavailable() && System.nanoTime() < deadline) Thread.sleep(10);
      assertThat(guard.unavailable()).isFalse();
      assertThat(guard.current()).isNotSameAs(first);
      assertThat(guard.reopens()).isEqualTo(1);
      assertThat(guard.handleCommand(null, "db", "ping", new Document("ping", 1)).get("ok")).isEqualTo(1.0);
    } finally {
      guard.close();
    }
  }

  @Test
  void a_command_nested_too_deep_is_refused_with_Overflow_and_the_next_one_runs() {
    GuardedBackend guard = new GuardedBackend(GuardedBackend.opener(MemoryBackend::new, b -> false));
    try {
      Document insert = new Document("insert", "c");
      insert.put("documents", List.of(nested(600)));
      Throwable err = catchThrowable(() -> guard.handleCommand(null, "db", "insert", insert));
      assertThat(((MongoServerError) err).getCode()).isEqualTo(15);
      Document ok = new Document("insert", "c");
      ok.put("documents", List.of(nested(90)));
      assertThat(guard.handleCommand(new io.netty.channel.embedded.EmbeddedChannel(), "db", "insert", ok).get("n")).isEqualTo(1);
    } finally {
      guard.close();
    }
  }
}
