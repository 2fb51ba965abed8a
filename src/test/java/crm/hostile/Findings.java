package crm.hostile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every violation of one hostile class, collected rather than stopping at the first: a failing class names each
 * broken property with the seed and the request that broke it. Also appended to
 * {@code target/hostile-findings.txt} so that a whole run can be read afterwards.
 */
final class Findings {
  private static final int SHOWN = 60;
  private static final Path LOG = Path.of("target", "hostile-findings.txt");

  private final String cls;
  private final long seed;
  private final List<String> all = new ArrayList<>();
  /** Violations grouped by their kind (the problem without the request), for a short summary. */
  private final Map<String, Integer> kinds = new LinkedHashMap<>();

  Findings(String cls, long seed) {
    this.cls = cls;
    this.seed = seed;
  }

  void add(String kind, String detail) {
    all.add("[" + kind + "] " + detail);
    kinds.merge(kind, 1, Integer::sum);
  }

  /** A request broke a property: the problem, the request, and what came back. */
  void request(String kind, Wire.Req req, Wire.Outcome out) {
    add(kind, req.describe() + "\n      -> " + out.describe());
  }

  boolean isEmpty() {
    return all.isEmpty();
  }

  int size() {
    return all.size();
  }

  String report() {
    StringBuilder sb = new StringBuilder();
    sb.append(cls).append(": ").append(all.size()).append(" violation(s), seed ").append(seed)
        .append(" (rerun with -Dhostile.seed=").append(seed).append(")\n");
    sb.append("by kind:\n");
    kinds.forEach((k, n) -> sb.append("  ").append(n).append(" x ").append(k).append('\n'));
    int shown = Math.min(SHOWN, all.size());
    sb.append("first ").append(shown).append(":\n");
    for (int i = 0; i < shown; i++) sb.append("  ").append(all.get(i)).append('\n');
    if (all.size() > shown) sb.append("  ... ").append(all.size() - shown).append(" more in ").append(LOG).append('\n');
    return sb.toString();
  }

  /** Writes every violation to the log file and fails with the summary when there is any. */
  void assertNone() {
    try {
      Files.createDirectories(LOG.getParent());
      StringBuilder sb = new StringBuilder("==== ").append(cls).append(" seed ").append(seed).append(": ")
          .append(all.size()).append(" violation(s)\n");
      for (String s : all) sb.append(s).append('\n');
      Files.writeString(LOG, sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // the assertion below still reports
    }
    if (!all.isEmpty()) throw new AssertionError(report());
  }
}
