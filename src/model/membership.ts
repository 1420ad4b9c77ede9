// Which VMs have an interface on which network: an index the snapshot's VM
// map owns (built once, then carried from one snapshot to the next by copying
// only the networks a change touches), so that checking one VM costs the size
// of its networks, not of the whole cloud.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import { PersistentMap } from './pmap.js';
import type { Vm } from './types.js';

type Members = PersistentMap<ReadonlySet<string>>;

const MEMBERSHIP: ValueIndex<Vm, Members> = {
  build(vms) {
    const built = new Map<string, Set<string>>();
    for (const vm of vms) {
      for (const itf of vm.interfaces) {
        let set = built.get(itf.network);
        if (!set) built.set(itf.network, (set = new Set()));
        set.add(vm.name);
      }
    }
    return PersistentMap.from<ReadonlySet<string>>(built);
  },
  update(idx, before, after) {
    for (const itf of before?.interfaces ?? []) {
      const set = new Set(idx.get(itf.network));
      set.delete(before!.name);
      idx = set.size > 0 ? idx.with(itf.network, set) : idx.without(itf.network);
    }
    for (const itf of after?.interfaces ?? []) {
      const set = new Set(idx.get(itf.network));
      set.add(after!.name);
      idx = idx.with(itf.network, set);
    }
    return idx;
  },
};

/** A VM map with its membership index (`vms` itself when it has one). */
export function vmTable(vms: ReadonlyMap<string, Vm>): IndexedMap<Vm, Members> {
  return IndexedMap.of(MEMBERSHIP, vms);
}

/** Names of the VMs attached to a network. */
export function vmsOnNetwork(vms: ReadonlyMap<string, Vm>, network: string): ReadonlySet<string> {
  return IndexedMap.indexOf(MEMBERSHIP, vms).get(network) ?? new Set();
}
