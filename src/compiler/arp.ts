// ARP requests reach the controller (packet-in) and are answered here from the
// model, only when the requester may reach the target (contract.md). Pure:
// the caller sends the reply frame back out the ingress port.
import type { ModelSnapshot, Network, Vm } from '../model/types.js';
import { ETH_ARP, ETH_IPV4, etherTypeOf, payloadOffset } from '../openflow/ethernet.js';
import type { Dpid } from '../topo/types.js';

export interface Ingress {
  dpid: Dpid;
  portNo: number;
  /** The port's name on the switch, when known: attachments may name ports. */
  portName?: string;
}

export interface ArpPacket {
  op: number;
  sha: string;
  spa: string;
  tha: string;
  tpa: string;
  ethSrc: string;
  ethDst: string;
}

const macText = (b: Uint8Array, at: number): string => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const ipText = (b: Uint8Array, at: number): string => [...b.subarray(at, at + 4)].join('.');

/** An Ethernet II ARP frame (IPv4 over Ethernet), optionally 802.1Q tagged; null otherwise. */
export function parseArp(frame: Uint8Array): ArpPacket | null {
  if (etherTypeOf(frame) !== ETH_ARP) return null;
  const a = payloadOffset(frame);
  if (frame.length < a + 28) return null;
  const htype = (frame[a]! << 8) | frame[a + 1]!;
  const ptype = (frame[a + 2]! << 8) | frame[a + 3]!;
  if (htype !== 1 || ptype !== ETH_IPV4 || frame[a + 4] !== 6 || frame[a + 5] !== 4) return null;
  return {
    op: (frame[a + 6]! << 8) | frame[a + 7]!,
    sha: macText(frame, a + 8),
    spa: ipText(frame, a + 14),
    tha: macText(frame, a + 18),
    tpa: ipText(frame, a + 24),
    ethDst: macText(frame, 0),
    ethSrc: macText(frame, 6),
  };
}

export function buildArp(p: ArpPacket): Uint8Array {
  const b = Buffer.alloc(42);
  const putMac = (at: number, m: string): void => m.split(':').forEach((h, i) => (b[at + i] = parseInt(h, 16)));
  const putIp = (at: number, ip: string): void => ip.split('.').forEach((d, i) => (b[at + i] = Number(d)));
  putMac(0, p.ethDst);
  putMac(6, p.ethSrc);
  b.writeUInt16BE(ETH_ARP, 12);
  b.writeUInt16BE(1, 14);
  b.writeUInt16BE(ETH_IPV4, 16);
  b[18] = 6;
  b[19] = 4;
  b.writeUInt16BE(p.op, 20);
  putMac(22, p.sha);
  putIp(28, p.spa);
  putMac(32, p.tha);
  putIp(38, p.tpa);
  return b;
}

export interface Party {
  mac: string;
  ips: string[];
  gateway: boolean;
  vm?: Vm;
}

export function partiesOf(model: ModelSnapshot, net: Network): Party[] {
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

export function mayReach(model: ModelSnapshot, net: Network, a: Party, b: Party): boolean {
  if (net.kind === 'private' || a.gateway || b.gateway) return true;
  if (a.vm!.tenant === b.vm!.tenant) return true;
  return related(model, a.vm!.name, b.vm!.name);
}

const atIngress = (ing: Ingress, dpid: Dpid, port: string | number): boolean =>
  dpid === ing.dpid && (port === ing.portNo || port === ing.portName || port === String(ing.portNo));

/** The network and requester behind a frame from this port and MAC, if bound there. */
export function requester(model: ModelSnapshot, ing: Ingress, mac: string): { net: Network; party: Party } | null {
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

/**
 * The ARP reply to send back out the ingress port, or null: not an ARP
 * request, a forged sender (MAC or IP not the requester's own), a probe
 * (sender IP 0.0.0.0), an unknown target, or a target the requester may not reach.
 */
export function answerArp(model: ModelSnapshot, ingress: Ingress, frame: Uint8Array | ArpPacket): Uint8Array | null {
  const arp = frame instanceof Uint8Array ? parseArp(frame) : frame;
  if (!arp || arp.op !== 1) return null;
  const mac = arp.sha.toLowerCase();
  if (arp.ethSrc.toLowerCase() !== mac) return null;
  if (arp.spa === '0.0.0.0') return null;
  const req = requester(model, ingress, mac);
  if (!req) return null;
  if (!req.party.gateway && !req.party.ips.includes(arp.spa)) return null;
  const target = partiesOf(model, req.net).find((p) => p.ips.includes(arp.tpa));
  if (!target || target.mac === mac) return null;
  if (!mayReach(model, req.net, req.party, target)) return null;
  return buildArp({ op: 2, ethDst: mac, ethSrc: target.mac, sha: target.mac, spa: arp.tpa, tha: mac, tpa: arp.spa });
}
