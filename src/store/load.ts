// Reads a whole store back into a ModelSnapshot, checking every record. The
// records are the same in LevelDB and in etcd (under the etcd prefix).
import type { AbstractBatchOptions, AbstractLevel } from 'abstract-level';
import { snapshotOf } from '../model/index.js';
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
  const reader = new SnapshotReader();
  for await (const [key, value] of db.iterator()) reader.add(key, value);
  return reader.finish();
}

/** Collects records one by one (any order) and checks them as a whole at the end. */
export class SnapshotReader {
  private readonly networks = new Map<string, Network>();
  private readonly vms = new Map<string, Vm>();
  private readonly relations = new Map<string, Relation>();
  private schema: string | undefined;
  private generation: number | undefined;
  private keys = 0;

  add(key: string, value: string): void {
    this.keys++;
    if (key === KEY_SCHEMA) this.schema = value;
    else if (key === KEY_GENERATION) this.generation = decodeGeneration(value);
    else if (key.startsWith(PREFIX_NETWORK)) this.networks.set(key.slice(PREFIX_NETWORK.length), decodeNetwork(key, value));
    else if (key.startsWith(PREFIX_VM)) this.vms.set(key.slice(PREFIX_VM.length), decodeVm(key, value));
    else if (key.startsWith(PREFIX_RELATION)) this.relations.set(key.slice(PREFIX_RELATION.length), decodeRelation(key, value));
    else throw new StoreError('store_corrupt', `store holds an unknown key ${JSON.stringify(key.slice(0, 60))}`);
  }

  /** undefined: no record at all (a new store). */
  finish(): ModelSnapshot | undefined {
    if (this.keys === 0) return undefined;
    if (this.schema === undefined) throw new StoreError('store_not_spotlight', 'the database has no Spotlight schema record: not a Spotlight store');
    if (this.schema !== SCHEMA_VERSION) {
      throw new StoreError('store_schema_unknown', `the store was written with schema version ${this.schema}; this Spotlight reads version ${SCHEMA_VERSION}`);
    }
    if (this.generation === undefined) throw new StoreError('store_corrupt', 'store has no generation record');
    checkReferences(this.networks, this.vms);
    return snapshotOf(this.generation, this.networks, this.vms, this.relations);
  }
}

export function decodeGeneration(value: string): number {
  const generation = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(generation)) throw new StoreError('store_corrupt', `store generation record is corrupt: ${value.slice(0, 40)}`);
  return generation;
}

/**
 * Relations written before they recorded tenants, bound to the tenants of
 * their running VMs (as a relation made now would be); a side whose VM is
 * stopped stays null until that VM starts again. Returns the relations that
 * changed, to be written back.
 */
export function bindLegacyRelations(s: ModelSnapshot): Relation[] {
  const out: Relation[] = [];
  for (const r of s.relations.values()) {
    const tenants: Relation['tenants'] = [r.tenants[0] ?? s.vms.get(r.vms[0])?.tenant ?? null, r.tenants[1] ?? s.vms.get(r.vms[1])?.tenant ?? null];
    if (tenants[0] !== r.tenants[0] || tenants[1] !== r.tenants[1]) out.push({ ...r, tenants });
  }
  return out;
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
