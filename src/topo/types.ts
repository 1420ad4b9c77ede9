// The fabric as the rest of Spotlight sees it: switches, their ports, and the
// links between them. Built from the described cabling and from discovery.
import type { OfVersion } from '../openflow/types.js';

export type Dpid = string;

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

export interface TopoSwitch {
  dpid: Dpid;
  /** Name from the described cabling, if any. */
  name?: string;
  role?: SwitchRole;
  /** Negotiated version when connected, else the described one. */
  version?: OfVersion;
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

export interface TopologySnapshot {
  /** Bumped on every change. */
  version: number;
  switches: ReadonlyMap<Dpid, TopoSwitch>;
  links: readonly Link[];
}

/** What changed in a topology, as its feed reports it beside the new snapshot. */
export type TopologyEvent =
  /** A switch appeared or left, connected or disconnected, or its version or name changed. */
  | { kind: 'switch'; dpid: Dpid }
  /** A port appeared or left, went up or down, was renamed, or its kind changed. */
  | { kind: 'port'; dpid: Dpid; portNo: number }
  /** A link appeared or went. */
  | { kind: 'link'; link: Link; present: boolean };

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
