package crm.hostile;

import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The writes a class was allowed to make: every request that was answered 2xx (and is not a GET) explains changes to
 * the documents its path, its body or its answer name, and to the collections its route keeps on the side. A change
 * nothing explains was made by a request that was refused (or by nothing at all).
 */
final class Ledger {
  private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{24}");
  /**
   * Side effects by route (method and router path prefix): documents a successful request writes without naming
   * them in its path, body or answer.
   */
  private static final Map<String, List<String>> SIDE_EFFECTS = Map.of(
      // the ticket number counter ({scope} ids), advanced once per created ticket
      "POST /tickets", List.of("ticket_counters"),
      // the one settings document, settings/business; a preset load also installs the preset's help articles
      "PUT /config/", List.of("settings"),
      "POST /config/", List.of("settings", "knowledge_articles"));

  private final Set<String> ids = new HashSet<>();
  private final Set<String> alsoExplained;
  private final Set<String> collections = new HashSet<>();
  int accepted;

  /** {@code alsoExplained}: ids written by the checks themselves (the sentinel's customers). */
  Ledger(Set<String> alsoExplained) {
    this.alsoExplained = alsoExplained;
  }

  void add(Wire.Req req, Wire.Outcome out) {
    if (req.method() == HttpMethod.GET || !out.ok()) return;
    accepted++;
    scan(req.uri());
    if (req.body() != null) scan(new String(req.body(), StandardCharsets.UTF_8));
    scan(out.text());
    String path = req.uri().startsWith(Routes.PREFIX) ? req.uri().substring(Routes.PREFIX.length()) : req.uri();
    SIDE_EFFECTS.forEach((k, colls) -> {
      String[] mp = k.split(" ", 2);
      if (req.method().name().equals(mp[0]) && path.startsWith(mp[1])) collections.addAll(colls);
    });
  }

  private void scan(String text) {
    Matcher m = OBJECT_ID.matcher(text);
    while (m.find()) ids.add(m.group());
  }

  /**
   * Analytics keeps derived data: a mark or a state per conversation or ticket ({@code c:<id>}, {@code t:<id>}),
   * explained by what explains that conversation or ticket; rollups, chunks and the version, made by folding those, by
   * any accepted write of the class.
   */
  private static final Set<String> ANALYTICS_PER_ID = Set.of("analytics_marks", "analytics_state");
  private static final Set<String> ANALYTICS_DERIVED = Set.of("analytics_rollups", "analytics_chunks", "analytics_meta");

  boolean explains(DbSnapshot.Change c) {
    if (ANALYTICS_PER_ID.contains(c.collection()) && c.id().length() > 2 && c.id().charAt(1) == ':') {
      String of = c.id().substring(2);
      return ids.contains(of) || alsoExplained.contains(of);
    }
    if (ANALYTICS_DERIVED.contains(c.collection())) return accepted > 0;
    return ids.contains(c.id()) || alsoExplained.contains(c.id()) || collections.contains(c.collection());
  }
}
