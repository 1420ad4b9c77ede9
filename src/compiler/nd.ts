// IPv6 neighbour solicitations reach the controller (packet-in) like ARP
// requests, and are answered here from the model with a neighbour
// advertisement, only when the requester may reach the target (RFC 4861).
import { mayReach } from '../model/reach.js';
import { ETH_IPV6, etherTypeOf, ICMPV6_NA, ICMPV6_NS, IPPROTO_ICMPV6, payloadOffset } from '../openflow/ethernet.js';
import type { Holder } from './address-index.js';
import { canonicalIpv6, formatIpv6, formatMacAt, ipv6Bytes, isIpv6, linkLocalOf, macBytes } from '../openflow/addr.js';
import { indexOf, requester, type AddressSource, type Ingress } from './arp.js';

export interface NeighbourSolicitation {
  ethSrc: string;
  ipv6Src: string;
  target: string;
  /** Source link-layer address option, when present. */
  sll?: string;
}


/** An untagged (or 802.1Q) Ethernet frame carrying an ICMPv6 neighbour solicitation; null otherwise. */
export function parseSolicitation(frame: Uint8Array): NeighbourSolicitation | null {
  const ip = payloadOffset(frame);
  if (etherTypeOf(frame) !== ETH_IPV6 || frame.length < ip + 40 + 24) return null;
  if (frame[ip + 6] !== IPPROTO_ICMPV6) return null; // no extension headers in a solicitation we answer
  const icmp = ip + 40;
  if (frame[icmp] !== ICMPV6_NS || frame[icmp + 1] !== 0) return null;
  const ns: NeighbourSolicitation = { ethSrc: formatMacAt(frame, 6), ipv6Src: formatIpv6(frame, ip + 8), target: formatIpv6(frame, icmp + 8) };
  const end = Math.min(frame.length, icmp + ((frame[ip + 4]! << 8) | frame[ip + 5]!));
  for (let o = icmp + 24; o + 8 <= end; ) {
    const len = frame[o + 1]! * 8;
    if (len === 0) return null; // RFC 4861 4.6: a zero-length option is invalid
    if (frame[o] === 1) ns.sll = formatMacAt(frame, o + 2);
    o += len;
  }
  return ns;
}

function checksum(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}


/** A solicited neighbour advertisement from `target` (its address `addr`) to the requester. */
export function buildAdvertisement(target: { mac: string; router: boolean }, addr: string, to: { mac: string; ip: string }): Uint8Array {
  const flags = (target.router ? 0x80 : 0) | 0x40 | 0x20; // Router, Solicited, Override
  const icmp = [ICMPV6_NA, 0, 0, 0, flags, 0, 0, 0, ...ipv6Bytes(addr), 2, 1, ...macBytes(target.mac)];
  const src = ipv6Bytes(addr);
  const dst = ipv6Bytes(to.ip);
  // Checksum over the IPv6 pseudo-header (RFC 8200 8.1): addresses, length, next header 58.
  const ck = checksum([...src, ...dst, 0, 0, icmp.length >> 8, icmp.length & 0xff, 0, 0, 0, IPPROTO_ICMPV6, ...icmp]);
  icmp[2] = ck >> 8;
  icmp[3] = ck & 0xff;
  const ip6 = [0x60, 0, 0, 0, icmp.length >> 8, icmp.length & 0xff, IPPROTO_ICMPV6, 255, ...src, ...dst];
  return Uint8Array.from([...macBytes(to.mac), ...macBytes(target.mac), ETH_IPV6 >> 8, ETH_IPV6 & 0xff, ...ip6, ...icmp]);
}

const ownV6 = (p: Holder): string[] => [...p.ips.filter(isIpv6).map(canonicalIpv6), linkLocalOf(p.mac)];

/**
 * The advertisement to send back out the ingress port, or null: not a
 * solicitation, a forged sender (MAC, link-layer option or source address not
 * its own), duplicate address detection (source ::), an unknown target, or a
 * target the requester may not reach.
 */
export function answerNd(source: AddressSource, ingress: Ingress, frame: Uint8Array | NeighbourSolicitation): Uint8Array | null {
  const ns = frame instanceof Uint8Array ? parseSolicitation(frame) : frame;
  if (!ns) return null;
  const mac = ns.ethSrc.toLowerCase();
  if (ns.sll !== undefined && ns.sll.toLowerCase() !== mac) return null;
  const src = canonicalIpv6(ns.ipv6Src);
  if (src === '::') return null;
  const idx = indexOf(source);
  const req = requester(idx, ingress, mac);
  if (!req) return null;
  if (!req.gateway && !ownV6(req).includes(src)) return null;
  const target = canonicalIpv6(ns.target);
  const owner = idx.holderOfV6(req.network.name, target);
  if (!owner || owner.mac === mac) return null;
  if (!mayReach(req.network.kind, req, owner, idx.relations)) return null;
  return buildAdvertisement({ mac: owner.mac, router: owner.gateway }, target, { mac, ip: src });
}
