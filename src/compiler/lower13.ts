// OF1.3 lowering of one network's pieces on one switch: the security flows of
// a bound source, what a public member may reach, the forwarding entry of a
// destination, the network-wide flows (DHCP, broadcast, and the egress of
// frames that arrive tagged), and a delivered MAC. Metadata bits 19..0 carry
// the network's segment from the first table on.
import { ARP_REPLY, ARP_REQUEST, BROADCAST, ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_RARP, ICMPV6_NA, ICMPV6_NS, ICMPV6_RA, ICMPV6_REDIRECT, IPPROTO_ICMPV6, IPPROTO_UDP, NO_MAC, ETH_MPLS } from '../openflow/ethernet.js';
import type { Action, Instruction, Match } from '../openflow/flow-model.js';
import { canonicalIpv6, isIpv6, linkLocalOf } from '../openflow/addr.js';
import { cookieFor } from './cookie.js';
import type { Endpoint, Location } from './endpoints.js';
import { fabricMac, MplsClass, mplsLabelOf, SEGMENT_MASK } from './fabric.js';
import type { NetworkState } from './network-state.js';
import { tableOf } from './pipeline.js';
import { P13 } from './priorities.js';
import { fabricCopies, mplsCopies, TO_CONTROLLER, unicastActions13, type SwitchCtx, type Target } from './targets.js';
import type { DesiredFlow } from './types.js';

export const DHCPV6_SERVER_PORT = 547;
/** All_DHCP_Relay_Agents_and_Servers (ff02::1:2) on Ethernet. */
export const DHCPV6_SERVERS_MAC = '33:33:00:01:00:02';
const IPV6_MULTICAST = { value: '33:33:00:00:00:00', mask: 'ff:ff:00:00:00:00' };

const T_PORT = tableOf('port-security');
const T_ADDR = tableOf('address-security');
const T_REACH = tableOf('reachability');
const T_FWD = tableOf('forward');
const T_EGRESS = tableOf('egress');

// Instruction lists shared by many flows (plain data, never mutated).
const DROP: Instruction[] = Object.freeze([]) as unknown as Instruction[];
const TO_REACHABILITY: Instruction[] = Object.freeze([{ type: 'gotoTable', tableId: T_REACH }]) as unknown as Instruction[];
const TO_FORWARD: Instruction[] = Object.freeze([{ type: 'gotoTable', tableId: T_FWD }]) as unknown as Instruction[];

const apply = (actions: Action[]): Instruction[] => (actions.length ? [{ type: 'applyActions', actions }] : DROP);
const onSegment = (seg: number): NonNullable<Match['metadata']> => ({ value: BigInt(seg), mask: SEGMENT_MASK });

/** To the controller, through the sender's port meter when the switch has meters. */
export function toController(meterId: number | undefined): Instruction[] {
  const ins: Instruction[] = [{ type: 'applyActions', actions: [TO_CONTROLLER] }];
  return meterId === undefined ? ins : [{ type: 'meter', meterId }, ...ins];
}

/** Port and address security of one bound source; `server` when it is its network's DHCP server. */
export function securityFlows13(seg: number, ep: Endpoint, loc: Location, server: boolean, meterId: number | undefined, out: DesiredFlow[]): void {
  // Object literals rather than spreads of a base match: this runs for every
  // endpoint of the cloud, and literals are several times cheaper to build.
  const c = ep.cookie;
  const p = loc.portNo;
  const m = ep.mac;
  out.push({ stage: 'port-security', tableId: T_PORT, priority: P13.portSecurity, match: { inPort: p, ethSrc: m, vlanVid: 0 }, instructions: [{ type: 'writeMetadata', metadata: BigInt(seg), mask: SEGMENT_MASK }, { type: 'gotoTable', tableId: T_ADDR }], cookie: c });
  const add = (priority: number, match: Match, ins: Instruction[]): void => {
    out.push({ stage: 'address-security', tableId: T_ADDR, priority, match, instructions: ins, cookie: c });
  };
  const ctl = toController(meterId);
  const next = TO_REACHABILITY;
  // ND: multicast solicitations go to the controller (answered from the model), unicast ones from an
  // own address on to the target (neighbour unreachability detection needs no controller); the
  // option must be its own MAC or absent.
  for (const sll of [m, NO_MAC]) add(P13.nsMulticast, { inPort: p, ethSrc: m, ethDst: IPV6_MULTICAST, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS, ipv6NdSll: sll }, ctl);
  if (ep.kind === 'gateway') {
    for (const sll of [m, NO_MAC]) add(P13.nd, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS, ipv6NdSll: sll }, next);
    // A gateway may use any source address and may send router advertisements and DHCP.
    add(P13.garp, { inPort: p, ethSrc: m, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: ARP_REPLY, arpSha: m }, DROP);
    add(P13.arpBroadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: ARP_REQUEST, arpSha: m }, ctl);
    add(P13.arp, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpSha: m }, next);
    add(P13.source, { inPort: p, ethSrc: m, ethType: ETH_IPV4 }, next);
    add(P13.dhcpServerAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, next);
    add(P13.dhcpServerAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpSrc: DHCPV6_SERVER_PORT }, next);
    add(P13.raAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_RA }, next);
    add(P13.raAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_REDIRECT }, next);
    for (const tll of [m, NO_MAC]) add(P13.nd, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA, ipv6NdTll: tll }, next);
    add(P13.source, { inPort: p, ethSrc: m, ethType: ETH_IPV6 }, next);
    return;
  }
  const v6: string[] = [];
  for (const ip of ep.ips) {
    if (isIpv6(ip)) {
      const canon = canonicalIpv6(ip);
      if (!v6.includes(canon)) v6.push(canon);
      continue;
    }
    add(P13.garp, { inPort: p, ethSrc: m, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: ARP_REPLY, arpSha: m, arpSpa: ip }, ctl);
    add(P13.arpBroadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, ethType: ETH_ARP, arpOp: ARP_REQUEST, arpSha: m, arpSpa: ip }, ctl);
    // Unicast requests and replies (the target re-checking a neighbour) go on like any frame.
    add(P13.arp, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpSha: m, arpSpa: ip }, next);
    add(P13.source, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipv4Src: ip }, next);
    if (server) add(P13.dhcpServerAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipv4Src: ip, ipProto: IPPROTO_UDP, udpSrc: 67 }, next);
  }
  const ll = linkLocalOf(m);
  if (!v6.includes(ll)) v6.push(ll);
  add(P13.arpBroadcast, { inPort: p, ethSrc: m, ethType: ETH_ARP, arpOp: ARP_REQUEST, arpSha: m, arpSpa: '0.0.0.0' }, ctl);
  add(P13.arp, { inPort: p, ethSrc: m, ethType: ETH_RARP }, ctl);
  add(P13.source, { inPort: p, ethSrc: m, ethType: ETH_IPV4, ipv4Src: '0.0.0.0', ipProto: IPPROTO_UDP, udpSrc: 68, udpDst: 67 }, next);
  for (const src of v6) {
    add(P13.source, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src }, next);
    if (server) add(P13.dhcpServerAllow, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src, ipProto: IPPROTO_UDP, udpSrc: DHCPV6_SERVER_PORT }, next);
    for (const sll of [m, NO_MAC]) add(P13.nd, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NS, ipv6NdSll: sll }, next);
    for (const tll of [m, NO_MAC]) {
      for (const target of v6) {
        add(P13.nd, { inPort: p, ethSrc: m, ethType: ETH_IPV6, ipv6Src: src, ipProto: IPPROTO_ICMPV6, icmpv6Type: ICMPV6_NA, ipv6NdTarget: target, ipv6NdTll: tll }, next);
      }
    }
  }
}

/** On a public segment, what one bound source may reach (a private network needs none: one flow per segment). */
export function reachFlows13(ep: Endpoint, loc: Location, reach: readonly Endpoint[], out: DesiredFlow[]): void {
  if (ep.kind === 'gateway') {
    out.push({ stage: 'reachability', tableId: T_REACH, priority: P13.reachGateway, match: { inPort: loc.portNo, ethSrc: ep.mac }, instructions: TO_FORWARD, cookie: ep.cookie });
    return;
  }
  for (const d of reach) out.push({ stage: 'reachability', tableId: T_REACH, priority: P13.reach, match: { inPort: loc.portNo, ethSrc: ep.mac, ethDst: d.mac }, instructions: TO_FORWARD, cookie: ep.cookie });
}

/** The forwarding entry of one destination on a switch. */
export function forwardFlow13(seg: number, d: Endpoint, t: Target): DesiredFlow {
  return { stage: 'forward', tableId: T_FWD, priority: P13.unicast, match: { metadata: onSegment(seg), ethDst: d.mac }, instructions: apply(unicastActions13(t)), cookie: d.cookie };
}

/** A MAC delivered here, for frames that arrived tagged with this switch's label. */
export function deliverFlow13(mac: string, port: number, cookie: bigint): DesiredFlow {
  return { stage: 'egress', tableId: T_EGRESS, priority: P13.egressUnicast, match: { ethDst: mac }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port }] }], cookie };
}

/** Where the network's remote member switches are, from this switch (unreachable ones left out). */
export function remoteMembers(ctx: SwitchCtx, net: NetworkState): Target[] {
  const out: Target[] = [];
  for (const d of [...net.memberSwitches()].sort()) {
    if (d === ctx.dpid) continue;
    const t = ctx.target({ dpid: d, portNo: 0 });
    if (t) out.push(t);
  }
  return out;
}

/**
 * The flows of a network on a switch that belong to no one endpoint: on a
 * switch with sources, DHCP towards the server and the broadcast of those
 * who may broadcast; on a switch with members and fabric ports, the egress of
 * the network's broadcast, multicast and DHCP requests that arrive tagged.
 */
export function networkFlows13(ctx: SwitchCtx, net: NetworkState, out: DesiredFlow[]): void {
  const seg = net.network.segment;
  const nc = cookieFor('network', net.name);
  const meta = onSegment(seg);
  const add = (stage: 'reachability' | 'forward' | 'egress', priority: number, match: Match, instructions: Instruction[]): void => {
    out.push({ stage, tableId: tableOf(stage), priority, match, instructions, cookie: nc });
  };
  const server = net.dhcpServer();
  const sources = net.sourcesAt(ctx.dpid);
  if (sources.length) {
    if (net.network.kind === 'private') add('reachability', P13.reachPrivate, { metadata: meta }, TO_FORWARD);
    else {
      // On a public segment DHCP requests pass whatever a member may reach: forward sends them to the server or nowhere.
      add('reachability', P13.dhcpPass, { metadata: meta, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, TO_FORWARD);
      add('reachability', P13.dhcpPass, { metadata: meta, ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpDst: DHCPV6_SERVER_PORT }, TO_FORWARD);
    }
    // A DHCP request that is not for the server is dropped by the switch's own forward guard (src/compiler/switch-lowering.ts).
    const t = server ? ctx.target(server.active!) : undefined;
    if (t) {
      const local = 'local' in t ? [t.local] : [];
      const remote = 'local' in t ? [] : [t];
      add('forward', P13.dhcpBroadcast, { metadata: meta, ethDst: BROADCAST, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, apply(fabricCopies(true, 'dhcp', seg, local, remote)));
      add('forward', P13.dhcpBroadcast, { metadata: meta, ethDst: DHCPV6_SERVERS_MAC, ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpDst: DHCPV6_SERVER_PORT }, apply(mplsCopies(seg, MplsClass.dhcpServer, local, remote)));
      add('forward', P13.dhcpToServer, { metadata: meta, ethDst: server!.mac, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpDst: 67 }, apply(unicastActions13(t)));
      add('forward', P13.dhcpToServer, { metadata: meta, ethDst: server!.mac, ethType: ETH_IPV6, ipProto: IPPROTO_UDP, udpDst: DHCPV6_SERVER_PORT }, apply(unicastActions13(t)));
    }
    if (sources.some(({ ep }) => net.broadcasts(ep))) {
      const local = net.memberPorts(ctx.dpid);
      const remote = remoteMembers(ctx, net);
      const b = fabricCopies(true, 'broadcast', seg, local, remote);
      if (b.length) add('forward', P13.broadcast, { metadata: meta, ethDst: BROADCAST }, apply(b));
      const m = mplsCopies(seg, MplsClass.multicast, local, remote);
      if (m.length) add('forward', P13.broadcast, { metadata: meta, ethType: ETH_IPV6, ethDst: IPV6_MULTICAST }, apply(m));
    }
  }
  if (ctx.fabricPorts.length === 0) return;
  const members = net.memberPorts(ctx.dpid);
  if (members.length) {
    const outs: Action[] = members.map((p) => ({ type: 'output', port: p }));
    add('egress', P13.egressNetwork, { ethDst: fabricMac('broadcast', seg) }, apply([{ type: 'setField', field: 'ethDst', value: BROADCAST }, ...outs]));
    add('egress', P13.egressNetwork, { ethType: ETH_MPLS, mplsLabel: mplsLabelOf(seg), mplsTc: MplsClass.multicast }, apply([{ type: 'popMpls', ethertype: ETH_IPV6 }, ...outs]));
  }
  if (server?.active?.dpid === ctx.dpid) {
    const out1: Action = { type: 'output', port: server.active.portNo };
    add('egress', P13.egressNetwork, { ethDst: fabricMac('dhcp', seg) }, apply([{ type: 'setField', field: 'ethDst', value: BROADCAST }, out1]));
    add('egress', P13.egressNetwork, { ethType: ETH_MPLS, mplsLabel: mplsLabelOf(seg), mplsTc: MplsClass.dhcpServer }, apply([{ type: 'popMpls', ethertype: ETH_IPV6 }, out1]));
  }
}
