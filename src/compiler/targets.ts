// Where a switch sends a frame of a network, and the actions that get it
// there: out a local port, or tagged with the egress switch's label towards
// it (through the label's SELECT group where the switch has groups, else out
// one next hop chosen per label so that destinations spread over the
// equal-cost paths).
import { Port, VID_PRESENT } from '../openflow/wire-values.js';
import { type Action } from '../openflow/flow-model.js';
import type { Dpid } from '../openflow/dpid.js';
import type { Location } from './endpoints.js';
import { FabricMacKind, fabricMac, mplsLabelOf, type MplsClass } from './fabric.js';
import { ETH_MPLS } from '../openflow/ethernet.js';
import { ETH_VLAN } from '../openflow/ethernet.js';

/** Out a local port, or to a remote switch: tagged with its label, then out one next hop or through the group of its next hops. */
export type Target = { local: number } | Remote;
export type Remote = { remote: Dpid; label: number } & ({ hop: number; group?: undefined } | { group: number; hop?: undefined });

/** What lowering needs to know about the switch it lowers for. */
export interface SwitchCtx {
  dpid: Dpid;
  of13: boolean;
  /** OF1.3 SELECT groups with bucket liveness: remote targets with several next hops go through their group. */
  groups: boolean;
  /** OF1.3 FAST_FAILOVER groups: a label carried for others with one next hop goes through its failover group where the routes allow sending back. */
  failover: boolean;
  /** OF1.3 meters: controller-bound flows go through their port's meter. */
  meters: boolean;
  /** Usable fabric ports, ascending. */
  fabricPorts: readonly number[];
  /** This switch's own label (frames tagged with it are delivered here). */
  label: number | undefined;
  /** Where a frame for an endpoint delivered at `at` goes from here; undefined when there is no way. */
  target(at: Location): Target | undefined;
}

/** A target as one number, for signatures: a local port as itself, a remote one as a negative number from its label and hop or group; NaN for none. */
export function targetKey(t: Target | undefined): number {
  if (!t) return NaN;
  if ('local' in t) return t.local;
  return -(t.label * 0x2000000 + (t.group !== undefined ? 0x1000000 + (t.group & 0xffffff) : t.hop));
}

/** The last hop of a remote copy: the group of its next hops, or its one next-hop port. */
export function egressAction(t: Remote): Action {
  return t.group !== undefined ? { type: 'group', groupId: t.group } : { type: 'output', port: t.hop };
}

/** OF1.3, from an untagged frame: out the local port, or tagged with the label towards the egress switch. */
export function unicastActions13(t: Target): Action[] {
  if ('local' in t) return [{ type: 'output', port: t.local }];
  return [{ type: 'pushVlan', ethertype: ETH_VLAN }, { type: 'setField', field: 'vlanVid', value: VID_PRESENT | t.label }, egressAction(t)];
}

/** OF1.0, from an untagged frame. */
export function unicastActions10(t: Target): Action[] {
  if ('local' in t) return [{ type: 'output', port: t.local }];
  return [{ type: 'setVlanVid', vid: t.label }, egressAction(t)];
}

/**
 * A broadcast (or a DHCP request) carried to remote switches: the reserved
 * MAC that names the network, then one tagged copy per switch. Local ports
 * come first, before the frame is rewritten.
 */
export function fabricCopies(of13: boolean, kind: keyof typeof FabricMacKind, segment: number, localPorts: readonly number[], remotes: readonly Target[]): Action[] {
  const acts: Action[] = localPorts.map((p) => ({ type: 'output', port: p }));
  const far = remotes.filter((t): t is Remote => 'remote' in t);
  if (far.length === 0) return acts;
  if (of13) {
    acts.push({ type: 'setField', field: 'ethDst', value: fabricMac(kind, segment) }, { type: 'pushVlan', ethertype: ETH_VLAN });
    for (const t of far) acts.push({ type: 'setField', field: 'vlanVid', value: VID_PRESENT | t.label }, egressAction(t));
  } else {
    acts.push({ type: 'setDlDst', mac: fabricMac(kind, segment) });
    for (const t of far) acts.push({ type: 'setVlanVid', vid: t.label }, egressAction(t));
  }
  return acts;
}

/** OF1.3 IPv6 multicast carried to remote switches: an MPLS label names the network under the tag. */
export function mplsCopies(segment: number, cls: (typeof MplsClass)[keyof typeof MplsClass], localPorts: readonly number[], remotes: readonly Target[]): Action[] {
  const acts: Action[] = localPorts.map((p) => ({ type: 'output', port: p }));
  const far = remotes.filter((t): t is Remote => 'remote' in t);
  if (far.length === 0) return acts;
  acts.push(
    { type: 'pushMpls', ethertype: ETH_MPLS },
    { type: 'setField', field: 'mplsLabel', value: mplsLabelOf(segment) },
    { type: 'setField', field: 'mplsTc', value: cls },
    { type: 'pushVlan', ethertype: ETH_VLAN },
  );
  for (const t of far) acts.push({ type: 'setField', field: 'vlanVid', value: VID_PRESENT | t.label }, egressAction(t));
  return acts;
}

export const TO_CONTROLLER: Action = { type: 'output', port: Port.CONTROLLER, maxLen: 0xffff };

/** Among equal-cost next hops, the one a label's traffic takes where there are no groups: spread by label. */
export function pickHop(hops: readonly number[], label: number): number | undefined {
  return hops.length ? hops[label % hops.length] : undefined;
}
