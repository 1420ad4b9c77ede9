// Flow priorities by stage (see STAGES in pipeline.ts). Within a table the
// higher priority decides; the gaps leave room between the rules.

/** OF1.3, per table. */
export const P13 = {
  /** port-security: a bound source MAC untagged on its access port, or a tagged frame on a fabric port. */
  portSecurity: 100,

  /** transit: this switch's own label (delivered here). */
  transitSelf: 200,
  /** transit: another switch's label, carried on towards it. */
  transit: 100,
  /** transit: a label this switch does not carry, sent back to it by a neighbour whose next hop is down: up another fabric port, marked. */
  sentBack: 50,
  /** transit: the same, arriving on the one fabric port whose frames go up another port than the rest's. */
  sentBackOnPort: 51,

  /** address-security: gratuitous ARP (a broadcast reply) to the controller (a gateway's: dropped). */
  garp: 310,
  /** address-security: broadcast ARP requests and probes to the controller. */
  arpBroadcast: 305,
  /** address-security: any other broadcast ARP dropped (per switch). */
  arpBroadcastDrop: 303,
  /** address-security: unicast ARP from the sender's own addresses on; RARP to the controller. */
  arp: 300,
  /** address-security: a gateway's router advertisements and redirects allowed. */
  raAllow: 261,
  /** address-security: router advertisements and redirects dropped (per switch). */
  raDrop: 260,
  /** address-security: multicast neighbour solicitations to the controller. */
  nsMulticast: 256,
  /** address-security: unicast solicitations and advertisements with the sender's own options, on. */
  nd: 255,
  /** address-security: any other solicitation or advertisement dropped (per switch). */
  ndDrop: 254,
  /** address-security: the DHCP server's (and gateways') server messages allowed. */
  dhcpServerAllow: 251,
  /** address-security: DHCP server messages dropped (per switch). */
  dhcpGuard: 250,
  /** address-security: the source's own IPv4/IPv6 addresses, and DHCP requests from 0.0.0.0. */
  source: 200,

  /** reachability: DHCP requests pass, towards the server or nowhere. */
  dhcpPass: 300,
  /** reachability: one source to one destination it may reach (public segments). */
  reach: 200,
  /** reachability: a gateway reaches every destination of its segment. */
  reachGateway: 150,
  /** reachability: the whole segment (private networks). */
  reachPrivate: 100,

  /** forward: a DHCP request addressed to the server's MAC. */
  dhcpToServer: 301,
  /** forward: a broadcast DHCP request, to the server. */
  dhcpBroadcast: 300,
  /** forward: any other DHCP request dropped. */
  dhcpOther: 299,
  /** forward: unicast to a destination MAC. */
  unicast: 200,
  /** forward: broadcast and IPv6 multicast to members. */
  broadcast: 100,

  /** egress: a network's broadcast, multicast or DHCP request, restored. */
  egressNetwork: 300,
  /** egress: a MAC delivered here. */
  egressUnicast: 200,
} as const;

/** OF1.0, all in table 0. */
export const P10 = {
  /** access: gratuitous ARP to the controller. */
  garp: 1310,
  /** access: broadcast ARP requests, probes and RARP to the controller. */
  arp: 1300,
  /** access: DHCP server messages from a VM that is not the server dropped. */
  dhcpGuard: 1250,
  /** access: a DHCP request addressed to the server. */
  dhcpToServer: 1242,
  /** access: a broadcast DHCP request, to the server. */
  dhcpBroadcast: 1241,
  /** access: any other DHCP request dropped. */
  dhcpOther: 1240,
  /** access: unicast IPv4 and ARP to a destination the source may reach. */
  unicast: 1200,
  /** access: broadcast. */
  broadcast: 1100,
  /** port-guard: anything else from a non-fabric port dropped. */
  portGuard: 500,
  /** fabric: a network's broadcast or DHCP request for this switch, restored. */
  egressNetwork: 350,
  /** fabric: a MAC delivered here. */
  egressUnicast: 300,
  /** fabric: another switch's label, on towards it. */
  transit: 200,
} as const;
