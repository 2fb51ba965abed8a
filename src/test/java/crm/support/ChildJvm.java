package crm.support;

import crm.config.AppConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts a main class of this project in a fresh JVM with the test class path (which holds target/classes, so
 * also the classpath copy of conf/config.json), a chosen working directory and a clean environment: none of the
 * configuration keys of {@link AppConfig#KEYS} nor CRM_CONFIG leak in from the environment the tests run in.
 */
public final class ChildJvm {
  private ChildJvm() {}

  public record Result(int exitCode, String stdout, String stderr) {}

  /** A builder for {@code java [jvmArgs] -cp <test class path> mainClass [args]}, stdout/stderr piped. */
  public static ProcessBuilder builder(Path workDir, Map<String, String> env, List<String> jvmArgs, String mainClass,
                                       List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xshare:auto");
    cmd.add("-XX:TieredStopAtLevel=1"); // start-up speed over peak speed
    cmd.add("-Xmx256m");
    cmd.add("-Dvertx.disableDnsResolver=true");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    Map<String, String> childEnv = pb.environment();
    for (String key : AppConfig.KEYS) childEnv.remove(key);
    childEnv.remove("CRM_CONFIG");
    childEnv.putAll(env);
    return pb;
  }

  /** Runs to completion (at most {@code timeoutSeconds}) and returns exit code and both outputs. */
  public static Result run(Path workDir, Map<String, String> env, List<String> jvmArgs, String mainClass,
                           List<String> args, long timeoutSeconds) {
    try {
      Process p = builder(workDir, env, jvmArgs, mainClass, args).start();
      CompletableFuture<String> out = drain(p.getInputStream());
      CompletableFuture<String> err = drain(p.getErrorStream());
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(mainClass + " " + args + " did not exit within " + timeoutSeconds + " s; stdout: "
            + out.getNow("") + " stderr: " + err.getNow(""));
      }
      return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads a stream to its end on its own thread (the common pool may have a single thread on small machines). */
  public static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (in) {
        result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        result.complete("<unreadable: " + e + ">");
      }
    }, "child-jvm-drain");
    t.setDaemon(true);
    t.start();
    return result;
  }

  /** A server started by {@link #startServer}: the process, its HTTP port, and every line it printed so far. */
  public record Server(Process process, int port, java.util.concurrent.LinkedBlockingQueue<String> lines, StringBuilder log) {
    /** Everything printed until now (waits up to {@code seconds} for the output to end, if the process is gone). */
    public String output(long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String line = lines.poll(100, TimeUnit.MILLISECONDS);
        if (line != null) log.append(line).append('\n');
        else if (!process.isAlive()) break;
      }
      return log.toString();
    }
  }

  private static final java.util.regex.Pattern LISTENING = java.util.regex.Pattern.compile("listening on http://[^:]+:(\\d+)");

  /**
   * Starts {@code crm.Main} in {@code workDir} with {@code env} (PORT=0 lets it pick a port) and the production
   * logging configuration, reads its output on a thread of its own, and returns once it says where it listens.
   */
  public static Server startServer(Path workDir, Map<String, String> env) throws IOException, InterruptedException {
    Process p = builder(workDir, env,
        // the production logging config: the test one hides the INFO lines that say where the server listens
        List.of("-Dlogback.configurationFile=" + Path.of("src/main/resources/logback.xml").toAbsolutePath()),
        "crm.Main", List.of()).redirectErrorStream(true).start();
    java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    InputStream out = p.getInputStream();
    Thread reader = new Thread(() -> {
      try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(out, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) lines.add(line);
      } catch (IOException ignored) {
        // the process is gone
      }
    }, "child-server-output");
    reader.setDaemon(true);
    reader.start();
    StringBuilder log = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && p.isAlive()) {
      String line = lines.poll(1, TimeUnit.SECONDS);
      if (line == null) continue;
      log.append(line).append('\n');
      java.util.regex.Matcher m = LISTENING.matcher(line);
      if (m.find()) return new Server(p, Integer.parseInt(m.group(1)), lines, log);
    }
    p.destroyForcibly();
    throw new AssertionError("server did not start:\n" + log);
  }
}
