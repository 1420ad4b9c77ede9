// Which VMs have an interface on which network, which are bound to which
// switch port, and which interface holds each MAC and IP of a network: an
// index the snapshot's VM map owns (built once, then carried from one
// snapshot to the next by copying only the entries a change touches), so
// that checking one VM costs the size of its own interfaces, not of its
// networks or of the whole cloud.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import { buildNameSets, updateNameSets, type NameSets } from './name-set.js';
import { PersistentMap } from './pmap.js';
import type { PortRef, Vm } from './types.js';

interface VmIndex {
  /** Network name -> the VMs with an interface on it. */
  members: NameSets;
  /** portKey(switch, port) -> the VMs with an interface bound there. */
  ports: NameSets;
  /** heldKey(network, MAC or IP) -> the interface holding it, as "vm NAME interface I". */
  held: PersistentMap<string>;
}

/** The key of a MAC or IP (stored, canonical text) of a network in the index. */
function heldKey(network: string, address: string): string {
  return `${network} ${address}`;
}

/** What a VM's interfaces hold: key and holder. */
function heldBy(vm: Vm): [string, string][] {
  const out: [string, string][] = [];
  vm.interfaces.forEach((itf, i) => {
    const holder = `vm ${vm.name} interface ${i}`;
    out.push([heldKey(itf.network, itf.mac), holder]);
    for (const ip of itf.ips) out.push([heldKey(itf.network, ip), holder]);
  });
  return out;
}

/** The key of a switch port in the index: "switch/port". */
export function portKey(sw: string, port: PortRef): string {
  return `${sw}/${String(port)}`;
}

/** (key, VM name) for each key `keysOf` files a VM under. */
function pairsOf(vm: Vm | undefined, keysOf: (vm: Vm) => string[]): [string, string][] {
  return vm ? keysOf(vm).map((k) => [k, vm.name]) : [];
}

const networksOf = (vm: Vm): string[] => vm.interfaces.map((i) => i.network);
const portsOf = (vm: Vm): string[] => vm.interfaces.map((i) => portKey(i.switch, i.port));

const VM_INDEX: ValueIndex<Vm, VmIndex> = {
  build(vms) {
    const all = [...vms];
    return { members: buildNameSets(all.flatMap((vm) => pairsOf(vm, networksOf))), ports: buildNameSets(all.flatMap((vm) => pairsOf(vm, portsOf))), held: PersistentMap.from<string>(all.flatMap(heldBy)) };
  },
  update(idx, before, after) {
    let held = idx.held;
    for (const [k, holder] of before ? heldBy(before) : []) if (held.get(k) === holder) held = held.without(k);
    for (const [k, holder] of after ? heldBy(after) : []) held = held.with(k, holder);
    return { members: updateNameSets(idx.members, pairsOf(before, networksOf), pairsOf(after, networksOf)), ports: updateNameSets(idx.ports, pairsOf(before, portsOf), pairsOf(after, portsOf)), held };
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

/** The VM interface holding a MAC or IP (canonical text) in a network, as "vm NAME interface I". */
export function holderIn(vms: ReadonlyMap<string, Vm>, network: string, address: string): string | undefined {
  return IndexedMap.indexOf(VM_INDEX, vms).held.get(heldKey(network, address));
}
