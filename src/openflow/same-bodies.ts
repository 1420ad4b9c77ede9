// Message bodies laid out the same in OF1.0 and OF1.3: none at all (features,
// config and barrier requests, barrier replies) and ofp_switch_config (flags,
// miss_send_len).
import type { Reader } from './reader.js';
import type { OfpMessage } from './message-model.js';
import type { OfVersion } from './wire-values.js';
import type { Writer } from './writer.js';

/** A message that is its header alone. */
export function decodeHeaderOnly(r: Reader, version: OfVersion, xid: number, type: OfpMessage['type']): OfpMessage {
  r.done(type);
  return { version, xid, type } as OfpMessage;
}

/** GET_CONFIG_REPLY and SET_CONFIG. */
export function decodeSwitchConfig(r: Reader, version: OfVersion, xid: number, type: 'getConfigReply' | 'setConfig'): OfpMessage {
  const flags = r.u16();
  const missSendLen = r.u16();
  r.done(type);
  return { version, xid, type, flags, missSendLen };
}

export function encodeSwitchConfig(w: Writer, m: { flags: number; missSendLen: number }): void {
  w.u16(m.flags, 'config flags');
  w.u16(m.missSendLen, 'miss_send_len');
}
