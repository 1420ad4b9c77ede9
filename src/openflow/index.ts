// Spotlight's OpenFlow 1.0 / 1.3 codec. Pure: bytes in, typed messages out,
// and back. No sockets and no I/O; the channel (src/channel) frames the TCP
// stream with FrameReader and decodes each frame with decodeMessage.
//
// Written by hand because no OpenFlow codec exists on the npm registry.
import { CodecException } from './errors.js';
import { encodeHello } from './hello.js';
import { encodeOf10 } from './of10/codec.js';
import { encodeOf13 } from './of13/codec.js';
import type { EncodeResult, OfpMessage } from './types.js';
import { OFP10_VERSION, OFP13_VERSION } from './types.js';
import { Writer } from './writer.js';

export * from './types.js';
export { CodecException } from './errors.js';
export { decodeMessage } from './decode.js';
export { decodeLazy, LazyMessage } from './lazy.js';
export type { LazyDecodeResult } from './lazy.js';
export { FrameReader, peekHeader, OFP_HEADER_LEN } from './framing.js';
export type { FramePush, PeekedHeader } from './framing.js';
export { formatDpid, parseDpid } from './dpid.js';
export { OFPT10, OFPAT10, OFPST10, OFPFW10, NX_VENDOR_ID } from './of10/constants.js';
export { OFPT13, OFPAT13, OFPIT13, OFPMP13, OFPXMC_OPENFLOW_BASIC, ONF_EXPERIMENTER_ID, ONFT_BUNDLE_CONTROL, ONFT_BUNDLE_ADD_MESSAGE } from './of13/constants.js';

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
