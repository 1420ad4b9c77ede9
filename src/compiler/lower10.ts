// OF1.0 lowering: the same decisions flattened into one table by priority.
// OF1.0 cannot match ARP sender MACs, IPv6 fields or masked MACs: ARP is
// checked by the controller (answerArp refuses a forged sender), IPv6 from
// access ports is dropped, and only ff:ff:ff:ff:ff:ff counts as broadcast.
import { type Action, type Instruction, type Match } from '../openflow/types.js';
import type { Dpid } from '../topo/types.js';
import type { Paths } from '../topo/paths.js';
import { isIpv6 } from './addr.js';
import { cookieFor } from './cookie.js';
import { lldpTrapFlow } from './lldp-trap.js';
import { BROADCAST, ETH_ARP, ETH_IPV4, ETH_RARP, IPPROTO_UDP, TO_CONTROLLER } from './lower13.js';
import type { Endpoint, Location } from './endpoints.js';
import type { NetworkPlan, Target } from './plan.js';
import type { DesiredFlow } from './types.js';

/** OF1.0 dl_vlan value of an untagged frame. */
export const OFP10_VLAN_NONE = 0xffff;

export const P10 = {
  garp: 1310,
  arp: 1300,
  dhcpGuard: 1250,
  dhcp: 1240,
  unicast: 1200,
  broadcast: 1100,
  portGuard: 500,
  fabricDhcp: 400,
  fabricUnicast: 300,
  fabricBroadcast: 200,
} as const;

function flow(stage: string, priority: number, match: Match, actions: Action[], cookie: bigint): DesiredFlow {
  const instructions: Instruction[] = actions.length ? [{ type: 'applyActions', actions }] : [];
  return { stage, tableId: 0, priority, match, instructions, cookie };
}

export function lowerSwitch10(dpid: Dpid, ports: Iterable<number>, paths: Paths): DesiredFlow[] {
  const c = cookieFor('switch', dpid);
  const links = paths.linkPorts(dpid);
  const out: DesiredFlow[] = [lldpTrapFlow(dpid)];
  for (const p of [...ports].sort((a, b) => a - b)) if (!links.has(p)) out.push(flow('port-guard', P10.portGuard, { inPort: p }, [], c));
  out.push(flow('default', 0, {}, [], c));
  return out;
}

/** From an access port: untagged frames are delivered locally, or tagged towards the next hop. */
function fromAccess(seg: number, t: Target): Action[] {
  if ('local' in t) return [{ type: 'output', port: t.local }];
  return [{ type: 'setVlanVid', vid: seg }, { type: 'output', port: t.fabric }];
}

/** From the fabric: tagged frames keep their tag towards the next hop, lose it at the last switch. */
function fromFabric(t: Target): Action[] {
  if ('local' in t) return [{ type: 'stripVlan' }, { type: 'output', port: t.local }];
  return [{ type: 'output', port: t.fabric }];
}

function bcastFromAccess(plan: NetworkPlan, dpid: Dpid): Action[] {
  const acts: Action[] = (plan.bcastLocal.get(dpid) ?? []).map((p) => ({ type: 'output', port: p }) as Action);
  const tree = plan.bcastTree.get(dpid) ?? [];
  if (tree.length) {
    acts.push({ type: 'setVlanVid', vid: plan.segment });
    for (const p of tree) acts.push({ type: 'output', port: p });
  }
  return acts;
}

function bcastFromFabric(plan: NetworkPlan, dpid: Dpid): Action[] {
  const acts: Action[] = (plan.bcastTree.get(dpid) ?? []).map((p) => ({ type: 'output', port: p }) as Action);
  const local = plan.bcastLocal.get(dpid) ?? [];
  if (local.length) {
    acts.push({ type: 'stripVlan' });
    for (const p of local) acts.push({ type: 'output', port: p });
  }
  return acts;
}

/** A gateway's unicast flow towards one destination: without nw_src, since a gateway may use any source address. */
function gatewayUnicast(ep: Endpoint, loc: Location, mac: string, ins: Instruction[]): DesiredFlow {
  return { stage: 'access', tableId: 0, priority: P10.unicast, match: { inPort: loc.portNo, ethSrc: ep.mac, ethDst: mac, vlanVid: OFP10_VLAN_NONE, ethType: ETH_IPV4 }, instructions: ins, cookie: ep.cookie };
}

/** One gateway unicast flow, for a public segment kept in pieces (the gateway reaches every member). */
export function gatewayUnicast10(plan: NetworkPlan, ep: Endpoint, loc: Location, mac: string, t: Target): DesiredFlow {
  return gatewayUnicast(ep, loc, mac, [{ type: 'applyActions', actions: fromAccess(plan.segment, t) }]);
}

/** The access flows of one bound source; `gatewayUnicasts` false leaves out a gateway's per-destination flows. */
function accessFlows(plan: NetworkPlan, dpid: Dpid, ep: Endpoint, loc: Location, out: DesiredFlow[], cache: Map<string, Instruction[]>, gatewayUnicasts = true): void {
  // Object literals, not spreads of a base match: this runs for every endpoint.
  const c = ep.cookie;
  const seg = plan.segment;
  const p = loc.portNo;
  const m = ep.mac;
  const NONE = OFP10_VLAN_NONE;
  const add = (priority: number, match: Match, ins: Instruction[]): void => {
    out.push({ stage: 'access', tableId: 0, priority, match, instructions: ins, cookie: c });
  };
  const gw = ep.kind === 'gateway';
  const v4 = ep.ips.filter((ip) => !isIpv6(ip));
  const priv = plan.ne.network.kind === 'private';
  const dh = plan.dhcp.get(dpid);
  // DHCP requests go to the server or nowhere.
  const dhcpIns = dh ? targetIns(cache, 'a', seg, dh) : DROP;
  const fw = plan.forward.get(dpid);
  const bcast = priv || gw ? bcastFromAccess(plan, dpid) : [];
  const bcastIns = bcast.length ? [{ type: 'applyActions', actions: bcast } as Instruction] : undefined;
  if (gw) {
    // A gateway may use any source address: flows without nw_src.
    add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_ARP, arpOp: 1 }, CONTROLLER_INS);
    add(P10.dhcp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, dhcpIns);
    if (fw && gatewayUnicasts) {
      for (const d of plan.reachable(ep)) {
        const t = fw.get(d.mac);
        if (t) out.push(gatewayUnicast(ep, loc, d.mac, targetIns(cache, 'a', seg, t)));
      }
    }
    if (bcastIns) add(P10.broadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_IPV4 }, bcastIns);
    return;
  }
  for (const spa of v4) {
    add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_ARP, arpOp: 1, arpSpa: spa }, CONTROLLER_INS);
    add(P10.garp, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_ARP, arpOp: 2, arpSpa: spa }, CONTROLLER_INS);
    add(P10.dhcp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ipv4Src: spa, ipProto: IPPROTO_UDP, udpDst: 67 }, dhcpIns);
    if (fw) {
      for (const d of plan.reachable(ep)) {
        const t = fw.get(d.mac);
        if (t) add(P10.unicast, { inPort: p, ethSrc: m, ethDst: d.mac, vlanVid: NONE, ethType: ETH_IPV4, ipv4Src: spa }, targetIns(cache, 'a', seg, t));
      }
    }
    if (bcastIns) add(P10.broadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_IPV4, ipv4Src: spa }, bcastIns);
  }
  add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_ARP, arpOp: 1, arpSpa: '0.0.0.0' }, CONTROLLER_INS);
  add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_RARP }, CONTROLLER_INS);
  add(P10.dhcp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ipv4Src: '0.0.0.0', ipProto: IPPROTO_UDP, udpSrc: 68, udpDst: 67 }, dhcpIns);
  if (plan.ne.network.dhcp?.mac.toLowerCase() !== m) add(P10.dhcpGuard, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, DROP);
}

const DROP: Instruction[] = Object.freeze([]) as unknown as Instruction[];
const CONTROLLER_INS: Instruction[] = Object.freeze([{ type: 'applyActions', actions: [TO_CONTROLLER] }]) as unknown as Instruction[];

/** One instruction list per (direction, target) on a switch: 'a' from an access port, 'f' from the fabric. */
function targetIns(cache: Map<string, Instruction[]>, dir: 'a' | 'f', seg: number, t: Target): Instruction[] {
  const key = `${dir}${'local' in t ? 'l' + t.local : 'f' + t.fabric}`;
  let ins = cache.get(key);
  if (!ins) cache.set(key, (ins = [{ type: 'applyActions', actions: dir === 'a' ? fromAccess(seg, t) : fromFabric(t) }]));
  return ins;
}

/** Every flow of one network on one OF1.0 switch. */
export function lowerNetwork10(plan: NetworkPlan, dpid: Dpid, paths: Paths): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  const cache = new Map<string, Instruction[]>();
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) accessFlows(plan, dpid, ep, loc, out, cache);
  if (!paths.fabricPorts(dpid).size) return out;
  const { head, tail } = networkFlows10(plan, dpid, paths);
  out.push(...head);
  for (const [mac, t] of plan.forward.get(dpid) ?? []) out.push(fabricUnicast(plan, mac, targetIns(cache, 'f', plan.segment, t)));
  out.push(...tail);
  return out;
}

/** The access flows of one bound source at one port; `gatewayUnicasts` false leaves out a gateway's per-destination flows. */
export function sourceFlows10(plan: NetworkPlan, dpid: Dpid, ep: Endpoint, loc: Location, out: DesiredFlow[], gatewayUnicasts = true): void {
  accessFlows(plan, dpid, ep, loc, out, new Map(), gatewayUnicasts);
}

/** The fabric flow of one destination MAC on a switch; none on a switch without fabric ports. */
export function forwardFlow10(plan: NetworkPlan, dpid: Dpid, paths: Paths, mac: string, t: Target): DesiredFlow | undefined {
  if (!paths.fabricPorts(dpid).size) return undefined;
  return fabricUnicast(plan, mac, [{ type: 'applyActions', actions: fromFabric(t) }]);
}

function fabricUnicast(plan: NetworkPlan, mac: string, ins: Instruction[]): DesiredFlow {
  return { stage: 'fabric', tableId: 0, priority: P10.fabricUnicast, match: { vlanVid: plan.segment, ethDst: mac }, instructions: ins, cookie: plan.ne.byMac.get(mac)!.cookie };
}

/** Fabric flows of a network on a switch that belong to no one destination: DHCP (`head`) and broadcast (`tail`). */
export function networkFlows10(plan: NetworkPlan, dpid: Dpid, paths: Paths): { head: DesiredFlow[]; tail: DesiredFlow[] } {
  const head: DesiredFlow[] = [];
  const tail: DesiredFlow[] = [];
  if (!paths.fabricPorts(dpid).size) return { head, tail };
  const seg = plan.segment;
  const nc = cookieFor('network', plan.ne.network.name);
  const dh = plan.dhcp.get(dpid);
  if (dh) head.push(flow('fabric', P10.fabricDhcp, { vlanVid: seg, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, fromFabric(dh), nc));
  if (plan.served.has(dpid)) {
    const acts = bcastFromFabric(plan, dpid);
    if (acts.length) tail.push(flow('fabric', P10.fabricBroadcast, { vlanVid: seg, ethDst: BROADCAST }, acts, nc));
  }
  return { head, tail };
}
