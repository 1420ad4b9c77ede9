// OF1.3 lowering: the plan's decisions as a multi-table pipeline. Metadata
// bits 11..0 carry the network's segment from the first table on.
import { Port, VID_PRESENT, type Action, type Instruction, type Match } from '../openflow/types.js';
import type { Dpid } from '../topo/types.js';
import type { Paths } from '../topo/paths.js';
import { canonicalIpv6, isIpv6, linkLocalOf } from './addr.js';
import { cookieFor } from './cookie.js';
import { fabricProbeTrapFlow, LLDP_TRAP_PRIORITY_13, lldpTrapFlow } from './lldp-trap.js';
import type { Endpoint, Location } from './endpoints.js';
import type { NetworkPlan, Target } from './plan.js';
import { tableOf } from './pipeline.js';
import type { DesiredFlow } from './types.js';

export const SEGMENT_MASK = 0xfffn;
export const ETH_ARP = 0x0806;
export const ETH_RARP = 0x8035;
export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_VLAN = 0x8100;
export const BROADCAST = 'ff:ff:ff:ff:ff:ff';
export const NO_MAC = '00:00:00:00:00:00';
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const ICMPV6_NS = 135;
export const ICMPV6_NA = 136;
export const ICMPV6_RA = 134;
export const ICMPV6_REDIRECT = 137;
export const TO_CONTROLLER: Action = { type: 'output', port: Port.CONTROLLER, maxLen: 0xffff };

function flow(stage: string, priority: number, match: Match, instructions: Instruction[], cookie: bigint): DesiredFlow {
  return { stage, tableId: tableOf(stage), priority, match, instructions, cookie };
}
const goto = (stage: string): Instruction => ({ type: 'gotoTable', tableId: tableOf(stage) });
const apply = (actions: Action[]): Instruction[] => (actions.length ? [{ type: 'applyActions', actions }] : []);
const meta = (seg: number): Instruction => ({ type: 'writeMetadata', metadata: BigInt(seg), mask: SEGMENT_MASK });
const onSegment = (seg: number): Match['metadata'] => ({ value: BigInt(seg), mask: SEGMENT_MASK });

export function epCookie(ep: Endpoint): bigint {
  return ep.cookie;
}

// Instruction lists shared by many flows (plain data, never mutated): one
// allocation each instead of one per flow.
const DROP: Instruction[] = Object.freeze([]) as unknown as Instruction[];
const TO_REACHABILITY: Instruction[] = Object.freeze([goto('reachability')]) as unknown as Instruction[];
const TO_FORWARD: Instruction[] = Object.freeze([goto('forward')]) as unknown as Instruction[];
const CONTROLLER_INS: Instruction[] = Object.freeze([{ type: 'applyActions', actions: [TO_CONTROLLER] }]) as unknown as Instruction[];

/** Per-switch flows that depend on no network: the LLDP trap, fabric ports and table-miss drops. */
export function lowerSwitch13(dpid: Dpid, paths: Paths): DesiredFlow[] {
  const c = cookieFor('switch', dpid);
  const out: DesiredFlow[] = [lldpTrapFlow(dpid, LLDP_TRAP_PRIORITY_13)];
  const fabric = [...paths.fabricPorts(dpid)].sort((a, b) => a - b);
  for (const p of fabric) out.push(fabricProbeTrapFlow(dpid, p));
  for (const p of fabric) {
    out.push(flow('port-security', 100, { inPort: p, vlanVid: { value: VID_PRESENT, mask: VID_PRESENT } }, [goto('fabric-ingress')], c));
  }
  for (const s of ['port-security', 'fabric-ingress', 'address-security', 'reachability', 'forward']) out.push(flow(s, 0, {}, [], c));
  return out;
}

function targetActions13(seg: number, t: Target): Action[] {
  if ('local' in t) return [{ type: 'output', port: t.local }];
  return [{ type: 'pushVlan', ethertype: ETH_VLAN }, { type: 'setField', field: 'vlanVid', value: VID_PRESENT | seg }, { type: 'output', port: t.fabric }];
}

/** Broadcast: local member ports first (untagged), then tagged along the tree. */
export function bcastActions13(plan: NetworkPlan, dpid: Dpid): Action[] {
  const acts: Action[] = (plan.bcastLocal.get(dpid) ?? []).map((p) => ({ type: 'output', port: p }) as Action);
  const tree = plan.bcastTree.get(dpid) ?? [];
  if (tree.length) {
    acts.push({ type: 'pushVlan', ethertype: ETH_VLAN }, { type: 'setField', field: 'vlanVid', value: VID_PRESENT | plan.segment });
    for (const p of tree) acts.push({ type: 'output', port: p });
  }
  return acts;
}

function addressSecurity13(plan: NetworkPlan, ep: Endpoint, loc: Location, out: DesiredFlow[]): void {
  // Object literals rather than spreads of a base match: this runs for every
  // endpoint of the cloud, and literals are several times cheaper to build.
  const c = ep.cookie;
  const p = loc.portNo;
  const m = ep.mac;
  const S = 'address-security';
  const T = tableOf(S);
  const add = (priority: number, match: Match, ins: Instruction[]): void => {
    out.push({ stage: S, tableId: T, priority, match, instructions: ins, cookie: c });
  };
  const next = TO_REACHABILITY;
  const ctl = CONTROLLER_INS;
  // ND: link-layer options must name the sender's own MAC or be absent.
  add(254, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS }, DROP);
  add(254, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA }, DROP);
  if (ep.kind === 'gateway') {
    add(300, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpOp: 1, arpSha: m }, ctl);
    add(200, { inPort: p, ethSrc: m, ethType: ETH_IPV4 }, next);
    for (const mac of [m, NO_MAC]) {
      add(255, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS, ipv6NdSll: mac }, ctl);
      add(255, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA, ipv6NdTll: mac }, next);
    }
    add(200, { inPort: p, ethSrc: m, ethType: ETH_IPV6 }, next);
    return;
  }
  const v6: string[] = [];
  for (const ip of ep.ips) {
    if (isIpv6(ip)) {
      const canon = canonicalIpv6(ip);
      if (!v6.includes(canon)) v6.push(canon);
      continue;
    }
    add(310, { inPort: p, ethSrc: m, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: 2, arpSha: m, arpSpa: ip }, ctl);
    add(300, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpOp: 1, arpSha: m, arpSpa: ip }, ctl);
    add(200, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipv4Src: ip }, next);
  }
  const ll = linkLocalOf(m);
  if (!v6.includes(ll)) v6.push(ll);
  add(300, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpOp: 1, arpSha: m, arpSpa: '0.0.0.0' }, ctl);
  add(300, { inPort: p, ethSrc: m, ethType: ETH_RARP }, ctl);
  add(200, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipv4Src: '0.0.0.0', ipProto: IPPROTO_UDP, udpSrc: 68, udpDst: 67 }, next);
  if (plan.ne.network.dhcp?.mac.toLowerCase() !== m) add(250, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, DROP);
  add(260, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_RA }, DROP);
  add(260, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_REDIRECT }, DROP);
  // Solicitations go to the controller, which answers from the model (answerNd) and checks the source address.
  for (const mac of [m, NO_MAC]) add(255, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS, ipv6NdSll: mac }, ctl);
  for (const src of v6) {
    add(200, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src }, next);
    for (const mac of [m, NO_MAC]) {
      for (const target of v6) {
        add(255, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA, ipv6NdTarget: target, ipv6NdTll: mac }, next);
      }
    }
  }
}

/** Every flow of one network on one OF1.3 switch. */
export function lowerNetwork13(plan: NetworkPlan, dpid: Dpid, paths: Paths): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) sourceFlows13(plan, ep, loc, out);
  const { head, tail } = networkFlows13(plan, dpid, paths);
  out.push(...head);
  const fw = plan.forward.get(dpid);
  if (fw) {
    // One instruction list per distinct target on this switch.
    const byTarget = new Map<number, Instruction[]>();
    for (const [mac, t] of fw) {
      const key = 'local' in t ? t.local : -1 - t.fabric;
      let ins = byTarget.get(key);
      if (!ins) byTarget.set(key, (ins = apply(targetActions13(plan.segment, t))));
      out.push(flow('forward', 200, { metadata: onSegment(plan.segment), ethDst: mac }, ins, plan.ne.byMac.get(mac)!.cookie));
    }
  }
  out.push(...tail);
  return out;
}

/** The flows of one bound source at one port: port security, address security and (public) reachability. */
export function sourceFlows13(plan: NetworkPlan, ep: Endpoint, loc: Location, out: DesiredFlow[]): void {
  securityFlows13(plan, ep, loc, out);
  reachabilityFlows13(plan, ep, loc, out);
}

/** Port and address security of one bound source: they depend on the endpoint and its network only. */
export function securityFlows13(plan: NetworkPlan, ep: Endpoint, loc: Location, out: DesiredFlow[]): void {
  out.push(flow('port-security', 100, { inPort: loc.portNo, ethSrc: ep.mac, vlanVid: 0 }, [meta(plan.segment), goto('address-security')], ep.cookie));
  addressSecurity13(plan, ep, loc, out);
}

/** On a public segment, what one bound source may reach (none on a private network: one flow per segment does it). */
export function reachabilityFlows13(plan: NetworkPlan, ep: Endpoint, loc: Location, out: DesiredFlow[]): void {
  if (plan.ne.network.kind === 'private') return;
  if (ep.kind === 'gateway') out.push(flow('reachability', 150, { inPort: loc.portNo, ethSrc: ep.mac }, TO_FORWARD, ep.cookie));
  else for (const d of plan.reachable(ep)) out.push(flow('reachability', 200, { inPort: loc.portNo, ethSrc: ep.mac, ethDst: d.mac }, TO_FORWARD, ep.cookie));
}

/** The forwarding flow of one destination MAC on a switch. */
export function forwardFlow13(plan: NetworkPlan, mac: string, t: Target): DesiredFlow {
  return flow('forward', 200, { metadata: onSegment(plan.segment), ethDst: mac }, apply(targetActions13(plan.segment, t)), plan.ne.byMac.get(mac)!.cookie);
}

/**
 * The flows of a network on a switch that belong to no one endpoint: `head`
 * (reachability for the segment, fabric ingress, DHCP towards the server) goes
 * before the per-destination forwarding flows, `tail` (broadcast) after.
 */
export function networkFlows13(plan: NetworkPlan, dpid: Dpid, paths: Paths): { head: DesiredFlow[]; tail: DesiredFlow[] } {
  const head: DesiredFlow[] = [];
  const tail: DesiredFlow[] = [];
  const seg = plan.segment;
  const nc = cookieFor('network', plan.ne.network.name);
  const onSeg = onSegment(seg);
  if (plan.sources.get(dpid)?.length) {
    if (plan.ne.network.kind === 'private') head.push(flow('reachability', 100, { metadata: onSeg }, TO_FORWARD, nc));
    // DHCP requests go to the server or nowhere, whoever sends them.
    head.push(flow('reachability', 300, { metadata: onSeg, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, plan.dhcp.has(dpid) ? TO_FORWARD : DROP, nc));
  }
  if (paths.fabricPorts(dpid).size && plan.served.has(dpid)) {
    head.push(flow('fabric-ingress', 100, { vlanVid: VID_PRESENT | seg }, [{ type: 'applyActions', actions: [{ type: 'popVlan' }] }, meta(seg), goto('forward')], nc));
  }
  const dh = plan.dhcp.get(dpid);
  if (dh) head.push(flow('forward', 300, { metadata: onSeg, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, apply(targetActions13(seg, dh)), nc));
  if (plan.served.has(dpid)) {
    const acts = bcastActions13(plan, dpid);
    if (acts.length) {
      const ins = apply(acts);
      tail.push(flow('forward', 100, { metadata: onSeg, ethDst: BROADCAST }, ins, nc));
      tail.push(flow('forward', 100, { metadata: onSeg, ethType: ETH_IPV6, ethDst: { value: '33:33:00:00:00:00', mask: 'ff:ff:00:00:00:00' } }, ins, nc));
    }
  }
  return { head, tail };
}
