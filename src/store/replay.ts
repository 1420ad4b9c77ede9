// Records read back (from another instance's write, or a reload) turned into
// model changes and applied to a snapshot: the inverse of keyOfChange and
// valueOfChange.
import { networksWith, networksWithout, relationTable, vmTable } from '../model/index.js';
import type { ModelChange, ModelCommit, ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { decodeNetwork, decodeRelation, decodeVm, PREFIX_NETWORK, PREFIX_RELATION, PREFIX_VM } from './records.js';

/** The change that sets record `key` to `value` (undefined: deletes it), against `s`. */
export function changeOfRecord(s: ModelSnapshot, key: string, value: string | undefined): ModelChange {
  if (key.startsWith(PREFIX_NETWORK)) {
    const id = key.slice(PREFIX_NETWORK.length);
    return withSides({ kind: 'network', id }, s.networks.get(id), value === undefined ? undefined : decodeNetwork(key, value));
  }
  if (key.startsWith(PREFIX_VM)) {
    const id = key.slice(PREFIX_VM.length);
    return withSides({ kind: 'vm', id }, s.vms.get(id), value === undefined ? undefined : decodeVm(key, value));
  }
  if (key.startsWith(PREFIX_RELATION)) {
    const id = key.slice(PREFIX_RELATION.length);
    return withSides({ kind: 'relation', id }, s.relations.get(id), value === undefined ? undefined : decodeRelation(key, value));
  }
  throw new StoreError('store_corrupt', `store holds an unknown key ${JSON.stringify(key.slice(0, 60))}`);
}

function withSides<C extends ModelChange>(head: Pick<C, 'kind' | 'id'>, before: C['before'], after: C['after']): C {
  return { ...head, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) } as C;
}

/** `s` with `changes` applied, at `generation`. */
export function applyChanges(s: ModelSnapshot, changes: readonly ModelChange[], generation: number): ModelSnapshot {
  let { networks, vms, relations } = s;
  for (const c of changes) {
    if (c.kind === 'network') networks = c.after ? networksWith(networks, c.id, c.after) : networksWithout(networks, c.id);
    else if (c.kind === 'vm') vms = c.after ? vmTable(vms).with(c.id, c.after) : vmTable(vms).without(c.id);
    else relations = c.after ? relationTable(relations).with(c.id, c.after) : relationTable(relations).without(c.id);
  }
  return { generation, networks, vms, relations };
}

/** Every record that differs between two snapshots, as changes from `a` to `b`. */
export function diffSnapshots(a: ModelSnapshot, b: ModelSnapshot): ModelChange[] {
  const out: ModelChange[] = [];
  const kinds = [
    ['network', a.networks, b.networks],
    ['vm', a.vms, b.vms],
    ['relation', a.relations, b.relations],
  ] as const;
  for (const [kind, before, after] of kinds) {
    const ids = new Set<string>([...before.keys(), ...after.keys()]);
    for (const id of ids) {
      const x = before.get(id);
      const y = after.get(id);
      if (JSON.stringify(x) !== JSON.stringify(y)) out.push(withSides({ kind, id } as Pick<ModelChange, 'kind' | 'id'>, x, y as never));
    }
  }
  return out;
}

/**
 * The one commit that creates `model` in an empty store (`current`), at the
 * model's generation (at least 1 when it holds anything); `store_not_empty`
 * when `current` holds anything.
 */
export function restoredCommit(current: ModelSnapshot, model: ModelSnapshot): ModelCommit {
  if (current.generation !== 0 || current.networks.size + current.vms.size + current.relations.size > 0) {
    throw new StoreError('store_not_empty', `the store is not empty (generation ${current.generation}): import goes into a new store only`);
  }
  const changes: ModelChange[] = [
    ...[...model.networks.values()].map((n) => ({ kind: 'network' as const, id: n.name, after: n })),
    ...[...model.vms.values()].map((v) => ({ kind: 'vm' as const, id: v.name, after: v })),
    ...[...model.relations.values()].map((r) => ({ kind: 'relation' as const, id: r.id, after: r })),
  ];
  return { generation: Math.max(model.generation, changes.length > 0 ? 1 : 0), changes };
}
