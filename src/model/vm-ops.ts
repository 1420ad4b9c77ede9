// The compute side's hooks as model operations: a VM starts (or its
// interfaces are replaced), stops, or migrates.
import { modelError, type ModelError } from './errors.js';
import { holdersOf, type NetworkHolders } from './holders.js';
import { SWITCH_FORMS, switchDpid, canonicalMac, canonicalPort, fabricMacMessage, isFabricMac, isValidName } from './ident.js';
import { vmTable } from './membership.js';
import { relationsNaming, relationTable } from './relation-index.js';
import { sameRecord, type MigrationStartInput, type OpContext, type OpResult, type VmStartInput } from './result.js';
import type { HeldMigration, Interface, Migration, ModelChange, ModelSnapshot, Relation, Vm } from './types.js';

const VM_NAME_MSG = 'vm must be 1-128 letters, digits or ._:@+-';

/**
 * Starts a VM, or replaces all interfaces of a running one at once. The same
 * start twice changes nothing. While a migration is in progress only the
 * identical start is accepted. A running VM keeps its tenant, and a name that
 * a relation binds takes only the tenant the relation was made for (409
 * tenant_mismatch otherwise): a relation never reaches another tenant's VM.
 */
export function vmStart(s: ModelSnapshot, input: VmStartInput, ctx: OpContext = {}): OpResult {
  if (!isValidName(input.vm)) return fail(modelError('invalid_name', VM_NAME_MSG, 'vm'));
  if (!isValidName(input.tenant)) return fail(modelError('invalid_name', 'tenant must be 1-128 letters, digits or ._:@+-', 'tenant'));
  const before = s.vms.get(input.vm);
  if (before && before.tenant !== input.tenant) {
    return fail(modelError('tenant_mismatch', `vm ${input.vm} runs under tenant ${before.tenant}; stop it before a VM of tenant ${input.tenant} takes its name`, 'tenant'));
  }
  const binding = relationsNaming(s.relations, input.vm);
  for (const r of binding) {
    const bound = r.tenants[r.vms.indexOf(input.vm)];
    if (bound != null && bound !== input.tenant) {
      return fail(modelError('tenant_mismatch', `relation ${r.id} binds the name ${input.vm} to tenant ${bound}`, 'tenant'));
    }
  }

  const holders = new Map<string, NetworkHolders>();
  const seenMacs = new Set<string>();
  const interfaces: Interface[] = [];
  for (const [i, raw] of input.interfaces.entries()) {
    const f = `interfaces[${i}]`;
    const mac = canonicalMac(raw.mac);
    if (!mac) return fail(modelError('invalid_mac', `${f}.mac must be a unicast MAC aa:bb:cc:dd:ee:ff`, `${f}.mac`));
    if (isFabricMac(mac)) return fail(modelError('invalid_mac', fabricMacMessage(`${f}.mac`, mac), `${f}.mac`));
    // Migrations and port security name an interface by its MAC: one per VM.
    if (seenMacs.has(mac)) return fail(modelError('duplicate_interface', `${f}.mac ${mac} is listed twice`, `${f}.mac`));
    seenMacs.add(mac);
    if (!isValidName(raw.network)) return fail(modelError('invalid_name', `${f}.network is not a valid network name`, `${f}.network`));
    const net = s.networks.get(raw.network);
    if (!net) return fail(modelError('network_not_found', `network ${raw.network} does not exist`, `${f}.network`));
    if (net.kind === 'private' && net.tenant !== input.tenant) {
      return fail(modelError('tenant_mismatch', `network ${net.name} is private to tenant ${net.tenant}`, `${f}.network`));
    }
    const sw = switchDpid(raw.switch, ctx.lookupSwitch);
    if (!sw) return fail(modelError('invalid_switch', `${f}.switch ${JSON.stringify(raw.switch)} names no switch: write ${SWITCH_FORMS}`, `${f}.switch`));
    const port = canonicalPort(raw.port);
    if (port === undefined) return fail(modelError('invalid_port', `${f}.port must be a port name or number`, `${f}.port`));

    let h = holders.get(net.name);
    if (!h) {
      h = holdersOf(s, net, input.vm);
      holders.set(net.name, h);
    }
    const macErr = h.claimMac(mac, `${f}`, `${f}.mac`);
    if (macErr) return fail(macErr);
    const ips: string[] = [];
    for (const [j, ipRaw] of (raw.ips ?? []).entries()) {
      const ip = h.claimIp(ipRaw, `${f}`, `${f}.ips[${j}]`);
      if (typeof ip !== 'string') return fail(ip);
      ips.push(ip);
    }
    interfaces.push({ mac, ips, network: net.name, switch: sw, port });
  }

  const after: Vm = { name: input.vm, tenant: input.tenant, interfaces };
  if (before) {
    // The same start again keeps a migration in progress or held.
    const { migration, heldMigration, ...rest } = before;
    if (sameRecord(rest, after)) return unchanged(s);
    if (migration) return fail(modelError('migration_in_progress', `vm ${input.vm} is migrating; end or abort the migration first`, 'vm'));
  }
  const started = withVm(s, input.vm, before, after);
  return started.ok ? bindRelations(started.snapshot, started.changes, binding, input.vm, input.tenant) : started;
}

/** Relations stored before they recorded tenants take the tenant of their VM when it starts. */
function bindRelations(s: ModelSnapshot, changes: ModelChange[], naming: readonly Relation[], vm: string, tenant: string): OpResult {
  let relations = s.relations;
  const out = [...changes];
  for (const before of naming) {
    const i = before.vms.indexOf(vm);
    if (before.tenants[i] != null) continue;
    const tenants: Relation['tenants'] = [...before.tenants];
    tenants[i] = tenant;
    const after: Relation = { ...before, tenants };
    relations = relationTable(relations).with(before.id, after);
    out.push({ kind: 'relation', id: before.id, before, after });
  }
  return { ok: true, snapshot: relations === s.relations ? s : { ...s, relations }, changes: out };
}

/** Stops a VM: its interfaces go. Stopping an absent VM changes nothing. */
export function vmStop(s: ModelSnapshot, vm: string): OpResult {
  if (!isValidName(vm)) return fail(modelError('invalid_name', VM_NAME_MSG, 'vm'));
  const before = s.vms.get(vm);
  if (!before) return unchanged(s);
  return withVm(s, vm, before, undefined);
}

/**
 * Records the destination of a live migration, one attachment per interface
 * MAC, every interface listed. A new start replaces the destination of a
 * migration already in progress (the destination's tap names become known late).
 */
export function migrationStart(s: ModelSnapshot, input: MigrationStartInput, ctx: OpContext = {}): OpResult {
  if (!isValidName(input.vm)) return fail(modelError('invalid_name', VM_NAME_MSG, 'vm'));
  const before = s.vms.get(input.vm);
  if (!before) return fail(modelError('vm_not_found', `vm ${input.vm} does not exist`, 'vm'));
  const destinations: Migration['destinations'] = [];
  for (const [i, raw] of input.interfaces.entries()) {
    const f = `interfaces[${i}]`;
    const mac = canonicalMac(raw.mac);
    if (!mac) return fail(modelError('invalid_mac', `${f}.mac must be a unicast MAC aa:bb:cc:dd:ee:ff`, `${f}.mac`));
    if (!before.interfaces.some((itf) => itf.mac === mac)) {
      return fail(modelError('interface_not_found', `vm ${input.vm} has no interface with MAC ${mac}`, `${f}.mac`));
    }
    if (destinations.some((d) => d.mac === mac)) return fail(modelError('duplicate_interface', `${f}.mac ${mac} is listed twice`, `${f}.mac`));
    const sw = switchDpid(raw.switch, ctx.lookupSwitch);
    if (!sw) return fail(modelError('invalid_switch', `${f}.switch ${JSON.stringify(raw.switch)} names no switch: write ${SWITCH_FORMS}`, `${f}.switch`));
    const port = canonicalPort(raw.port);
    if (port === undefined) return fail(modelError('invalid_port', `${f}.port must be a port name or number`, `${f}.port`));
    destinations.push({ mac, switch: sw, port });
  }
  const missing = before.interfaces.find((itf) => !destinations.some((d) => d.mac === itf.mac));
  if (missing) return fail(modelError('migration_incomplete', `interfaces must list every interface of the vm; ${missing.mac} is missing`, 'interfaces'));
  // Keep the order of the VM's own interfaces so equal requests compare equal.
  destinations.sort((a, b) => indexOfMac(before, a.mac) - indexOfMac(before, b.mac));
  const activated = before.migration && sameRecord(before.migration.destinations, destinations) ? before.migration.activated : false;
  const after: Vm = { ...withoutHeld(before), migration: { destinations, activated } };
  if (sameRecord(before, after)) return unchanged(s);
  return withVm(s, input.vm, before, after);
}

/**
 * migration-start from one side's agent only (the VM's host, or the
 * destination's): the migration starts when the other side has already named
 * the same destination switch for every interface, with the destination's
 * ports; otherwise the call is held (`heldMigration`) and nothing is
 * programmed. The source's word stands over a destination's: a held
 * destination is replaced by the source's, and a destination that the source
 * did not name is refused.
 */
export function migrationStartBy(s: ModelSnapshot, input: MigrationStartInput, side: HeldMigration['askedBy'], ctx: OpContext = {}): OpResult {
  // Checked as a migration-start from both sides, which also puts the destinations in the VM's order.
  const checked = migrationStart(s, input, ctx);
  if (!checked.ok) return checked;
  const before = s.vms.get(input.vm)!;
  const wanted = checked.snapshot.vms.get(input.vm)!.migration!.destinations;
  const sameSwitches = (d: Migration['destinations'] | undefined): boolean => d !== undefined && sameRecord(switchesOf(d), switchesOf(wanted));
  // Agreed already: the destination may name its ports again, the source has nothing to add.
  if (sameSwitches(before.migration?.destinations)) return side === 'destination' ? checked : unchanged(s);
  const held = before.heldMigration;
  if (held && held.askedBy !== side && sameSwitches(held.destinations)) {
    return side === 'destination' ? checked : migrationStart(s, { vm: input.vm, interfaces: held.destinations }, ctx);
  }
  if (held?.askedBy === 'source' && side === 'destination') {
    const named = switchesOf(held.destinations).join(', ');
    return fail(modelError('forbidden', `vm ${input.vm}'s host sends it to ${named}, not to the switches named here`, 'interfaces'));
  }
  const after: Vm = { ...withoutHeld(before), heldMigration: { destinations: wanted, askedBy: side } };
  if (sameRecord(before, after)) return unchanged(s);
  return withVm(s, input.vm, before, after);
}

/** Each interface's destination switch, in the VM's interface order. */
function switchesOf(destinations: Migration['destinations']): string[] {
  return destinations.map((d) => d.switch);
}

function withoutHeld(vm: Vm): Vm {
  const { heldMigration, ...rest } = vm;
  return rest;
}

/** The destination becomes the only location. Without a migration in progress nothing changes. */
export function migrationEnd(s: ModelSnapshot, vm: string): OpResult {
  const found = findVm(s, vm);
  if ('error' in found) return fail(found.error);
  const before = found.vm;
  if (!before.migration) return unchanged(s);
  const dests = before.migration.destinations;
  const interfaces = before.interfaces.map((itf) => {
    const d = dests.find((x) => x.mac === itf.mac);
    return d ? { ...itf, switch: d.switch, port: d.port } : itf;
  });
  const after: Vm = { name: before.name, tenant: before.tenant, interfaces };
  return withVm(s, vm, before, after);
}

/** The source stays, the destination goes (held or in progress). Without a migration nothing changes. */
export function migrationAbort(s: ModelSnapshot, vm: string): OpResult {
  const found = findVm(s, vm);
  if ('error' in found) return fail(found.error);
  const before = found.vm;
  if (!before.migration && !before.heldMigration) return unchanged(s);
  const { migration, heldMigration, ...after } = before;
  return withVm(s, vm, before, after);
}

/** Traffic moved to the destination (RARP or gratuitous ARP seen there) before migration-end. */
export function migrationActivated(s: ModelSnapshot, vm: string): OpResult {
  const found = findVm(s, vm);
  if ('error' in found) return fail(found.error);
  const before = found.vm;
  if (!before.migration || before.migration.activated) return unchanged(s);
  return withVm(s, vm, before, { ...before, migration: { ...before.migration, activated: true } });
}

function findVm(s: ModelSnapshot, vm: string): { vm: Vm } | { error: ModelError } {
  if (!isValidName(vm)) return { error: modelError('invalid_name', VM_NAME_MSG, 'vm') };
  const found = s.vms.get(vm);
  if (!found) return { error: modelError('vm_not_found', `vm ${vm} does not exist`, 'vm') };
  return { vm: found };
}

function indexOfMac(vm: Vm, mac: string): number {
  return vm.interfaces.findIndex((i) => i.mac === mac);
}

function withVm(s: ModelSnapshot, name: string, before: Vm | undefined, after: Vm | undefined): OpResult {
  const vms = after ? vmTable(s.vms).with(name, after) : vmTable(s.vms).without(name);
  const change: ModelChange = { kind: 'vm', id: name };
  if (before) change.before = before;
  if (after) change.after = after;
  return { ok: true, snapshot: { ...s, vms }, changes: [change] };
}

function unchanged(s: ModelSnapshot): OpResult {
  return { ok: true, snapshot: s, changes: [] };
}

function fail(error: ModelError): OpResult {
  return { ok: false, error };
}
