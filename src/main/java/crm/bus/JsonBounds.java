package crm.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * The shape every JSON value from outside (REST bodies, webhook parts, Socket.IO payloads, later LLM tool arguments)
 * must keep before it is stored or handed on: nested at most {@code maxDepth} objects and arrays deep, and numbers a
 * database can hold (whole numbers within 64 bits, finite decimals). The walk is iterative, so a value nested
 * thousands deep is measured without recursion. A value past the bounds is refused with the path to where it went
 * past them, e.g. {@code customFields.a.b[2].c}.
 */
public final class JsonBounds {
  private JsonBounds() {}

  /** The default nesting limit ({@code JSON_MAX_DEPTH}). */
  public static final int DEFAULT_MAX_DEPTH = 32;
  private static final int MAX_PATH = 160;

  /** What is wrong and where; null from {@link #violation} when nothing is. */
  public record Violation(String path, String message) {}

  /** Throws VALIDATION_FAILED naming the field when {@code value} is out of bounds. */
  public static void check(Object value, int maxDepth) {
    Violation v = violation(value, maxDepth);
    if (v != null) throw CrmException.validation(v.path(), v.message());
  }

  /** The first place where {@code value} is nested deeper than {@code maxDepth} or holds an unstorable number. */
  public static Violation violation(Object value, int maxDepth) {
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame(value, 0, null));
    while (!stack.isEmpty()) {
      Frame f = stack.pop();
      Object v = f.value;
      if (v instanceof JsonObject o) v = o.getMap();
      if (v instanceof JsonArray a) v = a.getList();
      if (v instanceof Map<?, ?> map) {
        if (f.depth + 1 > maxDepth) return deep(f, maxDepth);
        for (Map.Entry<?, ?> e : map.entrySet()) stack.push(new Frame(e.getValue(), f.depth + 1, new Step(f.step, String.valueOf(e.getKey()), -1)));
      } else if (v instanceof java.util.List<?> list) {
        if (f.depth + 1 > maxDepth) return deep(f, maxDepth);
        for (int i = list.size() - 1; i >= 0; i--) stack.push(new Frame(list.get(i), f.depth + 1, new Step(f.step, null, i)));
      } else if (!storable(v)) {
        return new Violation(path(f.step), path(f.step) + " is not a number that can be stored");
      }
    }
    return null;
  }

  /**
   * The nesting check on JSON text, before it is parsed: one pass over the characters, so a body nested thousands deep
   * (past what the parser itself accepts, where it would only say "malformed") is refused naming where, and the
   * parser never builds it. Null when the text nests at most {@code maxDepth} deep (it may still be malformed).
   */
  public static Violation scanDepth(CharSequence text, int maxDepth) {
    ArrayDeque<Object[]> open = new ArrayDeque<>(); // {isObject, key or index}
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '{', '[' -> {
          if (open.size() + 1 > maxDepth) {
            String path = textPath(open);
            return new Violation(path.isEmpty() ? "body" : path,
                (path.isEmpty() ? "The body" : path) + " is nested deeper than " + maxDepth + " levels");
          }
          open.push(new Object[] {c == '{', c == '{' ? null : (Object) 0});
        }
        case '}', ']' -> {
          if (!open.isEmpty()) open.pop();
        }
        case ',' -> {
          Object[] top = open.peek();
          if (top != null) top[1] = (Boolean) top[0] ? null : (Object) ((Integer) top[1] + 1);
        }
        case '"' -> {
          int end = i + 1;
          while (end < n && text.charAt(end) != '"') end += text.charAt(end) == '\\' ? 2 : 1;
          Object[] top = open.peek();
          int after = end + 1;
          while (after < n && Character.isWhitespace(text.charAt(after))) after++;
          if (top != null && (Boolean) top[0] && top[1] == null && after < n && text.charAt(after) == ':') {
            top[1] = text.subSequence(i + 1, Math.min(end, n)).toString();
          }
          i = end;
        }
        default -> { }
      }
    }
    return null;
  }

  private static String textPath(ArrayDeque<Object[]> open) {
    StringBuilder b = new StringBuilder();
    java.util.Iterator<Object[]> outerFirst = open.descendingIterator();
    while (outerFirst.hasNext()) {
      Object[] frame = outerFirst.next();
      if ((Boolean) frame[0]) {
        if (b.length() > 0) b.append('.');
        b.append(frame[1]);
      } else {
        b.append('[').append(frame[1]).append(']');
      }
      if (b.length() > MAX_PATH) return b.substring(0, MAX_PATH) + "...";
    }
    return b.toString();
  }

  private static Violation deep(Frame f, int maxDepth) {
    String path = path(f.step);
    return new Violation(path.isEmpty() ? "body" : path,
        (path.isEmpty() ? "The body" : path) + " is nested deeper than " + maxDepth + " levels");
  }

  private static boolean storable(Object v) {
    if (v instanceof BigInteger b) return b.bitLength() < 64;
    if (v instanceof BigDecimal d) return Double.isFinite(d.doubleValue());
    if (v instanceof Double d) return Double.isFinite(d);
    if (v instanceof Float d) return Float.isFinite(d);
    return true;
  }

  private record Step(Step parent, String key, int index) {}

  private record Frame(Object value, int depth, Step step) {}

  private static String path(Step step) {
    java.util.ArrayList<Step> steps = new java.util.ArrayList<>();
    for (Step s = step; s != null; s = s.parent) steps.add(s);
    StringBuilder b = new StringBuilder();
    for (int i = steps.size() - 1; i >= 0; i--) {
      Step s = steps.get(i);
      if (s.key != null) {
        if (b.length() > 0) b.append('.');
        b.append(s.key);
      } else {
        b.append('[').append(s.index).append(']');
      }
      if (b.length() > MAX_PATH) return b.substring(0, MAX_PATH) + "...";
    }
    return b.toString();
  }
}
