package crm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import crm.support.TestApp;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One cycle of {@code scripts/torture kill9} (the script runs 50+): the real server killed with SIGKILL while signed
 * webhooks, redeliveries and statuses are in flight, restarted, replayed: every message answered 200 is stored exactly
 * once. The seed changes every run, so the kill lands somewhere else each time; it is printed with the figures.
 */
class KillTortureTest {

  @Test
  void a_kill_9_in_the_middle_of_the_load_loses_and_doubles_nothing() throws Exception {
    Path dir = Files.createTempDirectory("crm-torture-test");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try {
      long seed = System.nanoTime();
      List<KillTorture.Cycle> cycles = KillTorture.run(new KillTorture.Options(1, 1500, 32, 100, seed, dir, 300, 2500),
          new PrintStream(printed, true, StandardCharsets.UTF_8));
      String report = printed.toString(StandardCharsets.UTF_8);
      System.out.print(report);
      KillTorture.Cycle cycle = cycles.get(0);
      assertThat(cycle.acked()).as(report).isPositive();
      assertThat(cycle.lost()).as(report).isZero();
      assertThat(cycle.doubled()).as(report).isZero();
      assertThat(cycle.stored()).as(report).isGreaterThanOrEqualTo(cycle.acked());
    } finally {
      TestApp.deleteTree(dir);
    }
  }
}
