// Bounds-checked big-endian reader over one message. Offsets are relative to
// the start of the message so that errors point into it.
import { fail } from './errors.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));
export const HEX_BYTE: readonly string[] = HEX;

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
    const b = this.bytes;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  u64(): bigint {
    if (this.pos + 8 > this.end) this.need(8, 'u64');
    const hi = this.peekU32(this.pos);
    const lo = this.peekU32(this.pos + 4);
    this.pos += 8;
    // Most cookies and counters fit 53 bits: one BigInt conversion then.
    return hi < 0x200000 ? BigInt(hi * 4294967296 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
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
    const b = this.bytes;
    const p = this.pos;
    this.pos += 6;
    return `${HEX[b[p]!]}:${HEX[b[p + 1]!]}:${HEX[b[p + 2]!]}:${HEX[b[p + 3]!]}:${HEX[b[p + 4]!]}:${HEX[b[p + 5]!]}`;
  }

  /** Child reader over the next n bytes; this reader moves past them. */
  sub(n: number, what: string): Reader {
    if (this.pos + n > this.end) fail('BAD_ELEMENT_LENGTH', `${what}: length ${n} runs past its container (${this.end - this.pos} left)`, this.pos);
    const r = new Reader(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }

  done(what: string): void {
    if (this.pos !== this.end) fail('TRAILING_BYTES', `${what}: ${this.end - this.pos} unexpected trailing bytes`, this.pos);
  }
}
