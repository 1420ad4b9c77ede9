// Who is calling the API, and what an agent may do. The operator token may do
// everything. An agent token (one per hypervisor's compute agent) may call
// the hooks, read a VM on its switches and the health, and nothing else; its
// hooks may only bind, unbind or move interfaces on the switches it is given.
// A live migration between two agents' switches needs both: the VM's host and
// the destination each call migration-start naming the destination, in either
// order, and only the agent of the VM's switches ends it. The checks run
// inside the store's write, on the state the write applies to, so no other
// write can slip in between the check and the change.
import type { FastifyRequest } from 'fastify';
import { modelError, type ModelError } from '../model/errors.js';
import { switchDpid, type SwitchNameLookup } from '../model/ident.js';
import type { HeldMigration, ModelSnapshot, Vm } from '../model/types.js';

export type Caller = { kind: 'operator' } | { kind: 'agent'; name: string; switches: ReadonlySet<string> };

export const OPERATOR: Caller = { kind: 'operator' };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authentication; the operator when the API runs without tokens. */
    caller?: Caller;
  }
}

export function callerOf(req: FastifyRequest): Caller {
  return req.caller ?? OPERATOR;
}

/** An agent sees a VM only where it is bound or migrating to one of its switches. */
export function vmVisible(caller: Caller, vm: Vm): boolean {
  return caller.kind === 'operator' || switchesOf(vm, true).some((d) => caller.switches.has(d));
}

/** Routes an agent token may call ("METHOD route pattern"). */
const AGENT_ROUTES = new Set([
  'POST /v1/hooks/vm-start',
  'POST /v1/hooks/vm-stop',
  'POST /v1/hooks/migration-start',
  'POST /v1/hooks/migration-end',
  'POST /v1/hooks/migration-abort',
  'GET /v1/vms/:vm',
  'GET /v1/health',
  'GET /v1/live',
]);

export function agentMayCall(method: string, route: string | undefined): boolean {
  return route !== undefined && AGENT_ROUTES.has(`${method} ${route}`);
}

export type Hook = 'vm-start' | 'vm-stop' | 'migration-start' | 'migration-end' | 'migration-abort';

/** What the checks read of a hook's body (already checked against its schema). */
export interface HookBody {
  vm?: unknown;
  interfaces?: { switch?: unknown }[];
}

function outside(agent: Extract<Caller, { kind: 'agent' }>, what: string, dpid: string, field: string): ModelError {
  return modelError('forbidden', `agent ${agent.name} may not ${what} on switch ${dpid}`, field);
}

/** The switches where a VM is bound now: its interfaces and, while migrating, its destinations. */
function switchesOf(vm: Vm, withDestinations: boolean): string[] {
  const out = vm.interfaces.map((i) => i.switch);
  if (withDestinations) for (const d of vm.migration?.destinations ?? []) out.push(d.switch);
  return out;
}

/**
 * Why the caller may not make this hook call on this state, or undefined when
 * it may. Switch names in the request are read as the model reads them.
 * migration-start is judged by migrationSide.
 */
export function hookRefusal(caller: Caller, hook: Exclude<Hook, 'migration-start'>, s: ModelSnapshot, body: HookBody, lookupSwitch?: SwitchNameLookup): ModelError | undefined {
  if (caller.kind === 'operator') return undefined;
  const vm = typeof body.vm === 'string' ? s.vms.get(body.vm) : undefined;
  if (hook === 'vm-start') {
    for (const [i, itf] of (body.interfaces ?? []).entries()) {
      const dpid = typeof itf.switch === 'string' ? switchDpid(itf.switch, lookupSwitch) : undefined;
      // A switch the model cannot read is the model's error to report (400), not a refusal.
      if (dpid !== undefined && !caller.switches.has(dpid)) return outside(caller, 'bind an interface', dpid, `interfaces[${i}].switch`);
    }
  }
  if (!vm) return undefined;
  if (hook === 'migration-abort') {
    // Either side may give a migration up, and a destination its held request.
    const sides = [...switchesOf(vm, true), ...(vm.heldMigration?.askedBy === 'destination' ? vm.heldMigration.destinations.map((d) => d.switch) : [])];
    return sides.some((d) => caller.switches.has(d)) ? undefined : outside(caller, 'abort the migration of a VM', sides[0] ?? '?', 'vm');
  }
  // Where the VM is now: only the agent of its host may replace, stop or end it there.
  const foreign = switchesOf(vm, false).find((d) => !caller.switches.has(d));
  return foreign === undefined ? undefined : outside(caller, `${hook === 'vm-start' ? 'restart' : hook === 'vm-stop' ? 'stop' : 'end the migration of'} a VM bound`, foreign, 'vm');
}

/**
 * Who speaks for a migration-start: both sides (the operator, or an agent
 * holding the VM's switches and the destination's), or one of them, whose
 * call is held until the other agrees (migrationStartBy); or why the caller
 * may not call it. An agent that holds neither side is refused, and so is a
 * destination's agent where another agent's destination is in progress or held.
 */
export function migrationSide(
  caller: Caller,
  s: ModelSnapshot,
  body: HookBody,
  lookupSwitch?: SwitchNameLookup,
): { side: 'both' | HeldMigration['askedBy'] } | { refusal: ModelError } {
  if (caller.kind === 'operator') return { side: 'both' };
  const destinations = (body.interfaces ?? []).map((itf) => (typeof itf.switch === 'string' ? switchDpid(itf.switch, lookupSwitch) : undefined));
  // A switch the model cannot read is the model's error to report (400), not a refusal.
  if (destinations.some((d) => d === undefined)) return { side: 'both' };
  const uncovered = destinations.findIndex((d) => !caller.switches.has(d!));
  const refused = (): { refusal: ModelError } => ({ refusal: outside(caller, 'receive a migration', destinations[uncovered]!, `interfaces[${uncovered}].switch`) });
  const vm = typeof body.vm === 'string' ? s.vms.get(body.vm) : undefined;
  const atDestination = uncovered === -1;
  if (!vm) return atDestination ? { side: 'both' } : refused();
  const atSource = switchesOf(vm, false).every((d) => caller.switches.has(d));
  if (atSource) return { side: atDestination ? 'both' : 'source' };
  if (!atDestination) return refused();
  const held = vm.heldMigration?.askedBy === 'destination' ? vm.heldMigration.destinations : [];
  const other = [...(vm.migration?.destinations ?? []), ...held].find((d) => !caller.switches.has(d.switch));
  return other === undefined ? { side: 'destination' } : { refusal: outside(caller, 'replace the migration destination of a VM bound', other.switch, 'vm') };
}
