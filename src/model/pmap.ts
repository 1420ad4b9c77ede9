// A read-only map whose updated copies share almost all their storage with
// the original: entries live in 256 buckets chosen by a hash of the key, and
// an update copies the bucket array and one bucket. Model operations make a
// new snapshot per write; copying a whole Map of 10,000 VMs each time would
// make every write cost the size of the cloud. Keys are strings (names) or
// numbers (port numbers, which spread over the buckets by their low byte).

const BUCKETS = 256;

function bucketOf(key: string | number): number {
  if (typeof key === 'number') return key & (BUCKETS - 1);
  // FNV-1a over UTF-16 code units: cheap, and spreads similar names well.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

export class PersistentMap<V, K extends string | number = string> implements ReadonlyMap<K, V> {
  private constructor(
    private readonly buckets: readonly (ReadonlyMap<K, V> | undefined)[],
    readonly size: number,
  ) {}

  static empty<V, K extends string | number = string>(): PersistentMap<V, K> {
    return new PersistentMap<V, K>(new Array<Map<K, V> | undefined>(BUCKETS).fill(undefined), 0);
  }

  static from<V, K extends string | number = string>(entries: Iterable<readonly [K, V]>): PersistentMap<V, K> {
    const buckets = new Array<Map<K, V> | undefined>(BUCKETS).fill(undefined);
    let size = 0;
    for (const [k, v] of entries) {
      const b = bucketOf(k);
      const m = (buckets[b] ??= new Map());
      if (!m.has(k)) size++;
      m.set(k, v);
    }
    return new PersistentMap<V, K>(buckets, size);
  }

  get(key: K): V | undefined {
    return this.buckets[bucketOf(key)]?.get(key);
  }

  has(key: K): boolean {
    return this.buckets[bucketOf(key)]?.has(key) ?? false;
  }

  /** A copy with `key` set to `value`. */
  with(key: K, value: V): PersistentMap<V, K> {
    const b = bucketOf(key);
    const old = this.buckets[b];
    const next = new Map(old);
    next.set(key, value);
    const buckets = this.buckets.slice();
    buckets[b] = next;
    return new PersistentMap<V, K>(buckets, this.size + (old?.has(key) ? 0 : 1));
  }

  /** A copy without `key`. */
  without(key: K): PersistentMap<V, K> {
    const b = bucketOf(key);
    const old = this.buckets[b];
    if (!old?.has(key)) return this;
    const next = new Map(old);
    next.delete(key);
    const buckets = this.buckets.slice();
    buckets[b] = next.size > 0 ? next : undefined;
    return new PersistentMap<V, K>(buckets, this.size - 1);
  }

  *entries(): MapIterator<[K, V]> {
    for (const m of this.buckets) if (m) yield* m.entries();
  }

  *keys(): MapIterator<K> {
    for (const m of this.buckets) if (m) yield* m.keys();
  }

  *values(): MapIterator<V> {
    for (const m of this.buckets) if (m) yield* m.values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }
}
