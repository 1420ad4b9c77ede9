// Encoding: one message to a Buffer (encodeMessage), or many one after
// another into a batch that leaves as one Buffer (MessageBatch, what the
// channel writes to a switch).
import { CodecException } from './errors.js';
import { encodeHello } from './hello.js';
import { encodeOf10 } from './of10/codec.js';
import { encodeOf13 } from './of13/codec.js';
import type { CodecError, EncodeResult } from './errors.js';
import type { OfpMessage } from './message-model.js';
import { OFP10_VERSION, OFP13_VERSION } from './wire-values.js';
import { Writer } from './writer.js';

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
    throw new CodecException(relocated(e, start, w.pos));
  }
  return w.finish();
}

export function tryEncodeMessage(msg: OfpMessage): EncodeResult {
  try {
    return { ok: true, bytes: encodeMessage(msg) };
  } catch (e) {
    if (e instanceof CodecException) return { ok: false, error: e.error };
    return { ok: false, error: { code: 'BAD_VALUE', message: String(e), offset: 0 } };
  }
}

/**
 * Messages encoded one after another into one buffer, handed out together by
 * take(): no Buffer object per message and no copy to join them. A message
 * that cannot be encoded leaves nothing behind. The bytes given by take()
 * are never written again.
 */
export class MessageBatch {
  private readonly w: Writer;

  /**
   * The batch writes into buffers of `firstSlabBytes` at first. A batch that
   * outgrows its buffer is copied into a larger one and doubles the size of
   * the buffers after it, up to `maxSlabBytes`: an idle switch's batch holds
   * 16 KiB, a busy one's grows to buffers several times what is taken at once.
   */
  constructor(firstSlabBytes = 16 * 1024, maxSlabBytes = 1 << 20) {
    this.w = new Writer(firstSlabBytes, maxSlabBytes);
  }

  /** Append `msg`; its encoded length, or the reason it cannot be encoded. */
  append(msg: OfpMessage): { ok: true; length: number } | { ok: false; error: CodecError } {
    const w = this.w;
    w.begin(true);
    const start = w.pos;
    try {
      encodeInto(w, msg);
    } catch (e) {
      w.abandon();
      return { ok: false, error: relocated(e, start, w.pos) };
    }
    return { ok: true, length: w.pos - start };
  }

  /** Bytes appended since the last take(). */
  get pending(): number {
    return this.w.pending;
  }

  /** Everything appended since the last take(), as one Buffer. */
  take(): Buffer {
    return this.w.take();
  }

  /** Drop everything appended since the last take(). */
  clear(): void {
    this.w.discard();
  }
}

/** Encode into a writer: HELLO for any version, else by version. */
function encodeInto(w: Writer, msg: OfpMessage): void {
  if (msg === null || typeof msg !== 'object') throw new CodecException({ code: 'BAD_VALUE', message: 'message is not an object', offset: w.pos });
  if (msg.type === 'hello') return encodeHello(w, msg);
  if (msg.version === OFP13_VERSION) return encodeOf13(w, msg);
  if (msg.version === OFP10_VERSION) return encodeOf10(w, msg);
  throw new CodecException({ code: 'BAD_VERSION', message: `version ${String((msg as { version: unknown }).version)} is neither 1 nor 4`, offset: 0 });
}

/** The error thrown while encoding at `start`, its offset counted from there. */
function relocated(e: unknown, start: number, pos: number): CodecError {
  if (e instanceof CodecException) return { ...e.error, offset: Math.max(0, e.error.offset - start) };
  return { code: 'BAD_VALUE', message: `cannot encode: ${String(e)}`, offset: pos - start };
}
