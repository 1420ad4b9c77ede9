// The OpenFlow-basic OXM fields (class 0x8000) of OF1.3: wire size, whether
// the spec allows a mask, the value range and width, the prerequisite (spec
// 7.2.3.7), and the keyword ovs-ofctl knows the field by. The one table of
// match fields: the reconciler's match keys and the compiler's ovs-ofctl text
// take their widths and names from it.
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MULTICAST, ETH_PBB, ICMPV6_NA, ICMPV6_NS, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../ethernet.js';
import type { Match, MatchField } from '../flow-model.js';

export type OxmKind = 'u8' | 'u16' | 'u24' | 'u32' | 'u64' | 'mac' | 'ipv4' | 'ipv6';

export interface OxmField {
  name: MatchField;
  /** OFPXMT_OFB_* number. */
  field: number;
  kind: OxmKind;
  /** Bytes on the wire, unmasked. */
  size: number;
  maskable: boolean;
  /** Largest value for number fields narrower than their wire size. */
  max: number | undefined;
  /** Bits of the value: the wire size, or fewer when `max` narrows it (vlan_vid 13, ip_dscp 6, ...). */
  bits: number;
  /** The field's keyword in ovs-ofctl flow text (matches and set_field); undefined where ovs-ofctl has none. */
  ofctl: string | undefined;
  prereq: ((m: Match) => boolean) | undefined;
  prereqText: string | undefined;
  /** `kind` as a small integer, for switches on hot paths (KIND_* below). */
  code: number;
  /** "OXM <name>", built once for error messages. */
  what: string;
}

export const KIND_U8 = 0;
export const KIND_U16 = 1;
export const KIND_U24 = 2;
export const KIND_U32 = 3;
export const KIND_U64 = 4;
export const KIND_MAC = 5;
export const KIND_IPV4 = 6;
export const KIND_IPV6 = 7;
const CODE: Record<OxmKind, number> = { u8: KIND_U8, u16: KIND_U16, u24: KIND_U24, u32: KIND_U32, u64: KIND_U64, mac: KIND_MAC, ipv4: KIND_IPV4, ipv6: KIND_IPV6 };

const SIZE: Record<OxmKind, number> = { u8: 1, u16: 2, u24: 3, u32: 4, u64: 8, mac: 6, ipv4: 4, ipv6: 16 };

const isIp = (m: Match): boolean => m.ethType === ETH_IPV4 || m.ethType === ETH_IPV6;
const isIpv6 = (m: Match): boolean => m.ethType === ETH_IPV6;
const icmpv6 = (m: Match): boolean => m.ethType === ETH_IPV6 && m.ipProto === IPPROTO_ICMPV6;

/**
 * Whether the match holds the prerequisite of field number `field` (spec
 * 7.2.3.7); true for fields without one. One function with a switch keeps the
 * encoder's and decoder's call sites monomorphic.
 */
export function prereqHolds(field: number, m: Match): boolean {
  switch (field) {
    case 1:
      return m.inPort !== undefined;
    case 7: {
      // OFPVID_NONE (exact 0) means "no tag": PCP cannot be matched then.
      const v = m.vlanVid;
      return v !== undefined && (typeof v === 'object' || v !== 0);
    }
    case 8:
    case 9:
    case 10:
      return isIp(m);
    case 11:
    case 12:
      return m.ethType === ETH_IPV4;
    case 13:
    case 14:
      return isIp(m) && m.ipProto === IPPROTO_TCP;
    case 15:
    case 16:
      return isIp(m) && m.ipProto === IPPROTO_UDP;
    case 17:
    case 18:
      return isIp(m) && m.ipProto === IPPROTO_SCTP;
    case 19:
    case 20:
      return m.ethType === ETH_IPV4 && m.ipProto === IPPROTO_ICMP;
    case 21:
    case 22:
    case 23:
    case 24:
    case 25:
      return m.ethType === ETH_ARP;
    case 26:
    case 27:
    case 28:
    case 39:
      return isIpv6(m);
    case 29:
    case 30:
      return icmpv6(m);
    case 31:
      return icmpv6(m) && (m.icmpv6Type === ICMPV6_NS || m.icmpv6Type === ICMPV6_NA);
    case 32:
      return icmpv6(m) && m.icmpv6Type === ICMPV6_NS;
    case 33:
      return icmpv6(m) && m.icmpv6Type === ICMPV6_NA;
    case 34:
    case 35:
    case 36:
      return m.ethType === ETH_MPLS || m.ethType === ETH_MPLS_MULTICAST;
    case 37:
      return m.ethType === ETH_PBB;
    default:
      return true;
  }
}

function f(
  field: number,
  name: MatchField,
  kind: OxmKind,
  maskable: boolean,
  ofctl: string | undefined,
  extra: { max?: number; prereqText?: string } = {},
): OxmField {
  const prereq = extra.prereqText === undefined ? undefined : (m: Match): boolean => prereqHolds(field, m);
  const bits = extra.max === undefined ? SIZE[kind] * 8 : Math.log2(extra.max + 1);
  // Every field object has the same keys in the same order (one hidden class).
  return {
    field, name, kind, size: SIZE[kind], maskable, max: extra.max, bits, ofctl, prereq, prereqText: extra.prereqText,
    code: CODE[kind], what: `OXM ${name}`,
  };
}

export const OXM_FIELDS: readonly OxmField[] = [
  f(0, 'inPort', 'u32', false, 'in_port'),
  f(1, 'inPhyPort', 'u32', false, undefined, { prereqText: 'inPort' }),
  f(2, 'metadata', 'u64', true, 'metadata'),
  f(3, 'ethDst', 'mac', true, 'dl_dst'),
  f(4, 'ethSrc', 'mac', true, 'dl_src'),
  f(5, 'ethType', 'u16', false, 'dl_type'),
  f(6, 'vlanVid', 'u16', true, 'vlan_vid', { max: 0x1fff }),
  f(7, 'vlanPcp', 'u8', false, 'vlan_pcp', { max: 7, prereqText: 'vlanVid other than "no tag"' }),
  f(8, 'ipDscp', 'u8', false, 'ip_dscp', { max: 63, prereqText: 'ethType 0x0800 or 0x86dd' }),
  f(9, 'ipEcn', 'u8', false, 'nw_ecn', { max: 3, prereqText: 'ethType 0x0800 or 0x86dd' }),
  f(10, 'ipProto', 'u8', false, 'nw_proto', { prereqText: 'ethType 0x0800 or 0x86dd' }),
  f(11, 'ipv4Src', 'ipv4', true, 'nw_src', { prereqText: 'ethType 0x0800' }),
  f(12, 'ipv4Dst', 'ipv4', true, 'nw_dst', { prereqText: 'ethType 0x0800' }),
  f(13, 'tcpSrc', 'u16', false, 'tcp_src', { prereqText: 'ipProto 6' }),
  f(14, 'tcpDst', 'u16', false, 'tcp_dst', { prereqText: 'ipProto 6' }),
  f(15, 'udpSrc', 'u16', false, 'udp_src', { prereqText: 'ipProto 17' }),
  f(16, 'udpDst', 'u16', false, 'udp_dst', { prereqText: 'ipProto 17' }),
  f(17, 'sctpSrc', 'u16', false, 'sctp_src', { prereqText: 'ipProto 132' }),
  f(18, 'sctpDst', 'u16', false, 'sctp_dst', { prereqText: 'ipProto 132' }),
  f(19, 'icmpv4Type', 'u8', false, 'icmp_type', { prereqText: 'ethType 0x0800, ipProto 1' }),
  f(20, 'icmpv4Code', 'u8', false, 'icmp_code', { prereqText: 'ethType 0x0800, ipProto 1' }),
  f(21, 'arpOp', 'u16', false, 'arp_op', { prereqText: 'ethType 0x0806' }),
  f(22, 'arpSpa', 'ipv4', true, 'arp_spa', { prereqText: 'ethType 0x0806' }),
  f(23, 'arpTpa', 'ipv4', true, 'arp_tpa', { prereqText: 'ethType 0x0806' }),
  f(24, 'arpSha', 'mac', true, 'arp_sha', { prereqText: 'ethType 0x0806' }),
  f(25, 'arpTha', 'mac', true, 'arp_tha', { prereqText: 'ethType 0x0806' }),
  f(26, 'ipv6Src', 'ipv6', true, 'ipv6_src', { prereqText: 'ethType 0x86dd' }),
  f(27, 'ipv6Dst', 'ipv6', true, 'ipv6_dst', { prereqText: 'ethType 0x86dd' }),
  f(28, 'ipv6Flabel', 'u32', true, 'ipv6_label', { max: 0xfffff, prereqText: 'ethType 0x86dd' }),
  f(29, 'icmpv6Type', 'u8', false, 'icmpv6_type', { prereqText: 'ethType 0x86dd, ipProto 58' }),
  f(30, 'icmpv6Code', 'u8', false, 'icmpv6_code', { prereqText: 'ethType 0x86dd, ipProto 58' }),
  f(31, 'ipv6NdTarget', 'ipv6', false, 'nd_target', { prereqText: 'icmpv6Type 135 or 136' }),
  f(32, 'ipv6NdSll', 'mac', false, 'nd_sll', { prereqText: 'icmpv6Type 135' }),
  f(33, 'ipv6NdTll', 'mac', false, 'nd_tll', { prereqText: 'icmpv6Type 136' }),
  f(34, 'mplsLabel', 'u32', false, 'mpls_label', { max: 0xfffff, prereqText: 'ethType 0x8847 or 0x8848' }),
  f(35, 'mplsTc', 'u8', false, 'mpls_tc', { max: 7, prereqText: 'ethType 0x8847 or 0x8848' }),
  f(36, 'mplsBos', 'u8', false, 'mpls_bos', { max: 1, prereqText: 'ethType 0x8847 or 0x8848' }),
  f(37, 'pbbIsid', 'u24', true, undefined, { prereqText: 'ethType 0x88e7' }),
  f(38, 'tunnelId', 'u64', true, 'tun_id'),
  f(39, 'ipv6Exthdr', 'u16', true, undefined, { max: 0x1ff, prereqText: 'ethType 0x86dd' }),
];

export const OXM_BY_NUMBER: readonly (OxmField | undefined)[] = OXM_FIELDS;
export const OXM_BY_NAME: ReadonlyMap<string, OxmField> = new Map(OXM_FIELDS.map((d) => [d.name, d]));
