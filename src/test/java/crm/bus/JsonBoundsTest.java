package crm.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The shape limits of JSON from outside: on parsed values and on raw text, naming the same place. */
class JsonBoundsTest {

  @Test
  void the_text_scan_names_where_the_nesting_went_too_deep() {
    assertThat(JsonBounds.scanDepth("{\"a\":{\"b\":{}}}", 3)).isNull();
    assertThat(JsonBounds.scanDepth("{\"a\":{\"b\":{}}}", 2).path()).isEqualTo("a.b");
    assertThat(JsonBounds.scanDepth("{\"x\":1,\"a\":[0,[1,{\"c\":[]}]]}", 3).path()).isEqualTo("a[1][1]");
    assertThat(JsonBounds.scanDepth("[[[]]]", 2).path()).isEqualTo("[0][0]");
    assertThat(JsonBounds.scanDepth("[[[]]]", 0).path()).isEqualTo("body");
    // braces and quotes inside strings are text, not structure
    assertThat(JsonBounds.scanDepth("{\"a\":\"{{{[[[\\\"{\",\"b\":{}}", 2)).isNull();
    assertThat(JsonBounds.scanDepth("{\"k\\\"ey\":{\"z\":{}}}", 2).path()).isEqualTo("k\\\"ey.z");
    // far past what the parser accepts, without recursion
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    assertThat(JsonBounds.scanDepth(deep, 32).path()).isEqualTo("[0]".repeat(32));
    assertThat(JsonBounds.scanDepth(deep, 90).path()).hasSize(163).endsWith("...");
  }

  @Test
  void the_text_scan_and_the_value_walk_agree_on_random_values() {
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      Object value = randomValue(random, 0);
      String text = value instanceof JsonObject o ? o.encode() : ((JsonArray) value).encode();
      int max = 1 + random.nextInt(6);
      JsonBounds.Violation onText = JsonBounds.scanDepth(text, max);
      JsonBounds.Violation onValue = JsonBounds.violation(value, max);
      assertThat(onText == null).as("%s at %d", text, max).isEqualTo(onValue == null);
      // both name a place that is too deep (not necessarily the same one: the walk goes depth first from the end)
      if (onText != null) assertThat(onText.message()).contains("nested deeper than " + max);
    }
  }

  private static Object randomValue(Random random, int depth) {
    if (depth > 7 || random.nextInt(4) == 0) {
      return random.nextBoolean() ? new JsonObject().put("s", "{[\"" + random.nextInt()) : new JsonArray().add(random.nextInt());
    }
    if (random.nextBoolean()) {
      JsonObject o = new JsonObject();
      for (int i = random.nextInt(3); i >= 0; i--) o.put("k" + i, randomValue(random, depth + 1));
      return o;
    }
    JsonArray a = new JsonArray();
    for (int i = random.nextInt(3); i >= 0; i--) a.add(randomValue(random, depth + 1));
    return a;
  }

  @Test
  void numbers_a_database_cannot_hold_are_named() {
    assertThat(JsonBounds.violation(new JsonObject().put("n", Long.MAX_VALUE), 5)).isNull();
    JsonObject big = new JsonObject().put("a", new JsonArray().add(new BigInteger("123456789012345678901234567890")));
    assertThat(JsonBounds.violation(big, 5).path()).isEqualTo("a[0]");
    assertThat(JsonBounds.violation(new JsonObject().put("d", Double.POSITIVE_INFINITY), 5).path()).isEqualTo("d");
  }
}
