import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { OfpMessage } from '../types.js';
import type { Writer } from '../writer.js';

export function decodeOf13(r: Reader, type: number, _xid: number): OfpMessage {
  fail('UNSUPPORTED', `message type ${type} not yet decoded`, r.pos);
}

export function encodeOf13(w: Writer, msg: OfpMessage): void {
  fail('UNSUPPORTED', `${msg.type} not yet encoded`, w.pos);
}
