// Indexes of names by key (a network's member VMs, the VMs or gateways bound
// to a switch port), each key's names a set whose updated copies share
// storage once it is large: one VM starting on a public network of 4,000
// must not copy the other 3,999 names (and leave them to the garbage
// collector).
import { PersistentMap } from './pmap.js';

/** Up to this many names a set is a plain Set, copied whole on change: cheaper than 256 buckets. */
const SMALL = 64;

class SharedNameSet implements ReadonlySet<string> {
  constructor(private readonly names: PersistentMap<true>) {}

  get size(): number {
    return this.names.size;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  with(name: string): SharedNameSet {
    return this.names.has(name) ? this : new SharedNameSet(this.names.with(name, true));
  }

  without(name: string): SharedNameSet {
    return this.names.has(name) ? new SharedNameSet(this.names.without(name)) : this;
  }

  keys(): SetIterator<string> {
    return this.names.keys();
  }

  values(): SetIterator<string> {
    return this.names.keys();
  }

  *entries(): SetIterator<[string, string]> {
    for (const n of this.names.keys()) yield [n, n];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.names.keys();
  }

  forEach(fn: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    for (const n of this.names.keys()) fn.call(thisArg, n, n, this);
  }
}

function shared(names: Iterable<string>): SharedNameSet {
  return new SharedNameSet(PersistentMap.from<true>([...names].map((n) => [n, true] as const)));
}

/** A set of the given names, in the form its size calls for. */
function nameSetOf(names: ReadonlySet<string>): ReadonlySet<string> {
  return names.size > SMALL ? shared(names) : names;
}

/** `set` with `name` (a new set when it was missing; `set` may be absent). */
function withName(set: ReadonlySet<string> | undefined, name: string): ReadonlySet<string> {
  if (set instanceof SharedNameSet) return set.with(name);
  if (set?.has(name)) return set;
  const next = new Set(set);
  next.add(name);
  return next.size > SMALL ? shared(next) : next;
}

/** `set` without `name`; undefined when nothing is left. */
function withoutName(set: ReadonlySet<string>, name: string): ReadonlySet<string> | undefined {
  if (!set.has(name)) return set;
  if (set.size === 1) return undefined;
  if (set instanceof SharedNameSet) return set.size - 1 > SMALL ? set.without(name) : new Set([...set].filter((n) => n !== name));
  const next = new Set(set);
  next.delete(name);
  return next;
}

/** Key -> the names filed under it. */
export type NameSets = PersistentMap<ReadonlySet<string>>;

/** The index of (key, name) pairs. */
export function buildNameSets(pairs: Iterable<readonly [string, string]>): NameSets {
  const built = new Map<string, Set<string>>();
  for (const [k, name] of pairs) {
    let set = built.get(k);
    if (!set) built.set(k, (set = new Set()));
    set.add(name);
  }
  return PersistentMap.from<ReadonlySet<string>>([...built].map(([k, names]) => [k, nameSetOf(names)] as const));
}

/** `idx` with the pairs `removed` taken out, then the pairs `added` filed: a copy of each key touched, no more. */
export function updateNameSets(idx: NameSets, removed: Iterable<readonly [string, string]>, added: Iterable<readonly [string, string]>): NameSets {
  for (const [k, name] of removed) {
    const set = idx.get(k);
    if (set === undefined) continue;
    const next = withoutName(set, name);
    if (next !== set) idx = next !== undefined ? idx.with(k, next) : idx.without(k);
  }
  for (const [k, name] of added) {
    const set = idx.get(k);
    const next = withName(set, name);
    if (next !== set) idx = idx.with(k, next);
  }
  return idx;
}
