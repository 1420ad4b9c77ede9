// Frames for tests and `spotlight trace`: builders for Ethernet/VLAN, ARP, IPv4/UDP, IPv6/ICMPv6/ND,
// and a parser into the header fields a flow table matches on. Written from
// the wire formats (RFC 826, 791, 768, 8200, 4443, 4861), not from Spotlight's
// packet code; only the protocol numbers are the shared ones.
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_QINQ, ETH_VLAN, ICMPV6_NA, ICMPV6_NS, IPPROTO_ICMPV6, IPPROTO_UDP } from '../openflow/ethernet.js';

export interface Fields {
  ethDst: string;
  ethSrc: string;
  /** VLAN ids, outermost first. */
  vlans: number[];
  /** The outermost tag's priority (PCP), when tagged. */
  vlanPcp?: number;
  /** Ethertype after any VLAN tags. */
  ethType: number;
  ipv4Src?: string;
  ipv4Dst?: string;
  ipProto?: number;
  udpSrc?: number;
  udpDst?: number;
  arpOp?: number;
  arpSha?: string;
  arpSpa?: string;
  arpTha?: string;
  arpTpa?: string;
  ipv6Src?: string;
  ipv6Dst?: string;
  icmpv6Type?: number;
  icmpv6Code?: number;
  ndTarget?: string;
  /** Absent options read as 00:00:00:00:00:00, as Open vSwitch does. */
  ndSll?: string;
  ndTll?: string;
  mplsLabel?: number;
  mplsTc?: number;
  mplsBos?: number;
}

const hexMac = (b: Uint8Array, at: number): string => [...b.subarray(at, at + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
const macBytes = (m: string): number[] => m.split(':').map((h) => parseInt(h, 16));
const v4Bytes = (ip: string): number[] => ip.split('.').map(Number);

export function v6Bytes(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const hs = head ? head.split(':').filter((x) => x !== '') : [];
  const ts = tail ? tail.split(':').filter((x) => x !== '') : [];
  const groups = [...hs, ...new Array<string>(8 - hs.length - ts.length).fill('0'), ...ts].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

export function v6Text(b: Uint8Array | number[], at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  // RFC 5952: compress the longest run (length >= 2) of zero groups.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    if (j > i) i = j - 1;
  }
  const h = g.map((x) => x.toString(16));
  return best < 0 ? h.join(':') : `${h.slice(0, best).join(':')}::${h.slice(best + bestLen).join(':')}`;
}

export function ethernet(dst: string, src: string, type: number, payload: number[], vlans: number[] = []): Uint8Array {
  const out = [...macBytes(dst), ...macBytes(src)];
  for (const v of vlans) out.push(ETH_VLAN >> 8, ETH_VLAN & 0xff, (v >> 8) & 0x0f, v & 0xff);
  out.push(type >> 8, type & 0xff, ...payload);
  return Uint8Array.from(out);
}

export function arp(op: number, sha: string, spa: string, tha: string, tpa: string): number[] {
  return [0, 1, ETH_IPV4 >> 8, ETH_IPV4 & 0xff, 6, 4, 0, op, ...macBytes(sha), ...v4Bytes(spa), ...macBytes(tha), ...v4Bytes(tpa)];
}

export function udp(sport: number, dport: number, data: number[] = [0, 0, 0, 0]): number[] {
  const len = 8 + data.length;
  return [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, len >> 8, len & 0xff, 0, 0, ...data];
}

export function ipv4(src: string, dst: string, proto: number, payload: number[]): number[] {
  const len = 20 + payload.length;
  const h = [0x45, 0, len >> 8, len & 0xff, 0, 0, 0, 0, 64, proto, 0, 0, ...v4Bytes(src), ...v4Bytes(dst)];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const ck = ~sum & 0xffff;
  h[10] = ck >> 8;
  h[11] = ck & 0xff;
  return [...h, ...payload];
}

export function ipv6(src: string, dst: string, nextHeader: number, payload: number[]): number[] {
  const len = payload.length;
  return [0x60, 0, 0, 0, len >> 8, len & 0xff, nextHeader, 255, ...v6Bytes(src), ...v6Bytes(dst), ...payload];
}

/** ICMPv6 (checksum left zero: flow tables do not check it). */
export function icmpv6(type: number, code: number, body: number[]): number[] {
  return [type, code, 0, 0, ...body];
}

/** Neighbour solicitation (135) or advertisement (136) with an optional link-layer option. */
export function nd(type: typeof ICMPV6_NS | typeof ICMPV6_NA, target: string, lladdr?: string): number[] {
  const flags = type === ICMPV6_NA ? [0x60, 0, 0, 0] : [0, 0, 0, 0];
  const opt = lladdr ? [type === ICMPV6_NS ? 1 : 2, 1, ...macBytes(lladdr)] : [];
  return icmpv6(type, 0, [...flags, ...v6Bytes(target), ...opt]);
}

export function parse(frame: Uint8Array): Fields {
  const f: Fields = { ethDst: hexMac(frame, 0), ethSrc: hexMac(frame, 6), vlans: [], ethType: 0 };
  let off = 12;
  let type = (frame[off]! << 8) | frame[off + 1]!;
  while ((type === ETH_VLAN || type === ETH_QINQ) && frame.length >= off + 6) {
    if (f.vlans.length === 0) f.vlanPcp = frame[off + 2]! >> 5;
    f.vlans.push(((frame[off + 2]! << 8) | frame[off + 3]!) & 0x0fff);
    off += 4;
    type = (frame[off]! << 8) | frame[off + 1]!;
  }
  f.ethType = type;
  const p = off + 2;
  if (type === ETH_MPLS && frame.length >= p + 4) {
    const lse = ((frame[p]! << 24) | (frame[p + 1]! << 16) | (frame[p + 2]! << 8) | frame[p + 3]!) >>> 0;
    f.mplsLabel = lse >>> 12;
    f.mplsTc = (lse >>> 9) & 7;
    f.mplsBos = (lse >>> 8) & 1;
  }
  if (type === ETH_ARP && frame.length >= p + 28) {
    f.arpOp = (frame[p + 6]! << 8) | frame[p + 7]!;
    f.arpSha = hexMac(frame, p + 8);
    f.arpSpa = [...frame.subarray(p + 14, p + 18)].join('.');
    f.arpTha = hexMac(frame, p + 18);
    f.arpTpa = [...frame.subarray(p + 24, p + 28)].join('.');
  } else if (type === ETH_IPV4 && frame.length >= p + 20) {
    const ihl = (frame[p]! & 0x0f) * 4;
    f.ipProto = frame[p + 9]!;
    f.ipv4Src = [...frame.subarray(p + 12, p + 16)].join('.');
    f.ipv4Dst = [...frame.subarray(p + 16, p + 20)].join('.');
    const l4 = p + ihl;
    if (f.ipProto === IPPROTO_UDP && frame.length >= l4 + 8) {
      f.udpSrc = (frame[l4]! << 8) | frame[l4 + 1]!;
      f.udpDst = (frame[l4 + 2]! << 8) | frame[l4 + 3]!;
    }
  } else if (type === ETH_IPV6 && frame.length >= p + 40) {
    f.ipProto = frame[p + 6]!;
    f.ipv6Src = v6Text(frame, p + 8);
    f.ipv6Dst = v6Text(frame, p + 24);
    const l4 = p + 40;
    if (f.ipProto === IPPROTO_UDP && frame.length >= l4 + 8) {
      f.udpSrc = (frame[l4]! << 8) | frame[l4 + 1]!;
      f.udpDst = (frame[l4 + 2]! << 8) | frame[l4 + 3]!;
    }
    if (f.ipProto === IPPROTO_ICMPV6 && frame.length >= l4 + 4) {
      f.icmpv6Type = frame[l4]!;
      f.icmpv6Code = frame[l4 + 1]!;
      if ((f.icmpv6Type === ICMPV6_NS || f.icmpv6Type === ICMPV6_NA) && frame.length >= l4 + 24) {
        f.ndTarget = v6Text(frame, l4 + 8);
        f.ndSll = '00:00:00:00:00:00';
        f.ndTll = '00:00:00:00:00:00';
        for (let o = l4 + 24; o + 8 <= frame.length; ) {
          const t = frame[o]!;
          const len = frame[o + 1]! * 8;
          if (len === 0) break;
          if (t === 1 && f.icmpv6Type === ICMPV6_NS) f.ndSll = hexMac(frame, o + 2);
          if (t === 2 && f.icmpv6Type === ICMPV6_NA) f.ndTll = hexMac(frame, o + 2);
          o += len;
        }
      }
    }
  }
  return f;
}

/** Adds (push) or removes (pop) the outermost 802.1Q tag. */
export function pushVlan(frame: Uint8Array, vid: number): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, 12), 0);
  out.set([ETH_VLAN >> 8, ETH_VLAN & 0xff, (vid >> 8) & 0x0f, vid & 0xff], 12);
  out.set(frame.subarray(12), 16);
  return out;
}

export function popVlan(frame: Uint8Array): Uint8Array {
  const type = (frame[12]! << 8) | frame[13]!;
  if (type !== ETH_VLAN && type !== ETH_QINQ) return frame;
  const out = new Uint8Array(frame.length - 4);
  out.set(frame.subarray(0, 12), 0);
  out.set(frame.subarray(16), 12);
  return out;
}

export function setVlan(frame: Uint8Array, vid: number): Uint8Array {
  const type = (frame[12]! << 8) | frame[13]!;
  if (type !== ETH_VLAN && type !== ETH_QINQ) return pushVlan(frame, vid);
  const out = Uint8Array.from(frame);
  out[14] = (out[14]! & 0xf0) | ((vid >> 8) & 0x0f);
  out[15] = vid & 0xff;
  return out;
}

/** Sets the outermost tag's priority (PCP); an untagged frame is left as it is. */
export function setVlanPcp(frame: Uint8Array, pcp: number): Uint8Array {
  const type = (frame[12]! << 8) | frame[13]!;
  if (type !== ETH_VLAN && type !== ETH_QINQ) return frame;
  const out = Uint8Array.from(frame);
  out[14] = (out[14]! & 0x1f) | ((pcp & 7) << 5);
  return out;
}

/** Offset of the EtherType field that names the payload (after every VLAN tag). */
function typeOffset(frame: Uint8Array): number {
  let off = 12;
  for (;;) {
    const t = (frame[off]! << 8) | frame[off + 1]!;
    if (t !== ETH_VLAN && t !== ETH_QINQ) return off;
    off += 4;
  }
}

/** OF1.3 push_mpls: a label stack entry after the VLAN tags (label 0, TC 0, TTL 64), the EtherType set to `ethertype`. */
export function pushMpls(frame: Uint8Array, ethertype: number): Uint8Array {
  const off = typeOffset(frame);
  const inner = (frame[off]! << 8) | frame[off + 1]!;
  const bos = inner === ETH_MPLS ? 0 : 1;
  const out = new Uint8Array(frame.length + 4);
  out.set(frame.subarray(0, off), 0);
  out.set([ethertype >> 8, ethertype & 0xff, 0, 0, bos, 64], off);
  out.set(frame.subarray(off + 2), off + 6);
  return out;
}

/** pop_mpls: the outermost label stack entry goes, the EtherType becomes `ethertype`. */
export function popMpls(frame: Uint8Array, ethertype: number): Uint8Array {
  const off = typeOffset(frame);
  if (((frame[off]! << 8) | frame[off + 1]!) !== ETH_MPLS) return frame;
  const out = new Uint8Array(frame.length - 4);
  out.set(frame.subarray(0, off), 0);
  out.set([ethertype >> 8, ethertype & 0xff], off);
  out.set(frame.subarray(off + 6), off + 2);
  return out;
}

/** Rewrites the outermost MPLS label or traffic class. */
export function setMpls(frame: Uint8Array, field: 'label' | 'tc', value: number): Uint8Array {
  const off = typeOffset(frame);
  if (((frame[off]! << 8) | frame[off + 1]!) !== ETH_MPLS) return frame;
  const out = Uint8Array.from(frame);
  const p = off + 2;
  let lse = ((out[p]! << 24) | (out[p + 1]! << 16) | (out[p + 2]! << 8) | out[p + 3]!) >>> 0;
  if (field === 'label') lse = ((lse & 0xfff) | ((value & 0xfffff) << 12)) >>> 0;
  else lse = ((lse & ~(7 << 9)) | ((value & 7) << 9)) >>> 0;
  out.set([lse >>> 24, (lse >>> 16) & 0xff, (lse >>> 8) & 0xff, lse & 0xff], p);
  return out;
}

export function setEthDst(frame: Uint8Array, mac: string): Uint8Array {
  const out = Uint8Array.from(frame);
  out.set(mac.split(':').map((h) => parseInt(h, 16)), 0);
  return out;
}

