// Decoding one whole message: header checks, then the body by version.
import { CodecException } from './errors.js';
import { decodeHello } from './hello.js';
import { decodeOf10 } from './of10/codec.js';
import { decodeOf13 } from './of13/codec.js';
import { Reader } from './reader.js';
import type { CodecError, DecodeResult } from './errors.js';
import type { OfpMessage } from './message-model.js';
import { OFP10_VERSION, OFP13_VERSION } from './wire-values.js';

/**
 * The framing error of a message's first 8 bytes against the bytes given, or
 * undefined when the header is sound (length >= 8 and equal to the bytes).
 */
function headerError(bytes: Uint8Array): CodecError | undefined {
  if (!(bytes instanceof Uint8Array)) return { code: 'TRUNCATED_HEADER', message: 'input is not a Uint8Array', offset: 0 };
  if (bytes.length < 8) return { code: 'TRUNCATED_HEADER', message: `${bytes.length} bytes, an OpenFlow header needs 8`, offset: 0 };
  const version = bytes[0]!;
  const type = bytes[1]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length >= 8 && length === bytes.length) return undefined;
  const xid = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  if (length < 8) return { code: 'BAD_LENGTH', message: `length field ${length} is below the 8-byte header`, offset: 2, version, msgType: type, xid };
  if (length > bytes.length) return { code: 'BAD_LENGTH', message: `length field ${length} exceeds the ${bytes.length} bytes given`, offset: 2, version, msgType: type, xid };
  return { code: 'TRAILING_BYTES', message: `${bytes.length - length} bytes after the message's length ${length}`, offset: length, version, msgType: type, xid };
}

/** Decode one whole message (header included). Never throws. */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  // The sound case (length field >= 8 and equal to the bytes) without a call.
  const sound = bytes instanceof Uint8Array && bytes.length >= 8 && ((bytes[2]! << 8) | bytes[3]!) === bytes.length;
  if (!sound) return failed(headerError(bytes)!);
  const version = bytes[0]!;
  const type = bytes[1]!;
  const xid = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  try {
    const r = new Reader(bytes, 8, bytes.length);
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

function failed(error: CodecError): DecodeResult {
  return { ok: false, error };
}
