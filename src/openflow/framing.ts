// Splits a TCP byte stream into whole OpenFlow messages. Every message starts
// with an 8-byte header whose bytes 2..3 give the whole message's length.
import type { CodecError } from './errors.js';

export const OFP_HEADER_LEN = 8;

export interface PeekedHeader {
  version: number;
  type: number;
  length: number;
  xid: number;
}

export function peekHeader(bytes: Uint8Array): PeekedHeader | undefined {
  if (!(bytes instanceof Uint8Array) || bytes.length < OFP_HEADER_LEN) return undefined;
  return {
    version: bytes[0]!,
    type: bytes[1]!,
    length: (bytes[2]! << 8) | bytes[3]!,
    xid: ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0,
  };
}

export interface FramePush {
  frames: Uint8Array[];
  error?: CodecError;
}

/**
 * Reassembles messages from chunks split anywhere. Frames cut from the
 * caller's chunk are views of it (zero copy); frames assembled across chunks
 * are fresh copies. A header whose length is below 8 can never be resynced,
 * so it is fatal: that push and every later one return the error.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private pendingLen = 0;
  private fatal: CodecError | undefined;

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.pendingLen;
  }

  push(chunk: Uint8Array): FramePush {
    const frames: Uint8Array[] = [];
    if (this.fatal) return { frames, error: this.fatal };
    let data: Uint8Array;
    let fromPending = false;
    if (this.pendingLen === 0) {
      data = chunk;
    } else {
      this.append(chunk);
      data = this.pending.subarray(0, this.pendingLen);
      fromPending = true;
    }
    let pos = 0;
    while (data.length - pos >= OFP_HEADER_LEN) {
      const length = (data[pos + 2]! << 8) | data[pos + 3]!;
      if (length < OFP_HEADER_LEN) {
        this.fatal = {
          code: 'BAD_LENGTH',
          message: `message header gives length ${length}, below the 8-byte header`,
          offset: pos + 2,
          version: data[pos]!,
          msgType: data[pos + 1]!,
        };
        this.pendingLen = 0;
        return { frames, error: this.fatal };
      }
      if (data.length - pos < length) break;
      frames.push(fromPending ? Buffer.from(data.subarray(pos, pos + length)) : data.subarray(pos, pos + length));
      pos += length;
    }
    const left = data.length - pos;
    if (fromPending) {
      if (left > 0 && pos > 0) this.pending.copyWithin(0, pos, this.pendingLen);
      this.pendingLen = left;
    } else if (left > 0) {
      this.pendingLen = 0;
      this.append(data.subarray(pos));
    }
    return { frames };
  }

  private append(chunk: Uint8Array): void {
    const need = this.pendingLen + chunk.length;
    if (need > this.pending.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.pending.length * 2, 4096));
      this.pending.copy(next, 0, 0, this.pendingLen);
      this.pending = next;
    }
    this.pending.set(chunk, this.pendingLen);
    this.pendingLen = need;
  }
}
