// The numbers Ethernet frames and IP packets carry, named once for every layer:
// the codec's match prerequisites, the compiler's flows, the packet-in
// handlers, the metrics and the flow simulator.

/** EtherTypes (IEEE 802 numbers). */
export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_RARP = 0x8035;
/** 802.1Q customer VLAN tag. */
export const ETH_VLAN = 0x8100;
/** 802.1ad service VLAN tag (QinQ outer tag). */
export const ETH_QINQ = 0x88a8;
export const ETH_IPV6 = 0x86dd;
export const ETH_LLDP = 0x88cc;
export const ETH_MPLS = 0x8847;
export const ETH_MPLS_MULTICAST = 0x8848;
/** 802.1ah provider backbone bridging (I-tag). */
export const ETH_PBB = 0x88e7;
/** IEEE 802 local experimental EtherType 1: a frame no protocol claims. */
export const ETH_EXPERIMENTAL = 0x88b5;

/** IP protocol numbers (IANA). */
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

/** ICMPv6 message types (RFC 4443, RFC 4861). */
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_RA = 134;
export const ICMPV6_NS = 135;
export const ICMPV6_NA = 136;
export const ICMPV6_REDIRECT = 137;

/** ARP opcodes (RFC 826; RFC 903 for RARP's 3). */
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export const RARP_REQUEST = 3;

/** DHCP's UDP ports (RFC 2131). */
export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

export const BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** The all-zero MAC: what an absent ND link-layer option matches as. */
export const NO_MAC = '00:00:00:00:00:00';

/** Length of an Ethernet II header without a VLAN tag. */
export const ETH_HEADER_LEN = 14;
const TAG_LEN = 4;

/** The EtherType of a frame after at most one 802.1Q tag; -1 when the frame is too short to hold it. */
export function etherTypeOf(frame: Uint8Array): number {
  if (frame.length < ETH_HEADER_LEN) return -1;
  const t = (frame[12]! << 8) | frame[13]!;
  if (t !== ETH_VLAN) return t;
  if (frame.length < ETH_HEADER_LEN + TAG_LEN) return -1;
  return (frame[16]! << 8) | frame[17]!;
}

/** Where the payload of a frame starts: after the header and its 802.1Q tag, if it has one. */
export function payloadOffset(frame: Uint8Array): number {
  return frame.length >= ETH_HEADER_LEN && ((frame[12]! << 8) | frame[13]!) === ETH_VLAN ? ETH_HEADER_LEN + TAG_LEN : ETH_HEADER_LEN;
}
