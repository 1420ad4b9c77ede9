// Relations: a named pair of VMs that may reach each other on every network they share.
import { modelError, type ModelError } from './errors.js';
import { isValidName } from './ident.js';
import { mapWith, mapWithout } from './pmap.js';
import { sameRecord, type OpResult, type RelationInput } from './result.js';
import type { ModelSnapshot, Relation } from './types.js';

/**
 * Creates or replaces a relation. Both VMs must exist when it is written; a
 * relation then outlives a vm-stop of either VM (it names VMs, which the
 * compute side stops and starts again) until it is deleted.
 */
export function putRelation(s: ModelSnapshot, id: string, input: RelationInput): OpResult {
  if (!isValidName(id)) return fail(modelError('invalid_name', 'relation id must be 1-128 letters, digits or ._:@+-', 'id'));
  if (!Array.isArray(input.vms) || input.vms.length !== 2) return fail(modelError('invalid_relation', 'vms must name exactly two VMs', 'vms'));
  const [a, b] = input.vms as [string, string];
  for (const [i, vm] of [a, b].entries()) {
    if (!isValidName(vm)) return fail(modelError('invalid_name', `vms[${i}] is not a valid vm name`, `vms[${i}]`));
  }
  if (a === b) return fail(modelError('invalid_relation', 'a relation names two different VMs', 'vms[1]'));
  for (const [i, vm] of [a, b].entries()) {
    if (!s.vms.has(vm)) return fail(modelError('vm_not_found', `vm ${vm} does not exist`, `vms[${i}]`));
  }
  const before = s.relations.get(id);
  const after: Relation = { id, vms: [a, b] };
  if (before && sameRecord(before, after)) return { ok: true, snapshot: s, changes: [] };
  const relations = mapWith(s.relations, id, after);
  const change = before ? { kind: 'relation' as const, id, before, after } : { kind: 'relation' as const, id, after };
  return { ok: true, snapshot: { ...s, relations }, changes: [change] };
}

/** Deletes a relation; deleting an absent one changes nothing. */
export function deleteRelation(s: ModelSnapshot, id: string): OpResult {
  if (!isValidName(id)) return fail(modelError('invalid_name', 'relation id must be 1-128 letters, digits or ._:@+-', 'id'));
  const before = s.relations.get(id);
  if (!before) return { ok: true, snapshot: s, changes: [] };
  const relations = mapWithout(s.relations, id);
  return { ok: true, snapshot: { ...s, relations }, changes: [{ kind: 'relation', id, before }] };
}

function fail(error: ModelError): OpResult {
  return { ok: false, error };
}
