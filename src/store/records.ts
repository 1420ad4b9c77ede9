// How the model lies in LevelDB: one record per network, VM and relation,
// JSON values, plus two meta records (schema version, generation).
import { MAX_SEGMENT, MIN_SEGMENT } from '../model/segments.js';
import type { ModelChange, Network, Relation, Vm } from '../model/types.js';
import { StoreError } from './errors.js';

export const SCHEMA_VERSION = '1';
export const KEY_SCHEMA = 'm/schema';
export const KEY_GENERATION = 'm/generation';
export const PREFIX_NETWORK = 'n/';
export const PREFIX_VM = 'v/';
export const PREFIX_RELATION = 'r/';

export function keyOfChange(c: ModelChange): string {
  const prefix = c.kind === 'network' ? PREFIX_NETWORK : c.kind === 'vm' ? PREFIX_VM : PREFIX_RELATION;
  return prefix + c.id;
}

/** The stored value of a change's new state, or undefined for a deletion. */
export function valueOfChange(c: ModelChange): string | undefined {
  return c.after === undefined ? undefined : JSON.stringify(c.after);
}

function corrupt(key: string, why: string): StoreError {
  return new StoreError('store_corrupt', `store record ${key} is corrupt: ${why}`);
}

function parse(key: string, value: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw corrupt(key, 'not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(key, 'not an object');
  return v as Record<string, unknown>;
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isPort = (v: unknown): boolean => isStr(v) || (typeof v === 'number' && Number.isInteger(v));

export function decodeNetwork(key: string, value: string): Network {
  const v = parse(key, value);
  if (v.name !== key.slice(PREFIX_NETWORK.length)) throw corrupt(key, 'name does not match key');
  if (!isStr(v.tenant) || (v.kind !== 'private' && v.kind !== 'public') || !isStrArray(v.cidrs)) throw corrupt(key, 'bad tenant, kind or cidrs');
  if (!Number.isInteger(v.segment) || (v.segment as number) < MIN_SEGMENT || (v.segment as number) > MAX_SEGMENT) throw corrupt(key, 'bad segment');
  if (v.dhcp !== undefined) {
    const d = v.dhcp as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || !isStr(d.mac) || !isStr(d.ip)) throw corrupt(key, 'bad dhcp');
  }
  if (!Array.isArray(v.gateways)) throw corrupt(key, 'bad gateways');
  for (const g of v.gateways as Record<string, unknown>[]) {
    if (typeof g !== 'object' || g === null || !isStr(g.mac) || !isStrArray(g.ips) || !isStr(g.switch) || !isPort(g.port)) {
      throw corrupt(key, 'bad gateway');
    }
  }
  return v as unknown as Network;
}

export function decodeVm(key: string, value: string): Vm {
  const v = parse(key, value);
  if (v.name !== key.slice(PREFIX_VM.length)) throw corrupt(key, 'name does not match key');
  if (!isStr(v.tenant) || !Array.isArray(v.interfaces)) throw corrupt(key, 'bad tenant or interfaces');
  for (const i of v.interfaces as Record<string, unknown>[]) {
    if (typeof i !== 'object' || i === null || !isStr(i.mac) || !isStrArray(i.ips) || !isStr(i.network) || !isStr(i.switch) || !isPort(i.port)) {
      throw corrupt(key, 'bad interface');
    }
  }
  if (v.migration !== undefined) {
    const m = v.migration as Record<string, unknown>;
    if (typeof m !== 'object' || m === null || !Array.isArray(m.destinations) || typeof m.activated !== 'boolean') throw corrupt(key, 'bad migration');
    for (const d of m.destinations as Record<string, unknown>[]) {
      if (typeof d !== 'object' || d === null || !isStr(d.mac) || !isStr(d.switch) || !isPort(d.port)) throw corrupt(key, 'bad migration destination');
    }
  }
  if (v.heldMigration !== undefined) {
    const h = v.heldMigration as Record<string, unknown>;
    if (typeof h !== 'object' || h === null || !Array.isArray(h.destinations) || (h.askedBy !== 'source' && h.askedBy !== 'destination')) throw corrupt(key, 'bad held migration');
    for (const d of h.destinations as Record<string, unknown>[]) {
      if (typeof d !== 'object' || d === null || !isStr(d.mac) || !isStr(d.switch) || !isPort(d.port)) throw corrupt(key, 'bad held migration destination');
    }
  }
  return v as unknown as Vm;
}

/** A relation record; one written before relations recorded tenants comes back with tenants [null, null] (see load.ts). */
export function decodeRelation(key: string, value: string): Relation {
  const v = parse(key, value);
  if (v.id !== key.slice(PREFIX_RELATION.length)) throw corrupt(key, 'id does not match key');
  if (!isStrArray(v.vms) || v.vms.length !== 2) throw corrupt(key, 'bad vms');
  if (v.tenants === undefined) return { id: v.id, vms: [v.vms[0]!, v.vms[1]!], tenants: [null, null] };
  const t = v.tenants;
  if (!Array.isArray(t) || t.length !== 2 || !t.every((x) => x === null || isStr(x))) throw corrupt(key, 'bad tenants');
  return v as unknown as Relation;
}
