package crm.knowledge;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Words as the knowledge search sees them: runs of letters and digits, accents folded (NFD, combining marks removed,
 * lower case: "Políticas" -> "politicas", "año" -> "ano"), Spanish and English stop words dropped. A query word matches
 * an article word when they are equal, when the query word (of at least {@link #MIN_PREFIX} letters) is a prefix of it
 * ("devolucion" matches "devoluciones"), or when the query word is the article word plus a plural ending ("envios" matches
 * "envio"). Words are only ever compared as plain strings: nothing of a query reaches a database query or a regex.
 */
final class Words {
  private Words() {}

  static final int MIN_PREFIX = 4;
  /** Longer runs (hashes, base64, URLs glued together) are not words anyone searches for. */
  static final int MAX_WORD = 40;
  /** The words of a query that count: a pasted paragraph is searched by its first ones. */
  static final int MAX_QUERY_WORDS = 16;

  /** How a query word matched an article word. */
  static final int NONE = 0;
  static final int EXACT = 2;
  static final int LOOSE = 1;

  private static final Pattern MARKS = Pattern.compile("\\p{M}+");

  /** Already folded (no accents, lower case). */
  static final Set<String> STOP = Set.of(
      // Spanish
      "a", "al", "algo", "algun", "alguna", "algunas", "alguno", "algunos", "ante", "antes", "aqui", "asi", "aun", "cada",
      "como", "con", "contra", "cual", "cuales", "cuando", "cuanto", "cuanta", "cuantos", "cuantas", "de", "del", "desde",
      "donde", "dos", "e", "el", "ella", "ellas", "ello", "ellos", "en", "entre", "era", "eres", "es", "esa", "esas", "ese",
      "eso", "esos", "esta", "estan", "estas", "este", "esto", "estos", "estoy", "fue", "ha", "han", "hay", "he", "hola",
      "la", "las", "le", "les", "lo", "los", "mas", "me", "mi", "mis", "muy", "nada", "ni", "no", "nos", "nosotros", "o",
      "os", "otra", "otras", "otro", "otros", "para", "pero", "por", "porque", "que", "quien", "quienes", "se", "sea", "ser",
      "si", "sin", "sobre", "son", "soy", "su", "sus", "tambien", "te", "ti", "tu", "tus", "un", "una", "unas", "uno", "unos",
      "usted", "ustedes", "y", "ya", "yo",
      // English
      "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "did", "do", "does", "for", "from", "had", "has",
      "have", "how", "i", "if", "in", "into", "is", "it", "its", "my", "of", "on", "or", "our", "so", "than", "that", "the",
      "their", "them", "then", "there", "these", "they", "this", "to", "was", "we", "were", "what", "when", "where", "which",
      "who", "why", "will", "with", "you", "your");

  /** One word of a text: its folded form and where it stands in the original text. */
  record Token(String word, int start, int end) {}

  /** The words of {@code text} with their positions, folded; stop words and over-long runs included (see {@link #indexable}). */
  static List<Token> tokens(String text) {
    List<Token> out = new ArrayList<>();
    if (text == null) return out;
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (!isWordChar(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int start = i;
      while (i < n) {
        cp = text.codePointAt(i);
        if (!isWordChar(cp) && !isMark(cp)) break;
        i += Character.charCount(cp);
      }
      String folded = fold(text.substring(start, i));
      if (!folded.isEmpty()) out.add(new Token(folded, start, i));
    }
    return out;
  }

  /** The distinct words of a query that can match something, in order, at most {@link #MAX_QUERY_WORDS}. */
  static List<String> queryWords(String query) {
    Set<String> words = new LinkedHashSet<>();
    for (Token t : tokens(query)) {
      if (indexable(t.word())) words.add(t.word());
      if (words.size() == MAX_QUERY_WORDS) break;
    }
    return List.copyOf(words);
  }

  /** Whether a folded word is worth indexing and searching: not a stop word, not a lone letter, not an over-long run. */
  static boolean indexable(String word) {
    if (word.length() > MAX_WORD) return false;
    if (word.length() == 1 && !Character.isDigit(word.charAt(0))) return false;
    return !STOP.contains(word);
  }

  /** Accents folded and lower case: NFD, combining marks removed, then {@link Locale#ROOT} lower case. */
  static String fold(String s) {
    boolean ascii = true;
    for (int i = 0; i < s.length() && ascii; i++) ascii = s.charAt(i) < 0x80;
    if (ascii) return s.toLowerCase(Locale.ROOT);
    String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
    return MARKS.matcher(nfd).replaceAll("").toLowerCase(Locale.ROOT);
  }

  /** How the query word {@code q} matches the article word {@code w}: {@link #EXACT}, {@link #LOOSE} or {@link #NONE}. */
  static int match(String q, String w) {
    if (w.equals(q)) return EXACT;
    if (q.length() >= MIN_PREFIX && w.startsWith(q)) return LOOSE;
    if (isPluralOf(q, w)) return LOOSE;
    return NONE;
  }

  /** Whether {@code q} is {@code w} with a plural ending: "envios"/"envio", "devoluciones"/"devolucion". */
  static boolean isPluralOf(String q, String w) {
    if (w.length() < MIN_PREFIX - 1 || !q.startsWith(w)) return false;
    String rest = q.substring(w.length());
    return rest.equals("s") || rest.equals("es");
  }

  /** The article words a plural query word may stand for ("devoluciones" -> "devolucione", "devolucion"). */
  static List<String> singulars(String q) {
    List<String> out = new ArrayList<>(2);
    if (q.endsWith("s") && q.length() - 1 >= MIN_PREFIX - 1) out.add(q.substring(0, q.length() - 1));
    if (q.endsWith("es") && q.length() - 2 >= MIN_PREFIX - 1) out.add(q.substring(0, q.length() - 2));
    return out;
  }

  private static boolean isWordChar(int cp) {
    return Character.isLetterOrDigit(cp);
  }

  private static boolean isMark(int cp) {
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
  }
}
