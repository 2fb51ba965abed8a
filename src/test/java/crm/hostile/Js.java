package crm.hostile;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text written by hand, so that hostile bodies can hold what a JSON library refuses to write: nesting far past
 * Jackson's write limit, lone surrogates (written as {@code \\uD800} escapes), and {@link Raw} pieces pasted verbatim.
 * Trees are plain {@code Map}/{@code List} values (LinkedHashMap keeps the key order of the base body).
 */
final class Js {
  private Js() {}

  /** Text pasted into the output as it is (a deep value, an invalid token). */
  record Raw(String text) {
    @Override
    public String toString() {
      return text.length() <= 80 ? text : text.substring(0, 80) + "...(" + text.length() + " chars)";
    }
  }

  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(sb, value);
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static void write(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Raw r) {
      sb.append(r.text());
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        string(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) sb.append(',');
        write(sb, l.get(i));
      }
      sb.append(']');
    } else if (v instanceof JsonObject o) {
      write(sb, tree(o));
    } else if (v instanceof JsonArray a) {
      write(sb, tree(a));
    } else {
      throw new IllegalArgumentException("not JSON: " + v.getClass());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || Character.isSurrogate(c)) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  /** A mutable deep copy of a Vert.x JSON value as Map/List. */
  static Object tree(Object v) {
    if (v instanceof JsonObject o) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : o) m.put(e.getKey(), tree(e.getValue()));
      return m;
    }
    if (v instanceof JsonArray a) {
      List<Object> l = new ArrayList<>();
      for (Object x : a) l.add(tree(x));
      return l;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), tree(e.getValue()));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) out.add(tree(x));
      return out;
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(JsonObject o) {
    return (Map<String, Object>) tree(o);
  }

  /** {@code n} nested objects ({@code {"d":{"d":...leaf...}}}): the value's own depth is n (plus the leaf's). */
  static Raw deepObject(int n, String key, String leaf) {
    String open = "{" + quote(key) + ":";
    StringBuilder sb = new StringBuilder(n * (open.length() + 1) + leaf.length());
    sb.append(open.repeat(n)).append(leaf).append("}".repeat(n));
    return new Raw(sb.toString());
  }

  /** {@code n} nested arrays ({@code [[[leaf]]]}). */
  static Raw deepArray(int n, String leaf) {
    return new Raw("[".repeat(n) + leaf + "]".repeat(n));
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder();
    string(sb, s);
    return sb.toString();
  }

  // ---- paths into a tree: "a", "a.b", "a[0].b"

  /** A place in a body: top-level field, or one level into an object or the first element of an array of objects. */
  record Slot(List<Object> steps) {
    String name() {
      StringBuilder sb = new StringBuilder();
      for (Object s : steps) {
        if (s instanceof Integer i) sb.append('[').append(i).append(']');
        else {
          if (sb.length() > 0) sb.append('.');
          sb.append(s);
        }
      }
      return sb.toString();
    }

    boolean topLevel() {
      return steps.size() == 1;
    }

    String leafKey() {
      Object last = steps.get(steps.size() - 1);
      return last instanceof String s ? s : null;
    }
  }

  /** The slots of a body: every top-level field, and the fields of nested objects down to {@code maxDepth} levels. */
  static List<Slot> slots(Map<String, Object> body, int maxDepth) {
    List<Slot> out = new ArrayList<>();
    collect(body, new ArrayList<>(), out, maxDepth);
    return out;
  }

  private static void collect(Object node, List<Object> prefix, List<Slot> out, int maxDepth) {
    if (prefix.size() >= maxDepth * 2) return;
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        List<Object> p = new ArrayList<>(prefix);
        p.add(String.valueOf(e.getKey()));
        out.add(new Slot(List.copyOf(p)));
        if (depthOf(p) < maxDepth) collect(e.getValue(), p, out, maxDepth);
      }
    } else if (node instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?>) {
      List<Object> p = new ArrayList<>(prefix);
      p.add(0);
      collect(l.get(0), p, out, maxDepth);
    }
  }

  private static int depthOf(List<Object> steps) {
    int n = 0;
    for (Object s : steps) if (s instanceof String) n++;
    return n;
  }

  /** A deep copy of {@code body} with the value at {@code slot} replaced (or removed when {@code remove}). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> with(Map<String, Object> body, Slot slot, Object value, boolean remove) {
    Map<String, Object> copy = (Map<String, Object>) tree(body);
    Object node = copy;
    List<Object> steps = slot.steps();
    for (int i = 0; i < steps.size() - 1; i++) {
      Object s = steps.get(i);
      node = s instanceof Integer idx ? ((List<Object>) node).get(idx) : ((Map<String, Object>) node).get(s);
    }
    Object last = steps.get(steps.size() - 1);
    if (last instanceof Integer idx) {
      if (remove) ((List<Object>) node).remove((int) idx);
      else ((List<Object>) node).set(idx, value);
    } else if (remove) {
      ((Map<String, Object>) node).remove(last);
    } else {
      ((Map<String, Object>) node).put((String) last, value);
    }
    return copy;
  }

  /** The value at a slot of the (unmodified) body. */
  @SuppressWarnings("unchecked")
  static Object at(Map<String, Object> body, Slot slot) {
    Object node = body;
    for (Object s : slot.steps()) {
      if (node == null) return null;
      node = s instanceof Integer idx ? ((List<Object>) node).get(idx) : ((Map<String, Object>) node).get(s);
    }
    return node;
  }

  static String typeOf(Object v) {
    if (v == null) return "null";
    if (v instanceof String) return "string";
    if (v instanceof Boolean) return "boolean";
    if (v instanceof Number) return "number";
    if (v instanceof Map<?, ?>) return "object";
    if (v instanceof List<?>) return "array";
    return "raw";
  }
}
