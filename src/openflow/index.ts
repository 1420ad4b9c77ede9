// Spotlight's OpenFlow 1.0 / 1.3 codec. Pure: bytes in, typed messages out,
// and back. No sockets and no I/O; the channel (src/channel) frames the TCP
// stream with FrameReader and decodes each frame with decodeMessage.
//
// Written by hand because no OpenFlow codec exists on the npm registry.
import { CodecException } from './errors.js';
import { decodeHello, encodeHello } from './hello.js';
import { decodeOf10, encodeOf10 } from './of10/codec.js';
import { decodeOf13, encodeOf13 } from './of13/codec.js';
import { Reader } from './reader.js';
import type { CodecError, DecodeResult, EncodeResult, OfpMessage } from './types.js';
import { OFP10_VERSION, OFP13_VERSION } from './types.js';
import { Writer } from './writer.js';

export * from './types.js';
export { CodecException } from './errors.js';
export { FrameReader, peekHeader, OFP_HEADER_LEN } from './framing.js';
export type { FramePush, PeekedHeader } from './framing.js';
export { formatDpid, parseDpid } from './dpid.js';
export { OFPT10, OFPAT10, OFPST10, OFPFW10, NX_VENDOR_ID } from './of10/constants.js';
export { OFPT13, OFPAT13, OFPIT13, OFPMP13, OFPXMC_OPENFLOW_BASIC, ONF_EXPERIMENTER_ID, ONFT_BUNDLE_CONTROL, ONFT_BUNDLE_ADD_MESSAGE } from './of13/constants.js';

/** Decode one whole message (header included). Never throws. */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  if (!(bytes instanceof Uint8Array)) return failed({ code: 'TRUNCATED_HEADER', message: 'input is not a Uint8Array', offset: 0 });
  if (bytes.length < 8) return failed({ code: 'TRUNCATED_HEADER', message: `${bytes.length} bytes, an OpenFlow header needs 8`, offset: 0 });
  const version = bytes[0]!;
  const type = bytes[1]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  const xid = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  if (length < 8) return failed({ code: 'BAD_LENGTH', message: `length field ${length} is below the 8-byte header`, offset: 2, version, msgType: type, xid });
  if (length > bytes.length) return failed({ code: 'BAD_LENGTH', message: `length field ${length} exceeds the ${bytes.length} bytes given`, offset: 2, version, msgType: type, xid });
  if (length < bytes.length) return failed({ code: 'TRAILING_BYTES', message: `${bytes.length - length} bytes after the message's length ${length}`, offset: length, version, msgType: type, xid });
  try {
    const r = new Reader(bytes, 8, length);
    let message: OfpMessage;
    // HELLO is read whatever its version: negotiation needs the peer's.
    if (type === 0 && version !== 0) message = decodeHello(r, version, xid);
    else if (version === OFP13_VERSION) message = decodeOf13(r, type, xid);
    else if (version === OFP10_VERSION) message = decodeOf10(r, type, xid);
    else return failed({ code: 'BAD_VERSION', message: `wire version 0x${version.toString(16)} is neither 0x01 nor 0x04`, offset: 0, version, msgType: type, xid });
    return { ok: true, message };
  } catch (e) {
    if (e instanceof CodecException) return failed({ ...e.error, version, msgType: type, xid });
    // A bug, not bad input; still a value, and the fuzz test looks for these.
    return failed({ code: 'BAD_VALUE', message: `internal decoder error: ${String(e)}`, offset: 0, version, msgType: type, xid });
  }
}

const slab = new Writer();

/**
 * Encode one message; throws CodecException when it cannot be expressed.
 * The result is a view of a shared slab (like Buffer.allocUnsafe's pool).
 */
export function encodeMessage(msg: OfpMessage): Buffer {
  const w = slab;
  w.begin();
  const start = w.pos;
  try {
    encodeInto(w, msg);
  } catch (e) {
    w.abandon();
    // Offsets count from the start of this message, not of the slab.
    if (e instanceof CodecException) throw new CodecException({ ...e.error, offset: Math.max(0, e.error.offset - start) });
    throw new CodecException({ code: 'BAD_VALUE', message: `cannot encode: ${String(e)}`, offset: w.pos - start });
  }
  return w.finish();
}

/** Encode into the slab writer: HELLO for any version, else by version. */
function encodeInto(w: Writer, msg: OfpMessage): void {
  if (msg === null || typeof msg !== 'object') throw new CodecException({ code: 'BAD_VALUE', message: 'message is not an object', offset: w.pos });
  if (msg.type === 'hello') return encodeHello(w, msg);
  if (msg.version === OFP13_VERSION) return encodeOf13(w, msg);
  if (msg.version === OFP10_VERSION) return encodeOf10(w, msg);
  throw new CodecException({ code: 'BAD_VERSION', message: `version ${String((msg as { version: unknown }).version)} is neither 1 nor 4`, offset: 0 });
}

export function tryEncodeMessage(msg: OfpMessage): EncodeResult {
  try {
    return { ok: true, bytes: encodeMessage(msg) };
  } catch (e) {
    if (e instanceof CodecException) return { ok: false, error: e.error };
    return { ok: false, error: { code: 'BAD_VALUE', message: String(e), offset: 0 } };
  }
}

function failed(error: CodecError): DecodeResult {
  return { ok: false, error };
}
