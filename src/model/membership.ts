// Which VMs have an interface on which network: an index kept beside each
// snapshot's VM map (built once, then carried from one snapshot to the next
// by copying only the networks a change touches), so that checking one VM
// costs the size of its networks, not of the whole cloud.
import { PersistentMap } from './pmap.js';
import type { Vm } from './types.js';

type Members = ReadonlyMap<string, ReadonlySet<string>>;

const byVmMap = new WeakMap<ReadonlyMap<string, Vm>, Members>();

export function membersByNetwork(vms: ReadonlyMap<string, Vm>): Members {
  let idx = byVmMap.get(vms);
  if (!idx) {
    const built = new Map<string, Set<string>>();
    for (const vm of vms.values()) {
      for (const itf of vm.interfaces) {
        let set = built.get(itf.network);
        if (!set) built.set(itf.network, (set = new Set()));
        set.add(vm.name);
      }
    }
    idx = PersistentMap.from<ReadonlySet<string>>(built);
    byVmMap.set(vms, idx);
  }
  return idx;
}

/** Names of the VMs attached to a network. */
export function vmsOnNetwork(vms: ReadonlyMap<string, Vm>, network: string): ReadonlySet<string> {
  return membersByNetwork(vms).get(network) ?? new Set();
}

/** Derives the index of `next` (= `prev` with one VM replaced) from that of `prev`, if it has one. */
export function carryMembership(prev: ReadonlyMap<string, Vm>, next: ReadonlyMap<string, Vm>, before?: Vm, after?: Vm): void {
  const old = byVmMap.get(prev);
  if (!old) return;
  let idx = old instanceof PersistentMap ? (old as PersistentMap<ReadonlySet<string>>) : PersistentMap.from(old);
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
  byVmMap.set(next, idx);
}
