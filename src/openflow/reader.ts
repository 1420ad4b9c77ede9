// Bounds-checked big-endian reader over one message. Offsets are relative to
// the start of the message so that errors point into it.
import { formatMacAt } from './addr.js';
import { fail } from './errors.js';

// Above 2^53 a u64 is assembled in one BigUint64Array slot: one bigint made,
// about a third of the cost of BigInt shifts and ORs. The slot's two u32
// words are in host order: on a little-endian host word 1 is the high one.
const U64_SLOT = new BigUint64Array(1);
const U64_WORDS = new Uint32Array(U64_SLOT.buffer);
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI_WORD = HOST_LE ? 1 : 0;
const LO_WORD = HOST_LE ? 0 : 1;

/** The u64 made of two u32 words, as a bigint. */
export function u64FromWords(hi: number, lo: number): bigint {
  // Below 2^53 the double is exact: one conversion.
  if (hi < 0x200000) return hi === 0 && lo === 0 ? 0n : BigInt(hi * 4294967296 + lo);
  U64_WORDS[HI_WORD] = hi;
  U64_WORDS[LO_WORD] = lo;
  return U64_SLOT[0]!;
}

/** The big-endian u16 at `p` (caller checks bounds). */
export const u16At = (b: Uint8Array, p: number): number => (b[p]! << 8) | b[p + 1]!;
/** The big-endian u32 at `p` (caller checks bounds). */
export const u32At = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

export class Reader {
  readonly bytes: Uint8Array;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) fail('TRUNCATED_BODY', `${what}: need ${n} bytes, ${this.end - this.pos} left`, this.pos);
  }

  u8(): number {
    if (this.pos + 1 > this.end) this.need(1, 'u8');
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.end) this.need(2, 'u16');
    const b = this.bytes;
    const v = (b[this.pos]! << 8) | b[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u24(): number {
    if (this.pos + 3 > this.end) this.need(3, 'u24');
    const b = this.bytes;
    const v = (b[this.pos]! << 16) | (b[this.pos + 1]! << 8) | b[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(): number {
    if (this.pos + 4 > this.end) this.need(4, 'u32');
    const v = this.peekU32(this.pos);
    this.pos += 4;
    return v;
  }

  /** The u32 at an absolute offset, without moving (caller checks bounds). */
  peekU32(at: number): number {
    return u32At(this.bytes, at);
  }

  u64(): bigint {
    if (this.pos + 8 > this.end) this.need(8, 'u64');
    const hi = this.peekU32(this.pos);
    const lo = this.peekU32(this.pos + 4);
    this.pos += 8;
    return u64FromWords(hi, lo);
  }

  skip(n: number): void {
    if (this.pos + n > this.end) this.need(n, 'padding');
    this.pos += n;
  }

  /** A copy, so that decoded messages never alias the caller's buffer. */
  bytesCopy(n: number): Uint8Array {
    if (this.pos + n > this.end) this.need(n, 'bytes');
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  rest(): Uint8Array {
    return this.bytesCopy(this.end - this.pos);
  }

  /** A fixed-size NUL-padded ASCII field. */
  str(n: number): string {
    if (this.pos + n > this.end) this.need(n, 'string');
    let s = '';
    const b = this.bytes;
    for (let i = this.pos; i < this.pos + n; i++) {
      const c = b[i]!;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    this.pos += n;
    return s;
  }

  mac(): string {
    if (this.pos + 6 > this.end) this.need(6, 'MAC address');
    const p = this.pos;
    this.pos += 6;
    return formatMacAt(this.bytes, p);
  }

  /** Child reader over the next n bytes; this reader moves past them. */
  sub(n: number, what: string): Reader {
    if (this.pos + n > this.end) fail('BAD_ELEMENT_LENGTH', `${what}: length ${n} runs past its container (${this.end - this.pos} left)`, this.pos);
    const r = new Reader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  /**
   * Limit reads to the next n bytes, as sub() does without a new reader.
   * Returns the outer end, to hand to leave() once the element is read.
   */
  enter(n: number, what: string): number {
    if (this.pos + n > this.end) fail('BAD_ELEMENT_LENGTH', `${what}: length ${n} runs past its container (${this.end - this.pos} left)`, this.pos);
    const outer = this.end;
    this.end = this.pos + n;
    return outer;
  }

  /** Move past the element entered last and restore the outer end. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  done(what: string): void {
    if (this.pos !== this.end) fail('TRAILING_BYTES', `${what}: ${this.end - this.pos} unexpected trailing bytes`, this.pos);
  }
}
