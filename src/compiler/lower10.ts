// OF1.0 lowering: the same decisions flattened into one table by priority.
// OF1.0 cannot match ARP sender MACs, IPv6 fields or masked MACs: ARP is
// checked by the controller (answerArp refuses a forged sender), IPv6 from
// access ports is dropped, and only ff:ff:ff:ff:ff:ff counts as broadcast.
import { type Action, type Instruction, type Match } from '../openflow/types.js';
import type { Dpid } from '../topo/types.js';
import type { Paths } from '../topo/paths.js';
import { isIpv6 } from './addr.js';
import { cookieFor } from './cookie.js';
import { BROADCAST, ETH_ARP, ETH_IPV4, ETH_RARP, IPPROTO_UDP, TO_CONTROLLER, epCookie } from './lower13.js';
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
  const out: DesiredFlow[] = [];
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

function accessFlows(plan: NetworkPlan, dpid: Dpid, ep: Endpoint, loc: Location, out: DesiredFlow[]): void {
  const c = epCookie(ep);
  const seg = plan.segment;
  const base: Match = { inPort: loc.portNo, ethSrc: ep.mac, vlanVid: OFP10_VLAN_NONE };
  const S = 'access';
  const gw = ep.kind === 'gateway';
  const v4 = ep.ips.filter((ip) => !isIpv6(ip));
  // A gateway may use any source address: one flow without ipv4Src stands for all.
  const sources: (string | undefined)[] = gw ? [undefined] : v4;
  const withSrc = (m: Match, ip: string | undefined): Match => (ip === undefined ? m : { ...m, ipv4Src: ip });
  const priv = plan.ne.network.kind === 'private';
  if (gw) out.push(flow(S, P10.arp, { ...base, ethType: ETH_ARP, arpOp: 1 }, [TO_CONTROLLER], c));
  else {
    for (const spa of [...v4, '0.0.0.0']) out.push(flow(S, P10.arp, { ...base, ethType: ETH_ARP, arpOp: 1, arpSpa: spa }, [TO_CONTROLLER], c));
    for (const spa of v4) out.push(flow(S, P10.garp, { ...base, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: 2, arpSpa: spa }, [TO_CONTROLLER], c));
    out.push(flow(S, P10.arp, { ...base, ethType: ETH_RARP }, [TO_CONTROLLER], c));
    if (plan.ne.network.dhcp?.mac.toLowerCase() !== ep.mac) {
      out.push(flow(S, P10.dhcpGuard, { ...base, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, [], c));
    }
  }
  const dh = plan.dhcp.get(dpid);
  {
    // DHCP requests go to the server or nowhere.
    const acts = dh ? fromAccess(seg, dh) : [];
    for (const ip of sources) out.push(flow(S, P10.dhcp, withSrc({ ...base, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, ip), acts, c));
    if (!gw) out.push(flow(S, P10.dhcp, { ...base, ethType: ETH_IPV4, ipv4Src: '0.0.0.0', ipProto: IPPROTO_UDP, udpSrc: 68, udpDst: 67 }, acts, c));
  }
  const fw = plan.forward.get(dpid);
  if (fw) {
    for (const d of plan.reachable(ep)) {
      const t = fw.get(d.mac);
      if (!t) continue;
      const acts = fromAccess(seg, t);
      for (const ip of sources) out.push(flow(S, P10.unicast, withSrc({ ...base, ethType: ETH_IPV4, ethDst: d.mac }, ip), acts, c));
    }
  }
  if (priv || gw) {
    const acts = bcastFromAccess(plan, dpid);
    if (acts.length) for (const ip of sources) out.push(flow(S, P10.broadcast, withSrc({ ...base, ethType: ETH_IPV4, ethDst: BROADCAST }, ip), acts, c));
  }
}

/** Every flow of one network on one OF1.0 switch. */
export function lowerNetwork10(plan: NetworkPlan, dpid: Dpid, paths: Paths): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  const seg = plan.segment;
  const nc = cookieFor('network', plan.ne.network.name);
  for (const { ep, loc } of plan.sources.get(dpid) ?? []) accessFlows(plan, dpid, ep, loc, out);
  if (!paths.fabricPorts(dpid).size) return out;
  const dh = plan.dhcp.get(dpid);
  if (dh) out.push(flow('fabric', P10.fabricDhcp, { vlanVid: seg, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, fromFabric(dh), nc));
  for (const [mac, t] of plan.forward.get(dpid) ?? []) {
    out.push(flow('fabric', P10.fabricUnicast, { vlanVid: seg, ethDst: mac }, fromFabric(t), epCookie(plan.ne.byMac.get(mac)!)));
  }
  if (plan.served.has(dpid)) {
    const acts = bcastFromFabric(plan, dpid);
    if (acts.length) out.push(flow('fabric', P10.fabricBroadcast, { vlanVid: seg, ethDst: BROADCAST }, acts, nc));
  }
  return out;
}

