// Relations by the VMs they name: built once per relation map (relations
// change far less often than VMs start), so that a vm-start checks only the
// relations that name its VM.
import type { Relation } from './types.js';

const byRelationMap = new WeakMap<ReadonlyMap<string, Relation>, ReadonlyMap<string, readonly Relation[]>>();

/** The relations that name `vm`. */
export function relationsNaming(relations: ReadonlyMap<string, Relation>, vm: string): readonly Relation[] {
  let idx = byRelationMap.get(relations);
  if (!idx) {
    const built = new Map<string, Relation[]>();
    for (const r of relations.values()) {
      for (const name of r.vms) {
        let list = built.get(name);
        if (!list) built.set(name, (list = []));
        list.push(r);
      }
    }
    idx = built;
    byRelationMap.set(relations, idx);
  }
  return idx.get(vm) ?? [];
}
