// The tenant model's public surface: pure operations over a ModelSnapshot.
import { vmTable } from './membership.js';
import { PersistentMap } from './pmap.js';
import { relationTable } from './relation-index.js';
import { networkTable } from './network-index.js';
import type { ModelSnapshot, Network, Relation, Vm } from './types.js';

export * from './errors.js';
export * from './ident.js';
export * from './result.js';
export { putNetwork, deleteNetwork } from './network-ops.js';
export { MIN_SEGMENT, MAX_SEGMENT } from './segments.js';
export { gatewaysOnPort, networksWith, networksWithout } from './network-index.js';
export { vmTable } from './membership.js';
export { relationTable } from './relation-index.js';
export { vmStart, vmStop, migrationStart, migrationStartBy, migrationEnd, migrationAbort, migrationActivated } from './vm-ops.js';
export { putRelation, deleteRelation, relationState, type RelationState } from './relation-ops.js';

export { PersistentMap } from './pmap.js';

export function emptySnapshot(): ModelSnapshot {
  return snapshotOf(0, PersistentMap.empty(), PersistentMap.empty(), PersistentMap.empty());
}

/** A snapshot of these records, each map with the index the model's writes look things up in. */
export function snapshotOf(generation: number, networks: ReadonlyMap<string, Network>, vms: ReadonlyMap<string, Vm>, relations: ReadonlyMap<string, Relation>): ModelSnapshot {
  return { generation, networks: networkTable(networks), vms: vmTable(vms), relations: relationTable(relations) };
}
