// Relations: a named pair of VMs that may reach each other on every network
// they share, bound to the tenants of the two VMs when it is made.
import { modelError, type ModelError } from './errors.js';
import { isValidName } from './ident.js';
import { relationTable } from './relation-index.js';
import { sameRecord, type OpResult, type RelationInput } from './result.js';
import type { ModelSnapshot, Relation } from './types.js';

/**
 * Creates or replaces a relation. Both VMs must run when it is written; the
 * relation records their tenants and outlives a vm-stop of either VM (the
 * compute side stops and starts VMs again) until it is deleted. While it
 * exists, a VM of another tenant cannot start under either name (vm-start
 * answers 409 tenant_mismatch), so it never grants reach to another tenant.
 *
 * With `input.tenants` (restoring an exported model) the VMs may be stopped;
 * those that run must belong to the listed tenants.
 */
export function putRelation(s: ModelSnapshot, id: string, input: RelationInput): OpResult {
  if (!isValidName(id)) return fail(modelError('invalid_name', 'relation id must be 1-128 letters, digits or ._:@+-', 'id'));
  if (!Array.isArray(input.vms) || input.vms.length !== 2) return fail(modelError('invalid_relation', 'vms must name exactly two VMs', 'vms'));
  const [a, b] = input.vms as [string, string];
  for (const [i, vm] of [a, b].entries()) {
    if (!isValidName(vm)) return fail(modelError('invalid_name', `vms[${i}] is not a valid vm name`, `vms[${i}]`));
  }
  if (a === b) return fail(modelError('invalid_relation', 'a relation names two different VMs', 'vms[1]'));
  const tenants: [string | null, string | null] = [null, null];
  for (const [i, vm] of [a, b].entries()) {
    const running = s.vms.get(vm);
    const listed = input.tenants?.[i];
    if (input.tenants === undefined) {
      if (!running) return fail(modelError('vm_not_found', `vm ${vm} does not exist`, `vms[${i}]`));
      tenants[i] = running.tenant;
      continue;
    }
    if (listed !== null && (typeof listed !== 'string' || !isValidName(listed))) return fail(modelError('invalid_name', `tenants[${i}] is not a valid tenant name`, `tenants[${i}]`));
    if (running && listed !== running.tenant) {
      return fail(modelError('tenant_mismatch', `vm ${vm} runs under tenant ${running.tenant}, not ${String(listed)}`, `tenants[${i}]`));
    }
    tenants[i] = running?.tenant ?? listed ?? null;
  }
  const before = s.relations.get(id);
  const after: Relation = { id, vms: [a, b], tenants };
  if (before && sameRecord(before, after)) return { ok: true, snapshot: s, changes: [] };
  const relations = relationTable(s.relations).with(id, after);
  const change = before ? { kind: 'relation' as const, id, before, after } : { kind: 'relation' as const, id, after };
  return { ok: true, snapshot: { ...s, relations }, changes: [change] };
}

/** Deletes a relation; deleting an absent one changes nothing. */
export function deleteRelation(s: ModelSnapshot, id: string): OpResult {
  if (!isValidName(id)) return fail(modelError('invalid_name', 'relation id must be 1-128 letters, digits or ._:@+-', 'id'));
  const before = s.relations.get(id);
  if (!before) return { ok: true, snapshot: s, changes: [] };
  const relations = relationTable(s.relations).without(id);
  return { ok: true, snapshot: { ...s, relations }, changes: [{ kind: 'relation', id, before }] };
}

export type RelationState = { state: 'active' } | { state: 'dormant'; stopped: string[] };

/** Active while both VMs run (a VM under either name belongs to the bound tenant); dormant while one is stopped. */
export function relationState(s: ModelSnapshot, r: Relation): RelationState {
  const stopped = r.vms.filter((vm) => !s.vms.has(vm));
  return stopped.length === 0 ? { state: 'active' } : { state: 'dormant', stopped };
}

function fail(error: ModelError): OpResult {
  return { ok: false, error };
}
