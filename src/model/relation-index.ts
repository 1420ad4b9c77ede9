// Relations by the VMs they name: an index the snapshot's relation map owns,
// built on first use after a change (relations change far less often than
// VMs start), so that a vm-start checks only the relations that name its VM.
import { IndexedMap, type ValueIndex } from './indexed-map.js';
import type { Relation } from './types.js';

type ByVm = ReadonlyMap<string, readonly Relation[]>;

const BY_VM: ValueIndex<Relation, ByVm> = {
  build(relations) {
    const built = new Map<string, Relation[]>();
    for (const r of relations) {
      for (const name of r.vms) {
        let list = built.get(name);
        if (!list) built.set(name, (list = []));
        list.push(r);
      }
    }
    return built;
  },
  update: () => undefined,
};

/** A relation map with its index by VM (`relations` itself when it has one). */
export function relationTable(relations: ReadonlyMap<string, Relation>): IndexedMap<Relation, ByVm> {
  return IndexedMap.of(BY_VM, relations);
}

/** The relations that name `vm`. */
export function relationsNaming(relations: ReadonlyMap<string, Relation>, vm: string): readonly Relation[] {
  return IndexedMap.indexOf(BY_VM, relations).get(vm) ?? [];
}
