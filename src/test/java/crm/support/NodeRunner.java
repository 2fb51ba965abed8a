package crm.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Node.js tests of {@code src/test/node} (the real socket.io-client 4, locked by package-lock.json):
 * {@code npm ci} once (when node_modules is missing or older than the lock file), then {@code node --test <file>}
 * with the environment a JUnit test hands over. The output is kept and shown when an assertion fails.
 *
 * <p>A scenario that needs the JUnit side mid-way (a server restart, a check on another node) talks both ways while
 * node runs: node prints a marker line ({@link Running#awaitLine}), the test answers with {@link Running#signal},
 * which creates a file in {@code CONTROL_DIR} that node's {@code waitForSignal} polls for ({@code node --test} gives
 * the test file no standard input).
 */
public final class NodeRunner {
  public static final Path DIR = Path.of("src/test/node");

  private NodeRunner() {}

  public record Result(int exitCode, String output) {
    /** Asserts that node exited 0 and its runner counted {@code tests} passed and none failed; shows the output otherwise. */
    public Result assertPassed(int tests) {
      assertThat(exitCode).as("node --test exit code; its output:\n" + output).isZero();
      assertThat(output).as("node --test output").contains("# pass " + tests).contains("# fail 0");
      return this;
    }
  }

  /** {@code npm ci} when node_modules is missing or older than package-lock.json. */
  public static synchronized void ensureInstalled() throws Exception {
    Path marker = DIR.resolve("node_modules/.package-lock.json");
    Path lock = DIR.resolve("package-lock.json");
    if (Files.exists(marker) && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(lock)) >= 0) return;
    try (Running install = start(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of())) {
      Result r = install.finish(300);
      assertThat(r.exitCode()).as("npm ci in " + DIR + " (Node.js and npm are needed, see README):\n" + r.output()).isZero();
    }
  }

  /** {@code node --test <file>} to its end (at most {@code timeoutSeconds}). */
  public static Result test(String file, Map<String, String> env, long timeoutSeconds) throws Exception {
    try (Running node = test(file, env)) {
      return node.finish(timeoutSeconds);
    }
  }

  /** Starts {@code node --test <file>} and returns at once; the caller talks to it, then {@link Running#finish}es it. */
  public static Running test(String file, Map<String, String> env) throws Exception {
    ensureInstalled();
    return start(List.of("node", "--test", "--test-reporter=tap", file), env);
  }

  private static Running start(List<String> command, Map<String, String> env) throws IOException {
    Path control = Files.createTempDirectory("crm-node-control");
    ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.environment().put("CONTROL_DIR", control.toString());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      TestApp.deleteTree(control);
      throw new AssertionError(command.get(0) + " cannot be started (Node.js and npm are needed, see README): " + e, e);
    }
    return new Running(command, p, control);
  }

  /** A running node process: its output line by line as it comes, and signals to it. */
  public static final class Running implements AutoCloseable {
    private final List<String> command;
    private final Process process;
    private final Path control;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private Running(List<String> command, Process process, Path control) {
      this.command = command;
      this.process = process;
      this.control = control;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            synchronized (lines) {
              lines.add(line);
              lines.notifyAll();
            }
          }
        } catch (IOException ignored) {
          // the process is gone
        }
      }, "node-output");
      reader.setDaemon(true);
      reader.start();
    }

    /** Everything printed so far. */
    public String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }

    /** Waits for a line containing {@code marker} (node prints markers with console.log); returns it. */
    public String awaitLine(String marker, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int seen = 0;
      synchronized (lines) {
        while (true) {
          for (; seen < lines.size(); seen++) {
            if (lines.get(seen).contains(marker)) return lines.get(seen);
          }
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0 || (!process.isAlive() && !reader.isAlive())) break;
          lines.wait(Math.min(left, 100));
        }
      }
      throw new AssertionError("node did not print '" + marker + "' within " + seconds + " s; its output:\n" + output());
    }

    /** Tells node to go on past {@code waitForSignal(name)}. */
    public void signal(String name) {
      try {
        Files.writeString(control.resolve(name), "go");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Waits for the process to end (at most {@code seconds}); a process still running then is killed and fails the test. */
    public Result finish(long seconds) throws InterruptedException {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        kill();
        throw new AssertionError(command + " did not finish within " + seconds + " s:\n" + output());
      }
      reader.join(10_000);
      return new Result(process.exitValue(), output());
    }

    private void kill() throws InterruptedException {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** Kills a process still running (a test that failed half-way) and removes the control folder. */
    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) kill();
      TestApp.deleteTree(control);
    }
  }
}
