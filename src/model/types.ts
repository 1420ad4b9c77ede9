// The tenant model as the hooks fill it (docs/contract.md). Plain, immutable data:
// model operations return new values, the store persists them, the compiler
// reads them. Switch ids are canonical: 16 lower-case hex digits.
import type { Dpid } from '../openflow/dpid.js';

/** A port as the compute side names it: the switch's port name ("vnet3") or its number. */
export type PortRef = string | number;

export type NetworkKind = 'private' | 'public';

export interface DhcpServer {
  mac: string;
  ip: string;
}

/** A router port on a network: may send from any IP, never from another MAC. */
export interface Gateway {
  mac: string;
  /** Addresses it answers ARP/ND for. */
  ips: string[];
  switch: Dpid;
  port: PortRef;
}

export interface Network {
  name: string;
  tenant: string;
  kind: NetworkKind;
  cidrs: string[];
  dhcp?: DhcpServer;
  gateways: Gateway[];
  /**
   * Stable number 1..1,000,000 (MAX_SEGMENT), unique among networks: the lowest
   * free one when the network is created, kept across later PUTs, freed on
   * delete. It names the network where the fabric carries it (flows/PIPELINE.md).
   */
  segment: number;
}

/** Where an interface is attached. */
export interface Attachment {
  switch: Dpid;
  port: PortRef;
}

export interface Interface extends Attachment {
  /** Lower case. */
  mac: string;
  /** Host addresses, IPv4 or IPv6, canonical text form. */
  ips: string[];
  network: string;
}

/** A live migration in progress: the destination is programmed ahead. */
export interface Migration {
  /** Destination attachment per interface MAC. */
  destinations: { mac: string; switch: Dpid; port: PortRef }[];
  /** True once traffic moved (RARP / gratuitous ARP seen at the destination). */
  activated: boolean;
}

/**
 * A migration one side has asked for and the other has not agreed to yet.
 * Only agents' calls are held (the operator's and an agent's holding both
 * sides start at once): the agent of the VM's host and the agent of the
 * destination switches must both name the destination. Nothing is programmed
 * for it; it becomes `migration` once the other side names the same switches.
 */
export interface HeldMigration {
  destinations: Migration['destinations'];
  /** The side that asked: the agent of the VM's switches, or of the destination's. */
  askedBy: 'source' | 'destination';
}

export interface Vm {
  name: string;
  tenant: string;
  interfaces: Interface[];
  migration?: Migration;
  heldMigration?: HeldMigration;
}

export interface Relation {
  id: string;
  vms: [string, string];
  /**
   * The tenant of each VM when the relation was made. A VM of another tenant
   * never starts under a name a relation binds, so a relation never grants
   * reach across the tenant it was made for. null: the relation was stored
   * before relations recorded tenants while that VM was stopped; the VM's next
   * start binds it.
   */
  tenants: [string | null, string | null];
}

/** One consistent state of the model, as of `generation`. */
export interface ModelSnapshot {
  generation: number;
  networks: ReadonlyMap<string, Network>;
  vms: ReadonlyMap<string, Vm>;
  relations: ReadonlyMap<string, Relation>;
}

/** What one write changed; the change feed carries these so consumers can work incrementally. */
export type ModelChange =
  | { kind: 'network'; id: string; before?: Network; after?: Network }
  | { kind: 'vm'; id: string; before?: Vm; after?: Vm }
  | { kind: 'relation'; id: string; before?: Relation; after?: Relation };

export interface ModelCommit {
  generation: number;
  changes: ModelChange[];
}
