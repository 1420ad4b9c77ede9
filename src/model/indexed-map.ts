// A persistent map that owns an index of its values: the index is built on
// first use and carried into each updated copy by the index's own update, so
// a lookup through it costs the index, not a scan of the map. The model's
// snapshots hold their networks, VMs and relations in these; the index goes
// wherever the map goes, and nothing outside the map keeps it.
import { PersistentMap } from './pmap.js';

/** How an index of a map's values is built, and updated when one value changes. */
export interface ValueIndex<V, I> {
  build(values: Iterable<V>): I;
  /** The index after `before` became `after` (either undefined for an add or a delete); undefined: build it again on next use. */
  update(index: I, before: V | undefined, after: V | undefined): I | undefined;
}

export class IndexedMap<V, I> implements ReadonlyMap<string, V> {
  private built: I | undefined;

  private constructor(
    private readonly map: PersistentMap<V>,
    readonly kind: ValueIndex<V, I>,
    built: I | undefined,
  ) {
    this.built = built;
  }

  /** `m` with an index of `kind`: `m` itself when it already has one, else a map sharing `m`'s storage when it is persistent. */
  static of<V, I>(kind: ValueIndex<V, I>, m: ReadonlyMap<string, V>): IndexedMap<V, I> {
    if (m instanceof IndexedMap && m.kind === kind) return m as IndexedMap<V, I>;
    const map = m instanceof PersistentMap ? (m as PersistentMap<V>) : PersistentMap.from(m);
    return new IndexedMap(map, kind, undefined);
  }

  /** The index of `kind` over `m`: its own when `m` holds one, else one built from `m`'s values for this lookup alone (nothing is copied or kept). */
  static indexOf<V, I>(kind: ValueIndex<V, I>, m: ReadonlyMap<string, V>): I {
    return m instanceof IndexedMap && m.kind === kind ? (m as IndexedMap<V, I>).index : kind.build(m.values());
  }

  /** The index, built now if no earlier copy of this map built it. */
  get index(): I {
    return (this.built ??= this.kind.build(this.map.values()));
  }

  /** A copy with `key` set to `value`. */
  with(key: string, value: V): IndexedMap<V, I> {
    return new IndexedMap(this.map.with(key, value), this.kind, this.updated(this.map.get(key), value));
  }

  /** A copy without `key` (this map when it has no such key). */
  without(key: string): IndexedMap<V, I> {
    const before = this.map.get(key);
    if (before === undefined && !this.map.has(key)) return this;
    return new IndexedMap(this.map.without(key), this.kind, this.updated(before, undefined));
  }

  private updated(before: V | undefined, after: V | undefined): I | undefined {
    return this.built === undefined ? undefined : this.kind.update(this.built, before, after);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  entries(): MapIterator<[string, V]> {
    return this.map.entries();
  }

  keys(): MapIterator<string> {
    return this.map.keys();
  }

  values(): MapIterator<V> {
    return this.map.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.map.entries();
  }

  forEach(fn: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.map.entries()) fn.call(thisArg, v, k, this);
  }
}
