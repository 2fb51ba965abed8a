package crm.commerce;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Product search without accents or case: each product stores {@code searchText}, the words of its name, description
 * and tags folded (NFD, combining marks dropped, lower case) and joined by single spaces; a query matches when every
 * one of its words, folded the same way, begins a word of that text. A query word reaches MongoDB only as a regular
 * expression whose every character other than a letter or a digit is escaped, so {@code $}-operators, {@code .*} or
 * brackets are looked for literally (and find nothing), never interpreted.
 */
final class SearchText {
  private SearchText() {}

  /**
   * Combining marks (the accents NFD splits off) and invisible format characters; control characters (a NUL, which
   * MongoDB refuses in a regex) separate words.
   */
  private static final Pattern MARKS = Pattern.compile("[\\p{M}\\p{Cf}]+");
  private static final Pattern CONTROLS = Pattern.compile("\\p{Cc}+");
  private static final Pattern SPACES = Pattern.compile("[\\s\\u00A0]+");
  /** Sentence punctuation around a word ({@code "café,"}, {@code "(250"}, {@code "¿tienen?"}) that is not part of it. */
  private static final String EDGE = ",.;:!?¿¡\"'()[]«»“”‘’";
  /** Joiners inside a word whose parts are searchable too ({@code usb-c} is found by {@code usb} and by {@code c}). */
  private static final Pattern JOINERS = Pattern.compile("[-/_.+]+");
  static final int MAX_WORDS = 10;

  /** Lower case without accents (nor control characters): {@code "Café Ñandú"} -> {@code "cafe nandu"}. */
  static String fold(String s) {
    if (s == null) return "";
    String spaced = CONTROLS.matcher(s).replaceAll(" "); // tabs, new lines, NUL: word separators
    return MARKS.matcher(Normalizer.normalize(spaced, Normalizer.Form.NFD)).replaceAll("").toLowerCase(Locale.ROOT);
  }

  /** The folded words of a text, sentence punctuation at their edges removed, empty ones dropped. */
  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String raw : SPACES.split(fold(text))) {
      String w = strip(raw);
      if (!w.isEmpty()) out.add(w);
    }
    return out;
  }

  private static String strip(String w) {
    int from = 0;
    int to = w.length();
    while (from < to && EDGE.indexOf(w.charAt(from)) >= 0) from++;
    while (to > from && EDGE.indexOf(w.charAt(to - 1)) >= 0) to--;
    return w.substring(from, to);
  }

  /** The stored search field of a product: its words, and the parts of joined words, each once. */
  static String of(String name, String description, List<String> tags) {
    Set<String> all = new LinkedHashSet<>();
    List<String> texts = new ArrayList<>();
    texts.add(name);
    texts.add(description);
    if (tags != null) texts.addAll(tags);
    for (String text : texts) {
      for (String w : words(text)) {
        all.add(w);
        for (String part : JOINERS.split(w)) if (!part.isEmpty()) all.add(part);
      }
    }
    return String.join(" ", all);
  }

  /** One regular expression per query word (at most {@link #MAX_WORDS}): the word at the beginning of a stored word. */
  static List<String> patterns(String query) {
    List<String> out = new ArrayList<>();
    for (String w : words(query)) {
      if (out.size() == MAX_WORDS) break;
      out.add("(^| )" + escape(w));
    }
    return out;
  }

  /** Every character but letters and digits backslash-escaped: literal in both Java's and MongoDB's (PCRE) syntax. */
  static String escape(String word) {
    StringBuilder sb = new StringBuilder(word.length() * 2);
    word.codePoints().forEach(cp -> {
      if (!Character.isLetterOrDigit(cp)) {
        if (cp > 0x7F) {
          sb.append(String.format("\\x{%x}", cp)); // PCRE and Java both read \x{h..h}; a backslash before it could be a class
          return;
        }
        sb.append('\\');
      }
      sb.appendCodePoint(cp);
    });
    return sb.toString();
  }
}
