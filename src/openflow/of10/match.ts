// OF1.0 ofp_match (40 bytes): a wildcards word and fixed fields. nw_src and
// nw_dst are wildcarded by prefix: a 6-bit count of low bits to ignore (>= 32
// means all). For ARP (dl_type 0x0806) nw_proto carries the opcode and
// nw_src/nw_dst the sender/target protocol addresses.
import { formatIpv4, parseIpv4, writeMac } from '../addr.js';
import { ETH_ARP, ETH_IPV4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../ethernet.js';
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Masked, Match } from '../flow-model.js';
import type { Writer } from '../writer.js';
import { OFP10_VLAN_NONE, OFPFW10 as W } from './constants.js';
import { portFromWire10, portToWire10 } from './ports.js';

const CARRIED = new Set<string>([
  'inPort', 'ethSrc', 'ethDst', 'vlanVid', 'vlanPcp', 'ethType', 'ipDscp', 'ipProto', 'ipv4Src', 'ipv4Dst',
  'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'icmpv4Type', 'icmpv4Code', 'arpOp', 'arpSpa', 'arpTpa',
]);

function unmasked<T>(v: T | Masked<T> | undefined, name: string, at: number): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'object' && v !== null) fail('UNSUPPORTED', `OF1.0 cannot mask ${name}`, at);
  return v as T;
}

/** Returns [address, wildcarded low bits]. */
function prefix(v: string | Masked<string> | undefined, name: string, at: number): [number, number] {
  if (v === undefined) return [0, 32];
  const value = typeof v === 'string' ? v : v.value;
  const addr = parseIpv4(value);
  if (addr === undefined) fail('BAD_VALUE', `${name}: "${String(value)}" is not an IPv4 address`, at);
  if (typeof v === 'string' || v.mask === undefined) return [addr, 0];
  const mask = parseIpv4(v.mask);
  if (mask === undefined) fail('BAD_VALUE', `${name} mask: "${String(v.mask)}" is not an IPv4 address`, at);
  const inv = ~mask >>> 0;
  if ((inv & (inv + 1)) !== 0) fail('UNSUPPORTED', `OF1.0 ${name} masks must be prefixes, not ${v.mask}`, at);
  if ((addr & inv) !== 0) fail('BAD_OXM_MASK', `${name}: value has bits set outside its mask`, at);
  return [addr, 32 - Math.clz32(inv)];
}

function need(ok: boolean, field: string, what: string, at: number): void {
  if (!ok) fail('BAD_OXM_PREREQ', `match field ${field} needs ${what}`, at);
}

export function encodeMatch10(w: Writer, m: Match): void {
  const at = w.pos;
  if (m === null || typeof m !== 'object') fail('BAD_VALUE', 'match is not an object', at);
  for (const k in m) {
    if ((m as Record<string, unknown>)[k] !== undefined && !CARRIED.has(k)) fail('UNSUPPORTED', `OF1.0 cannot match ${k}`, at);
  }
  const ip = m.ethType === ETH_IPV4;
  const arp = m.ethType === ETH_ARP;
  const ethSrc = unmasked(m.ethSrc, 'ethSrc', at);
  const ethDst = unmasked(m.ethDst, 'ethDst', at);
  const vlan = unmasked(m.vlanVid, 'vlanVid', at);
  if (vlan !== undefined && !(vlan === OFP10_VLAN_NONE || (vlan >= 0 && vlan <= 0xfff))) fail('BAD_VALUE', `OF1.0 dl_vlan ${vlan}: 0..4095 or 0xffff`, at);
  if (m.ipDscp !== undefined) need(ip, 'ipDscp', 'ethType 0x0800', at);
  if (m.ipProto !== undefined) need(ip, 'ipProto', 'ethType 0x0800', at);
  if (m.arpOp !== undefined) need(arp, 'arpOp', 'ethType 0x0806', at);
  if (m.ipv4Src !== undefined) need(ip, 'ipv4Src', 'ethType 0x0800', at);
  if (m.ipv4Dst !== undefined) need(ip, 'ipv4Dst', 'ethType 0x0800', at);
  if (m.arpSpa !== undefined) need(arp, 'arpSpa', 'ethType 0x0806', at);
  if (m.arpTpa !== undefined) need(arp, 'arpTpa', 'ethType 0x0806', at);
  for (const [f, p] of [['tcpSrc', IPPROTO_TCP], ['tcpDst', IPPROTO_TCP], ['udpSrc', IPPROTO_UDP], ['udpDst', IPPROTO_UDP], ['icmpv4Type', IPPROTO_ICMP], ['icmpv4Code', IPPROTO_ICMP]] as const) {
    if (m[f] !== undefined) need(ip && m.ipProto === p, f, `ethType 0x0800, ipProto ${p}`, at);
  }
  const nwProto = ip ? m.ipProto : arp ? m.arpOp : undefined;
  if (arp && m.arpOp !== undefined && m.arpOp > 0xff) fail('UNSUPPORTED', `OF1.0 carries only the low 8 bits of arpOp (${m.arpOp})`, at);
  const [nwSrc, srcBits] = prefix(ip ? m.ipv4Src : m.arpSpa, ip ? 'ipv4Src' : 'arpSpa', at);
  const [nwDst, dstBits] = prefix(ip ? m.ipv4Dst : m.arpTpa, ip ? 'ipv4Dst' : 'arpTpa', at);
  if ((m.icmpv4Type ?? 0) > 0xff || (m.icmpv4Code ?? 0) > 0xff) fail('BAD_VALUE', 'ICMPv4 type and code are 8-bit', at);
  const tpSrc = m.tcpSrc ?? m.udpSrc ?? m.icmpv4Type;
  const tpDst = m.tcpDst ?? m.udpDst ?? m.icmpv4Code;

  let wc = W.OFPFW_ALL;
  if (m.inPort !== undefined) wc &= ~W.OFPFW_IN_PORT;
  if (vlan !== undefined) wc &= ~W.OFPFW_DL_VLAN;
  if (ethSrc !== undefined) wc &= ~W.OFPFW_DL_SRC;
  if (ethDst !== undefined) wc &= ~W.OFPFW_DL_DST;
  if (m.ethType !== undefined) wc &= ~W.OFPFW_DL_TYPE;
  if (nwProto !== undefined) wc &= ~W.OFPFW_NW_PROTO;
  if (tpSrc !== undefined) wc &= ~W.OFPFW_TP_SRC;
  if (tpDst !== undefined) wc &= ~W.OFPFW_TP_DST;
  wc = (wc & ~W.OFPFW_NW_SRC_MASK & ~W.OFPFW_NW_DST_MASK) | (srcBits << W.OFPFW_NW_SRC_SHIFT) | (dstBits << W.OFPFW_NW_DST_SHIFT);
  if (m.vlanPcp !== undefined) wc &= ~W.OFPFW_DL_VLAN_PCP;
  if (m.ipDscp !== undefined) wc &= ~W.OFPFW_NW_TOS;

  w.u32(wc >>> 0);
  w.u16(m.inPort === undefined ? 0 : portToWire10(m.inPort, at, 'inPort'));
  if (ethSrc === undefined) w.zeros(6);
  else writeMac(w, ethSrc, 'ethSrc');
  if (ethDst === undefined) w.zeros(6);
  else writeMac(w, ethDst, 'ethDst');
  w.u16(vlan ?? 0, 'vlanVid');
  w.u8(m.vlanPcp ?? 0, 'vlanPcp');
  if ((m.vlanPcp ?? 0) > 7) fail('BAD_VALUE', `vlanPcp ${m.vlanPcp} exceeds 7`, at);
  w.zeros(1);
  w.u16(m.ethType ?? 0, 'ethType');
  if ((m.ipDscp ?? 0) > 63) fail('BAD_VALUE', `ipDscp ${m.ipDscp} exceeds 63`, at);
  w.u8((m.ipDscp ?? 0) << 2, 'ipDscp');
  w.u8(nwProto ?? 0, 'nw_proto');
  w.zeros(2);
  w.u32(nwSrc);
  w.u32(nwDst);
  w.u16(tpSrc ?? 0, 'tp_src');
  w.u16(tpDst ?? 0, 'tp_dst');
}

function prefixValue(addr: number, bits: number): string | Masked<string> {
  if (bits === 0) return formatIpv4(addr);
  const mask = bits >= 32 ? 0 : (0xffffffff << bits) >>> 0;
  // Bits under the wildcard are don't-care on the wire: normalised to zero.
  return { value: formatIpv4((addr & mask) >>> 0), mask: formatIpv4(mask) };
}

/**
 * Fields whose prerequisite is wildcarded or different (say tp_src without
 * nw_proto) mean nothing to an OF1.0 switch and are dropped, as OVS does.
 */
export function decodeMatch10(r: Reader): Match {
  r.need(40, 'OF1.0 match');
  const wc = r.u32();
  const inPort = r.u16();
  const ethSrc = r.mac();
  const ethDst = r.mac();
  const vlan = r.u16();
  const pcp = r.u8();
  r.skip(1);
  const ethType = r.u16();
  const tos = r.u8();
  const proto = r.u8();
  r.skip(2);
  const nwSrc = r.u32();
  const nwDst = r.u32();
  const tpSrc = r.u16();
  const tpDst = r.u16();
  const m: Match = {};
  if (!(wc & W.OFPFW_IN_PORT)) m.inPort = portFromWire10(inPort);
  if (!(wc & W.OFPFW_DL_SRC)) m.ethSrc = ethSrc;
  if (!(wc & W.OFPFW_DL_DST)) m.ethDst = ethDst;
  if (!(wc & W.OFPFW_DL_VLAN)) m.vlanVid = vlan;
  if (!(wc & W.OFPFW_DL_VLAN_PCP)) m.vlanPcp = pcp & 7;
  if (wc & W.OFPFW_DL_TYPE) return m;
  m.ethType = ethType;
  const srcBits = (wc & W.OFPFW_NW_SRC_MASK) >>> W.OFPFW_NW_SRC_SHIFT;
  const dstBits = (wc & W.OFPFW_NW_DST_MASK) >>> W.OFPFW_NW_DST_SHIFT;
  if (ethType === ETH_ARP) {
    if (!(wc & W.OFPFW_NW_PROTO)) m.arpOp = proto;
    if (srcBits < 32) m.arpSpa = prefixValue(nwSrc, srcBits);
    if (dstBits < 32) m.arpTpa = prefixValue(nwDst, dstBits);
    return m;
  }
  if (ethType !== ETH_IPV4) return m;
  if (!(wc & W.OFPFW_NW_TOS)) m.ipDscp = tos >>> 2;
  if (srcBits < 32) m.ipv4Src = prefixValue(nwSrc, srcBits);
  if (dstBits < 32) m.ipv4Dst = prefixValue(nwDst, dstBits);
  if (wc & W.OFPFW_NW_PROTO) return m;
  m.ipProto = proto;
  const src = !(wc & W.OFPFW_TP_SRC);
  const dst = !(wc & W.OFPFW_TP_DST);
  if (proto === IPPROTO_TCP) {
    if (src) m.tcpSrc = tpSrc;
    if (dst) m.tcpDst = tpDst;
  } else if (proto === IPPROTO_UDP) {
    if (src) m.udpSrc = tpSrc;
    if (dst) m.udpDst = tpDst;
  } else if (proto === IPPROTO_ICMP) {
    if (src) m.icmpv4Type = tpSrc & 0xff;
    if (dst) m.icmpv4Code = tpDst & 0xff;
  }
  return m;
}
