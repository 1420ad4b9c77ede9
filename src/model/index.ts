// The tenant model's public surface: pure operations over a ModelSnapshot.
import { PersistentMap } from './pmap.js';
import type { ModelSnapshot } from './types.js';

export * from './errors.js';
export * from './ident.js';
export * from './result.js';
export { putNetwork, deleteNetwork } from './network-ops.js';
export { MIN_SEGMENT, MAX_SEGMENT, networksWith, networksWithout } from './segments.js';
export { vmStart, vmStop, migrationStart, migrationStartBy, migrationEnd, migrationAbort, migrationActivated } from './vm-ops.js';
export { putRelation, deleteRelation, relationState, type RelationState } from './relation-ops.js';

export { PersistentMap } from './pmap.js';

export function emptySnapshot(): ModelSnapshot {
  return { generation: 0, networks: PersistentMap.empty(), vms: PersistentMap.empty(), relations: PersistentMap.empty() };
}
