// Version-independent OpenFlow message model shared by the codec, the channel,
// the compiler's lowerings and the reconciler. The codec maps these onto OF1.0
// (wire version 0x01) and OF1.3 (wire version 0x04); a value that one version
// cannot carry is an encode error with code UNSUPPORTED, never silently dropped.

export const OFP10_VERSION = 0x01;
export const OFP13_VERSION = 0x04;
export type OfVersion = typeof OFP10_VERSION | typeof OFP13_VERSION;

/** "1.0" or "1.3": a version as the API, the operator commands and the logs name it. */
export function versionName(v: OfVersion): '1.0' | '1.3' {
  return v === OFP10_VERSION ? '1.0' : '1.3';
}

/**
 * Port numbers use the OF1.3 32-bit space everywhere in Spotlight. The OF1.0
 * codec maps the reserved ports 0xfffffff8..0xffffffff onto 0xfff8..0xffff.
 */
export const Port = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

export const NO_BUFFER = 0xffffffff;
export const GROUP_ANY = 0xffffffff;
export const GROUP_ALL = 0xfffffffc;
export const TABLE_ALL = 0xff;
/** OFPCML_NO_BUFFER: send the whole packet to the controller. */
export const CONTROLLER_MAX_LEN_NO_BUFFER = 0xffff;
/** OFPVID_PRESENT (OF1.3): set in vlanVid to match/set a tagged frame. */
export const VID_PRESENT = 0x1000;

/** A field value with an optional mask (bits set in the mask are compared). */
export interface Masked<T> {
  value: T;
  mask?: T;
}
export type MaybeMasked<T> = T | Masked<T>;

/**
 * A flow match. MAC addresses are "aa:bb:cc:dd:ee:ff" (lower case on decode),
 * IPv4 and IPv6 addresses in their usual text form (IPv6 compressed, lower case
 * on decode). Absent fields are wildcarded. Prerequisites (ethType before IP
 * fields, ipProto before ports, ...) are the caller's to include; the OF1.3
 * encoder rejects a match that misses one (BAD_OXM_PREREQ).
 *
 * OF1.0 carries only: inPort, ethSrc, ethDst, vlanVid, vlanPcp, ethType, ipDscp,
 * ipProto, ipv4Src/ipv4Dst (prefix masks only), tcp/udp ports and ICMPv4
 * type/code, and for ARP (ethType 0x0806) arpOp, arpSpa and arpTpa.
 */
export interface Match {
  inPort?: number;
  inPhyPort?: number;
  metadata?: MaybeMasked<bigint>;
  ethDst?: MaybeMasked<string>;
  ethSrc?: MaybeMasked<string>;
  ethType?: number;
  /** OF1.3: 12-bit VID | VID_PRESENT, or 0 for "no tag". OF1.0: dl_vlan (0xffff = no tag). */
  vlanVid?: MaybeMasked<number>;
  vlanPcp?: number;
  ipDscp?: number;
  ipEcn?: number;
  ipProto?: number;
  ipv4Src?: MaybeMasked<string>;
  ipv4Dst?: MaybeMasked<string>;
  tcpSrc?: number;
  tcpDst?: number;
  udpSrc?: number;
  udpDst?: number;
  sctpSrc?: number;
  sctpDst?: number;
  icmpv4Type?: number;
  icmpv4Code?: number;
  arpOp?: number;
  arpSpa?: MaybeMasked<string>;
  arpTpa?: MaybeMasked<string>;
  arpSha?: MaybeMasked<string>;
  arpTha?: MaybeMasked<string>;
  ipv6Src?: MaybeMasked<string>;
  ipv6Dst?: MaybeMasked<string>;
  ipv6Flabel?: MaybeMasked<number>;
  icmpv6Type?: number;
  icmpv6Code?: number;
  ipv6NdTarget?: string;
  ipv6NdSll?: string;
  ipv6NdTll?: string;
  mplsLabel?: number;
  mplsTc?: number;
  mplsBos?: number;
  pbbIsid?: MaybeMasked<number>;
  tunnelId?: MaybeMasked<bigint>;
  ipv6Exthdr?: MaybeMasked<number>;
}
export type MatchField = keyof Match;

/**
 * Actions. `output`, `group`, `setQueue`, `pushVlan`, `popVlan`, `setField`,
 * `decNwTtl` and the TTL actions are OF1.3; `output`, `enqueue`, `stripVlan`
 * and the `set*` rewrites are OF1.0. The OF1.3 encoder accepts the OF1.0
 * rewrites by turning them into set-field; the OF1.0 encoder accepts a
 * set-field on a field that an OF1.0 rewrite covers. Anything else that the
 * version lacks is UNSUPPORTED.
 */
export type Action =
  | { type: 'output'; port: number; maxLen?: number }
  | { type: 'group'; groupId: number }
  | { type: 'setQueue'; queueId: number }
  | { type: 'enqueue'; port: number; queueId: number }
  | { type: 'pushVlan'; ethertype: number }
  | { type: 'popVlan' }
  | { type: 'pushMpls'; ethertype: number }
  | { type: 'popMpls'; ethertype: number }
  | { type: 'stripVlan' }
  | { type: 'setField'; field: MatchField; value: string | number | bigint }
  | { type: 'setVlanVid'; vid: number }
  | { type: 'setVlanPcp'; pcp: number }
  | { type: 'setDlSrc'; mac: string }
  | { type: 'setDlDst'; mac: string }
  | { type: 'setNwSrc'; ip: string }
  | { type: 'setNwDst'; ip: string }
  | { type: 'setNwTos'; tos: number }
  | { type: 'setTpSrc'; port: number }
  | { type: 'setTpDst'; port: number }
  | { type: 'decNwTtl' }
  | { type: 'setNwTtl'; ttl: number }
  | { type: 'experimenter'; experimenter: number; data: Uint8Array };

/** OF1.3 instructions. An OF1.0 flow carries exactly zero or one applyActions. */
export type Instruction =
  | { type: 'gotoTable'; tableId: number }
  | { type: 'writeMetadata'; metadata: bigint; mask: bigint }
  | { type: 'applyActions'; actions: Action[] }
  | { type: 'writeActions'; actions: Action[] }
  | { type: 'clearActions' }
  | { type: 'meter'; meterId: number };

export type FlowModCommand = 'add' | 'modify' | 'modifyStrict' | 'delete' | 'deleteStrict';

/** Flow-mod flags as booleans; absent means false. */
export interface FlowModFlags {
  sendFlowRem?: boolean;
  checkOverlap?: boolean;
  /** OF1.0 only. */
  emerg?: boolean;
  /** OF1.3 only. */
  resetCounts?: boolean;
  noPktCounts?: boolean;
  noBytCounts?: boolean;
}

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

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';
export interface Bucket {
  weight: number;
  watchPort: number;
  watchGroup: number;
  actions: Action[];
}
export type MeterBand =
  | { type: 'drop'; rate: number; burstSize: number }
  | { type: 'dscpRemark'; rate: number; burstSize: number; precLevel: number }
  | { type: 'experimenter'; rate: number; burstSize: number; experimenter: number };
export const MeterFlags = { KBPS: 1, PKTPS: 2, BURST: 4, STATS: 8 } as const;

export type ControllerRole = 'nochange' | 'equal' | 'master' | 'slave';

interface Base {
  version: OfVersion;
  xid: number;
}

export interface Hello extends Base {
  type: 'hello';
  /** Versions from the version-bitmap element; absent when the HELLO had none. */
  versions?: number[];
}
export interface ErrorMsg extends Base {
  type: 'error';
  errType: number;
  code: number;
  /** At least the first 64 bytes of the request that failed, as the switch sent it. */
  data: Uint8Array;
  /** OFPET_EXPERIMENTER (OF1.3) only. */
  experimenter?: number;
}
export interface EchoRequest extends Base {
  type: 'echoRequest';
  data: Uint8Array;
}
export interface EchoReply extends Base {
  type: 'echoReply';
  data: Uint8Array;
}
export interface Experimenter extends Base {
  type: 'experimenter';
  experimenter: number;
  expType: number;
  data: Uint8Array;
}
export interface FeaturesRequest extends Base {
  type: 'featuresRequest';
}
export interface FeaturesReply extends Base {
  type: 'featuresReply';
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  /** OF1.3 only. */
  auxiliaryId: number;
  capabilities: number;
  /** OF1.0 only: supported actions bitmap. */
  actions: number;
  /** OF1.0 only: OF1.3 switches report ports through a portDesc multipart. */
  ports: PortDesc[];
}
export interface GetConfigRequest extends Base {
  type: 'getConfigRequest';
}
export interface GetConfigReply extends Base {
  type: 'getConfigReply';
  flags: number;
  missSendLen: number;
}
export interface SetConfig extends Base {
  type: 'setConfig';
  flags: number;
  missSendLen: number;
}
export interface PacketIn extends Base {
  type: 'packetIn';
  bufferId: number;
  totalLen: number;
  /** OFPR_NO_MATCH 0, OFPR_ACTION 1, OFPR_INVALID_TTL 2 (OF1.3). */
  reason: number;
  /** OF1.3 only (0 on OF1.0). */
  tableId: number;
  cookie: bigint;
  /** OF1.3: the pipeline fields; OF1.0: { inPort }. */
  match: Match;
  inPort: number;
  data: Uint8Array;
}
export interface FlowRemoved extends Base {
  type: 'flowRemoved';
  cookie: bigint;
  priority: number;
  reason: number;
  tableId: number;
  durationSec: number;
  durationNsec: number;
  idleTimeout: number;
  hardTimeout: number;
  packetCount: bigint;
  byteCount: bigint;
  match: Match;
}
/** Why a PORT_STATUS was sent (ofp_port_reason, the same in OF1.0 and OF1.3). */
export const PortReason = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

export interface PortStatus extends Base {
  type: 'portStatus';
  /** A PortReason. */
  reason: number;
  desc: PortDesc;
}
export interface PacketOut extends Base {
  type: 'packetOut';
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Uint8Array;
}
export interface FlowMod extends Base {
  type: 'flowMod';
  cookie: bigint;
  /** OF1.3 only; 0 on OF1.0. */
  cookieMask: bigint;
  /** OF1.0 has one table: 0. */
  tableId: number;
  command: FlowModCommand;
  idleTimeout: number;
  hardTimeout: number;
  priority: number;
  bufferId: number;
  outPort: number;
  outGroup: number;
  flags: FlowModFlags;
  match: Match;
  instructions: Instruction[];
}
export interface GroupMod extends Base {
  type: 'groupMod';
  command: 'add' | 'modify' | 'delete';
  groupType: GroupType;
  groupId: number;
  buckets: Bucket[];
}
export interface MeterMod extends Base {
  type: 'meterMod';
  command: 'add' | 'modify' | 'delete';
  flags: number;
  meterId: number;
  bands: MeterBand[];
}
export interface MultipartRequest extends Base {
  type: 'multipartRequest';
  /** OFPMPF_REQ_MORE. */
  more: boolean;
  body: MultipartRequestBody;
}
export interface MultipartReply extends Base {
  type: 'multipartReply';
  /** OFPMPF_REPLY_MORE: further replies with the same xid follow. */
  more: boolean;
  body: MultipartReplyBody;
}
export interface BarrierRequest extends Base {
  type: 'barrierRequest';
}
export interface BarrierReply extends Base {
  type: 'barrierReply';
}
export interface RoleRequest extends Base {
  type: 'roleRequest';
  role: ControllerRole;
  generationId: bigint;
}
export interface RoleReply extends Base {
  type: 'roleReply';
  role: ControllerRole;
  generationId: bigint;
}
/** Why a switch changed a controller's role on its own (OF1.4 OFPCRR_*). */
export type RoleStatusReason = 'masterRequest' | 'config' | 'experimenter';
/**
 * The switch tells a controller its role changed: OF1.4's ROLE_STATUS, which
 * Open vSwitch sends on OF1.3 as the ONF experimenter message 1911 (when
 * another controller became master, this one is now slave). OF1.0 has none.
 */
export interface RoleStatus extends Base {
  type: 'roleStatus';
  role: ControllerRole;
  reason: RoleStatusReason;
  generationId: bigint;
}
/** ONF bundle extension (EXT-230) as Open vSwitch offers it on OF1.3. */
export interface BundleControl extends Base {
  type: 'bundleControl';
  bundleId: number;
  ctrlType: 'openRequest' | 'openReply' | 'closeRequest' | 'closeReply' | 'commitRequest' | 'commitReply' | 'discardRequest' | 'discardReply';
  /** OFPBF_ATOMIC 1, OFPBF_ORDERED 2. */
  flags: number;
}
export interface BundleAdd extends Base {
  type: 'bundleAdd';
  bundleId: number;
  flags: number;
  /** The inner message; its xid must equal the bundle-add's. */
  message: OfpMessage;
}

export type OfpMessage =
  | Hello
  | ErrorMsg
  | EchoRequest
  | EchoReply
  | Experimenter
  | FeaturesRequest
  | FeaturesReply
  | GetConfigRequest
  | GetConfigReply
  | SetConfig
  | PacketIn
  | FlowRemoved
  | PortStatus
  | PacketOut
  | FlowMod
  | GroupMod
  | MeterMod
  | MultipartRequest
  | MultipartReply
  | BarrierRequest
  | BarrierReply
  | RoleRequest
  | RoleReply
  | RoleStatus
  | BundleControl
  | BundleAdd;

export type OfpMessageType = OfpMessage['type'];

/** Why a decode (or encode) failed; stable codes, documented in src/openflow/README.md. */
export type CodecErrorCode =
  | 'TRUNCATED_HEADER'
  | 'BAD_LENGTH'
  | 'TRAILING_BYTES'
  | 'BAD_VERSION'
  | 'BAD_TYPE'
  | 'TRUNCATED_BODY'
  | 'BAD_ELEMENT_LENGTH'
  | 'BAD_OXM'
  | 'BAD_OXM_MASK'
  | 'BAD_OXM_PREREQ'
  | 'DUPLICATE_FIELD'
  | 'TOO_MANY_ELEMENTS'
  | 'BAD_VALUE'
  | 'UNSUPPORTED';

export interface CodecError {
  code: CodecErrorCode;
  message: string;
  /** Byte offset in the message where the problem was found. */
  offset: number;
  /** From the header, when the header could be read. */
  version?: number;
  msgType?: number;
  xid?: number;
}

export type DecodeResult = { ok: true; message: OfpMessage } | { ok: false; error: CodecError };
export type EncodeResult = { ok: true; bytes: Buffer } | { ok: false; error: CodecError };
