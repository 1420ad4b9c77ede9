// One switch's desired state as the reconciler keeps it: flows keyed by their
// identity on the switch (table, priority, normalised match), groups and
// meters by id. The compiler hands over deltas (objects that left, objects
// that came); applying one costs what it changed and reports which keys it
// touched, so the next pass plans only those. A full set (first publication,
// or a switch whose version changed) replaces everything.
import type { OfVersion } from '../openflow/wire-values.js';
import { instructionText } from './diff.js';
import { keyAndNormalize, type MatchKeyError } from './match-key.js';
import type { DesiredFlow, DesiredGroup, DesiredMeter } from './ports.js';
import { OFP10_VERSION } from '../openflow/wire-values.js';

/** A keyed desired flow: the flow and its match in the switch's normal form (what is sent). */
export interface KeyedFlow {
  flow: DesiredFlow;
  match: DesiredFlow['match'];
}

export interface DesiredChanges {
  flows: Set<string>;
  groups: Set<number>;
  meters: Set<number>;
}

export const noChanges = (): DesiredChanges => ({ flows: new Set(), groups: new Set(), meters: new Set() });

export class DesiredTables {
  /** Per key, every desired flow with that identity in arrival order; the first counts (two is a compiler fault, logged). */
  private readonly flows = new Map<string, KeyedFlow[]>();
  readonly groups = new Map<number, DesiredGroup>();
  readonly meters = new Map<number, DesiredMeter>();
  /** Keys of each flow object, so a removal finds its entry without keying again. */
  private readonly keyOf = new WeakMap<DesiredFlow, string>();
  readonly invalid: { flow: DesiredFlow; error: MatchKeyError }[] = [];

  constructor(readonly version: OfVersion) {}

  get flowCount(): number {
    return this.flows.size;
  }

  /** The flow that counts for a key. */
  flow(key: string): KeyedFlow | undefined {
    return this.flows.get(key)?.[0];
  }

  *entries(): IterableIterator<[string, KeyedFlow]> {
    for (const [k, l] of this.flows) yield [k, l[0]!];
  }

  keys(): IterableIterator<string> {
    return this.flows.keys();
  }

  isDuplicate(key: string): boolean {
    return (this.flows.get(key)?.length ?? 0) > 1;
  }

  /** Keys held by more than one desired flow (a compiler fault): the first is kept. */
  duplicates(): string[] {
    const out: string[] = [];
    for (const [k, l] of this.flows) if (l.length > 1) out.push(k);
    return out;
  }

  /** Takes flows, groups and meters that left or came; returns what that touched. */
  apply(removedFlows: readonly DesiredFlow[], addedFlows: readonly DesiredFlow[], groups: { removed: readonly DesiredGroup[]; added: readonly DesiredGroup[] }, meters: { removed: readonly DesiredMeter[]; added: readonly DesiredMeter[] }, into: DesiredChanges): void {
    for (const f of removedFlows) {
      const key = this.keyOf.get(f);
      if (key === undefined) continue;
      const l = this.flows.get(key);
      if (!l) continue;
      const i = l.findIndex((e) => e.flow === f);
      if (i < 0) continue;
      l.splice(i, 1);
      if (l.length === 0) this.flows.delete(key);
      into.flows.add(key);
    }
    for (const f of addedFlows) {
      const k = this.key(f);
      if (k === undefined) continue;
      const l = this.flows.get(k.key);
      if (l) l.push(k.entry);
      else this.flows.set(k.key, [k.entry]);
      into.flows.add(k.key);
    }
    for (const g of groups.removed) {
      if (this.groups.get(g.groupId) !== g) continue;
      this.groups.delete(g.groupId);
      into.groups.add(g.groupId);
    }
    for (const g of groups.added) {
      this.groups.set(g.groupId, g);
      into.groups.add(g.groupId);
    }
    for (const m of meters.removed) {
      if (this.meters.get(m.meterId) !== m) continue;
      this.meters.delete(m.meterId);
      into.meters.add(m.meterId);
    }
    for (const m of meters.added) {
      this.meters.set(m.meterId, m);
      into.meters.add(m.meterId);
    }
  }

  /** Drops a touched key whose flow object changed but whose content did not: nothing to send for it. */
  static sameContent(a: KeyedFlow | undefined, b: KeyedFlow | undefined): boolean {
    if (a === b) return true;
    if (!a || !b) return false;
    return a.flow.cookie === b.flow.cookie && instructionText(a.flow.instructions) === instructionText(b.flow.instructions);
  }

  private key(f: DesiredFlow): { key: string; entry: KeyedFlow } | undefined {
    const r = keyAndNormalize(this.version === OFP10_VERSION ? 0 : f.tableId, f.priority, f.match, this.version);
    if (!r.ok) {
      this.invalid.push({ flow: f, error: r.error });
      if (this.invalid.length > 100) this.invalid.shift();
      return undefined;
    }
    this.keyOf.set(f, r.key);
    return { key: r.key, entry: { flow: f, match: r.match } };
  }
}
