// A packet described in words, as `spotlight trace` takes it:
//   in=SWITCH:PORT eth_src=MAC eth_dst=MAC [vlan=VID] [KIND] [field=value ...]
// KIND is one of arp, rarp, ipv4, udp, ipv6, icmpv6, nd_ns, nd_na, ra, dhcp
// (none: an Ethernet frame of eth_type, default 0x88b5, the local experimental
// type). A bad description is a value naming the word at fault.
import { ARP_REQUEST, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, ETH_ARP, ETH_EXPERIMENTAL, ETH_IPV4, ETH_IPV6, ETH_RARP, ICMPV6_ECHO_REQUEST, ICMPV6_NA, ICMPV6_NS, ICMPV6_RA, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP, RARP_REQUEST } from '../openflow/ethernet.js';
import { arp, ethernet, icmpv6, ipv4, ipv6, nd, udp } from './packets.js';

export interface PacketDescription {
  /** Switch as written (datapath id or name) and port (number or name). */
  switch: string;
  port: string;
  frame: Uint8Array;
}

export type DescribeResult = { ok: true; packet: PacketDescription } | { ok: false; field: string; message: string };

const KINDS = ['arp', 'rarp', 'ipv4', 'udp', 'ipv6', 'icmpv6', 'nd_ns', 'nd_na', 'ra', 'dhcp'] as const;
type Kind = (typeof KINDS)[number];

const FIELDS = [
  'in', 'eth_src', 'eth_dst', 'eth_type', 'vlan', 'arp_op', 'arp_sha', 'arp_spa', 'arp_tha', 'arp_tpa',
  'ip_src', 'ip_dst', 'ip_proto', 'udp_src', 'udp_dst', 'nd_target', 'nd_sll', 'nd_tll',
] as const;
type Field = (typeof FIELDS)[number];

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const V4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const V6 = /^[0-9a-f:]+$/;

class Bad extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function describePacket(text: string | readonly string[]): DescribeResult {
  const words = typeof text === 'string' ? text.trim().split(/\s+/).filter(Boolean) : [...text];
  try {
    return { ok: true, packet: build(words) };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, field: err.field, message: `${err.field}: ${err.message}` };
    throw err;
  }
}

function build(words: string[]): PacketDescription {
  const v = new Map<Field, string>();
  let kind: Kind | undefined;
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) {
      const k = w.toLowerCase();
      if (!(KINDS as readonly string[]).includes(k)) throw new Bad(w, `unknown packet kind (known: ${KINDS.join(', ')})`);
      if (kind) throw new Bad(w, `only one kind per packet (already ${kind})`);
      kind = k as Kind;
      continue;
    }
    const key = w.slice(0, eq).toLowerCase();
    if (!(FIELDS as readonly string[]).includes(key)) throw new Bad(key, `unknown field (known: ${FIELDS.join(', ')})`);
    v.set(key as Field, w.slice(eq + 1).toLowerCase());
  }
  const where = need(v, 'in');
  const colon = where.lastIndexOf(':');
  if (colon <= 0 || colon === where.length - 1) throw new Bad('in', 'expected SWITCH:PORT');
  const sw = where.slice(0, colon);
  const port = where.slice(colon + 1);
  const src = mac(v, 'eth_src');
  const dst = mac(v, 'eth_dst');
  const vlans = v.has('vlan') ? [int(v, 'vlan', 0, 4095)] : [];
  const frame = (type: number, payload: number[]): Uint8Array => ethernet(dst, src, type, payload, vlans);
  const ipv6Pair = (): [string, string] => [ip6(v, 'ip_src'), ip6(v, 'ip_dst')];
  let out: Uint8Array;
  switch (kind) {
    case undefined:
      out = frame(v.has('eth_type') ? int(v, 'eth_type', 0x600, 0xffff) : ETH_EXPERIMENTAL, new Array<number>(46).fill(0));
      break;
    case 'arp':
    case 'rarp': {
      const op = v.has('arp_op') ? int(v, 'arp_op', 1, 4) : kind === 'rarp' ? RARP_REQUEST : ARP_REQUEST;
      const sha = v.has('arp_sha') ? mac(v, 'arp_sha') : src;
      const tha = v.has('arp_tha') ? mac(v, 'arp_tha') : kind === 'rarp' ? src : '00:00:00:00:00:00';
      const spa = v.has('arp_spa') ? ip4(v, 'arp_spa') : '0.0.0.0';
      const tpa = v.has('arp_tpa') ? ip4(v, 'arp_tpa') : '0.0.0.0';
      out = frame(kind === 'rarp' ? ETH_RARP : ETH_ARP, arp(op, sha, spa, tha, tpa));
      break;
    }
    case 'ipv4':
      out = frame(ETH_IPV4, ipv4(ip4(v, 'ip_src'), ip4(v, 'ip_dst'), v.has('ip_proto') ? int(v, 'ip_proto', 0, 255) : IPPROTO_ICMP, [8, 0, 0, 0, 0, 0, 0, 0]));
      break;
    case 'udp':
    case 'dhcp': {
      const sp = v.has('udp_src') ? int(v, 'udp_src', 0, 65535) : kind === 'dhcp' ? DHCP_CLIENT_PORT : 1024;
      const dp = v.has('udp_dst') ? int(v, 'udp_dst', 0, 65535) : kind === 'dhcp' ? DHCP_SERVER_PORT : 1024;
      const s = v.get('ip_src') ?? (kind === 'dhcp' ? '0.0.0.0' : undefined);
      const d = v.get('ip_dst') ?? (kind === 'dhcp' ? '255.255.255.255' : undefined);
      if (s !== undefined && s.includes(':')) {
        const [a, b] = ipv6Pair();
        out = frame(ETH_IPV6, ipv6(a, b, IPPROTO_UDP, udp(sp, dp)));
      } else {
        if (s === undefined) throw new Bad('ip_src', 'required');
        if (d === undefined) throw new Bad('ip_dst', 'required');
        v.set('ip_src', s);
        v.set('ip_dst', d);
        out = frame(ETH_IPV4, ipv4(ip4(v, 'ip_src'), ip4(v, 'ip_dst'), IPPROTO_UDP, udp(sp, dp)));
      }
      break;
    }
    case 'ipv6':
    case 'icmpv6': {
      const [a, b] = ipv6Pair();
      out = frame(ETH_IPV6, ipv6(a, b, IPPROTO_ICMPV6, icmpv6(ICMPV6_ECHO_REQUEST, 0, [0, 0, 0, 0])));
      break;
    }
    case 'nd_ns':
    case 'nd_na': {
      const [a, b] = ipv6Pair();
      const type = kind === 'nd_ns' ? ICMPV6_NS : ICMPV6_NA;
      const ll = kind === 'nd_ns' ? (v.has('nd_sll') ? mac(v, 'nd_sll') : undefined) : v.has('nd_tll') ? mac(v, 'nd_tll') : undefined;
      out = frame(ETH_IPV6, ipv6(a, b, IPPROTO_ICMPV6, nd(type, ip6(v, 'nd_target'), ll)));
      break;
    }
    case 'ra': {
      const [a, b] = ipv6Pair();
      out = frame(ETH_IPV6, ipv6(a, b, IPPROTO_ICMPV6, icmpv6(ICMPV6_RA, 0, [64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
      break;
    }
  }
  return { switch: sw, port, frame: out };
}

function need(v: Map<Field, string>, f: Field): string {
  const x = v.get(f);
  if (x === undefined || x === '') throw new Bad(f, 'required');
  return x;
}

function mac(v: Map<Field, string>, f: Field): string {
  const x = need(v, f);
  if (!MAC.test(x)) throw new Bad(f, `expected a MAC like aa:bb:cc:dd:ee:ff, got "${x}"`);
  return x;
}

function ip4(v: Map<Field, string>, f: Field): string {
  const x = need(v, f);
  if (!V4.test(x)) throw new Bad(f, `expected an IPv4 address, got "${x}"`);
  return x;
}

function ip6(v: Map<Field, string>, f: Field): string {
  const x = need(v, f);
  if (!V6.test(x) || !x.includes(':') || (x.match(/::/g) ?? []).length > 1) throw new Bad(f, `expected an IPv6 address, got "${x}"`);
  return x;
}

function int(v: Map<Field, string>, f: Field, min: number, max: number): number {
  const x = need(v, f);
  const n = /^0x[0-9a-f]+$/.test(x) ? parseInt(x, 16) : /^\d+$/.test(x) ? Number(x) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new Bad(f, `expected an integer from ${min} to ${max}, got "${x}"`);
  return n;
}
