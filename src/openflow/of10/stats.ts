// OF1.0 statistics: {type u16, flags u16, body}. Ports come from the
// FEATURES_REPLY in OF1.0, so portDesc, and OF1.0 has no groups or meters.
import { fail } from '../errors.js';
import { MAX_MULTIPART_ENTRIES } from '../limits.js';
import type { Reader } from '../reader.js';
import { OFP10_VERSION } from '../wire-values.js';
import type { FlowStats, FlowStatsRequestBody, MultipartReplyBody, MultipartRequestBody, PortStats, TableStats } from '../stats-model.js';
import type { MultipartReply, MultipartRequest } from '../message-model.js';
import type { Writer } from '../writer.js';
import { decodeAggregate, decodeDesc, encodeDesc } from '../of13/multipart-reply.js';
import { decodeActions10, encodeActions10 } from './actions.js';
import { OFP10_FLOW_STATS_LEN, OFP10_PORT_STATS_LEN, OFP10_TABLE_STATS_LEN, OFPFW10, OFPSF_REPLY_MORE, OFPST10 } from './constants.js';
import { decodeMatch10, encodeMatch10 } from './match.js';
import { actionsOf, flagsFromWire10, instructionsOf } from './messages.js';
import { portFromWire10, portToWire10 } from './ports.js';

const V = OFP10_VERSION;

function kindToWire(kind: string, at: number): number {
  switch (kind) {
    case 'desc':
      return OFPST10.OFPST_DESC;
    case 'flow':
      return OFPST10.OFPST_FLOW;
    case 'aggregate':
      return OFPST10.OFPST_AGGREGATE;
    case 'table':
      return OFPST10.OFPST_TABLE;
    case 'port':
      return OFPST10.OFPST_PORT;
    case 'portDesc':
      return fail('UNSUPPORTED', 'OF1.0 has no port-desc statistics: ports come in the FEATURES_REPLY', at);
    case 'groupDesc':
    case 'groupFeatures':
    case 'tableFeatures':
    case 'meterConfig':
    case 'meterFeatures':
      return fail('UNSUPPORTED', `OF1.0 has no ${kind} statistics`, at);
    default:
      return fail('BAD_VALUE', `statistics kind "${kind}"`, at);
  }
}

function encodeFlowReq(w: Writer, b: FlowStatsRequestBody): void {
  if (b.cookie || b.cookieMask) fail('UNSUPPORTED', 'OF1.0 flow statistics requests have no cookie', w.pos);
  if (b.outGroup !== 0xffffffff) fail('UNSUPPORTED', 'OF1.0 has no out_group', w.pos);
  encodeMatch10(w, b.match);
  w.u8(b.tableId, 'table_id');
  w.zeros(1);
  w.u16(portToWire10(b.outPort, w.pos, 'out_port'));
}

function decodeFlowReq(r: Reader): FlowStatsRequestBody {
  const match = decodeMatch10(r);
  const tableId = r.u8();
  r.skip(1);
  const outPort = portFromWire10(r.u16());
  return { tableId, outPort, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match };
}

export function encodeStatsRequest10(w: Writer, m: MultipartRequest): void {
  const b = m.body;
  w.u16(kindToWire(b?.kind, w.pos));
  w.u16(m.more ? 1 : 0);
  switch (b.kind) {
    case 'flow':
    case 'aggregate':
      return encodeFlowReq(w, b);
    case 'port':
      w.u16(portToWire10(b.portNo, w.pos, 'port_no'));
      return w.zeros(6);
    default:
      return;
  }
}

export function decodeStatsRequest10(r: Reader, xid: number): MultipartRequest {
  const at = r.pos;
  const type = r.u16();
  const more = (r.u16() & 1) !== 0;
  let body: MultipartRequestBody;
  switch (type) {
    case OFPST10.OFPST_DESC:
      body = { kind: 'desc' };
      break;
    case OFPST10.OFPST_FLOW:
      body = { kind: 'flow', ...decodeFlowReq(r) };
      break;
    case OFPST10.OFPST_AGGREGATE:
      body = { kind: 'aggregate', ...decodeFlowReq(r) };
      break;
    case OFPST10.OFPST_TABLE:
      body = { kind: 'table' };
      break;
    case OFPST10.OFPST_PORT: {
      const portNo = portFromWire10(r.u16());
      r.skip(6);
      body = { kind: 'port', portNo };
      break;
    }
    default:
      fail('UNSUPPORTED', `OF1.0 statistics type ${type} is not modelled by Spotlight`, at);
  }
  r.done('statistics request');
  return { version: V, xid, type: 'multipartRequest', more, body };
}

function encodeFlowStats(w: Writer, f: FlowStats): void {
  if (f.flags && Object.values(f.flags).some(Boolean)) fail('UNSUPPORTED', 'OF1.0 flow statistics carry no flags', w.pos);
  const actions = actionsOf(f.instructions, w.pos);
  const start = w.pos;
  w.u16(0);
  w.u8(f.tableId, 'table_id');
  w.zeros(1);
  encodeMatch10(w, f.match);
  w.u32(f.durationSec, 'duration_sec');
  w.u32(f.durationNsec, 'duration_nsec');
  w.u16(f.priority, 'priority');
  w.u16(f.idleTimeout, 'idle_timeout');
  w.u16(f.hardTimeout, 'hard_timeout');
  w.zeros(6);
  w.u64(f.cookie, 'cookie');
  w.u64(f.packetCount, 'packet_count');
  w.u64(f.byteCount, 'byte_count');
  encodeActions10(w, actions);
  w.patchU16(start, w.pos - start, 'flow stats');
}

function decodeFlowStats(r: Reader): FlowStats[] {
  const out: FlowStats[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', 'too many flow stats entries', r.pos);
    const at = r.pos;
    const len = r.u16();
    if (len < OFP10_FLOW_STATS_LEN || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `flow stats length ${len}`, at);
    const b = r.sub(len - 2, 'flow stats');
    const tableId = b.u8();
    b.skip(1);
    const match = decodeMatch10(b);
    const durationSec = b.u32();
    const durationNsec = b.u32();
    const priority = b.u16();
    const idleTimeout = b.u16();
    const hardTimeout = b.u16();
    b.skip(6);
    const cookie = b.u64();
    const packetCount = b.u64();
    const byteCount = b.u64();
    const instructions = instructionsOf(decodeActions10(b));
    out.push({ tableId, durationSec, durationNsec, priority, idleTimeout, hardTimeout, flags: flagsFromWire10(0), cookie, packetCount, byteCount, match, instructions });
  }
  return out;
}

function list<T>(w: Writer, xs: T[], what: string): T[] {
  if (!Array.isArray(xs)) fail('BAD_VALUE', `${what} is not an array`, w.pos);
  if (xs.length > MAX_MULTIPART_ENTRIES) fail('TOO_MANY_ELEMENTS', `more than ${MAX_MULTIPART_ENTRIES} ${what}`, w.pos);
  return xs;
}

export function encodeStatsReply10(w: Writer, m: MultipartReply): void {
  const b = m.body;
  w.u16(kindToWire(b?.kind, w.pos));
  w.u16(m.more ? OFPSF_REPLY_MORE : 0);
  switch (b.kind) {
    case 'desc':
      return encodeDesc(w, b.desc);
    case 'flow':
      for (const f of list(w, b.flows, 'flows')) encodeFlowStats(w, f);
      return;
    case 'aggregate':
      w.u64(b.packetCount, 'packet_count');
      w.u64(b.byteCount, 'byte_count');
      w.u32(b.flowCount, 'flow_count');
      return w.zeros(4);
    case 'port':
      for (const p of list(w, b.ports, 'port stats')) {
        if (p.durationSec || p.durationNsec) fail('UNSUPPORTED', 'OF1.0 port statistics carry no duration', w.pos);
        w.u16(portToWire10(p.portNo, w.pos, 'port_no'));
        w.zeros(6);
        for (const v of [p.rxPackets, p.txPackets, p.rxBytes, p.txBytes, p.rxDropped, p.txDropped, p.rxErrors, p.txErrors, p.rxFrameErr, p.rxOverErr, p.rxCrcErr, p.collisions]) {
          w.u64(v, 'port counter');
        }
      }
      return;
    case 'table':
      for (const t of list(w, b.tables, 'tables')) {
        w.u8(t.tableId, 'table_id');
        w.zeros(3);
        w.str(t.name, 32, 'table name');
        w.u32(OFPFW10.OFPFW_ALL);
        w.u32(t.maxEntries, 'max_entries');
        w.u32(t.activeCount, 'active_count');
        w.u64(t.lookupCount, 'lookup_count');
        w.u64(t.matchedCount, 'matched_count');
      }
      return;
  }
}

export function decodeStatsReply10(r: Reader, xid: number): MultipartReply {
  const at = r.pos;
  const type = r.u16();
  const more = (r.u16() & OFPSF_REPLY_MORE) !== 0;
  let body: MultipartReplyBody;
  const count = (size: number, what: string): number => {
    if (r.remaining % size !== 0) fail('BAD_ELEMENT_LENGTH', `${what} body of ${r.remaining} bytes is not a multiple of ${size}`, r.pos);
    return r.remaining / size;
  };
  switch (type) {
    case OFPST10.OFPST_DESC:
      body = { kind: 'desc', desc: decodeDesc(r) };
      break;
    case OFPST10.OFPST_FLOW:
      body = { kind: 'flow', flows: decodeFlowStats(r) };
      break;
    case OFPST10.OFPST_AGGREGATE:
      body = decodeAggregate(r);
      break;
    case OFPST10.OFPST_PORT: {
      const n = count(OFP10_PORT_STATS_LEN, 'port stats');
      const ports: PortStats[] = [];
      for (let i = 0; i < n; i++) {
        const portNo = portFromWire10(r.u16());
        r.skip(6);
        ports.push({
          portNo,
          rxPackets: r.u64(), txPackets: r.u64(), rxBytes: r.u64(), txBytes: r.u64(),
          rxDropped: r.u64(), txDropped: r.u64(), rxErrors: r.u64(), txErrors: r.u64(),
          rxFrameErr: r.u64(), rxOverErr: r.u64(), rxCrcErr: r.u64(), collisions: r.u64(),
          durationSec: 0, durationNsec: 0,
        });
      }
      body = { kind: 'port', ports };
      break;
    }
    case OFPST10.OFPST_TABLE: {
      const n = count(OFP10_TABLE_STATS_LEN, 'table stats');
      const tables: TableStats[] = [];
      for (let i = 0; i < n; i++) {
        const tableId = r.u8();
        r.skip(3);
        const name = r.str(32);
        r.skip(4);
        const maxEntries = r.u32();
        const activeCount = r.u32();
        tables.push({ tableId, name, activeCount, lookupCount: r.u64(), matchedCount: r.u64(), maxEntries });
      }
      body = { kind: 'table', tables };
      break;
    }
    default:
      fail('UNSUPPORTED', `OF1.0 statistics type ${type} is not modelled by Spotlight`, at);
  }
  r.done('statistics reply');
  return { version: V, xid, type: 'multipartReply', more, body };
}
