// Message shapes as callers hand them to a connection: version and xid are
// filled in by the connection (negotiated version; fresh xid when absent).
// Which messages draw a reply or an ERROR, and which a switch may send.
import type { MultipartRequest, OfpMessage, OfpMessageType } from '../openflow/message-model.js';
import type { FlowStatsRequestBody } from '../openflow/stats-model.js';
import { GROUP_ANY, Port, TABLE_ALL, type OfVersion } from '../openflow/wire-values.js';

export type Unsent<M extends OfpMessage = OfpMessage> = M extends OfpMessage
  ? Omit<M, 'version' | 'xid'> & { version?: OfVersion; xid?: number }
  : never;

/** Requests whose answer is a message of their own (everything else is settled by a barrier). */
const REPLY_OF: Partial<Record<OfpMessageType, true>> = {
  echoRequest: true,
  featuresRequest: true,
  getConfigRequest: true,
  multipartRequest: true,
  barrierRequest: true,
  roleRequest: true,
};

export function expectsReply(msg: { type: OfpMessageType; ctrlType?: string }): boolean {
  if (msg.type === 'bundleControl') return typeof msg.ctrlType === 'string' && msg.ctrlType.endsWith('Request');
  return REPLY_OF[msg.type] === true;
}

/** Types a switch may send to a controller; anything else from it is refused with BAD_TYPE. */
const FROM_SWITCH: Partial<Record<OfpMessageType, true>> = {
  hello: true,
  error: true,
  echoRequest: true,
  echoReply: true,
  experimenter: true,
  featuresReply: true,
  getConfigReply: true,
  packetIn: true,
  flowRemoved: true,
  portStatus: true,
  multipartReply: true,
  barrierReply: true,
  roleReply: true,
  roleStatus: true,
  bundleControl: true,
};

export function isSwitchToController(type: OfpMessageType): boolean {
  return FROM_SWITCH[type] === true;
}

/** Messages we send that a switch never answers with an ERROR worth matching. */
const NOT_ANSWERABLE = new Set<OfpMessageType>(['hello', 'error', 'echoReply']);

/** Whether a switch's ERROR may answer a message of this type (so it is remembered by its xid). */
export function mayDrawError(type: OfpMessageType): boolean {
  return !NOT_ANSWERABLE.has(type);
}

/** A flow-stats request for the flows the filter names (every table, every flow by default). */
export function flowStatsRequest(filter: Partial<FlowStatsRequestBody> = {}): Unsent<MultipartRequest> {
  const body: FlowStatsRequestBody = {
    tableId: TABLE_ALL,
    outPort: Port.ANY,
    outGroup: GROUP_ANY,
    cookie: 0n,
    cookieMask: 0n,
    match: {},
    ...filter,
  };
  return { type: 'multipartRequest', more: false, body: { kind: 'flow', ...body } };
}
