// What discovery takes and gives: its options, the ports and probes that come
// in, the probes to send, and the verdicts on probes that came back.
import type { Dpid } from '../openflow/dpid.js';
import type { TopologyDescription } from './description.js';
import type { BoundPorts, Link } from './types.js';

export interface DiscoveryOptions {
  /** HMAC key of the probes. */
  secret: Uint8Array;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Uniform in [0, 1); spreads the first probe of each port. */
  random?: () => number;
  /** Time between two probes out of one port (at least; see maxProbesPerSecond). */
  intervalMs?: number;
  /**
   * Probes sent per second at most, all ports together, once each port had
   * its first: on a fabric with more probed ports than this many per
   * interval, each port is probed less often and its link ages out in as
   * many of those longer rounds.
   */
  maxProbesPerSecond?: number;
  /** A link not proven for this many intervals is gone. */
  ageIntervals?: number;
  /** A probe older than this when it comes back is a replay. */
  maxProbeAgeMs?: number;
  /** A probe dated further ahead than this is refused (the clock went back). */
  maxFutureMs?: number;
  /** First probes of a new port are spread over this window. */
  spreadMs?: number;
  description?: TopologyDescription | undefined;
  /** Ports with a bound VM interface or gateway: never probed, never a link end. */
  boundPorts?: BoundPorts;
  /** Disconnected switches that the description does not name, kept for the snapshot (oldest forgotten first). */
  maxDisconnectedSwitches?: number;
}

/** A port as a channel event reports it. */
export interface PortInfo {
  portNo: number;
  name: string;
  up: boolean;
  hwAddr?: string;
}

export interface ProbeToSend {
  dpid: Dpid;
  portNo: number;
  frame: Buffer;
}

export interface ReceivedProbe {
  dpid: Dpid;
  inPort: number;
  frame: Uint8Array;
}

export type DropReason =
  /** Not a well-formed LLDP frame. */
  | 'malformed'
  /** LLDP without Spotlight's signature, or with a wrong one. */
  | 'forged'
  /** Dated too far in the past (or the future). */
  | 'stale'
  /** Older than, or the same as but from another ingress than, the last one accepted from its source. */
  | 'replayed'
  /** The same probe again at the same ingress: harmless. */
  | 'duplicate'
  /** Came back in on the very port it was sent from (reflected by a host). */
  | 'reflected'
  /** Arrived on a port that the description says has hosts behind it. */
  | 'access-port'
  /** Either end has a bound VM interface or gateway: a host relaying probes. */
  | 'bound-port'
  /** With a description, neither end is a port it describes. */
  | 'undescribed'
  /** Ingress or source switch/port not known, or down. */
  | 'unknown-port';

export type ProbeVerdict = { accepted: true; link: Link; isNew: boolean } | { accepted: false; reason: DropReason };

export type DiscoveryCounters = Record<DropReason | 'accepted' | 'sent', number>;

export type PortStatusReason = 'add' | 'delete' | 'modify';
