// A network's flows on one switch ("unit"). Private networks keep a plain
// list, lowered whole. A public segment keeps its unit in pieces (per bound
// source, per destination MAC, and the network-wide flows before and after
// them) so that a change re-lowers only the pieces it affects: on a segment of
// thousands of members an aggregation switch holds a forwarding flow for
// nearly every member, and a vm-start changes one of them.
import type { Paths } from '../topo/paths.js';
import type { Dpid } from '../topo/types.js';
import { forwardFlow10, gatewayUnicast10, networkFlows10, sourceFlows10 } from './lower10.js';
import { forwardFlow13, networkFlows13, reachabilityFlows13, securityFlows13 } from './lower13.js';
import type { NetworkPlan } from './plan.js';
import type { SwitchDirt } from './public-update.js';
import type { DesiredFlow } from './types.js';

export interface PieceUnit {
  /** Per endpoint id: its flows as a source on this switch (OF1.3: port and address security; OF1.0: all its access flows). */
  src: Map<string, DesiredFlow[]>;
  /** OF1.3, per endpoint id: its reachability flows, which change with its tenant and relations. */
  reach: Map<string, DesiredFlow[]>;
  head: DesiredFlow[];
  /** Per destination MAC: its forwarding flow. */
  fwd: Map<string, DesiredFlow>;
  /** OF1.0, per gateway id and destination MAC: the gateway's unicast flow (a gateway reaches every member). */
  pairs: Map<string, DesiredFlow>;
  tail: DesiredFlow[];
}

export type Unit = DesiredFlow[] | PieceUnit;

/** Appends a unit's flows: sources, network head, destinations, network tail (the order lowerNetwork13/10 use). */
export function pushUnit(u: Unit, out: DesiredFlow[]): void {
  if (Array.isArray(u)) {
    for (const f of u) out.push(f);
    return;
  }
  for (const [id, l] of u.src) {
    for (const f of l) out.push(f);
    for (const f of u.reach.get(id) ?? []) out.push(f);
  }
  for (const f of u.head) out.push(f);
  for (const f of u.pairs.values()) out.push(f);
  for (const f of u.fwd.values()) out.push(f);
  for (const f of u.tail) out.push(f);
}

export function unitSize(u: Unit): number {
  if (Array.isArray(u)) return u.length;
  let n = u.head.length + u.fwd.size + u.pairs.size + u.tail.length;
  for (const l of u.src.values()) n += l.length;
  for (const l of u.reach.values()) n += l.length;
  return n;
}

type Part = 'security' | 'reach';

function sourcePieces(plan: NetworkPlan, dpid: Dpid, of13: boolean, only: ReadonlySet<string> | undefined, u: PieceUnit, parts: readonly Part[]): void {
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) {
    if (only && !only.has(ep.id)) continue;
    for (const part of parts) {
      const into = part === 'security' ? u.src : u.reach;
      let l = into.get(ep.id);
      if (!l) into.set(ep.id, (l = []));
      if (!of13) sourceFlows10(plan, dpid, ep, loc, l, false);
      else if (part === 'security') securityFlows13(plan, ep, loc, l);
      else reachabilityFlows13(plan, ep, loc, l);
    }
  }
}

/** OF1.0: the unicast flows of the gateways bound on this switch, towards `macs` (all when undefined). */
function gatewayPairs(plan: NetworkPlan, dpid: Dpid, u: PieceUnit, macs: Iterable<string> | undefined): void {
  const fw = plan.forward.get(dpid);
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) {
    if (ep.kind !== 'gateway') continue;
    for (const mac of macs ?? fw?.keys() ?? []) {
      const key = `${ep.id} ${mac}`;
      const t = fw?.get(mac);
      if (t) u.pairs.set(key, gatewayUnicast10(plan, ep, loc, mac, t));
      else u.pairs.delete(key);
    }
  }
}

const BOTH: readonly Part[] = ['security', 'reach'];
const SECURITY: readonly Part[] = ['security'];
const REACH: readonly Part[] = ['reach'];

/** Lowers a network's whole unit on a switch, in pieces. */
export function buildPieces(plan: NetworkPlan, dpid: Dpid, paths: Paths, of13: boolean): PieceUnit {
  const { head, tail } = of13 ? networkFlows13(plan, dpid, paths) : networkFlows10(plan, dpid, paths);
  const u: PieceUnit = { src: new Map(), reach: new Map(), head, fwd: new Map(), pairs: new Map(), tail };
  sourcePieces(plan, dpid, of13, undefined, u, of13 ? BOTH : SECURITY);
  if (!of13) gatewayPairs(plan, dpid, u, undefined);
  // Flows towards one target share one instruction list (plain data, never changed): an aggregation
  // switch holds thousands of forwarding flows and only a few dozen targets.
  const shared = new Map<string, DesiredFlow['instructions']>();
  for (const [mac, t] of plan.forward.get(dpid) ?? []) {
    const f = of13 ? forwardFlow13(plan, mac, t) : forwardFlow10(plan, dpid, paths, mac, t);
    if (!f) continue;
    const key = 'local' in t ? `l${t.local}` : `f${t.fabric}`;
    const ins = shared.get(key);
    if (ins) f.instructions = ins;
    else shared.set(key, f.instructions);
    u.fwd.set(mac, f);
  }
  return u;
}

/** Lowers again the pieces `dirt` names; the rest of the unit stays. */
export function patchPieces(u: PieceUnit, plan: NetworkPlan, dpid: Dpid, paths: Paths, of13: boolean, dirt: SwitchDirt): void {
  // OF1.0 access flows carry the switch's forwarding, DHCP and broadcast actions: any of those changing redoes every source there.
  if (!of13) {
    if (dirt.net) {
      // DHCP and broadcast actions are in every source's access flows.
      u.src.clear();
      u.pairs.clear();
      sourcePieces(plan, dpid, of13, undefined, u, SECURITY);
      gatewayPairs(plan, dpid, u, undefined);
    } else {
      // A member's unicast flows carry the forwarding of what it reaches: an entry here changes only for a
      // destination that changed, and every member that reaches it is then among the endpoints to redo.
      // A gateway reaches every member: its unicast flows are kept per destination.
      const ids = new Set([...dirt.src, ...dirt.reach]);
      const gateways = new Set<string>();
      for (const { ep } of plan.sources.get(dpid) ?? []) if (ep.kind === 'gateway') gateways.add(ep.id);
      for (const id of ids) u.src.delete(id);
      if (ids.size) sourcePieces(plan, dpid, of13, ids, u, SECURITY);
      if ([...ids].some((id) => gateways.has(id))) {
        u.pairs.clear();
        gatewayPairs(plan, dpid, u, undefined);
      } else if (dirt.fwd.size) gatewayPairs(plan, dpid, u, dirt.fwd);
    }
  } else {
    for (const id of dirt.src) (u.src.delete(id), u.reach.delete(id));
    if (dirt.src.size) sourcePieces(plan, dpid, of13, dirt.src, u, BOTH);
    const reachOnly = new Set([...dirt.reach].filter((id) => !dirt.src.has(id)));
    for (const id of reachOnly) u.reach.delete(id);
    if (reachOnly.size) sourcePieces(plan, dpid, of13, reachOnly, u, REACH);
  }
  const fw = plan.forward.get(dpid);
  for (const mac of dirt.fwd) {
    const t = fw?.get(mac);
    const f = t && (of13 ? forwardFlow13(plan, mac, t) : forwardFlow10(plan, dpid, paths, mac, t));
    if (f) u.fwd.set(mac, f);
    else u.fwd.delete(mac);
  }
  if (!dirt.net) return;
  const { head, tail } = of13 ? networkFlows13(plan, dpid, paths) : networkFlows10(plan, dpid, paths);
  u.head = head;
  u.tail = tail;
}
