// Growable big-endian writer. A message reserves its header, writes the body
// and back-patches the length last. Every write checks its value's range, so a
// bad caller value becomes BAD_VALUE rather than silently wrapped bytes.
import { fail } from './errors.js';

//
// Messages are written one after another into a slab and handed out as views
// of it (as Buffer's own pool does), which saves an allocation and a copy
// per message; a full slab is left to the views still using it.
const SLAB = 64 * 1024;

// A u64 goes through one BigUint64Array slot: storing a bigint there and
// reading its bytes costs about a third of splitting it with BigInt shifts and
// masks (which allocate). The slot's bytes are in host order.
const U64_SLOT = new BigUint64Array(1);
const U64_BYTES = new Uint8Array(U64_SLOT.buffer);
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Writer {
  buf: Buffer;
  pos = 0;
  /** Where the message being written starts. */
  private msgStart = 0;
  /**
   * Where the bytes still to be handed out start: the current message, or
   * for a batch (begin(true)) every message since the last take(). A new
   * slab or a grown buffer carries them over.
   */
  private keepFrom = 0;

  /** Bytes of the next new slab. */
  private slabSize: number;
  /** The most slabSize grows to. */
  private readonly maxSlab: number;

  /**
   * `size`: the first slab's bytes. With `maxSize` above it, a batch of more
   * than a quarter of a slab carried over to a new slab (begin(true)) doubles
   * the size of the slabs after it, up to `maxSize`: a writer that sees small
   * batches keeps small slabs, one that sees large batches ends with large ones.
   */
  constructor(size = SLAB, maxSize = size) {
    this.slabSize = size;
    this.maxSlab = Math.max(size, maxSize);
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Start a message; offsets inside it stay valid until finish(). With
   * `batch`, the messages written since the last take() are kept before it.
   */
  begin(batch = false): void {
    if (!batch) this.keepFrom = this.pos;
    if (this.buf.length - this.pos < 4096) {
      // A fresh slab; what is kept moves to its start. The old slab stays
      // with the views already handed out.
      const kept = this.pos - this.keepFrom;
      // A batch that held more than a quarter of its slab: slabs are small for this writer's batches.
      if (kept * 4 > this.slabSize) this.slabSize = Math.min(this.maxSlab, this.slabSize * 2);
      const next = Buffer.allocUnsafe(Math.max(this.slabSize, kept * 2 + 4096));
      if (kept > 0) this.buf.copy(next, 0, this.keepFrom, this.pos);
      this.buf = next;
      this.keepFrom = 0;
      this.pos = kept;
    }
    this.msgStart = this.pos;
  }

  /** Drop a message that failed half way. */
  abandon(): void {
    this.pos = this.msgStart;
  }

  /** The message written since begin(), as a view of the slab. */
  finish(): Buffer {
    return this.buf.subarray(this.msgStart, this.pos);
  }

  /** Bytes written since the last take() (a batch's pending output). */
  get pending(): number {
    return this.pos - this.keepFrom;
  }

  /**
   * Every message written since the last take(), as one view of the slab;
   * later writes never touch those bytes.
   */
  take(): Buffer {
    const out = this.buf.subarray(this.keepFrom, this.pos);
    this.keepFrom = this.pos;
    return out;
  }

  /** Forget the messages written since the last take(). */
  discard(): void {
    this.pos = this.keepFrom;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Grow keeping every offset: what is kept is copied to the same place.
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, this.keepFrom, this.keepFrom, this.pos);
    this.buf = next;
  }

  u8(v: number, what = 'u8'): void {
    if ((v & 0xff) !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u8`, this.pos);
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number, what = 'u16'): void {
    if ((v & 0xffff) !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u16`, this.pos);
    this.ensure(2);
    this.buf[this.pos] = v >>> 8;
    this.buf[this.pos + 1] = v & 0xff;
    this.pos += 2;
  }

  u24(v: number, what = 'u24'): void {
    if ((v & 0xffffff) !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u24`, this.pos);
    this.ensure(3);
    this.buf[this.pos] = v >>> 16;
    this.buf[this.pos + 1] = (v >>> 8) & 0xff;
    this.buf[this.pos + 2] = v & 0xff;
    this.pos += 3;
  }

  u32(v: number, what = 'u32'): void {
    if (v >>> 0 !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u32`, this.pos);
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  u64(v: bigint, what = 'u64'): void {
    if (typeof v !== 'bigint' || (v !== 0n && (v < 0n || v > 0xffffffffffffffffn))) fail('BAD_VALUE', `${what}: ${String(v)} is not a u64 bigint`, this.pos);
    this.ensure(8);
    putU64(this.buf, this.pos, v);
    this.pos += 8;
  }

  zeros(n: number): void {
    this.ensure(n);
    const b = this.buf;
    for (let i = this.pos, end = this.pos + n; i < end; i++) b[i] = 0;
    this.pos += n;
  }

  /** Zero padding up to the next multiple of 8 counted from `start`. */
  pad8(start: number): void {
    const over = (this.pos - start) & 7;
    if (over) this.zeros(8 - over);
  }

  bytes(b: Uint8Array, what = 'bytes'): void {
    if (!(b instanceof Uint8Array)) fail('BAD_VALUE', `${what}: not a Uint8Array`, this.pos);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A fixed-size NUL-padded ASCII field; the value must leave room for a NUL. */
  str(s: string, n: number, what: string): void {
    if (typeof s !== 'string' || s.length >= n || !/^[\x20-\x7e]*$/.test(s)) fail('BAD_VALUE', `${what}: must be printable ASCII shorter than ${n}`, this.pos);
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.buf.write(s, this.pos, 'latin1');
    this.pos += n;
  }

  patchU16(at: number, v: number, what: string): void {
    if (v > 0xffff) fail('BAD_LENGTH', `${what}: length ${v} exceeds 65535`, at);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /** Reserve an 8-byte OpenFlow header; returns where it starts. */
  header(version: number, type: number, xid: number): number {
    const start = this.pos;
    checkU8(version, 'version', start);
    checkU8(type, 'type', start + 1);
    checkU32(xid, 'xid', start + 4);
    this.ensure(8);
    const b = this.buf;
    b[start] = version;
    b[start + 1] = type;
    b[start + 2] = 0;
    b[start + 3] = 0;
    putU32(b, start + 4, xid);
    this.pos = start + 8;
    return start;
  }

  /**
   * Room for n bytes at pos, which moves past them; returns where they start.
   * For fixed layouts written in place (putU16, putU32) after their checks.
   */
  claim(n: number): number {
    this.ensure(n);
    const p = this.pos;
    this.pos = p + n;
    return p;
  }

  endMessage(start: number): void {
    this.patchU16(start + 2, this.pos - start, 'message');
  }
}

// Checks and stores for fixed layouts written in place: the same errors as the
// Writer's own u8/u16/u32, at the offset of the field they guard.
export function checkU8(v: number, what: string, at: number): void {
  if ((v & 0xff) !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u8`, at);
}

export function checkU16(v: number, what: string, at: number): void {
  if ((v & 0xffff) !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u16`, at);
}

export function checkU32(v: number, what: string, at: number): void {
  if (v >>> 0 !== v) fail('BAD_VALUE', `${what}: ${String(v)} is not a u32`, at);
}

export function putU16(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 8;
  b[p + 1] = v & 0xff;
}

export function putU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = (v >>> 16) & 0xff;
  b[p + 2] = (v >>> 8) & 0xff;
  b[p + 3] = v & 0xff;
}

/** A u64 (caller checks its range) at p, big-endian. */
export function putU64(b: Uint8Array, p: number, v: bigint): void {
  // 0n first: the commonest value (masks, counters), and no slot needed.
  if (v === 0n) {
    for (let i = p; i < p + 8; i++) b[i] = 0;
    return;
  }
  U64_SLOT[0] = v;
  const s = U64_BYTES;
  if (HOST_LE) {
    b[p] = s[7]!;
    b[p + 1] = s[6]!;
    b[p + 2] = s[5]!;
    b[p + 3] = s[4]!;
    b[p + 4] = s[3]!;
    b[p + 5] = s[2]!;
    b[p + 6] = s[1]!;
    b[p + 7] = s[0]!;
  } else {
    for (let i = 0; i < 8; i++) b[p + i] = s[i]!;
  }
}
