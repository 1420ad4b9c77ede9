// Reads a whole store back into a ModelSnapshot, checking every record.
import type { AbstractBatchOptions, AbstractLevel } from 'abstract-level';
import { PersistentMap } from '../model/pmap.js';
import type { ModelSnapshot, Network, Relation, Vm } from '../model/types.js';
import { StoreError } from './errors.js';
import {
  decodeNetwork, decodeRelation, decodeVm, KEY_GENERATION, KEY_SCHEMA,
  PREFIX_NETWORK, PREFIX_RELATION, PREFIX_VM, SCHEMA_VERSION,
} from './records.js';

export type KvDb = AbstractLevel<string | Buffer | Uint8Array, string, string>;

/** classic-level's batch option: fsync before resolving (memory-level ignores it). */
export const SYNC_WRITE = { sync: true } as AbstractBatchOptions<string, string>;

/** undefined: the database holds no key at all (a new store). */
export async function loadSnapshot(db: KvDb): Promise<ModelSnapshot | undefined> {
  const networks = new Map<string, Network>();
  const vms = new Map<string, Vm>();
  const relations = new Map<string, Relation>();
  let schema: string | undefined;
  let generation: number | undefined;
  let keys = 0;
  for await (const [key, value] of db.iterator()) {
    keys++;
    if (key === KEY_SCHEMA) schema = value;
    else if (key === KEY_GENERATION) {
      generation = Number(value);
      if (!Number.isSafeInteger(generation) || generation < 0) throw new StoreError('store_corrupt', `store generation record is corrupt: ${value.slice(0, 40)}`);
    } else if (key.startsWith(PREFIX_NETWORK)) networks.set(key.slice(PREFIX_NETWORK.length), decodeNetwork(key, value));
    else if (key.startsWith(PREFIX_VM)) vms.set(key.slice(PREFIX_VM.length), decodeVm(key, value));
    else if (key.startsWith(PREFIX_RELATION)) relations.set(key.slice(PREFIX_RELATION.length), decodeRelation(key, value));
    else throw new StoreError('store_corrupt', `store holds an unknown key ${JSON.stringify(key.slice(0, 60))}`);
  }
  if (keys === 0) return undefined;
  if (schema === undefined) throw new StoreError('store_not_spotlight', 'the database has no Spotlight schema record: not a Spotlight store');
  if (schema !== SCHEMA_VERSION) {
    throw new StoreError('store_schema_unknown', `the store was written with schema version ${schema}; this Spotlight reads version ${SCHEMA_VERSION}`);
  }
  if (generation === undefined) throw new StoreError('store_corrupt', 'store has no generation record');
  checkReferences(networks, vms);
  return { generation, networks: PersistentMap.from(networks), vms: PersistentMap.from(vms), relations: PersistentMap.from(relations) };
}

function checkReferences(networks: Map<string, Network>, vms: Map<string, Vm>): void {
  const segments = new Set<number>();
  for (const n of networks.values()) {
    if (segments.has(n.segment)) throw new StoreError('store_corrupt', `store is corrupt: segment ${n.segment} is held twice`);
    segments.add(n.segment);
  }
  for (const vm of vms.values()) {
    for (const itf of vm.interfaces) {
      if (!networks.has(itf.network)) throw new StoreError('store_corrupt', `store is corrupt: vm ${vm.name} names missing network ${itf.network}`);
    }
  }
}
