package crm.knowledge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * This node's word index of the knowledge articles: per article its business type, whether it is active, when it
 * changed, and its distinct folded words (sorted) with how often each occurs in the title, the tags and the content.
 * The content itself is not kept: the few articles a search answers are read from the database for their excerpts.
 *
 * <p>Why in memory rather than a folded-words field queried in MongoDB: the embedded server keeps no secondary indexes
 * (every such query would read every article), prefix matching of each query word would need regular expressions
 * built from caller input, and ranking (title over tags over content, rarer words over common ones) needs the counts
 * anyway. A few thousand articles of a few hundred distinct words each is a few MB here (each distinct word is held
 * once, {@link #dictionary}), and a search is a binary search per query word per article: well under a millisecond.
 * Only the event loop of the knowledge verticle touches it.
 */
final class KnowledgeIndex {
  /** Title words count most, then tags, then the content (whose repetitions count less and less). */
  static final double TITLE_WEIGHT = 3.0;
  static final double TAG_WEIGHT = 2.0;
  static final double CONTENT_WEIGHT = 1.0;
  /** How much a prefix or plural match counts against an exact one. */
  static final double LOOSE_FACTOR = 0.85;

  private static final int FIELD_MAX = 0xFF;
  private static final int CONTENT_MAX = 0xFFFF;

  /** One article as indexed; {@code counts[i]} packs the title (bits 0-7), tag (8-15) and content (16-31) counts of {@code words[i]}. */
  record Entry(String id, String businessType, boolean active, long updatedAt, String[] words, int[] counts) {}

  /** A matching article and its score. */
  record Hit(String id, double score, long updatedAt) {}

  private final Map<String, Entry> byId = new HashMap<>();
  /** Every distinct word once, shared by the entries that hold it. */
  private final Map<String, String> dictionary = new HashMap<>();

  int size() {
    return byId.size();
  }

  boolean contains(String id) {
    return byId.containsKey(id);
  }

  void clear() {
    byId.clear();
    dictionary.clear();
  }

  void remove(String id) {
    byId.remove(id);
  }

  /** Adds or replaces an article. */
  void put(Article a) {
    TreeMap<String, int[]> counts = new TreeMap<>();
    count(counts, a.title(), 0);
    for (String tag : a.tags()) count(counts, tag, 1);
    count(counts, a.content(), 2);
    String[] words = new String[counts.size()];
    int[] packed = new int[counts.size()];
    int i = 0;
    for (Map.Entry<String, int[]> e : counts.entrySet()) {
      words[i] = dictionary.computeIfAbsent(e.getKey(), k -> k);
      int[] c = e.getValue();
      packed[i] = Math.min(c[0], FIELD_MAX) | Math.min(c[1], FIELD_MAX) << 8 | Math.min(c[2], CONTENT_MAX) << 16;
      i++;
    }
    long updated = a.updatedAt() == null ? 0L : a.updatedAt().toEpochMilli();
    byId.put(a.id(), new Entry(a.id(), a.businessType(), a.active(), updated, words, packed));
  }

  private static void count(Map<String, int[]> counts, String text, int field) {
    for (Words.Token t : Words.tokens(text)) {
      if (Words.indexable(t.word())) counts.computeIfAbsent(t.word(), k -> new int[3])[field]++;
    }
  }

  /** The ids of the articles {@code scope} accepts, most recently changed first. */
  List<String> list(Predicate<Entry> scope) {
    return byId.values().stream().filter(scope)
        .sorted(Comparator.comparingLong(Entry::updatedAt).reversed().thenComparing(Entry::id, Comparator.reverseOrder()))
        .map(Entry::id).toList();
  }

  /**
   * The articles {@code scope} accepts that match at least one of the (folded, distinct) query words, best first.
   * Per query word: a weighted, saturating count of its matches in the title, tags and content, times the word's
   * rarity among the articles in scope (BM25's idf); the sum is scaled by the share of query words the article matched.
   */
  List<Hit> search(List<String> query, Predicate<Entry> scope) {
    int q = query.size();
    if (q == 0) return List.of();
    List<Entry> matched = new ArrayList<>();
    List<double[]> tfs = new ArrayList<>();
    int[] df = new int[q];
    int inScope = 0;
    for (Entry e : byId.values()) {
      if (!scope.test(e)) continue;
      inScope++;
      double[] tf = null;
      for (int w = 0; w < q; w++) {
        double[] f = fields(e, query.get(w));
        if (f == null) continue;
        if (tf == null) tf = new double[q * 3];
        System.arraycopy(f, 0, tf, w * 3, 3);
        df[w]++;
      }
      if (tf != null) {
        matched.add(e);
        tfs.add(tf);
      }
    }
    double[] idf = new double[q];
    for (int w = 0; w < q; w++) idf[w] = Math.log(1 + (inScope - df[w] + 0.5) / (df[w] + 0.5));
    List<Hit> hits = new ArrayList<>(matched.size());
    for (int i = 0; i < matched.size(); i++) {
      double[] tf = tfs.get(i);
      double score = 0;
      int words = 0;
      for (int w = 0; w < q; w++) {
        double title = tf[w * 3], tags = tf[w * 3 + 1], content = tf[w * 3 + 2];
        if (title + tags + content == 0) continue;
        words++;
        score += idf[w] * (TITLE_WEIGHT * saturate(title) + TAG_WEIGHT * saturate(tags) + CONTENT_WEIGHT * saturate(content));
      }
      score *= 0.5 + 0.5 * words / q;
      Entry e = matched.get(i);
      hits.add(new Hit(e.id(), Math.round(score * 1000) / 1000.0, e.updatedAt()));
    }
    hits.sort(Comparator.comparingDouble(Hit::score).reversed()
        .thenComparing(Comparator.comparingLong(Hit::updatedAt).reversed())
        .thenComparing(Hit::id));
    return hits;
  }

  private static double saturate(double tf) {
    return tf / (tf + 1.0);
  }

  /**
   * {title, tags, content}: how much the query word matches in each field of the article (exact matches count 1 per
   * occurrence, prefix and plural matches {@link #LOOSE_FACTOR}), or null when it matches nowhere.
   */
  static double[] fields(Entry e, String q) {
    String[] words = e.words();
    double[] f = null;
    int i = lowerBound(words, q);
    for (; i < words.length && words[i].startsWith(q); i++) {
      int how = Words.match(q, words[i]);
      if (how == Words.NONE) break; // a short query word matches itself only, and it sorts first
      f = add(f, e.counts()[i], how == Words.EXACT ? 1.0 : LOOSE_FACTOR);
    }
    for (String singular : Words.singulars(q)) {
      int j = Arrays.binarySearch(words, singular);
      if (j >= 0) f = add(f, e.counts()[j], LOOSE_FACTOR);
    }
    return f;
  }

  private static double[] add(double[] f, int packed, double factor) {
    if (f == null) f = new double[3];
    f[0] += (packed & FIELD_MAX) * factor;
    f[1] += (packed >>> 8 & FIELD_MAX) * factor;
    f[2] += (packed >>> 16) * factor;
    return f;
  }

  private static int lowerBound(String[] words, String q) {
    int lo = 0, hi = words.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (words[mid].compareTo(q) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
