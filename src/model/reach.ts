// Who may reach whom on a network, as the contract says for the controller's
// answers (ARP, neighbour discovery): on a private network every member
// reaches every other; on a public segment a gateway reaches and is reached by
// all, VMs of one tenant reach each other, and a relation between two VMs lets
// them reach each other. Symmetric. The relations are kept as pairs here, so
// what a relation grants is decided in this one file.
import type { NetworkKind, Relation } from './types.js';

/** One end of a question: a gateway of the network, or a VM's interface on it. */
export interface Reacher {
  gateway: boolean;
  /** The VM, for an interface. */
  vm?: { name: string; tenant: string };
}

/** The VM pairs that relations name, each pair in either order. */
export class RelationPairs {
  /** How many relations name each pair (several may), keyed by pairKey. */
  private readonly count = new Map<string, number>();

  static of(relations: Iterable<Relation>): RelationPairs {
    const pairs = new RelationPairs();
    for (const r of relations) pairs.change(undefined, r);
    return pairs;
  }

  /** A relation created, replaced or deleted. */
  change(before: Relation | undefined, after: Relation | undefined): void {
    if (before) {
      const k = pairKey(before.vms[0], before.vms[1]);
      const n = (this.count.get(k) ?? 0) - 1;
      if (n > 0) this.count.set(k, n);
      else this.count.delete(k);
    }
    if (after) {
      const k = pairKey(after.vms[0], after.vms[1]);
      this.count.set(k, (this.count.get(k) ?? 0) + 1);
    }
  }

  related(a: string, b: string): boolean {
    return this.count.has(pairKey(a, b));
  }
}

function pairKey(a: string, b: string): string {
  // VM names never hold a newline (model/ident.ts).
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

export function mayReach(kind: NetworkKind, a: Reacher, b: Reacher, relations: RelationPairs): boolean {
  if (kind === 'private' || a.gateway || b.gateway) return true;
  if (a.vm!.tenant === b.vm!.tenant) return true;
  return relations.related(a.vm!.name, b.vm!.name);
}
