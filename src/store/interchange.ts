// The export file: the whole model as one JSON document, the same whatever
// store holds it (LevelDB today, any other store that imports and exports
// it). `spotlight export` writes it from a consistent snapshot while the
// controller runs; `spotlight import` reads it into an empty store.
//
//   {"format": "spotlight-model", "version": 1, "generation": N,
//    "networks": [...], "vms": [...], "relations": [...]}
//
// Records are the model's own (networks carry their segment, VMs their
// migration in progress or held), sorted by name. An import replays every record
// through the model's operations, so a file is held to exactly the rules of
// the API, and keeps each network's segment (the tag on fabric links) and
// the generation (so generations only grow across a restore).
import type { ModelError } from '../model/errors.js';
import { emptySnapshot, MAX_SEGMENT, migrationActivated, migrationStart, migrationStartBy, MIN_SEGMENT, networksWith, putNetwork, putRelation, vmStart } from '../model/index.js';
import type { OpResult } from '../model/result.js';
import type { ModelSnapshot, Network, Relation, Vm } from '../model/types.js';

export const EXPORT_FORMAT = 'spotlight-model';
export const EXPORT_VERSION = 1;

export interface ModelExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  generation: number;
  networks: Network[];
  vms: Vm[];
  relations: Relation[];
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export function exportModel(s: ModelSnapshot): ModelExport {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    generation: s.generation,
    networks: [...s.networks.values()].sort(byKey((n) => n.name)),
    vms: [...s.vms.values()].sort(byKey((v) => v.name)),
    relations: [...s.relations.values()].sort(byKey((r) => r.id)),
  };
}

export interface ImportError {
  /** Where in the file: "networks[2].gateways[0].mac". */
  field: string;
  message: string;
  /** The model's code for a record it refuses. */
  code: string;
}

export type ImportResult = { ok: true; snapshot: ModelSnapshot } | { ok: false; error: ImportError };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, message: string, code = 'invalid_export'): ImportResult {
  return { ok: false, error: { field, message, code } };
}

/** A refusal of the model, placed under the record it came from. */
function refused(at: string, e: ModelError): ImportResult {
  const field = e.field ? `${at}.${e.field}` : at;
  return bad(field, `${at}: ${e.message}`, e.code);
}

function list(doc: Obj, name: string): Obj[] | string {
  const v = doc[name];
  if (!Array.isArray(v)) return `${name} must be a list`;
  const i = v.findIndex((x) => !isObj(x));
  return i >= 0 ? `${name}[${i}] must be an object` : (v as Obj[]);
}

function step(r: OpResult): { snapshot: ModelSnapshot } | { error: ModelError } {
  return r.ok ? { snapshot: r.snapshot } : { error: r.error };
}

/** Checks an export document record by record and builds the model it describes. */
export function importModel(doc: unknown): ImportResult {
  if (!isObj(doc)) return bad('body', 'an export is a JSON object');
  if (doc.format !== EXPORT_FORMAT) return bad('format', `format must be "${EXPORT_FORMAT}"`);
  if (doc.version !== EXPORT_VERSION) return bad('version', `version ${JSON.stringify(doc.version)} is not one this Spotlight reads (${EXPORT_VERSION})`);
  if (!Number.isSafeInteger(doc.generation) || (doc.generation as number) < 0) return bad('generation', 'generation must be a whole number, 0 or more');
  const lists: Record<'networks' | 'vms' | 'relations', Obj[]> = { networks: [], vms: [], relations: [] };
  for (const name of ['networks', 'vms', 'relations'] as const) {
    const l = list(doc, name);
    if (typeof l === 'string') return bad(name, l);
    lists[name] = l;
  }

  let s = emptySnapshot();
  const segments = new Map<number, string>();
  for (const [i, n] of lists.networks.entries()) {
    const at = `networks[${i}]`;
    if (typeof n.name !== 'string') return bad(`${at}.name`, `${at}.name must be a network name`, 'invalid_name');
    if (s.networks.has(n.name)) return bad(`${at}.name`, `${at}: network ${n.name} is listed twice`);
    const seg = n.segment;
    if (!Number.isInteger(seg) || (seg as number) < MIN_SEGMENT || (seg as number) > MAX_SEGMENT) return bad(`${at}.segment`, `${at}.segment must be a whole number from ${MIN_SEGMENT} to ${MAX_SEGMENT}`);
    const other = segments.get(seg as number);
    if (other !== undefined) return bad(`${at}.segment`, `${at}: segment ${String(seg)} is also network ${other}'s`);
    const input = { tenant: n.tenant, kind: n.kind, cidrs: n.cidrs, gateways: n.gateways, ...(n.dhcp !== undefined ? { dhcp: n.dhcp } : {}) } as Parameters<typeof putNetwork>[2];
    const r = step(putNetwork(s, n.name, input));
    if ('error' in r) return refused(at, r.error);
    // The exported segment, not the lowest free one: it tags the network on the wire.
    const net = { ...r.snapshot.networks.get(n.name)!, segment: seg as number };
    s = { ...r.snapshot, networks: networksWith(r.snapshot.networks, n.name, net) };
    segments.set(seg as number, n.name);
  }
  for (const [i, v] of lists.vms.entries()) {
    const at = `vms[${i}]`;
    if (typeof v.name !== 'string') return bad(`${at}.name`, `${at}.name must be a VM name`, 'invalid_name');
    if (s.vms.has(v.name)) return bad(`${at}.name`, `${at}: vm ${v.name} is listed twice`);
    const r = step(vmStart(s, { vm: v.name, tenant: v.tenant, interfaces: v.interfaces } as Parameters<typeof vmStart>[1]));
    if ('error' in r) return refused(at, r.error);
    s = r.snapshot;
    if (v.migration !== undefined) {
      const m = v.migration as Obj;
      if (!isObj(m) || !Array.isArray(m.destinations) || typeof m.activated !== 'boolean') return bad(`${at}.migration`, `${at}.migration must have destinations and activated`);
      const started = step(migrationStart(s, { vm: v.name, interfaces: m.destinations as unknown[] } as Parameters<typeof migrationStart>[1]));
      if ('error' in started) return refused(`${at}.migration`, started.error);
      s = started.snapshot;
      if (m.activated) s = (step(migrationActivated(s, v.name)) as { snapshot: ModelSnapshot }).snapshot;
    }
    if (v.heldMigration !== undefined) {
      const h = v.heldMigration as Obj;
      if (!isObj(h) || !Array.isArray(h.destinations) || (h.askedBy !== 'source' && h.askedBy !== 'destination')) {
        return bad(`${at}.heldMigration`, `${at}.heldMigration must have destinations and askedBy "source" or "destination"`);
      }
      const held = step(migrationStartBy(s, { vm: v.name, interfaces: h.destinations as unknown[] } as Parameters<typeof migrationStartBy>[1], h.askedBy));
      if ('error' in held) return refused(`${at}.heldMigration`, held.error);
      s = held.snapshot;
    }
  }
  for (const [i, r] of lists.relations.entries()) {
    const at = `relations[${i}]`;
    if (typeof r.id !== 'string') return bad(`${at}.id`, `${at}.id must be a relation id`, 'invalid_name');
    if (s.relations.has(r.id)) return bad(`${at}.id`, `${at}: relation ${r.id} is listed twice`);
    const out = step(putRelation(s, r.id, { vms: r.vms as string[], ...(Array.isArray(r.tenants) ? { tenants: r.tenants as (string | null)[] } : {}) }));
    if ('error' in out) return refused(at, out.error);
    s = out.snapshot;
  }
  return { ok: true, snapshot: { ...s, generation: doc.generation as number } };
}

