// Message shapes as callers hand them to a connection: version and xid are
// filled in by the connection (negotiated version; fresh xid when absent).
import type { OfpMessage, OfpMessageType } from '../openflow/message-model.js';
import type { OfVersion } from '../openflow/wire-values.js';

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
