// ARP requests reach the controller (packet-in) and are answered here from the
// model, only when the requester may reach the target (docs/contract.md). Pure:
// the caller sends the reply frame back out the ingress port. The model is
// read through its address index, so an answer costs the same in any cloud.
import { mayReach } from '../model/reach.js';
import type { ModelSnapshot } from '../model/types.js';
import { cachedIpv4, cachedMac, formatIpv4At, formatMacAt, putMacValue } from '../openflow/addr.js';
import { ARP_REPLY, ARP_REQUEST, ETH_ARP, ETH_IPV4, etherTypeOf, payloadOffset } from '../openflow/ethernet.js';
import type { Dpid } from '../openflow/dpid.js';
import { AddressIndex, ingressPortKeys, type Holder } from './address-index.js';

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
    sha: formatMacAt(frame, a + 8),
    spa: formatIpv4At(frame, a + 14),
    tha: formatMacAt(frame, a + 18),
    tpa: formatIpv4At(frame, a + 24),
    ethDst: formatMacAt(frame, 0),
    ethSrc: formatMacAt(frame, 6),
  };
}

export function buildArp(p: ArpPacket): Uint8Array {
  const b = Buffer.alloc(42);
  const putMac = (at: number, m: string): void => putMacValue(b, at, Math.max(0, cachedMac(m)));
  const putIp = (at: number, ip: string): void => void b.writeUInt32BE(cachedIpv4(ip) ?? 0, at);
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

/** An index of the model, or a snapshot (indexed on first use, for one-off questions). */
export type AddressSource = ModelSnapshot | AddressIndex;

export const indexOf = (source: AddressSource): AddressIndex => (source instanceof AddressIndex ? source : AddressIndex.of(source));

/** The gateway or VM interface behind a frame from this port and MAC, if one is bound there. */
export function requester(idx: AddressIndex, ing: Ingress, mac: string): Holder | undefined {
  return idx.boundAt(ing.dpid, ingressPortKeys(ing.portNo, ing.portName), mac);
}

/**
 * The ARP reply to send back out the ingress port, or null: not an ARP
 * request, a forged sender (MAC or IP not the requester's own), a probe
 * (sender IP 0.0.0.0), an unknown target, or a target the requester may not reach.
 */
export function answerArp(source: AddressSource, ingress: Ingress, frame: Uint8Array | ArpPacket): Uint8Array | null {
  const arp = frame instanceof Uint8Array ? parseArp(frame) : frame;
  if (!arp || arp.op !== ARP_REQUEST) return null;
  const mac = arp.sha.toLowerCase();
  if (arp.ethSrc.toLowerCase() !== mac) return null;
  if (arp.spa === '0.0.0.0') return null;
  const idx = indexOf(source);
  const req = requester(idx, ingress, mac);
  if (!req) return null;
  if (!req.gateway && !req.ips.includes(arp.spa)) return null;
  const target = idx.holderOfV4(req.network.name, arp.tpa);
  if (!target || target.mac === mac) return null;
  if (!mayReach(req.network.kind, req, target, idx.relations)) return null;
  return buildArp({ op: ARP_REPLY, ethDst: mac, ethSrc: target.mac, sha: target.mac, spa: arp.tpa, tha: mac, tpa: arp.spa });
}
