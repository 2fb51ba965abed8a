package crm.knowledge;

import java.util.ArrayList;
import java.util.List;

/** The part of an article's content that answers a query: the window of about 500 characters holding the most query words. */
final class Excerpts {
  private Excerpts() {}

  static final int SIZE = 500;
  /** Context kept before the first matched word of the window. */
  private static final int LEAD = 80;
  private static final int MAX_MATCHES = 2_000;

  /**
   * The window of at most {@code size} characters (plus an ellipsis at a cut end) with the most distinct query words,
   * then the most matches, the earliest on a tie; it starts at a line or sentence start when one is near, and cuts at
   * word boundaries. Content of {@code size} characters or less is answered whole; content no query word matches (the
   * article matched by its title or tags) from its start.
   */
  static String of(String content, List<String> query, int size) {
    String text = content == null ? "" : content.strip();
    if (text.length() <= size) return text;
    List<int[]> matches = new ArrayList<>(); // {start, query word}
    for (Words.Token t : Words.tokens(text)) {
      for (int w = 0; w < query.size(); w++) {
        if (Words.match(query.get(w), t.word()) != Words.NONE) {
          matches.add(new int[] {t.start(), w});
          break;
        }
      }
      if (matches.size() == MAX_MATCHES) break;
    }
    int anchor = matches.isEmpty() ? 0 : bestAnchor(matches, query.size(), size - LEAD);
    int start = start(text, anchor);
    int end = Math.min(text.length(), start + size);
    if (end < text.length()) {
      int space = lastSpace(text, start + size / 2, end);
      if (space > 0) end = space;
    }
    String body = text.substring(start, end).strip();
    return (start > 0 ? "…" : "") + body + (end < text.length() ? "…" : "");
  }

  /** The position of the match that starts the best window (matches within {@code reach} characters after it). */
  private static int bestAnchor(List<int[]> matches, int words, int reach) {
    int[] inWindow = new int[words];
    int distinct = 0;
    int best = -1;
    long bestScore = -1;
    int j = 0;
    for (int i = 0; i < matches.size(); i++) {
      int from = matches.get(i)[0];
      while (j < matches.size() && matches.get(j)[0] < from + reach) {
        if (inWindow[matches.get(j)[1]]++ == 0) distinct++;
        j++;
      }
      long score = distinct * 100_000L + (j - i);
      if (score > bestScore) {
        bestScore = score;
        best = from;
      }
      if (--inWindow[matches.get(i)[1]] == 0) distinct--;
    }
    return best;
  }

  /** Where a window for a match at {@code anchor} starts: after a line break or sentence end within the lead, else at a word start. */
  private static int start(String text, int anchor) {
    if (anchor <= LEAD) return 0;
    int from = anchor - LEAD;
    for (int i = anchor - 1; i >= from; i--) {
      char c = text.charAt(i);
      if (c == '\n' || (i + 1 < text.length() && (c == '.' || c == '!' || c == '?') && Character.isWhitespace(text.charAt(i + 1)))) {
        return i + 1;
      }
    }
    int space = text.indexOf(' ', from);
    return space < 0 || space >= anchor ? anchor : space + 1;
  }

  private static int lastSpace(String text, int from, int to) {
    for (int i = to; i > from; i--) {
      if (Character.isWhitespace(text.charAt(i))) return i;
    }
    return -1;
  }
}
