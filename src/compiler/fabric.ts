// How a frame is carried between switches (flows/PIPELINE.md, "Fabric").
//
// - The outer 802.1Q tag names the *egress switch*: its fabric label, 1..4094.
//   A switch in between forwards on that tag alone, so it holds one flow per
//   destination switch whatever the number of VMs and networks.
// - Unicast keeps its destination MAC; the egress switch delivers by it (a MAC
//   is bound on one port of a switch, src/compiler/deliver.ts).
// - An IPv4 broadcast, and a DHCP request to the network's server, carry the
//   network in a reserved destination MAC (0e:53:KK:SS:SS:SS, KK the kind, SS
//   the segment) that the egress switch turns back into ff:ff:ff:ff:ff:ff.
//   OpenFlow 1.0 can rewrite a MAC, so both versions read and write it.
// - IPv6 multicast (OpenFlow 1.3 only) carries the network in an MPLS label
//   under the tag (label = segment + 16, labels 0..15 being reserved); the
//   traffic class says whether it is the network's multicast or a DHCPv6
//   request to its server. The egress switch pops it as IPv6: the frame
//   arrives unchanged.
import { formatMacAt, macBytes } from '../openflow/addr.js';
import type { Dpid } from '../openflow/dpid.js';
import { FABRIC_MAC_PREFIX } from '../model/ident.js';

/** Networks are numbered 1..MAX_SEGMENT (the model allocates them); the MPLS label space (20 bits) bounds it. */
export { MAX_SEGMENT } from '../model/segments.js';

/** 802.1Q ids usable as labels. */
export const MAX_LABEL = 4094;

/** OF1.3 metadata bits that carry the segment from the first table on. */
export const SEGMENT_MASK = 0xfffffn;

/** MPLS labels 0..15 are reserved (RFC 3032); a segment's label sits above them. */
export const MPLS_LABEL_BASE = 16;

/** MPLS traffic class: what an IPv6 multicast frame on the fabric is. */
export const MplsClass = { multicast: 0, dhcpServer: 1 } as const;

/** Kinds of reserved fabric MAC. */
export const FabricMacKind = { broadcast: 0x42, dhcp: 0x44 } as const;


/** The first two bytes of every fabric MAC. */
const [PREFIX_0, PREFIX_1] = macBytes(`${FABRIC_MAC_PREFIX}:00:00:00:00`);

/** The reserved destination MAC that carries a broadcast (or DHCP request) of a network across the fabric. */
export function fabricMac(kind: keyof typeof FabricMacKind, segment: number): string {
  return formatMacAt(Uint8Array.of(PREFIX_0!, PREFIX_1!, FabricMacKind[kind], segment >> 16, segment >> 8, segment), 0);
}


export function mplsLabelOf(segment: number): number {
  return segment + MPLS_LABEL_BASE;
}

/**
 * Group ids Spotlight owns on a switch (0x53xxxxxx), named by a hash of what
 * the group does, a key: "p1,p2,..." for the SELECT group of a set of ports
 * (next hops towards a destination, or the ports a frame sent back goes up
 * again), "ff:h,w1,w2" for the FAST_FAILOVER group of a lone next hop h
 * whose frames go back where they came from while w1 or w2 is up. In a
 * fat-tree an edge switch reaches every other edge through the same uplinks:
 * one group.
 */
export const GROUP_BASE = 0x53000000;
export const isOurGroup = (id: number): boolean => (id & 0xff000000) === GROUP_BASE;

/** Key prefix of a fast-failover group (a port number never starts so). */
export const FAILOVER_KEY = 'ff:';
/** Hashed before a fast-failover group's ports: no port has this number. */
const FAILOVER_SEED = 0xffffffff;

/** The group id a group with these numbers (ports, or the failover seed and ports) would like; `assignGroups` settles the rare clash. */
export function preferredGroupId(hops: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const p of hops) {
    for (let k = 0; k < 4; k++) h = Math.imul(h ^ ((p >>> (8 * k)) & 0xff), 0x01000193) >>> 0;
  }
  return GROUP_BASE + (h & 0xffffff);
}

function keyNumbers(key: string): number[] {
  if (key.startsWith(FAILOVER_KEY)) return [FAILOVER_SEED, ...key.slice(FAILOVER_KEY.length).split(',').map(Number)];
  return key.split(',').map(Number);
}

/** Group ids for a switch's distinct group keys (see GROUP_BASE), a pure function of the set: clashes move up, in key order. */
export function assignGroups(keys: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const key of [...new Set(keys)].sort()) {
    let id = preferredGroupId(keyNumbers(key));
    while (used.has(id)) id = GROUP_BASE + (((id & 0xffffff) + 1) & 0xffffff);
    used.add(id);
    out.set(key, id);
  }
  return out;
}

/**
 * The 802.1Q priority (PCP) of a frame that was sent back once and went up
 * another way. Every other fabric frame has PCP 0 (a pushed tag starts at 0,
 * OpenFlow 1.3 and 1.0 alike); only frames with PCP 0 are sent up again, so a
 * frame takes at most one such detour and cannot circle.
 */
export const DETOUR_PCP = 1;

/**
 * Meter ids: 1 is the switch's own packet-in meter (discovery's general trap);
 * an access port P has meter P + 1, shared by every controller-bound flow of
 * the endpoints bound there, so one flooding VM cannot starve its neighbours.
 */
export const SWITCH_METER = 1;
export const portMeterOf = (portNo: number): number => portNo + 1;

/** A switch's natural label: its datapath id folded into 1..4094 (dpid 1 is label 1). */
function naturalLabel(dpid: Dpid): number {
  const v = BigInt(`0x${dpid}`);
  return Number((v + BigInt(MAX_LABEL) - 1n) % BigInt(MAX_LABEL)) + 1;
}

/**
 * Labels for a set of switches, a pure function of the set: each switch takes
 * its natural label unless a smaller dpid claims the same one; those left over
 * take, in dpid order, the lowest labels no switch claims naturally. With
 * datapath ids pinned to small distinct numbers (as the README advises) every
 * switch keeps its natural label for ever; otherwise a switch joining or
 * leaving can move only the labels of switches that lost their natural one.
 * Switches beyond 4,094 get none (returned in `unlabelled`).
 */
export function assignLabels(dpids: Iterable<Dpid>): { labels: Map<Dpid, number>; unlabelled: Dpid[] } {
  const sorted = [...new Set(dpids)].sort();
  const labels = new Map<Dpid, number>();
  const claimed = new Set<number>();
  const losers: Dpid[] = [];
  for (const d of sorted) {
    const n = naturalLabel(d);
    if (claimed.has(n)) losers.push(d);
    else {
      claimed.add(n);
      labels.set(d, n);
    }
  }
  const unlabelled: Dpid[] = [];
  let next = 1;
  for (const d of losers) {
    while (next <= MAX_LABEL && claimed.has(next)) next++;
    if (next > MAX_LABEL) {
      unlabelled.push(d);
      continue;
    }
    claimed.add(next);
    labels.set(d, next);
  }
  return { labels, unlabelled };
}
