// OF1.3 multipart replies: {type u16, flags u16, pad4, body}, a body per
// kind (switch description, flow, port and table statistics, port, group and
// meter descriptions, table, group and meter features).
import { fail } from '../errors.js';
import { MAX_MULTIPART_ENTRIES, MAX_PORTS } from '../limits.js';
import type { Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type { FlowStats, MultipartReplyBody, PortStats, SwitchDesc, TableFeatures, TableStats } from '../stats-model.js';
import type { MultipartReply } from '../message-model.js';
import type { Writer } from '../writer.js';
import {
  OFP13_DESC_LEN,
  OFP13_FLOW_STATS_LEN,
  OFP13_GROUP_FEATURES_LEN,
  OFP13_METER_FEATURES_LEN,
  OFP13_GROUP_DESC_LEN,
  OFP13_PORT_LEN,
  OFP13_PORT_STATS_LEN,
  OFP13_TABLE_FEATURES_LEN,
  OFP13_TABLE_STATS_LEN,
  OFP_MAX_TABLE_NAME_BYTES,
  OFPMP13,
  OFPMPF_MORE,
} from './constants.js';
import { flagsFromWire13, flagsToWire13 } from './flags.js';
import { decodeBands, decodeBuckets, encodeBands, encodeBuckets, groupTypeFromWire, groupTypeToWire } from './group-meter.js';
import { decodeInstructions13, encodeInstructions13 } from './instructions.js';
import { decodeMatch13, encodeMatch13 } from './match.js';
import { kindToWire } from './multipart.js';
import { decodePort13, encodePort13 } from './ports.js';

const V = OFP13_VERSION;

/** ofp_aggregate_stats_reply: the same 24 bytes in OF1.0 and OF1.3. */
export function decodeAggregate(r: Reader): Extract<MultipartReplyBody, { kind: 'aggregate' }> {
  const packetCount = r.u64();
  const byteCount = r.u64();
  const flowCount = r.u32();
  r.skip(4);
  return { kind: 'aggregate', packetCount, byteCount, flowCount };
}

function entries(r: Reader, size: number, what: string): number {
  if (r.remaining % size !== 0) fail('BAD_ELEMENT_LENGTH', `${what} body of ${r.remaining} bytes is not a multiple of ${size}`, r.pos);
  const n = r.remaining / size;
  if (n > MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', `${n} ${what} entries`, r.pos);
  return n;
}

function encodeFlowStats(w: Writer, f: FlowStats): void {
  const start = w.pos;
  w.u16(0);
  w.u8(f.tableId, 'table_id');
  w.zeros(1);
  w.u32(f.durationSec, 'duration_sec');
  w.u32(f.durationNsec, 'duration_nsec');
  w.u16(f.priority, 'priority');
  w.u16(f.idleTimeout, 'idle_timeout');
  w.u16(f.hardTimeout, 'hard_timeout');
  w.u16(flagsToWire13(f.flags, w.pos));
  w.zeros(4);
  w.u64(f.cookie, 'cookie');
  w.u64(f.packetCount, 'packet_count');
  w.u64(f.byteCount, 'byte_count');
  encodeMatch13(w, f.match);
  encodeInstructions13(w, f.instructions);
  w.patchU16(start, w.pos - start, 'flow stats');
}

function decodeFlowStats(r: Reader): FlowStats[] {
  const out: FlowStats[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', 'too many flow stats entries', r.pos);
    const at = r.pos;
    const len = r.u16();
    if (len < OFP13_FLOW_STATS_LEN || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `flow stats length ${len}`, at);
    const b = r.sub(len - 2, 'flow stats');
    const tableId = b.u8();
    b.skip(1);
    const durationSec = b.u32();
    const durationNsec = b.u32();
    const priority = b.u16();
    const idleTimeout = b.u16();
    const hardTimeout = b.u16();
    const flags = flagsFromWire13(b.u16());
    b.skip(4);
    const cookie = b.u64();
    const packetCount = b.u64();
    const byteCount = b.u64();
    const match = decodeMatch13(b);
    const instructions = decodeInstructions13(b);
    out.push({ tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags, cookie, packetCount, byteCount, match, instructions });
  }
  return out;
}

function encodePortStats(w: Writer, p: PortStats): void {
  w.u32(p.portNo, 'port_no');
  w.zeros(4);
  for (const v of [p.rxPackets, p.txPackets, p.rxBytes, p.txBytes, p.rxDropped, p.txDropped, p.rxErrors, p.txErrors, p.rxFrameErr, p.rxOverErr, p.rxCrcErr, p.collisions]) {
    w.u64(v, 'port counter');
  }
  w.u32(p.durationSec, 'duration_sec');
  w.u32(p.durationNsec, 'duration_nsec');
}

function decodePortStats(r: Reader): PortStats {
  const portNo = r.u32();
  r.skip(4);
  return {
    portNo,
    rxPackets: r.u64(), txPackets: r.u64(), rxBytes: r.u64(), txBytes: r.u64(),
    rxDropped: r.u64(), txDropped: r.u64(), rxErrors: r.u64(), txErrors: r.u64(),
    rxFrameErr: r.u64(), rxOverErr: r.u64(), rxCrcErr: r.u64(), collisions: r.u64(),
    durationSec: r.u32(), durationNsec: r.u32(),
  };
}

function encodeDesc(w: Writer, d: SwitchDesc): void {
  w.str(d.mfrDesc, 256, 'mfr_desc');
  w.str(d.hwDesc, 256, 'hw_desc');
  w.str(d.swDesc, 256, 'sw_desc');
  w.str(d.serialNum, 32, 'serial_num');
  w.str(d.dpDesc, 256, 'dp_desc');
}

export function decodeDesc(r: Reader): SwitchDesc {
  r.need(OFP13_DESC_LEN, 'switch description');
  return { mfrDesc: r.str(256), hwDesc: r.str(256), swDesc: r.str(256), serialNum: r.str(32), dpDesc: r.str(256) };
}

export { encodeDesc };

export function encodeMultipartReply13(w: Writer, m: MultipartReply): void {
  const b = m.body;
  w.u16(kindToWire(b?.kind, w.pos));
  w.u16(m.more ? OFPMPF_MORE : 0);
  w.zeros(4);
  const list = <T>(xs: T[], max: number, what: string): T[] => {
    if (!Array.isArray(xs)) fail('BAD_VALUE', `${what} is not an array`, w.pos);
    if (xs.length > max) fail('TOO_MANY_ELEMENTS', `more than ${max} ${what}`, w.pos);
    return xs;
  };
  switch (b.kind) {
    case 'desc':
      return encodeDesc(w, b.desc);
    case 'flow':
      for (const f of list(b.flows, MAX_MULTIPART_ENTRIES, 'flows')) encodeFlowStats(w, f);
      return;
    case 'aggregate':
      w.u64(b.packetCount, 'packet_count');
      w.u64(b.byteCount, 'byte_count');
      w.u32(b.flowCount, 'flow_count');
      return w.zeros(4);
    case 'port':
      for (const p of list(b.ports, MAX_MULTIPART_ENTRIES, 'port stats')) encodePortStats(w, p);
      return;
    case 'table':
      for (const t of list(b.tables, MAX_MULTIPART_ENTRIES, 'tables')) {
        if (t.name || t.maxEntries) fail('UNSUPPORTED', 'OF1.3 table stats carry no name or max_entries', w.pos);
        w.u8(t.tableId, 'table_id');
        w.zeros(3);
        w.u32(t.activeCount, 'active_count');
        w.u64(t.lookupCount, 'lookup_count');
        w.u64(t.matchedCount, 'matched_count');
      }
      return;
    case 'portDesc':
      for (const p of list(b.ports, MAX_PORTS, 'ports')) encodePort13(w, p);
      return;
    case 'groupDesc':
      for (const g of list(b.groups, MAX_MULTIPART_ENTRIES, 'groups')) {
        const start = w.pos;
        w.u16(0);
        w.u8(groupTypeToWire(g.groupType, w.pos));
        w.zeros(1);
        w.u32(g.groupId, 'group_id');
        encodeBuckets(w, g.buckets);
        w.patchU16(start, w.pos - start, 'group desc');
      }
      return;
    case 'meterConfig':
      for (const mc of list(b.meters, MAX_MULTIPART_ENTRIES, 'meters')) {
        const start = w.pos;
        w.u16(0);
        w.u16(mc.flags, 'meter flags');
        w.u32(mc.meterId, 'meter_id');
        encodeBands(w, mc.bands);
        w.patchU16(start, w.pos - start, 'meter config');
      }
      return;
    case 'tableFeatures':
      for (const t of list(b.tables, MAX_MULTIPART_ENTRIES, 'tables')) encodeTableFeatures(w, t);
      return;
    case 'groupFeatures':
      w.u32(b.types, 'group types');
      w.u32(b.capabilities, 'group capabilities');
      for (const n of fourOf(b.maxGroups, 'max_groups', w.pos)) w.u32(n, 'max_groups');
      for (const n of fourOf(b.actions, 'actions', w.pos)) w.u32(n, 'group actions');
      return;
    case 'meterFeatures':
      w.u32(b.maxMeter, 'max_meter');
      w.u32(b.bandTypes, 'band_types');
      w.u32(b.capabilities, 'meter capabilities');
      w.u8(b.maxBands, 'max_bands');
      w.u8(b.maxColor, 'max_color');
      return w.zeros(2);
  }
}

function encodeTableFeatures(w: Writer, t: TableFeatures): void {
  if (!(t.properties instanceof Uint8Array) || t.properties.length % 8 !== 0) fail('BAD_VALUE', 'table features properties must be a multiple of 8 bytes', w.pos);
  const start = w.pos;
  w.u16(0);
  w.u8(t.tableId, 'table_id');
  w.zeros(5);
  w.str(t.name, OFP_MAX_TABLE_NAME_BYTES, 'table name');
  w.u64(t.metadataMatch, 'metadata_match');
  w.u64(t.metadataWrite, 'metadata_write');
  w.u32(t.config, 'table config');
  w.u32(t.maxEntries, 'max_entries');
  w.bytes(t.properties, 'table features properties');
  w.patchU16(start, w.pos - start, 'table features');
}

function decodeTableFeatures(r: Reader): TableFeatures {
  const at = r.pos;
  const len = r.u16();
  if (len < OFP13_TABLE_FEATURES_LEN || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `table features length ${len}`, at);
  const b = r.sub(len - 2, 'table features');
  const tableId = b.u8();
  b.skip(5);
  const name = b.str(OFP_MAX_TABLE_NAME_BYTES);
  const metadataMatch = b.u64();
  const metadataWrite = b.u64();
  const config = b.u32();
  const maxEntries = b.u32();
  return { tableId, name, metadataMatch, metadataWrite, config, maxEntries, properties: b.rest() };
}

function fourOf(xs: readonly number[], what: string, at: number): readonly number[] {
  if (!Array.isArray(xs as unknown) || xs.length !== 4) fail('BAD_VALUE', `${what} needs one value per group type (4)`, at);
  return xs;
}

export function decodeMultipartReply13(r: Reader, xid: number): MultipartReply {
  const at = r.pos;
  const type = r.u16();
  const more = (r.u16() & OFPMPF_MORE) !== 0;
  r.skip(4);
  const body = decodeReplyBody(r, type, at);
  r.done('multipart reply');
  return { version: V, xid, type: 'multipartReply', more, body };
}

function decodeReplyBody(r: Reader, type: number, at: number): MultipartReplyBody {
  switch (type) {
    case OFPMP13.OFPMP_DESC:
      return { kind: 'desc', desc: decodeDesc(r) };
    case OFPMP13.OFPMP_FLOW:
      return { kind: 'flow', flows: decodeFlowStats(r) };
    case OFPMP13.OFPMP_AGGREGATE:
      return decodeAggregate(r);
    case OFPMP13.OFPMP_PORT_STATS:
      return decodePortStatsList(r);
    case OFPMP13.OFPMP_TABLE:
      return decodeTableStats(r);
    case OFPMP13.OFPMP_PORT_DESC:
      return decodePortDesc(r);
    case OFPMP13.OFPMP_GROUP_DESC:
      return decodeGroupDesc(r);
    case OFPMP13.OFPMP_METER_CONFIG:
      return decodeMeterConfig(r);
    case OFPMP13.OFPMP_TABLE_FEATURES:
      return decodeTableFeaturesList(r);
    case OFPMP13.OFPMP_GROUP_FEATURES:
      return decodeGroupFeatures(r);
    case OFPMP13.OFPMP_METER_FEATURES:
      return decodeMeterFeatures(r);
    default:
      return fail('UNSUPPORTED', `multipart reply type ${type} is not modelled by Spotlight`, at);
  }
}

type ReplyBody<K extends MultipartReplyBody['kind']> = Extract<MultipartReplyBody, { kind: K }>;

function decodePortStatsList(r: Reader): ReplyBody<'port'> {
  const n = entries(r, OFP13_PORT_STATS_LEN, 'port stats');
  const ports: PortStats[] = [];
  for (let i = 0; i < n; i++) ports.push(decodePortStats(r));
  return { kind: 'port', ports };
}

function decodeTableStats(r: Reader): ReplyBody<'table'> {
  const n = entries(r, OFP13_TABLE_STATS_LEN, 'table stats');
  const tables: TableStats[] = [];
  for (let i = 0; i < n; i++) {
    const tableId = r.u8();
    r.skip(3);
    tables.push({ tableId, name: '', activeCount: r.u32(), lookupCount: r.u64(), matchedCount: r.u64(), maxEntries: 0 });
  }
  return { kind: 'table', tables };
}

function decodePortDesc(r: Reader): ReplyBody<'portDesc'> {
  const n = entries(r, OFP13_PORT_LEN, 'port desc');
  if (n > MAX_PORTS) fail('TOO_MANY_ELEMENTS', `${n} ports`, r.pos);
  const ports = [];
  for (let i = 0; i < n; i++) ports.push(decodePort13(r));
  return { kind: 'portDesc', ports };
}

function decodeGroupDesc(r: Reader): ReplyBody<'groupDesc'> {
  const groups = [];
  while (r.remaining > 0) {
    if (groups.length >= MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', 'too many group desc entries', r.pos);
    const gAt = r.pos;
    const len = r.u16();
    if (len < OFP13_GROUP_DESC_LEN || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `group desc length ${len}`, gAt);
    const b = r.sub(len - 2, 'group desc');
    const groupType = groupTypeFromWire(b.u8(), gAt + 2);
    b.skip(1);
    const groupId = b.u32();
    groups.push({ groupType, groupId, buckets: decodeBuckets(b) });
  }
  return { kind: 'groupDesc', groups };
}

function decodeMeterConfig(r: Reader): ReplyBody<'meterConfig'> {
  const meters = [];
  while (r.remaining > 0) {
    if (meters.length >= MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', 'too many meter config entries', r.pos);
    const mAt = r.pos;
    const len = r.u16();
    if (len < 8 || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `meter config length ${len}`, mAt);
    const b = r.sub(len - 2, 'meter config');
    const flags = b.u16();
    const meterId = b.u32();
    meters.push({ flags, meterId, bands: decodeBands(b) });
  }
  return { kind: 'meterConfig', meters };
}

function decodeTableFeaturesList(r: Reader): ReplyBody<'tableFeatures'> {
  const tables: TableFeatures[] = [];
  while (r.remaining > 0) {
    if (tables.length >= MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', 'too many table features entries', r.pos);
    tables.push(decodeTableFeatures(r));
  }
  return { kind: 'tableFeatures', tables };
}

function decodeGroupFeatures(r: Reader): ReplyBody<'groupFeatures'> {
  r.need(OFP13_GROUP_FEATURES_LEN, 'group features');
  const types = r.u32();
  const capabilities = r.u32();
  const maxGroups: [number, number, number, number] = [r.u32(), r.u32(), r.u32(), r.u32()];
  const actions: [number, number, number, number] = [r.u32(), r.u32(), r.u32(), r.u32()];
  return { kind: 'groupFeatures', types, capabilities, maxGroups, actions };
}

function decodeMeterFeatures(r: Reader): ReplyBody<'meterFeatures'> {
  r.need(OFP13_METER_FEATURES_LEN, 'meter features');
  const maxMeter = r.u32();
  const bandTypes = r.u32();
  const capabilities = r.u32();
  const maxBands = r.u8();
  const maxColor = r.u8();
  r.skip(2);
  return { kind: 'meterFeatures', maxMeter, bandTypes, capabilities, maxBands, maxColor };
}
