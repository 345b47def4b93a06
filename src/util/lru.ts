/**
 * A Map bounded by entry count that forgets the least recently used entry
 * first. Map iteration order is insertion order, so "use" re-inserts the key
 * and eviction takes the first one: O(1) for both.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('LruMap: maxEntries must be a positive integer');
    }
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, marking the key as recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  /** The value without touching recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /**
   * Stores the value as most recently used. When full, evicts the least recently
   * used key for which `keep` (if given) is false; if every key must be kept, the
   * new entry is refused and false is returned.
   */
  set(key: K, value: V, keep?: (key: K, value: V) => boolean): boolean {
    if (this.map.has(key)) {
      this.map.delete(key);
      this.map.set(key, value);
      return true;
    }
    if (this.map.size >= this.maxEntries && !this.evictOne(keep)) return false;
    this.map.set(key, value);
    return true;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  private evictOne(keep?: (key: K, value: V) => boolean): boolean {
    for (const [k, v] of this.map) {
      if (keep?.(k, v)) continue;
      this.map.delete(k);
      return true;
    }
    return false;
  }
}
