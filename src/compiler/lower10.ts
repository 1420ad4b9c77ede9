// OF1.0 lowering: the same decisions as OF1.3, flattened into one table by
// priority. OF1.0 cannot match ARP sender MACs, IPv6 fields or masked MACs:
// ARP is checked by the controller (answerArp refuses a forged sender) and by
// the source IP the flows match, IPv6 from access ports is dropped, and only
// ff:ff:ff:ff:ff:ff counts as broadcast. Tagged frames are taken only from
// fabric ports (src/compiler/switch-lowering.ts).
import { ARP_REPLY, ARP_REQUEST, BROADCAST, ETH_ARP, ETH_IPV4, ETH_RARP, IPPROTO_UDP } from '../openflow/ethernet.js';
import { OFP10_VLAN_NONE } from '../openflow/of10/constants.js';
import type { Action, Instruction, Match } from '../openflow/flow-model.js';
import { isIpv6 } from '../openflow/addr.js';
import { cookieFor } from './cookie.js';
import type { Endpoint, Location } from './endpoints.js';
import { fabricMac } from './fabric.js';
import type { NetworkState } from './network-state.js';
import { P10 } from './priorities.js';
import { fabricCopies, TO_CONTROLLER, unicastActions10, type SwitchCtx, type Target } from './targets.js';
import type { DesiredFlow } from './types.js';

const DROP: Instruction[] = Object.freeze([]) as unknown as Instruction[];
const CONTROLLER_INS: Instruction[] = Object.freeze([{ type: 'applyActions', actions: [TO_CONTROLLER] }]) as unknown as Instruction[];
const apply = (actions: Action[]): Instruction[] => (actions.length ? [{ type: 'applyActions', actions }] : DROP);

/** The source addresses a bound source's access flows match: its IPv4 addresses; a gateway: any (undefined, none matched). */
export function sourceAddresses10(ep: Endpoint): (string | undefined)[] {
  return ep.kind === 'gateway' ? [undefined] : ep.ips.filter((ip) => !isIpv6(ip));
}

const ipSrc = (ip: string | undefined): Match => (ip === undefined ? {} : { ipv4Src: ip });
const arpSrc = (ip: string | undefined): Match => (ip === undefined ? {} : { arpSpa: ip });

/**
 * Everything one bound source may do at its port, as access flows, but
 * unicast: ARP to the controller, DHCP to the server only, broadcast.
 * `bcast` gives the broadcast actions (empty when it may not broadcast);
 * `dhcp` the server's target. Its unicast to each destination is
 * unicastFlows10's, a piece of its own per destination.
 */
export function accessFlows10(
  net: NetworkState,
  ep: Endpoint,
  loc: Location,
  bcast: Action[],
  dhcp: { t: Target; server: Endpoint } | undefined,
  out: DesiredFlow[],
): void {
  const c = ep.cookie;
  const p = loc.portNo;
  const m = ep.mac;
  const NONE = OFP10_VLAN_NONE;
  const seg = net.network.segment;
  const add = (priority: number, match: Match, ins: Instruction[]): void => {
    out.push({ stage: 'access', tableId: 0, priority, match, instructions: ins, cookie: c });
  };
  const gw = ep.kind === 'gateway';
  const dhcpTo = (ip: string | undefined): void => {
    add(P10.dhcpOther, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ...ipSrc(ip), ipProto: IPPROTO_UDP, udpDst: 67 }, DROP);
    if (!dhcp) return;
    const local = 'local' in dhcp.t ? [dhcp.t.local] : [];
    add(P10.dhcpBroadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_IPV4, ...ipSrc(ip), ipProto: IPPROTO_UDP, udpDst: 67 }, apply(fabricCopies(false, 'dhcp', seg, local, 'local' in dhcp.t ? [] : [dhcp.t])));
    add(P10.dhcpToServer, { inPort: p, ethSrc: m, ethDst: dhcp.server.mac, vlanVid: NONE, ethType: ETH_IPV4, ...ipSrc(ip), ipProto: IPPROTO_UDP, udpDst: 67 }, apply(unicastActions10(dhcp.t)));
  };
  // Per source address; the 0.0.0.0 DHCP client is added below.
  for (const ip of sourceAddresses10(ep)) {
    add(P10.arp, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_ARP, arpOp: ARP_REQUEST, ...arpSrc(ip) }, CONTROLLER_INS);
    if (!gw) add(P10.garp, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_ARP, arpOp: ARP_REPLY, ...arpSrc(ip) }, CONTROLLER_INS);
    dhcpTo(ip);
    if (bcast.length) add(P10.broadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_IPV4, ...ipSrc(ip) }, apply(bcast));
  }
  if (gw) return;
  add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_ARP, arpOp: ARP_REQUEST, arpSpa: '0.0.0.0' }, CONTROLLER_INS);
  add(P10.arp, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_RARP }, CONTROLLER_INS);
  if (dhcp) {
    const local = 'local' in dhcp.t ? [dhcp.t.local] : [];
    add(P10.dhcpBroadcast, { inPort: p, ethSrc: m, ethDst: BROADCAST, vlanVid: NONE, ethType: ETH_IPV4, ipv4Src: '0.0.0.0', ipProto: IPPROTO_UDP, udpSrc: 68, udpDst: 67 }, apply(fabricCopies(false, 'dhcp', seg, local, 'local' in dhcp.t ? [] : [dhcp.t])));
  }
  if (net.network.dhcp?.mac.toLowerCase() !== m) add(P10.dhcpGuard, { inPort: p, ethSrc: m, vlanVid: NONE, ethType: ETH_IPV4, ipProto: IPPROTO_UDP, udpSrc: 67 }, DROP);
}

/**
 * A bound source's unicast (IPv4, and ARP: a neighbour re-checked) to one
 * destination it may reach, whose target from this switch is `t`; from each
 * of its source addresses.
 */
export function unicastFlows10(ep: Endpoint, loc: Location, dest: Endpoint, t: Target, out: DesiredFlow[]): void {
  const ins = apply(unicastActions10(t));
  const base = { inPort: loc.portNo, ethSrc: ep.mac, ethDst: dest.mac, vlanVid: OFP10_VLAN_NONE };
  for (const ip of sourceAddresses10(ep)) {
    out.push({ stage: 'access', tableId: 0, priority: P10.unicast, match: { ...base, ethType: ETH_IPV4, ...ipSrc(ip) }, instructions: ins, cookie: ep.cookie });
    out.push({ stage: 'access', tableId: 0, priority: P10.unicast, match: { ...base, ethType: ETH_ARP, ...arpSrc(ip) }, instructions: ins, cookie: ep.cookie });
  }
}

/** A MAC delivered here, for frames tagged with this switch's label arriving on a fabric port. */
export function deliverFlows10(ctx: SwitchCtx, mac: string, port: number, cookie: bigint): DesiredFlow[] {
  return ctx.fabricPorts.map((f) => ({
    stage: 'fabric',
    tableId: 0,
    priority: P10.egressUnicast,
    match: { inPort: f, vlanVid: ctx.label!, ethDst: mac },
    instructions: [{ type: 'applyActions', actions: [{ type: 'stripVlan' }, { type: 'output', port }] }],
    cookie,
  }));
}

/** The egress of a network's broadcast and DHCP requests that arrive tagged with this switch's label. */
export function networkEgress10(ctx: SwitchCtx, net: NetworkState, out: DesiredFlow[]): void {
  if (ctx.label === undefined || ctx.fabricPorts.length === 0) return;
  const seg = net.network.segment;
  const nc = cookieFor('network', net.name);
  const add = (mac: string, ports: number[]): void => {
    const actions: Action[] = [{ type: 'stripVlan' }, { type: 'setDlDst', mac: BROADCAST }, ...ports.map((p) => ({ type: 'output', port: p }) as Action)];
    for (const f of ctx.fabricPorts) {
      out.push({ stage: 'fabric', tableId: 0, priority: P10.egressNetwork, match: { inPort: f, vlanVid: ctx.label!, ethDst: mac }, instructions: [{ type: 'applyActions', actions }], cookie: nc });
    }
  };
  const members = net.memberPorts(ctx.dpid);
  if (members.length) add(fabricMac('broadcast', seg), members);
  const server = net.dhcpServer();
  if (server?.active?.dpid === ctx.dpid) add(fabricMac('dhcp', seg), [server.active.portNo]);
}
