// A network's flows on one switch ("unit"). Private networks keep a plain
// list, lowered whole. A public segment keeps its unit in pieces (per bound
// source, per destination MAC, and the network-wide flows before and after
// them) so that a change re-lowers only the pieces it affects: on a segment of
// thousands of members an aggregation switch holds a forwarding flow for
// nearly every member, and a vm-start changes one of them.
import type { Paths } from '../topo/paths.js';
import type { Dpid } from '../topo/types.js';
import { forwardFlow10, networkFlows10, sourceFlows10 } from './lower10.js';
import { forwardFlow13, networkFlows13, sourceFlows13 } from './lower13.js';
import type { NetworkPlan } from './plan.js';
import type { SwitchDirt } from './public-update.js';
import type { DesiredFlow } from './types.js';

export interface PieceUnit {
  /** Per endpoint id: its flows as a source on this switch. */
  src: Map<string, DesiredFlow[]>;
  head: DesiredFlow[];
  /** Per destination MAC: its forwarding flow. */
  fwd: Map<string, DesiredFlow>;
  tail: DesiredFlow[];
}

export type Unit = DesiredFlow[] | PieceUnit;

/** Appends a unit's flows: sources, network head, destinations, network tail (the order lowerNetwork13/10 use). */
export function pushUnit(u: Unit, out: DesiredFlow[]): void {
  if (Array.isArray(u)) {
    for (const f of u) out.push(f);
    return;
  }
  for (const l of u.src.values()) for (const f of l) out.push(f);
  for (const f of u.head) out.push(f);
  for (const f of u.fwd.values()) out.push(f);
  for (const f of u.tail) out.push(f);
}

export function unitSize(u: Unit): number {
  if (Array.isArray(u)) return u.length;
  let n = u.head.length + u.fwd.size + u.tail.length;
  for (const l of u.src.values()) n += l.length;
  return n;
}

function sourcePieces(plan: NetworkPlan, dpid: Dpid, of13: boolean, only: ReadonlySet<string> | undefined, into: Map<string, DesiredFlow[]>): void {
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) {
    if (only && !only.has(ep.id)) continue;
    let l = into.get(ep.id);
    if (!l) into.set(ep.id, (l = []));
    if (of13) sourceFlows13(plan, ep, loc, l);
    else sourceFlows10(plan, dpid, ep, loc, l);
  }
}

/** Lowers a network's whole unit on a switch, in pieces. */
export function buildPieces(plan: NetworkPlan, dpid: Dpid, paths: Paths, of13: boolean): PieceUnit {
  const src = new Map<string, DesiredFlow[]>();
  sourcePieces(plan, dpid, of13, undefined, src);
  const { head, tail } = of13 ? networkFlows13(plan, dpid, paths) : networkFlows10(plan, dpid, paths);
  const fwd = new Map<string, DesiredFlow>();
  for (const [mac, t] of plan.forward.get(dpid) ?? []) {
    const f = of13 ? forwardFlow13(plan, mac, t) : forwardFlow10(plan, dpid, paths, mac, t);
    if (f) fwd.set(mac, f);
  }
  return { src, head, fwd, tail };
}

/** Lowers again the pieces `dirt` names; the rest of the unit stays. */
export function patchPieces(u: PieceUnit, plan: NetworkPlan, dpid: Dpid, paths: Paths, of13: boolean, dirt: SwitchDirt): void {
  // OF1.0 access flows carry the switch's forwarding, DHCP and broadcast actions: any of those changing redoes every source there.
  if (!of13 && (dirt.net || dirt.fwd.size)) {
    u.src.clear();
    sourcePieces(plan, dpid, of13, undefined, u.src);
  } else if (dirt.src.size) {
    for (const id of dirt.src) u.src.delete(id);
    sourcePieces(plan, dpid, of13, dirt.src, u.src);
  }
  const fw = plan.forward.get(dpid);
  for (const mac of dirt.fwd) {
    const t = fw?.get(mac);
    const f = t && (of13 ? forwardFlow13(plan, mac, t) : forwardFlow10(plan, dpid, paths, mac, t));
    if (f) u.fwd.set(mac, f);
    else u.fwd.delete(mac);
  }
  const { head, tail } = of13 ? networkFlows13(plan, dpid, paths) : networkFlows10(plan, dpid, paths);
  u.head = head;
  u.tail = tail;
}
