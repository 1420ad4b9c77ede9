// A message whose header is read at once and whose body is decoded only on
// demand. Routing a reply (barrier, echo, a multipart part) needs only its
// type and xid; the objects of the body are built when someone asks for them.
import { decodeMessage, headerError } from './decode.js';
import type { CodecError, DecodeResult } from './types.js';

export class LazyMessage {
  readonly version: number;
  /** The wire message type (OFPT_*), not the model's type name. */
  readonly type: number;
  readonly length: number;
  readonly xid: number;
  /** The whole message, header included: a view of the caller's bytes. */
  readonly bytes: Uint8Array;
  private decoded: DecodeResult | undefined = undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.version = bytes[0]!;
    this.type = bytes[1]!;
    this.length = (bytes[2]! << 8) | bytes[3]!;
    this.xid = ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0;
  }

  /**
   * The full decode, as decodeMessage gives it; done once and kept. The bytes
   * must not change before then (a frame from FrameReader does not).
   */
  decode(): DecodeResult {
    if (this.decoded === undefined) this.decoded = decodeMessage(this.bytes);
    return this.decoded;
  }
}

export type LazyDecodeResult = { ok: true; message: LazyMessage } | { ok: false; error: CodecError };

/**
 * Check the framing (the same TRUNCATED_HEADER, BAD_LENGTH and TRAILING_BYTES
 * as decodeMessage) and defer the body. Body errors come from decode().
 * Never throws.
 */
export function decodeLazy(bytes: Uint8Array): LazyDecodeResult {
  const bad = headerError(bytes);
  if (bad) return { ok: false, error: bad };
  return { ok: true, message: new LazyMessage(bytes) };
}
