// What a switch reports, version-independent: its ports, its description,
// flow, port and table statistics, table, group and meter features, and the
// multipart request and reply bodies that carry them.
import type { Bucket, FlowModFlags, GroupType, Instruction, Match, MeterBand } from './flow-model.js';

export interface PortDesc {
  portNo: number;
  hwAddr: string;
  name: string;
  config: number;
  state: number;
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  /** OF1.3 only (kbps); 0 on OF1.0. */
  currSpeed: number;
  maxSpeed: number;
}

export const PortConfig = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const PortState = { LINK_DOWN: 1 << 0 } as const;

export interface FlowStats {
  tableId: number;
  durationSec: number;
  durationNsec: number;
  priority: number;
  idleTimeout: number;
  hardTimeout: number;
  flags: FlowModFlags;
  cookie: bigint;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
  instructions: Instruction[];
}

export interface PortStats {
  portNo: number;
  rxPackets: bigint;
  txPackets: bigint;
  rxBytes: bigint;
  txBytes: bigint;
  rxDropped: bigint;
  txDropped: bigint;
  rxErrors: bigint;
  txErrors: bigint;
  rxFrameErr: bigint;
  rxOverErr: bigint;
  rxCrcErr: bigint;
  collisions: bigint;
  /** OF1.3 only. */
  durationSec: number;
  durationNsec: number;
}

export interface TableStats {
  tableId: number;
  /** OF1.0 only ("" on OF1.3). */
  name: string;
  activeCount: number;
  lookupCount: bigint;
  matchedCount: bigint;
  /** OF1.0 only. */
  maxEntries: number;
}

/**
 * ofp_table_features (OF1.3), one table: its limits. The properties (what
 * the table matches, its actions, next tables) are kept as the switch sent
 * them, uninterpreted: Spotlight reads the capacity only.
 */
export interface TableFeatures {
  tableId: number;
  name: string;
  metadataMatch: bigint;
  metadataWrite: bigint;
  config: number;
  maxEntries: number;
  /** The property list as raw bytes (a multiple of 8, possibly empty). */
  properties: Uint8Array;
}

export interface SwitchDesc {
  mfrDesc: string;
  hwDesc: string;
  swDesc: string;
  serialNum: string;
  dpDesc: string;
}

export interface FlowStatsRequestBody {
  tableId: number;
  outPort: number;
  outGroup: number;
  cookie: bigint;
  cookieMask: bigint;
  match: Match;
}

export type MultipartRequestBody =
  | { kind: 'desc' }
  | ({ kind: 'flow' } & FlowStatsRequestBody)
  | ({ kind: 'aggregate' } & FlowStatsRequestBody)
  | { kind: 'port'; portNo: number }
  | { kind: 'table' }
  | { kind: 'portDesc' }
  | { kind: 'groupDesc' }
  | { kind: 'groupFeatures' }
  /** With an empty body: a read of every table's features, never a change. */
  | { kind: 'tableFeatures' }
  | { kind: 'meterConfig'; meterId: number }
  | { kind: 'meterFeatures' };

export type MultipartReplyBody =
  | { kind: 'desc'; desc: SwitchDesc }
  | { kind: 'flow'; flows: FlowStats[] }
  | { kind: 'aggregate'; packetCount: bigint; byteCount: bigint; flowCount: number }
  | { kind: 'port'; ports: PortStats[] }
  | { kind: 'table'; tables: TableStats[] }
  | { kind: 'portDesc'; ports: PortDesc[] }
  | { kind: 'groupDesc'; groups: { groupType: GroupType; groupId: number; buckets: Bucket[] }[] }
  | ({ kind: 'groupFeatures' } & GroupFeatures)
  | { kind: 'tableFeatures'; tables: TableFeatures[] }
  | { kind: 'meterConfig'; meters: { flags: number; meterId: number; bands: MeterBand[] }[] }
  | ({ kind: 'meterFeatures' } & MeterFeatures);

/** ofp_group_features (OF1.3): bitmaps by group type (all, select, indirect, ff). */
export interface GroupFeatures {
  /** Bitmap of supported group types (1 << OFPGT_*). */
  types: number;
  /** OFPGFC_* bitmap. */
  capabilities: number;
  /** Most groups of each type. */
  maxGroups: [number, number, number, number];
  /** Bitmap of supported actions (1 << OFPAT_*) by group type. */
  actions: [number, number, number, number];
}

/** ofp_meter_features (OF1.3). */
export interface MeterFeatures {
  maxMeter: number;
  /** Bitmap of supported band types (1 << OFPMBT_*). */
  bandTypes: number;
  /** OFPMF_* bitmap. */
  capabilities: number;
  maxBands: number;
  maxColor: number;
}
