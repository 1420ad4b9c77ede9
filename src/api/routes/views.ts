// How model records are shown by the reads.
import { vmsOnNetwork } from '../../model/membership.js';
import type { ModelSnapshot, Network } from '../../model/types.js';

/** Lists come out sorted by name, whatever order the model keeps. */
export function byName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function networkView(s: ModelSnapshot, n: Network): Network & { vms: string[] } {
  return { ...n, vms: [...vmsOnNetwork(s.vms, n.name)].sort() };
}
