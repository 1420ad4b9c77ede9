// The OpenFlow messages, version-independent, as the codec decodes and encodes
// them. The codec maps these onto OF1.0 (wire version 0x01) and OF1.3 (wire
// version 0x04); a value that one version cannot carry is an encode error with
// code UNSUPPORTED, never silently dropped.
import type { Action, Bucket, FlowModCommand, FlowModFlags, GroupType, Instruction, Match, MeterBand } from './flow-model.js';
import type { MultipartReplyBody, MultipartRequestBody, PortDesc } from './stats-model.js';
import type { OfVersion } from './wire-values.js';

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
