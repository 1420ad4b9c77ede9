// OF1.3 flow priorities, by stage (see STAGES in pipeline.ts). Within a table
// the higher priority decides; the gaps leave room between the rules.
export const P13 = {
  /** port-security: a bound source MAC, untagged, on its access port. */
  boundSource: 100,
  /** port-security: a tagged frame on a fabric port. */
  fabricPort: 100,
  /** fabric-ingress: a frame tagged with a segment. */
  fabricSegment: 100,

  /** address-security: gratuitous ARP (a broadcast reply) to the controller. */
  garp: 310,
  /** address-security: ARP requests and RARP to the controller. */
  arp: 300,
  /** address-security: router advertisements and redirects from a VM dropped. */
  raGuard: 260,
  /** address-security: neighbour discovery with the sender's own link-layer option (or none). */
  nd: 255,
  /** address-security: any other neighbour solicitation or advertisement dropped. */
  ndGuard: 254,
  /** address-security: DHCP server replies from a VM that is not the network's server dropped. */
  dhcpGuard: 250,
  /** address-security: the source's own IPv4/IPv6 addresses, and DHCP requests from 0.0.0.0. */
  sourceAddress: 200,

  /** reachability and forward: DHCP requests, towards the server or nowhere. */
  dhcpRequest: 300,
  /** reachability: one source to one destination it may reach (public segments). */
  pair: 200,
  /** reachability: a gateway reaches every destination of its segment. */
  gateway: 150,
  /** reachability: the whole segment (private networks). */
  segment: 100,

  /** forward: unicast to a destination MAC. */
  unicast: 200,
  /** forward: broadcast and IPv6 multicast along the tree. */
  broadcast: 100,

  /** Every table's miss: drop. */
  tableMiss: 0,
} as const;
