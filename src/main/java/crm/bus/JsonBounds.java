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
