package crm.hostile;

import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.engine.SourceOfRandomness;

/**
 * Seeded value generators: jqwik's Arbitraries used as a library from Jupiter tests. Not jqwik's engine: the suite's
 * requests are stateful against one server and every violation is collected, which properties that stop and shrink
 * at the first failing try are not made for. Outside its engine jqwik samples only through {@code sampleStream()},
 * which draws from jqwik's per-thread source of randomness; {@link SourceOfRandomness#create} seeds that source (an
 * engine class: jqwik 1.7 has no public seeded sampling), so the same seed gives the same requests, which
 * {@code HostileInputSuiteTest} checks.
 */
final class Gen {
  final long seed;
  private final Random random;

  Gen(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    SourceOfRandomness.create(Long.toString(seed));
  }

  /** One value; all of a generator's values must be drawn on the thread that made it (jqwik's source is per thread). */
  <T> T sample(Arbitrary<T> a) {
    return a.sampleStream().findFirst().orElseThrow();
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  <T> T pick(List<T> items) {
    return items.get(random.nextInt(items.size()));
  }

  /**
   * A string of exactly {@code length} chars drawn from the whole BMP and beyond: controls, NUL, zero-width and
   * bidirectional marks, lone surrogates (written as escapes by {@link Js}), emoji.
   */
  String hostileText(int length) {
    Arbitrary<Character> chars = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.chars().alpha()),
        net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\u0000', '\u001f')),
        net.jqwik.api.Tuple.of(2, Arbitraries.of('\u200b', '\u200e', '\u202e', '\ufeff', '\u2028', '"', '\\', '$', '.', '{')),
        net.jqwik.api.Tuple.of(2, Arbitraries.chars().range('\ud800', '\udfff')),
        net.jqwik.api.Tuple.of(3, Arbitraries.chars().range('\u00a0', '\ud7ff')));
    StringBuilder sb = new StringBuilder(length);
    // sampled in chunks: one generator call per character would make megabyte strings slow to build
    String chunk = sample(chars.list().ofSize(256)).stream().map(String::valueOf).reduce("", String::concat);
    while (sb.length() < length) sb.append(chunk, 0, Math.min(chunk.length(), length - sb.length()));
    return sb.toString();
  }

  /** A number for a field that wants something else: jqwik's edge cases of longs and doubles, and a marker. */
  Number oddNumber() {
    Number n = sample(Arbitraries.<Number>oneOf(Arbitraries.longs(), Arbitraries.doubles(), Arbitraries.of(13371337, 9007199254740993L)));
    return n instanceof Double d && !Double.isFinite(d) ? 13371337 : n;
  }

  /** An unknown key: random letters, sometimes with characters keys rarely have. */
  String oddKey() {
    return sample(Arbitraries.strings().withCharRange('a', 'z').withChars('_', '-', ' ', '\u00e9').ofMinLength(1).ofMaxLength(24));
  }

  /** 24 hex digits that name nothing (the seed decides which). */
  String objectId() {
    return sample(Arbitraries.strings().withChars("0123456789abcdef").ofLength(24));
  }
}
