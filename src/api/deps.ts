// What the API reads from the rest of the controller, as small interfaces
// with empty defaults so that the API also runs on its own.
import type { SwitchFlows } from '../compiler/types.js';
import type { EtcdHealth } from '../store/index.js';
import type { ModelChange, ModelSnapshot } from '../model/types.js';
import type { TopologySnapshot } from '../topo/types.js';

export interface SwitchPortInfo {
  number: number;
  name: string;
  up: boolean;
}

export interface SwitchInfo {
  /** 16 lower-case hex digits. */
  dpid: string;
  /** Negotiated OpenFlow version ("1.0", "1.3"), null while never connected. */
  version: string | null;
  connected: boolean;
  ports: SwitchPortInfo[];
  flowCount: number;
  /** Highest model generation whose flows this switch has confirmed, null if none. */
  realizedGeneration: number | null;
  /** Name and role from the described fabric, when it names the switch. */
  name?: string;
  role?: string;
  /** Flows the compiler wants on the switch. */
  desiredFlows?: number;
  /** Packet-ins received from the switch since the controller started. */
  packetIns?: number;
  /** Table entries the compiled state takes on the switch, against its budget. */
  table?: SwitchTableInfo;
  /** OpenFlow 1.3 groups: what the switch holds and what Spotlight uses of it; null on OF1.0 (no groups) or while the version is unknown. */
  groups?: SwitchGroupsInfo | null;
}

/** OpenFlow 1.3 group types, as the API names them (OFPGT_ALL, OFPGT_SELECT, OFPGT_INDIRECT, OFPGT_FF). */
export const GROUP_TYPE_NAMES = ['all', 'select', 'indirect', 'fastFailover'] as const;
export type GroupTypeName = (typeof GROUP_TYPE_NAMES)[number];

/**
 * A switch's groups. `reported`: the switch answered OFPMP_GROUP_FEATURES
 * on its current connection (false while disconnected, or when it refused
 * or ignored the question: then Spotlight uses no groups on it once it is
 * connected).
 */
export interface SwitchGroupsInfo {
  reported: boolean;
  types: Record<GroupTypeName, SwitchGroupTypeInfo>;
}

export interface SwitchGroupTypeInfo {
  /** The type's bit in the switch's reply; null when it reported none. */
  supported: boolean | null;
  /** How many groups of the type the switch takes (its max_groups; 0 for a type it lacks); null when it reported none. */
  maxGroups: number | null;
  /** Groups of the type Spotlight has the switch hold now (its desired state, which the reconciler installs). */
  inUse: number;
}

/**
 * A switch's flow table: what the compiled flows take (`used`, counted by
 * the switch's budget profile: one per flow, or TCAM entries for pica8) and
 * the budget: the smaller of the settings' (`configured`) and the switch's
 * own report at connect (`capacity`); null where unknown.
 */
export interface SwitchTableInfo {
  used: number;
  budget: number | null;
  configured: number | null;
  capacity: number | null;
  unit: 'flows' | 'tcam entries';
}

/** A switch a write would push past its flow-table budget. */
export interface BudgetExcessInfo {
  dpid: string;
  /** Entries the switch would need with the write. */
  needed: number;
  budget: number;
  unit: 'flows' | 'tcam entries';
}

/** Checks a write before it is stored: the switches it would push past their table budgets (none: admitted). */
export interface WriteAdmission {
  check(s: ModelSnapshot, changes: readonly ModelChange[], after: ModelSnapshot): BudgetExcessInfo[];
}

/** One flow as the switch reports it (flow stats), shown ovs-ofctl style. */
export interface FlowEntryInfo {
  table: number;
  priority: number;
  /** 0x-prefixed hex. */
  cookie: string;
  packets: number;
  bytes: number;
  durationSec: number;
  match: string;
  actions: string;
  /** The OF1.3 meter the flow goes through, if any. */
  meter?: number;
}

export type DumpFlowsResult =
  | { ok: true; version: string; flows: FlowEntryInfo[] }
  | { ok: false; reason: 'unknown' | 'disconnected' | 'timeout' };

export interface SwitchDirectory {
  list(): SwitchInfo[];
  /** Every flow of every table, read from the switch now (GET /v1/switches/{switch}/flows). */
  dumpFlows?(dpid: string): Promise<DumpFlowsResult>;
}

/** The fabric snapshot (switches, ports, links) that the compiler works on. */
export interface FabricView {
  snapshot(): TopologySnapshot;
}

/** The compiled state the controller holds now (explain and trace read it; nothing is compiled per request). */
export interface CompiledView {
  switches(): Iterable<SwitchFlows>;
}

/** GET /metrics and the per-request observations (hook latency). */
export interface ApiMetrics {
  contentType(): string;
  render(): Promise<string>;
  /** An authenticated request that matched `route` (the route's pattern, not the URL a client sent). */
  observeRequest(route: string, status: number, seconds: number): void;
}

export interface LinkEndInfo {
  switch: string;
  port: string | number;
}

export interface TopologyView {
  links(): { a: LinkEndInfo; b: LinkEndInfo }[];
}

export const emptySwitchDirectory: SwitchDirectory = { list: () => [] };
export const emptyTopologyView: TopologyView = { links: () => [] };

export interface ClusterInstance {
  id: string;
  /** Its API base URL and OpenFlow listener. */
  api: string | null;
  openflow: string | null;
  alive: boolean;
  leader: boolean;
  /** The instance answering this call. */
  self: boolean;
  /** When a gone instance was last seen (ISO time). */
  leftAt?: string;
}

export interface ClusterSwitchRole {
  instance: string;
  role: 'master' | 'slave' | 'equal';
  /** The leadership it holds under; null on a single controller (no role requests). */
  generationId: string | null;
}

export interface ClusterSwitch {
  dpid: string;
  /** The instance the switch confirmed as master (at the highest generation), null when none. */
  master: string | null;
  roles: ClusterSwitchRole[];
}

export interface ClusterStatus {
  store: 'leveldb' | 'etcd';
  /** The instance answering. */
  instance: string;
  leader: { instance: string; generationId: string | null } | null;
  instances: ClusterInstance[];
  switches: ClusterSwitch[];
  /** Null on the LevelDB store. */
  etcd: EtcdHealth | null;
}

/** GET /v1/cluster. */
export interface ClusterView {
  status(): Promise<ClusterStatus>;
}
