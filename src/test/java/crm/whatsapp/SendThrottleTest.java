package crm.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The WhatsApp send cap: windows never give out more than their share, several throttles of one phone number (as on
 * several nodes) share it, and every waiting send goes eventually. The two-node version is in ClusterTest.
 */
class SendThrottleTest {
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void a_second_is_shared_out_over_its_windows_remainders_included() {
    SendThrottle t = new SendThrottle(vertx, "p", 85);
    int sum = 0;
    for (long w = 0; w < 10; w++) sum += t.quota(w);
    assertThat(sum).isEqualTo(85);
    assertThat(new SendThrottle(vertx, "p", 3).quota(7)).as("below 10/s: one window per second").isEqualTo(3);
  }

  @Test
  void throttles_of_one_number_share_the_cap_and_every_send_goes() throws Exception {
    sharedCap(vertx, vertx);
  }

  @Test
  void two_clustered_nodes_share_the_cap() throws Exception {
    String name = crm.support.ClusterNode.randomClusterName();
    List<Vertx> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) nodes.add(crm.support.ClusterNode.clusteredVertx(name));
      sharedCap(nodes.get(0), nodes.get(1));
    } finally {
      for (Vertx v : nodes) v.close().await(60, TimeUnit.SECONDS);
    }
  }

  private static void sharedCap(Vertx a, Vertx b) throws Exception {
    int rate = 20;
    List<SendThrottle> nodes = List.of(new SendThrottle(a, "1102", rate), new SendThrottle(b, "1102", rate));
    SendThrottle otherNumber = new SendThrottle(a, "2203", rate);
    long started = System.nanoTime();
    List<Future<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 20; i++) for (SendThrottle n : nodes) sends.add(n.take());
    Future<Void> other = otherNumber.take();
    Future.all(sends).await(20, TimeUnit.SECONDS);
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(other.succeeded()).as("another number has a cap of its own").isTrue();
    // 40 sends at 20/s: the windows after the first hold 2 each, so the last cannot go before 19 of them passed
    assertThat(tookMs).isGreaterThanOrEqualTo(1_800);
    AsyncMap<String, Long> counts = b.sharedData().<String, Long>getAsyncMap(SendThrottle.MAP).await(5, TimeUnit.SECONDS);
    Map<String, Long> all = counts.entries().await(5, TimeUnit.SECONDS);
    long total = 0;
    for (Map.Entry<String, Long> e : all.entrySet()) {
      if (!e.getKey().startsWith("1102|")) continue;
      long window = Long.parseLong(e.getKey().substring(5));
      assertThat(e.getValue()).as("window " + window).isLessThanOrEqualTo(nodes.get(0).quota(window));
      total += e.getValue();
    }
    assertThat(total).isEqualTo(40);
  }
}
