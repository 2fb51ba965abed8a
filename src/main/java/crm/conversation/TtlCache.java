package crm.conversation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A small LRU cache whose entries expire, for the hot inbound path's lookups of customers and active conversations.
 * Used from one verticle's event loop only (not thread-safe). Whoever changes what is cached evicts it, here and, via
 * domain events, on the other nodes; the expiry bounds what a missed eviction can cost.
 */
final class TtlCache<K, V> {
  private final long ttlMs;
  private final LinkedHashMap<K, Entry<V>> map;

  private record Entry<V>(V value, long expiresAt) {}

  TtlCache(int maxEntries, long ttlMs) {
    this.ttlMs = ttlMs;
    this.map = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
        return size() > maxEntries;
      }
    };
  }

  V get(K key) {
    Entry<V> e = map.get(key);
    if (e == null) return null;
    if (e.expiresAt() < System.currentTimeMillis()) {
      map.remove(key);
      return null;
    }
    return e.value();
  }

  void put(K key, V value) {
    map.put(key, new Entry<>(value, System.currentTimeMillis() + ttlMs));
  }

  void remove(K key) {
    map.remove(key);
  }

  /** Removes every entry whose value matches (for evictions by a field other than the key; rare). */
  void removeIf(Predicate<V> which) {
    map.values().removeIf(e -> which.test(e.value()));
  }
}
