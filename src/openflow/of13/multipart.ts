// OF1.3 multipart requests: {type u16, flags u16, pad4, body}. The replies
// are in multipart-reply.ts.
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type { FlowStatsRequestBody, MultipartRequestBody } from '../stats-model.js';
import type { MultipartRequest } from '../message-model.js';
import type { Writer } from '../writer.js';
import { OFPMP13, OFPMPF_MORE } from './constants.js';
import { decodeMatch13, encodeMatch13 } from './match.js';

const V = OFP13_VERSION;

const KIND_TO_WIRE: Record<MultipartRequestBody['kind'], number> = {
  desc: OFPMP13.OFPMP_DESC,
  flow: OFPMP13.OFPMP_FLOW,
  aggregate: OFPMP13.OFPMP_AGGREGATE,
  table: OFPMP13.OFPMP_TABLE,
  port: OFPMP13.OFPMP_PORT_STATS,
  portDesc: OFPMP13.OFPMP_PORT_DESC,
  groupDesc: OFPMP13.OFPMP_GROUP_DESC,
  groupFeatures: OFPMP13.OFPMP_GROUP_FEATURES,
  tableFeatures: OFPMP13.OFPMP_TABLE_FEATURES,
  meterConfig: OFPMP13.OFPMP_METER_CONFIG,
  meterFeatures: OFPMP13.OFPMP_METER_FEATURES,
};

/** The wire type of a request or reply body's kind (the same in both directions). */
export function kindToWire(kind: string, at: number): number {
  const v = Object.hasOwn(KIND_TO_WIRE, kind) ? KIND_TO_WIRE[kind as MultipartRequestBody['kind']] : undefined;
  if (v === undefined) fail('BAD_VALUE', `multipart kind "${kind}"`, at);
  return v;
}

function encodeFlowReq(w: Writer, b: FlowStatsRequestBody): void {
  w.u8(b.tableId, 'table_id');
  w.zeros(3);
  w.u32(b.outPort, 'out_port');
  w.u32(b.outGroup, 'out_group');
  w.zeros(4);
  w.u64(b.cookie, 'cookie');
  w.u64(b.cookieMask, 'cookie_mask');
  encodeMatch13(w, b.match);
}

function decodeFlowReq(r: Reader): FlowStatsRequestBody {
  const tableId = r.u8();
  r.skip(3);
  const outPort = r.u32();
  const outGroup = r.u32();
  r.skip(4);
  const cookie = r.u64();
  const cookieMask = r.u64();
  const match = decodeMatch13(r);
  return { tableId, outPort, outGroup, cookie, cookieMask, match };
}

export function encodeMultipartRequest13(w: Writer, m: MultipartRequest): void {
  const b = m.body;
  w.u16(kindToWire(b?.kind, w.pos));
  w.u16(m.more ? OFPMPF_MORE : 0);
  w.zeros(4);
  switch (b.kind) {
    case 'flow':
    case 'aggregate':
      return encodeFlowReq(w, b);
    case 'port':
      w.u32(b.portNo, 'port_no');
      return w.zeros(4);
    case 'meterConfig':
      w.u32(b.meterId, 'meter_id');
      return w.zeros(4);
    default:
      return;
  }
}

export function decodeMultipartRequest13(r: Reader, xid: number): MultipartRequest {
  const at = r.pos;
  const type = r.u16();
  const more = (r.u16() & OFPMPF_MORE) !== 0;
  r.skip(4);
  let body: MultipartRequestBody;
  switch (type) {
    case OFPMP13.OFPMP_DESC:
      body = { kind: 'desc' };
      break;
    case OFPMP13.OFPMP_FLOW:
      body = { kind: 'flow', ...decodeFlowReq(r) };
      break;
    case OFPMP13.OFPMP_AGGREGATE:
      body = { kind: 'aggregate', ...decodeFlowReq(r) };
      break;
    case OFPMP13.OFPMP_TABLE:
      body = { kind: 'table' };
      break;
    case OFPMP13.OFPMP_PORT_STATS: {
      const portNo = r.u32();
      r.skip(4);
      body = { kind: 'port', portNo };
      break;
    }
    case OFPMP13.OFPMP_PORT_DESC:
      body = { kind: 'portDesc' };
      break;
    case OFPMP13.OFPMP_GROUP_DESC:
      body = { kind: 'groupDesc' };
      break;
    case OFPMP13.OFPMP_GROUP_FEATURES:
      body = { kind: 'groupFeatures' };
      break;
    case OFPMP13.OFPMP_TABLE_FEATURES:
      // A body would set the tables' features: Spotlight only reads them.
      if (r.remaining > 0) fail('UNSUPPORTED', 'a table features request with a body (a change of the tables) is not modelled by Spotlight', at);
      body = { kind: 'tableFeatures' };
      break;
    case OFPMP13.OFPMP_METER_CONFIG: {
      const meterId = r.u32();
      r.skip(4);
      body = { kind: 'meterConfig', meterId };
      break;
    }
    case OFPMP13.OFPMP_METER_FEATURES:
      body = { kind: 'meterFeatures' };
      break;
    default:
      fail('UNSUPPORTED', `multipart request type ${type} is not modelled by Spotlight`, at);
  }
  r.done('multipart request');
  return { version: V, xid, type: 'multipartRequest', more, body };
}
