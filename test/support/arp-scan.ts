// The controller's packet-in answers as they were computed before the address
// index: by walking every network and every VM of the model for each frame.
// Property tests check the indexed answers against it; bench/arp.ts runs it as
// the "before" peer. Where several gateways or interfaces fit a question (the
// same MAC bound at one port on two networks) the walk took the first in map
// order; sortedModel() gives it maps in name order, the order the index uses.
import { buildArp, parseArp, type ArpPacket, type Ingress } from '../../src/compiler/arp.js';
import { canonicalIpv6, isIpv6, linkLocalOf } from '../../src/openflow/addr.js';
import { ARP_REPLY, ARP_REQUEST } from '../../src/openflow/ethernet.js';
import { buildAdvertisement, parseSolicitation, type NeighbourSolicitation } from '../../src/compiler/nd.js';
import type { ModelSnapshot, Network, Vm } from '../../src/model/types.js';

interface Party {
  mac: string;
  ips: string[];
  gateway: boolean;
  vm?: Vm;
}

/** The same model with its networks, VMs and relations in name order. */
export function sortedModel(model: ModelSnapshot): ModelSnapshot {
  const sorted = <V>(m: ReadonlyMap<string, V>): Map<string, V> => new Map([...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  return { generation: model.generation, networks: sorted(model.networks), vms: sorted(model.vms), relations: sorted(model.relations) };
}

function partiesOf(model: ModelSnapshot, net: Network): Party[] {
  const out: Party[] = net.gateways.map((g) => ({ mac: g.mac.toLowerCase(), ips: g.ips, gateway: true }));
  for (const vm of model.vms.values()) {
    for (const i of vm.interfaces) if (i.network === net.name) out.push({ mac: i.mac.toLowerCase(), ips: i.ips, gateway: false, vm });
  }
  return out;
}

function related(model: ModelSnapshot, a: string, b: string): boolean {
  for (const r of model.relations.values()) {
    if ((r.vms[0] === a && r.vms[1] === b) || (r.vms[0] === b && r.vms[1] === a)) return true;
  }
  return false;
}

function mayReach(model: ModelSnapshot, net: Network, a: Party, b: Party): boolean {
  if (net.kind === 'private' || a.gateway || b.gateway) return true;
  if (a.vm!.tenant === b.vm!.tenant) return true;
  return related(model, a.vm!.name, b.vm!.name);
}

const atIngress = (ing: Ingress, dpid: string, port: string | number): boolean =>
  dpid === ing.dpid && (port === ing.portNo || port === ing.portName || port === String(ing.portNo));

function requester(model: ModelSnapshot, ing: Ingress, mac: string): { net: Network; party: Party } | null {
  for (const net of model.networks.values()) {
    for (const g of net.gateways) {
      if (g.mac.toLowerCase() === mac && atIngress(ing, g.switch, g.port)) return { net, party: { mac, ips: g.ips, gateway: true } };
    }
  }
  for (const vm of model.vms.values()) {
    for (const i of vm.interfaces) {
      if (i.mac.toLowerCase() !== mac) continue;
      const dest = vm.migration?.destinations.find((d) => d.mac.toLowerCase() === mac);
      if (!atIngress(ing, i.switch, i.port) && !(dest && atIngress(ing, dest.switch, dest.port))) continue;
      const net = model.networks.get(i.network);
      if (net) return { net, party: { mac, ips: i.ips, gateway: false, vm } };
    }
  }
  return null;
}

export function scanAnswerArp(model: ModelSnapshot, ingress: Ingress, frame: Uint8Array | ArpPacket): Uint8Array | null {
  const arp = frame instanceof Uint8Array ? parseArp(frame) : frame;
  if (!arp || arp.op !== ARP_REQUEST) return null;
  const mac = arp.sha.toLowerCase();
  if (arp.ethSrc.toLowerCase() !== mac) return null;
  if (arp.spa === '0.0.0.0') return null;
  const req = requester(model, ingress, mac);
  if (!req) return null;
  if (!req.party.gateway && !req.party.ips.includes(arp.spa)) return null;
  const target = partiesOf(model, req.net).find((p) => p.ips.includes(arp.tpa));
  if (!target || target.mac === mac) return null;
  if (!mayReach(model, req.net, req.party, target)) return null;
  return buildArp({ op: ARP_REPLY, ethDst: mac, ethSrc: target.mac, sha: target.mac, spa: arp.tpa, tha: mac, tpa: arp.spa });
}

const ownV6 = (p: Party): string[] => [...p.ips.filter(isIpv6).map(canonicalIpv6), linkLocalOf(p.mac)];

export function scanAnswerNd(model: ModelSnapshot, ingress: Ingress, frame: Uint8Array | NeighbourSolicitation): Uint8Array | null {
  const ns = frame instanceof Uint8Array ? parseSolicitation(frame) : frame;
  if (!ns) return null;
  const mac = ns.ethSrc.toLowerCase();
  if (ns.sll !== undefined && ns.sll.toLowerCase() !== mac) return null;
  const src = canonicalIpv6(ns.ipv6Src);
  if (src === '::') return null;
  const req = requester(model, ingress, mac);
  if (!req) return null;
  if (!req.party.gateway && !ownV6(req.party).includes(src)) return null;
  const target = canonicalIpv6(ns.target);
  const owner = partiesOf(model, req.net).find((p) => ownV6(p).includes(target));
  if (!owner || owner.mac === mac) return null;
  if (!mayReach(model, req.net, req.party, owner)) return null;
  return buildAdvertisement({ mac: owner.mac, router: owner.gateway }, target, { mac, ip: src });
}

/** The VM whose migration a RARP or gratuitous ARP from this MAC at this port activates, as the handler looked for it. */
export function scanArriving(model: ModelSnapshot, dpid: string, inPort: number, portName: string | undefined, mac: string): string | undefined {
  for (const vm of model.vms.values()) {
    const m = vm.migration;
    if (!m || m.activated) continue;
    const dest = m.destinations.find(
      (d) => d.mac.toLowerCase() === mac && d.switch === dpid && (d.port === inPort || d.port === String(inPort) || (portName !== undefined && d.port === portName)),
    );
    if (dest) return vm.name;
  }
  return undefined;
}
