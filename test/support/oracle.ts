// The contract (docs/contract.md, "What a packet sees") computed directly
// from the model, with none of the compiler's code: given where a frame enters
// and its bytes, which ports should receive it and whether the controller
// should see it. Spotlight's documented choices (flows/PIPELINE.md) are
// spelled out here once more, plainly.
import type { ModelSnapshot, Network, PortRef } from '../../src/model/types.js';
import type { TopologySnapshot } from '../../src/topo/types.js';
import { parse } from '../../src/sim/packets.js';

export interface Place {
  dpid: string;
  portNo: number;
}

export interface Party {
  network: Network;
  gateway: boolean;
  vm?: string;
  tenant: string;
  mac: string;
  ips: string[];
  /** Ports that accept its MAC. */
  bound: Place[];
  /** Where frames for it go. */
  active?: Place;
}

export interface Expectation {
  delivered: Set<string>;
  controller: boolean;
}

export const placeKey = (p: Place): string => `${p.dpid}:${p.portNo}`;

function portOf(topo: TopologySnapshot, dpid: string, port: PortRef): Place | undefined {
  const sw = topo.switches.get(dpid);
  if (!sw) return undefined;
  for (const p of sw.ports.values()) {
    if (p.portNo === port || p.name === port) {
      const isLink = topo.links.some((l) => (l.a.dpid === dpid && l.a.portNo === p.portNo) || (l.b.dpid === dpid && l.b.portNo === p.portNo));
      return isLink ? undefined : { dpid, portNo: p.portNo };
    }
  }
  return undefined;
}

export function parties(model: ModelSnapshot, topo: TopologySnapshot): Party[] {
  const out: Party[] = [];
  for (const net of model.networks.values()) {
    const seen = new Set<string>();
    for (const g of [...net.gateways].sort((a, b) => (a.mac < b.mac ? -1 : 1))) {
      if (seen.has(g.mac)) continue;
      seen.add(g.mac);
      const at = portOf(topo, g.switch, g.port);
      out.push({ network: net, gateway: true, tenant: net.tenant, mac: g.mac, ips: g.ips, bound: at ? [at] : [], ...(at ? { active: at } : {}) });
    }
    for (const vm of [...model.vms.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      for (const i of vm.interfaces) {
        if (i.network !== net.name || seen.has(i.mac)) continue;
        seen.add(i.mac);
        const src = portOf(topo, i.switch, i.port);
        const d = vm.migration?.destinations.find((x) => x.mac === i.mac);
        const dst = d ? portOf(topo, d.switch, d.port) : undefined;
        const bound = [src, dst].filter((x): x is Place => x !== undefined);
        const active = d && vm.migration!.activated ? dst : src;
        out.push({ network: net, gateway: false, vm: vm.name, tenant: vm.tenant, mac: i.mac, ips: i.ips, bound, ...(active ? { active } : {}) });
      }
    }
  }
  return out;
}

/** Public segment rules; private networks let every member reach every other. */
export function mayReach(model: ModelSnapshot, a: Party, b: Party): boolean {
  if (a.network !== b.network) return false;
  if (a === b || a.network.kind === 'private' || a.gateway || b.gateway) return true;
  if (a.tenant === b.tenant) return true;
  for (const r of model.relations.values()) if (r.vms.includes(a.vm!) && r.vms.includes(b.vm!) && a.vm !== b.vm) return true;
  return false;
}

/** Switches joined by up links. */
export function connected(topo: TopologySnapshot, from: string, to: string): boolean {
  const up = (d: string, p: number): boolean => topo.switches.get(d)?.ports.get(p)?.up === true;
  const seen = new Set([from]);
  const stack = [from];
  while (stack.length) {
    const u = stack.pop()!;
    if (u === to) return true;
    for (const l of topo.links) {
      if (!up(l.a.dpid, l.a.portNo) || !up(l.b.dpid, l.b.portNo)) continue;
      const v = l.a.dpid === u ? l.b.dpid : l.b.dpid === u ? l.a.dpid : undefined;
      if (v !== undefined && !seen.has(v)) {
        seen.add(v);
        stack.push(v);
      }
    }
  }
  return false;
}

function eui64(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const g = [((b[0]! ^ 2) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  return 'fe80::' + g.map((x) => x.toString(16)).join(':');
}

const sameV6 = (a: string, b: string): boolean => {
  const norm = (s: string): string => {
    const [h, t] = s.includes('::') ? s.split('::') : [s, undefined];
    const hs = h ? h.split(':') : [];
    const ts = t ? t.split(':') : [];
    return [...hs, ...new Array(8 - hs.length - ts.length).fill('0'), ...ts].map((x) => parseInt(x || '0', 16)).join(':');
  };
  return norm(a) === norm(b);
};

export interface OracleOptions {
  /** Versions per switch (1 or 4); absent means 4. */
  versions: Map<string, number>;
}

export function expect(model: ModelSnapshot, topo: TopologySnapshot, ingress: Place, frame: Uint8Array, opts: OracleOptions): Expectation {
  const none: Expectation = { delivered: new Set(), controller: false };
  const f = parse(frame);
  // Discovery: LLDP to the nearest-bridge address goes to the controller from any port, tagged or not, bound sender or not, and nowhere else.
  if (f.ethType === 0x88cc && f.ethDst === '01:80:c2:00:00:0e') return { delivered: new Set(), controller: true };
  const all = parties(model, topo);
  const sender = all.find((p) => p.mac === f.ethSrc && p.bound.some((b) => b.dpid === ingress.dpid && b.portNo === ingress.portNo));
  if (!sender || f.vlans.length) return none;
  const of10 = (opts.versions.get(ingress.dpid) ?? 4) === 1;
  const net = sender.network;
  const members = all.filter((p) => p.network === net);
  const deliverTo = (targets: Party[]): Expectation => {
    const d = new Set<string>();
    for (const t of targets) {
      if (!t.active) continue;
      if (t.active.dpid === ingress.dpid && t.active.portNo === ingress.portNo) continue;
      if (!connected(topo, ingress.dpid, t.active.dpid)) continue;
      d.add(placeKey(t.active));
    }
    return { delivered: d, controller: false };
  };
  const toController: Expectation = { delivered: new Set(), controller: true };
  const broadcastTargets = (): Party[] => (net.kind === 'private' || sender.gateway ? members : []);
  const unicast = (): Expectation => {
    const dst = members.find((p) => p.mac === f.ethDst);
    return dst && mayReach(model, sender, dst) ? deliverTo([dst]) : none;
  };

  const BCAST = 'ff:ff:ff:ff:ff:ff';
  if (f.ethType === 0x0806) {
    const shaOk = of10 || f.arpSha === sender.mac;
    if (!shaOk) return none;
    const spaOwn = sender.ips.includes(f.arpSpa!);
    // Probes (sender IP 0.0.0.0) and broadcast requests are the controller's to answer.
    if (f.arpOp === 1 && !sender.gateway && f.arpSpa === '0.0.0.0') return toController;
    if (f.ethDst === BCAST) {
      if (f.arpOp === 1 && (sender.gateway || spaOwn)) return toController;
      if (!sender.gateway && f.arpOp === 2 && spaOwn) return toController;
      return none;
    }
    // Unicast ARP (a neighbour re-checked, and its answer) goes to its target like any frame.
    return sender.gateway || spaOwn ? unicast() : none;
  }
  if (f.ethType === 0x8035) return sender.gateway ? none : toController;
  const dhcpServerMac = net.dhcp?.mac;
  const toServer = (): Expectation => {
    const server = members.find((p) => p.mac === dhcpServerMac);
    return server && (f.ethDst === BCAST || f.ethDst === '33:33:00:01:00:02' || f.ethDst === server.mac) ? deliverTo([server]) : none;
  };
  if (f.ethType === 0x0800) {
    if (!sender.gateway && f.ipProto === 17 && f.udpSrc === 67 && sender.mac !== dhcpServerMac) return none;
    const srcOk = sender.gateway || sender.ips.includes(f.ipv4Src!) || (f.ipv4Src === '0.0.0.0' && f.ipProto === 17 && f.udpSrc === 68 && f.udpDst === 67);
    if (!srcOk) return none;
    // DHCP requests reach the server only: broadcast, or addressed to it.
    if (f.ipProto === 17 && f.udpDst === 67) return f.ethDst === '33:33:00:01:00:02' ? none : toServer();
    if (f.ipv4Src === '0.0.0.0') return none;
    if (f.ethDst === BCAST) return deliverTo(broadcastTargets());
    return unicast();
  }
  if (f.ethType === 0x86dd) {
    if (of10) return none;
    const own = [...sender.ips.filter((ip) => ip.includes(':')), eui64(sender.mac)];
    const isOwn = (ip: string | undefined): boolean => ip !== undefined && own.some((o) => sameV6(o, ip));
    const absent = '00:00:00:00:00:00';
    const multicast = f.ethDst.startsWith('33:33:');
    // Multicast solicitations are the controller's to answer (it checks the source address itself);
    // unicast ones from an own address go to their target.
    if (f.ipProto === 58 && f.icmpv6Type === 135) {
      if (f.ndSll !== sender.mac && f.ndSll !== absent) return none;
      if (multicast) return toController;
      return sender.gateway || isOwn(f.ipv6Src) ? unicast() : none;
    }
    if (!sender.gateway && !isOwn(f.ipv6Src)) return none;
    if (f.ipProto === 58) {
      if (!sender.gateway && (f.icmpv6Type === 134 || f.icmpv6Type === 137)) return none;
      if (f.icmpv6Type === 136 && f.ndTll !== sender.mac && f.ndTll !== absent) return none;
      if (f.icmpv6Type === 136 && !sender.gateway && !isOwn(f.ndTarget)) return none;
    }
    // DHCPv6: only the server (or a gateway) answers; requests reach the server only.
    if (f.ipProto === 17 && f.udpSrc === 547 && !sender.gateway && sender.mac !== dhcpServerMac) return none;
    if (f.ipProto === 17 && f.udpDst === 547) return f.ethDst === BCAST ? none : toServer();
    if (f.ethDst === BCAST) return deliverTo(broadcastTargets());
    // IPv6 multicast is delivered by OpenFlow 1.3 switches only: members behind an OF1.0 switch other than the ingress miss it.
    if (multicast) return deliverTo(broadcastTargets().filter((t) => !t.active || t.active.dpid === ingress.dpid || (opts.versions.get(t.active.dpid) ?? 4) !== 1));
    return unicast();
  }
  return none;
}

/** The ARP reply the controller owes a request that reached it, as (target MAC) or null. */
export function expectedArpAnswer(model: ModelSnapshot, topo: TopologySnapshot, ingress: Place, frame: Uint8Array): string | null {
  const f = parse(frame);
  if (f.ethType !== 0x0806 || f.arpOp !== 1 || f.arpSha !== f.ethSrc || f.arpSpa === '0.0.0.0') return null;
  const all = parties(model, topo);
  const sender = all.find((p) => p.mac === f.ethSrc && p.bound.some((b) => b.dpid === ingress.dpid && b.portNo === ingress.portNo));
  if (!sender || (!sender.gateway && !sender.ips.includes(f.arpSpa!))) return null;
  const target = all.find((p) => p.network === sender.network && p.ips.includes(f.arpTpa!));
  if (!target || target === sender || !mayReach(model, sender, target)) return null;
  return target.mac;
}

/** The advertisement the controller owes a solicitation that reached it, as (target MAC) or null. */
export function expectedNdAnswer(model: ModelSnapshot, topo: TopologySnapshot, ingress: Place, frame: Uint8Array): string | null {
  const f = parse(frame);
  if (f.ethType !== 0x86dd || f.ipProto !== 58 || f.icmpv6Type !== 135 || f.ndTarget === undefined) return null;
  const all = parties(model, topo);
  const sender = all.find((p) => p.mac === f.ethSrc && p.bound.some((b) => b.dpid === ingress.dpid && b.portNo === ingress.portNo));
  if (!sender || (f.ndSll !== sender.mac && f.ndSll !== '00:00:00:00:00:00') || sameV6(f.ipv6Src!, '::')) return null;
  const own = (p: Party): string[] => [...p.ips.filter((ip) => ip.includes(':')), eui64(p.mac)];
  if (!sender.gateway && !own(sender).some((o) => sameV6(o, f.ipv6Src!))) return null;
  const target = all.find((p) => p.network === sender.network && own(p).some((o) => sameV6(o, f.ndTarget!)));
  if (!target || target === sender || !mayReach(model, sender, target)) return null;
  return target.mac;
}
