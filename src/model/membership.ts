// Which VMs have an interface on which network, and which are bound to which
// switch port: an index the snapshot's VM map owns (built once, then carried
// from one snapshot to the next by copying only the entries a change
// touches), so that checking one VM costs the size of its networks and
// ports, not of the whole cloud.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import { PersistentMap } from './pmap.js';
import type { PortRef, Vm } from './types.js';

type NameSets = PersistentMap<ReadonlySet<string>>;

interface VmIndex {
  /** Network name -> the VMs with an interface on it. */
  members: NameSets;
  /** portKey(switch, port) -> the VMs with an interface bound there. */
  ports: NameSets;
}

/** The key of a switch port in the index: "switch/port". */
function portKey(sw: string, port: PortRef): string {
  return `${sw}/${String(port)}`;
}

function build(vms: Iterable<Vm>, keysOf: (vm: Vm) => string[]): NameSets {
  const built = new Map<string, Set<string>>();
  for (const vm of vms) {
    for (const k of keysOf(vm)) {
      let set = built.get(k);
      if (!set) built.set(k, (set = new Set()));
      set.add(vm.name);
    }
  }
  return PersistentMap.from<ReadonlySet<string>>(built);
}

function update(idx: NameSets, before: Vm | undefined, after: Vm | undefined, keysOf: (vm: Vm) => string[]): NameSets {
  for (const k of before ? keysOf(before) : []) {
    const set = new Set(idx.get(k));
    set.delete(before!.name);
    idx = set.size > 0 ? idx.with(k, set) : idx.without(k);
  }
  for (const k of after ? keysOf(after) : []) {
    const set = new Set(idx.get(k));
    set.add(after!.name);
    idx = idx.with(k, set);
  }
  return idx;
}

const networksOf = (vm: Vm): string[] => vm.interfaces.map((i) => i.network);
const portsOf = (vm: Vm): string[] => vm.interfaces.map((i) => portKey(i.switch, i.port));

const VM_INDEX: ValueIndex<Vm, VmIndex> = {
  build(vms) {
    const all = [...vms];
    return { members: build(all, networksOf), ports: build(all, portsOf) };
  },
  update(idx, before, after) {
    return { members: update(idx.members, before, after, networksOf), ports: update(idx.ports, before, after, portsOf) };
  },
};

/** A VM map with its index (`vms` itself when it has one). */
export function vmTable(vms: ReadonlyMap<string, Vm>): IndexedMap<Vm, VmIndex> {
  return IndexedMap.of(VM_INDEX, vms);
}

/** Names of the VMs attached to a network. */
export function vmsOnNetwork(vms: ReadonlyMap<string, Vm>, network: string): ReadonlySet<string> {
  return IndexedMap.indexOf(VM_INDEX, vms).members.get(network) ?? new Set();
}

/** Names of the VMs with an interface bound to a switch port. */
export function vmsOnPort(vms: ReadonlyMap<string, Vm>, sw: string, port: PortRef): ReadonlySet<string> {
  return IndexedMap.indexOf(VM_INDEX, vms).ports.get(portKey(sw, port)) ?? new Set();
}
