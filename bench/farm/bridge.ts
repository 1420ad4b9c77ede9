// One simulated Open vSwitch bridge: its ports, flow table (Open vSwitch's
// semantics, test/support/flow-table.ts), groups and meters, and what it
// answers to the controller's messages: FEATURES, configuration, the
// multiparts, barrier, flow-, group- and meter-mods with Open vSwitch's errors,
// ROLE_REQUEST with its master election id, and ONF bundles (OF1.3). The
// connection itself (HELLO, echo, reconnect) is session.ts; what a PACKET_OUT
// does beyond the bridge is the fabric's (fabric.ts).
import {
  GROUP_ALL,
  GROUP_ANY,
  NO_BUFFER,
  OFP10_VERSION,
  OFP13_VERSION,
  Port,
  TABLE_ALL,
  type OfVersion,
} from '../../src/openflow/wire-values.js';
import { type Bucket, type GroupType, type MeterBand } from '../../src/openflow/flow-model.js';
import {
  type FlowStats,
  type MultipartReplyBody,
  type MultipartRequestBody,
  type PortDesc,
  type PortStats,
} from '../../src/openflow/stats-model.js';
import { type OfpMessage, type PacketOut } from '../../src/openflow/message-model.js';
import { FlowTable, flowModError, reportedInstructions, type TableFlow } from '../../test/support/flow-table.js';
import { BundleBook } from './bundles.js';
import { errorFor, OFPET, OFPBRC } from './errors.js';

/** Open vSwitch's OF1.3 capabilities: flow, table, port, group and queue stats. */
const CAPABILITIES13 = 0x4f;
/** OF1.0: flow, table, port stats, ARP match IP, queue stats... as Open vSwitch sets them. */
const CAPABILITIES10 = 0xc7;
const ACTIONS10 = 0xfff;
const N_TABLES = 254;
/** A multipart reply stays below OpenFlow's 64 KiB message limit. */
const FLOWS_PER_PART = 128;
const PART_BYTES = 48 * 1024;

/** An upper bound of a group's size in a GROUP_DESC reply: ofp_group_desc (8), each ofp_bucket (16) and its actions (at most 16 bytes each but set-field, counted as 32). */
function groupDescBytes(buckets: readonly Bucket[]): number {
  let n = 8;
  for (const b of buckets) n += 16 + 32 * b.actions.length;
  return n;
}
/** OF1.3 port state OFPPS_LIVE, which Open vSwitch sets on a port that is up. */
const OFPPS_LIVE = 4;

export interface BridgeCounters {
  flowMods: number;
  bundlesCommitted: number;
  errorsSent: number;
  packetOuts: number;
}

/** What belongs to one connection rather than to the bridge. */
export interface ConnectionState {
  role: 'equal' | 'master' | 'slave';
  bundles: BundleBook;
}

/** What the bridge sends back for one message: replies in order, and a packet-out for the fabric. */
export interface Answer {
  replies: OfpMessage[];
  packetOut?: PacketOut;
}

export class SimBridge {
  readonly flows: FlowTable;
  readonly ports = new Map<number, PortDesc>();
  readonly groups = new Map<number, { groupType: GroupType; buckets: Bucket[] }>();
  readonly meters = new Map<number, { flags: number; bands: MeterBand[] }>();
  readonly counters: BridgeCounters = { flowMods: 0, bundlesCommitted: 0, errorsSent: 0, packetOuts: 0 };
  /** The master election id (ROLE_REQUEST generation_id), kept across connections as Open vSwitch does. */
  private electionId: bigint | undefined;
  private config = { flags: 0, missSendLen: 128 };
  /** Port numbers by name: a port that comes back gets its old number (Open vSwitch keeps ofport in its database). */
  private readonly numberOf = new Map<string, number>();
  private readonly usedNumbers = new Set<number>();
  private nextPortNo = 1;
  private readonly portStats = new Map<number, { rx: bigint; tx: bigint }>();

  constructor(
    readonly dpid: bigint,
    readonly name: string,
    /** The one version this bridge speaks (its `protocols` setting). */
    readonly version: OfVersion,
  ) {
    this.flows = new FlowTable(version);
    this.ports.set(Port.LOCAL, this.portDesc(Port.LOCAL, name));
  }

  /** Adds a port (or brings back one of that name with its old number); its description. */
  addPort(name: string): PortDesc {
    let portNo = this.numberOf.get(name);
    if (portNo === undefined) {
      while (this.usedNumbers.has(this.nextPortNo)) this.nextPortNo++;
      portNo = this.nextPortNo++;
      this.numberOf.set(name, portNo);
      this.usedNumbers.add(portNo);
    }
    const desc = this.portDesc(portNo, name);
    this.ports.set(portNo, desc);
    return desc;
  }

  removePort(name: string): PortDesc | undefined {
    const portNo = this.numberOf.get(name);
    const desc = portNo === undefined ? undefined : this.ports.get(portNo);
    if (desc) this.ports.delete(desc.portNo);
    return desc;
  }

  portByName(name: string): PortDesc | undefined {
    const n = this.numberOf.get(name);
    return n === undefined ? undefined : this.ports.get(n);
  }

  countRx(portNo: number): void {
    const s = this.portStats.get(portNo) ?? { rx: 0n, tx: 0n };
    s.rx++;
    this.portStats.set(portNo, s);
  }

  countTx(portNo: number): void {
    const s = this.portStats.get(portNo) ?? { rx: 0n, tx: 0n };
    s.tx++;
    this.portStats.set(portNo, s);
  }

  /**
   * Answers one message of a connection with version `version`. `raw` is the
   * message as received (errors quote its first 64 bytes); `conn` holds the
   * connection's role (a slave may not change state) and its open bundles.
   */
  answer(msg: OfpMessage, raw: Uint8Array, conn: ConnectionState): Answer {
    const v = this.version;
    const reply = (m: Record<string, unknown>): OfpMessage => ({ version: v, xid: msg.xid, ...m }) as OfpMessage;
    const fail = (errType: number, code: number, extra?: { experimenter: number }): Answer => {
      this.counters.errorsSent++;
      return { replies: [errorFor(v, msg.xid, errType, code, raw, extra)] };
    };
    const changesState = msg.type === 'flowMod' || msg.type === 'groupMod' || msg.type === 'meterMod' || msg.type === 'packetOut' || msg.type === 'bundleControl' || msg.type === 'bundleAdd';
    if (conn.role === 'slave' && changesState) return fail(OFPET.BAD_REQUEST, OFPBRC.IS_SLAVE);
    switch (msg.type) {
      case 'featuresRequest':
        return {
          replies: [
            reply({
              type: 'featuresReply',
              datapathId: this.dpid,
              nBuffers: 0,
              nTables: N_TABLES,
              auxiliaryId: 0,
              capabilities: v === OFP13_VERSION ? CAPABILITIES13 : CAPABILITIES10,
              actions: v === OFP10_VERSION ? ACTIONS10 : 0,
              ports: v === OFP10_VERSION ? [...this.ports.values()] : [],
            }),
          ],
        };
      case 'getConfigRequest':
        return { replies: [reply({ type: 'getConfigReply', ...this.config })] };
      case 'setConfig':
        this.config = { flags: msg.flags, missSendLen: msg.missSendLen };
        return { replies: [] };
      case 'barrierRequest':
        return { replies: [reply({ type: 'barrierReply' })] };
      case 'multipartRequest': {
        const parts = this.multipart(msg.body);
        if (parts === undefined) return fail(OFPET.BAD_REQUEST, OFPBRC.BAD_MULTIPART);
        return { replies: parts.map((body, i) => reply({ type: 'multipartReply', more: i < parts.length - 1, body })) };
      }
      case 'flowMod': {
        this.counters.flowMods++;
        const err = flowModError(msg, v, { meters: this.meters, groups: this.groups });
        if (err) return fail(err.errType, err.code);
        this.flows.apply(msg);
        return { replies: [] };
      }
      case 'groupMod': {
        const err = this.groupMod(msg);
        return err !== undefined ? fail(OFPET.GROUP_MOD_FAILED, err) : { replies: [] };
      }
      case 'meterMod': {
        const err = this.meterMod(msg);
        return err !== undefined ? fail(OFPET.METER_MOD_FAILED, err) : { replies: [] };
      }
      case 'packetOut':
        if (msg.bufferId !== NO_BUFFER) return fail(OFPET.BAD_REQUEST, OFPBRC.BUFFER_UNKNOWN);
        this.counters.packetOuts++;
        return { replies: [], packetOut: msg };
      case 'roleRequest': {
        if (msg.role !== 'nochange') {
          if (msg.role !== 'equal' && this.electionId !== undefined && BigInt.asIntN(64, msg.generationId - this.electionId) < 0n) {
            return fail(OFPET.ROLE_REQUEST_FAILED, 0 /* OFPRRFC_STALE */);
          }
          if (msg.role !== 'equal') this.electionId = msg.generationId;
          conn.role = msg.role;
        }
        return { replies: [reply({ type: 'roleReply', role: conn.role, generationId: this.electionId ?? 0n })] };
      }
      case 'bundleControl':
      case 'bundleAdd': {
        const r = conn.bundles.handle(msg, raw, this);
        if (r.error) {
          this.counters.errorsSent += r.replies.length;
          return { replies: r.replies };
        }
        if (r.committed) this.counters.bundlesCommitted++;
        return { replies: r.replies };
      }
      case 'echoRequest':
        return { replies: [reply({ type: 'echoReply', data: msg.data })] };
      case 'echoReply':
      case 'error':
      case 'hello':
        return { replies: [] };
      default:
        // A message a switch never receives (a reply, a packet-in, ...).
        return fail(OFPET.BAD_REQUEST, OFPBRC.BAD_TYPE);
    }
  }

  /** Checks a flow-mod or group-mod of a bundle against the state it would meet; the OpenFlow error or undefined. */
  bundleError(msg: OfpMessage, groupsThen: Set<number>): { errType: number; code: number } | undefined {
    if (msg.type === 'flowMod') return flowModError(msg, this.version, { meters: this.meters, groups: groupsThen });
    if (msg.type === 'groupMod') {
      const code = groupModCode(msg.command, msg.groupId, groupsThen);
      if (code !== undefined) return { errType: OFPET.GROUP_MOD_FAILED, code };
      if (msg.command === 'add') groupsThen.add(msg.groupId);
      if (msg.command === 'delete' && msg.groupId === GROUP_ALL) groupsThen.clear();
      else if (msg.command === 'delete') groupsThen.delete(msg.groupId);
    }
    return undefined;
  }

  /** Applies a message of a committed bundle (validated by bundleError). */
  applyBundled(msg: OfpMessage): void {
    if (msg.type === 'flowMod') {
      this.counters.flowMods++;
      this.flows.apply(msg);
    }
    if (msg.type === 'groupMod') this.groupMod(msg);
  }

  private groupMod(msg: Extract<OfpMessage, { type: 'groupMod' }>): number | undefined {
    const code = groupModCode(msg.command, msg.groupId, this.groups);
    if (code !== undefined) return code;
    if (msg.command === 'delete') {
      const gone = msg.groupId === GROUP_ALL ? [...this.groups.keys()] : [msg.groupId];
      for (const g of gone) {
        this.groups.delete(g);
        // Open vSwitch deletes the flows that output to a deleted group.
        this.flows.apply({ command: 'delete', tableId: TABLE_ALL, priority: 0, match: {}, instructions: [], cookie: 0n, cookieMask: 0n, outPort: Port.ANY, outGroup: g });
      }
      return undefined;
    }
    this.groups.set(msg.groupId, { groupType: msg.groupType, buckets: msg.buckets });
    return undefined;
  }

  private meterMod(msg: Extract<OfpMessage, { type: 'meterMod' }>): number | undefined {
    if (msg.command === 'add' && this.meters.has(msg.meterId)) return 1; /* OFPMMFC_METER_EXISTS */
    if (msg.command === 'modify' && !this.meters.has(msg.meterId)) return 3; /* OFPMMFC_UNKNOWN_METER */
    if (msg.command === 'delete') {
      const gone = msg.meterId === 0xffffffff ? [...this.meters.keys()] : [msg.meterId];
      for (const m of gone) {
        if (!this.meters.delete(m)) continue;
        // Open vSwitch deletes the flows that use a deleted meter.
        this.flows.removeWhere((f) => f.instructions.some((i) => i.type === 'meter' && i.meterId === m));
      }
      return undefined;
    }
    this.meters.set(msg.meterId, { flags: msg.flags, bands: msg.bands });
    return undefined;
  }

  /** The reply bodies of a multipart request (several parts for long answers), or undefined when not offered. */
  private multipart(body: MultipartRequestBody): MultipartReplyBody[] | undefined {
    const v13 = this.version === OFP13_VERSION;
    switch (body.kind) {
      case 'desc':
        return [{ kind: 'desc', desc: { mfrDesc: 'Spotlight switch farm', hwDesc: 'simulated Open vSwitch', swDesc: 'bench/farm', serialNum: 'None', dpDesc: this.name } }];
      case 'portDesc':
        return v13 ? [{ kind: 'portDesc', ports: [...this.ports.values()] }] : undefined;
      case 'flow': {
        const flows = this.flows.select(body).map((f) => this.flowStats(f));
        const parts: MultipartReplyBody[] = [];
        for (let i = 0; i < flows.length; i += FLOWS_PER_PART) parts.push({ kind: 'flow', flows: flows.slice(i, i + FLOWS_PER_PART) });
        return parts.length > 0 ? parts : [{ kind: 'flow', flows: [] }];
      }
      case 'aggregate':
        return [{ kind: 'aggregate', packetCount: 0n, byteCount: 0n, flowCount: this.flows.select(body).length }];
      case 'table': {
        const count = new Map<number, number>();
        for (const f of this.flows.all()) count.set(f.tableId, (count.get(f.tableId) ?? 0) + 1);
        if (!v13) return [{ kind: 'table', tables: [{ tableId: 0, name: 'classifier', activeCount: count.get(0) ?? 0, lookupCount: 0n, matchedCount: 0n, maxEntries: 1_000_000 }] }];
        const tables = Array.from({ length: N_TABLES }, (_, t) => ({ tableId: t, name: '', activeCount: count.get(t) ?? 0, lookupCount: 0n, matchedCount: 0n, maxEntries: 0 }));
        return [{ kind: 'table', tables }];
      }
      case 'port': {
        const nos = body.portNo === Port.ANY ? [...this.ports.keys()] : this.ports.has(body.portNo) ? [body.portNo] : [];
        return [{ kind: 'port', ports: nos.map((n) => this.portStatsOf(n)) }];
      }
      case 'groupDesc': {
        if (!v13) return undefined;
        // Split as Open vSwitch does, each part under the message limit (a fast-failover or select group can have a bucket per port).
        const parts: MultipartReplyBody[] = [];
        let groups: { groupType: GroupType; groupId: number; buckets: Bucket[] }[] = [];
        let bytes = 0;
        for (const [groupId, g] of this.groups) {
          const size = groupDescBytes(g.buckets);
          if (groups.length > 0 && bytes + size > PART_BYTES) {
            parts.push({ kind: 'groupDesc', groups });
            groups = [];
            bytes = 0;
          }
          groups.push({ groupId, ...g });
          bytes += size;
        }
        parts.push({ kind: 'groupDesc', groups });
        return parts;
      }
      case 'groupFeatures':
        // As Open vSwitch 3.1's userspace datapath reports them (checked in test/integration/farm-vs-ovs.test.ts).
        return v13 ? [{ kind: 'groupFeatures', types: 0xf, capabilities: 0x7, maxGroups: [0xffffff00, 0xffffff00, 0xffffff00, 0xffffff00], actions: [0x3ff8001, 0x3ff8001, 0x3ff8001, 0x3ff8001] }] : undefined;
      case 'meterConfig': {
        if (!v13) return undefined;
        const ids = body.meterId === 0xffffffff ? [...this.meters.keys()] : this.meters.has(body.meterId) ? [body.meterId] : [];
        return [{ kind: 'meterConfig', meters: ids.map((meterId) => ({ meterId, ...this.meters.get(meterId)! })) }];
      }
      case 'meterFeatures':
        // Also Open vSwitch 3.1's userspace datapath's figures.
        return v13 ? [{ kind: 'meterFeatures', maxMeter: 262_144, bandTypes: 0x2, capabilities: 0xf, maxBands: 8, maxColor: 0 }] : undefined;
      default:
        return undefined;
    }
  }

  private flowStats(f: TableFlow): FlowStats {
    const ms = Math.max(0, Date.now() - f.addedAt);
    return {
      tableId: f.tableId,
      durationSec: Math.floor(ms / 1000),
      durationNsec: (ms % 1000) * 1_000_000,
      priority: f.priority,
      idleTimeout: f.idleTimeout,
      hardTimeout: f.hardTimeout,
      flags: this.version === OFP13_VERSION ? f.flags : {},
      cookie: f.cookie,
      packetCount: 0n,
      byteCount: 0n,
      match: f.match,
      instructions: reportedInstructions(f.instructions, this.version),
    };
  }

  private portStatsOf(portNo: number): PortStats {
    const s = this.portStats.get(portNo) ?? { rx: 0n, tx: 0n };
    return {
      portNo,
      rxPackets: s.rx, txPackets: s.tx, rxBytes: 0n, txBytes: 0n, rxDropped: 0n, txDropped: 0n,
      rxErrors: 0n, txErrors: 0n, rxFrameErr: 0n, rxOverErr: 0n, rxCrcErr: 0n, collisions: 0n,
      durationSec: 0, durationNsec: 0,
    };
  }

  private portDesc(portNo: number, name: string): PortDesc {
    const d = Number(this.dpid & 0xffffn);
    const bytes = [0x02, d >> 8, d & 0xff, (portNo >>> 16) & 0xff, (portNo >>> 8) & 0xff, portNo & 0xff];
    return {
      portNo,
      hwAddr: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':'),
      name,
      config: 0,
      state: this.version === OFP13_VERSION ? OFPPS_LIVE : 0,
      curr: 0x840, // 10 Gb full duplex, copper
      advertised: 0,
      supported: 0,
      peer: 0,
      currSpeed: this.version === OFP13_VERSION ? 10_000_000 : 0,
      maxSpeed: 0,
    };
  }
}

/** GROUP_MOD_FAILED code for a group-mod against the groups there, or undefined. */
function groupModCode(command: 'add' | 'modify' | 'delete', groupId: number, groups: { has(id: number): boolean }): number | undefined {
  if (command === 'add' && groups.has(groupId)) return 0; /* OFPGMFC_GROUP_EXISTS */
  if (command === 'modify' && !groups.has(groupId)) return 8; /* OFPGMFC_UNKNOWN_GROUP */
  if (command !== 'delete' && (groupId > 0xffffff00 || groupId === GROUP_ANY)) return 1; /* OFPGMFC_INVALID_GROUP */
  return undefined;
}
