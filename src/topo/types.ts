// The fabric as the rest of Spotlight sees it: switches, their ports, and the
// links between them. Built from the described cabling and from discovery.
import type { Dpid } from '../openflow/dpid.js';
import type { OfVersion } from '../openflow/wire-values.js';

export interface TopoPort {
  portNo: number;
  name: string;
  /** Link up and not administratively down. */
  up: boolean;
  /**
   * Fabric (a switch behind it) or access (hosts behind it): from the described
   * cabling, else inferred from discovery (a valid probe arrived on it).
   */
  kind?: PortKind;
}

export type PortKind = 'access' | 'fabric';

export type SwitchRole = 'edge' | 'aggregation';

/**
 * The OpenFlow 1.3 groups a switch holds, from its OFPMP_GROUP_FEATURES
 * reply: per group type the compiler uses, how many groups of it the switch
 * takes (0: none, because the type is missing, or its buckets cannot output).
 */
export interface GroupSupport {
  select: number;
  fastFailover: number;
}

export interface TopoSwitch {
  dpid: Dpid;
  /** Name from the described cabling, if any. */
  name?: string;
  role?: SwitchRole;
  /** Negotiated version when connected, else the described one. */
  version?: OfVersion;
  /**
   * OF1.3: the groups the switch said it holds when it last connected (none
   * when it refused or ignored the question). Absent where nothing was
   * asked (a described switch not yet connected, a simulated fabric): then
   * every type, as Open vSwitch has.
   */
  groups?: GroupSupport;
  connected: boolean;
  ports: ReadonlyMap<number, TopoPort>;
}

export interface LinkEnd {
  dpid: Dpid;
  portNo: number;
}

/** An undirected link; `a` sorts before `b` (dpid, then port). */
export interface Link {
  a: LinkEnd;
  b: LinkEnd;
}

/** Immutable: a change makes a new snapshot, sharing what did not change with the old one. */
export interface TopologySnapshot {
  /** Bumped on every change. */
  version: number;
  /** In no particular order. */
  switches: ReadonlyMap<Dpid, TopoSwitch>;
  /** Sorted by their ends (dpid, then port). */
  links: readonly Link[];
}

/**
 * One thing that differs between two snapshots. A listener gets the events
 * since the previous notification, each named once, net of changes that undid
 * each other; read the new state from the snapshot that comes with them.
 */
export type TopologyEvent =
  /** Appeared, left, connected or disconnected, its version, groups, name or role changed. */
  | { kind: 'switch'; dpid: Dpid }
  /** Appeared, left, went up or down, renamed, or its kind changed. */
  | { kind: 'port'; dpid: Dpid; portNo: number }
  /** A link appeared (present) or went. */
  | { kind: 'link'; link: Link; present: boolean };

/** Hears a feed's new snapshot and what changed since the one before. */
export type TopologyListener = (snap: TopologySnapshot, events: readonly TopologyEvent[]) => void;

/**
 * A topology that changes: its current snapshot (immutable) and its changes.
 * Discovery and the sticky view say what changed; a feed that cannot (a
 * listener gets no events) is compared snapshot against snapshot.
 */
export interface TopologyFeed {
  snapshot(): TopologySnapshot;
  /** Called after every change with the new snapshot and, when the feed knows them, its events; returns a function that unsubscribes. */
  onChange(listener: (snap: TopologySnapshot, events?: readonly TopologyEvent[]) => void): () => void;
}

/** A port as the model names it: its number, or the name the switch reports. */
export interface PortRefOnSwitch {
  dpid: Dpid;
  port: number | string;
}

/**
 * Which ports have a VM interface or a gateway bound to them (migration
 * destinations included), as the model says. Discovery never probes such a
 * port and never makes it a link end: a host there could relay probes.
 */
export interface BoundPorts {
  isBound(dpid: Dpid, portNo: number, name: string): boolean;
  /** Called with the ports whose bound state may have changed; returns an unsubscribe function. */
  onChange(listener: (ports: readonly PortRefOnSwitch[]) => void): () => void;
}
