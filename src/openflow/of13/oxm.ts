// One OXM TLV: header {class u16, field u7 | hasmask u1, length u8}, value,
// optional mask of the same size.
import { formatIpv4, formatMacAt, readIpv6, writeIpv4, writeIpv6, writeMac } from '../addr.js';
import { fail } from '../errors.js';
import { u64FromWords } from '../reader.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { OFPXMC_OPENFLOW_BASIC } from './constants.js';
import { KIND_IPV4, KIND_MAC, KIND_U16, KIND_U24, KIND_U32, KIND_U64, KIND_U8, type OxmField } from './oxm-fields.js';

export type OxmValue = number | bigint | string;

function writeValue(w: Writer, d: OxmField, v: unknown): void {
  const code = d.code;
  if (code <= KIND_U32) {
    if (typeof v !== 'number' || (d.max !== undefined && v > d.max)) fail('BAD_VALUE', `${d.what}: ${String(v)} out of range`, w.pos);
    if (code === KIND_U8) w.u8(v, d.what);
    else if (code === KIND_U16) w.u16(v, d.what);
    else if (code === KIND_U24) w.u24(v, d.what);
    else w.u32(v, d.what);
  } else if (code === KIND_MAC) writeMac(w, v as string, d.what);
  else if (code === KIND_IPV4) writeIpv4(w, v as string, d.what);
  else if (code === KIND_U64) w.u64(v as bigint, d.what);
  else writeIpv6(w, v as string, d.what);
}

/** An OpenFlow-basic OXM header at `p`: class 0x8000, `fh` (field << 1 | hasmask), length. */
export function putOxmHeader(b: Uint8Array, p: number, fh: number, len: number): void {
  b[p] = OFPXMC_OPENFLOW_BASIC >>> 8;
  b[p + 1] = OFPXMC_OPENFLOW_BASIC & 0xff;
  b[p + 2] = fh;
  b[p + 3] = len;
}

/** Writes one OXM; `value` may be a Masked object where the field allows it. */
export function writeOxm(w: Writer, d: OxmField, value: unknown, allowMask: boolean): void {
  const masked = typeof value === 'object' && value !== null;
  if (masked && !(d.maskable && allowMask)) fail('BAD_OXM_MASK', `OXM ${d.name} takes no mask here`, w.pos);
  if (!masked) {
    w.ensure(4);
    putOxmHeader(w.buf, w.pos, d.field << 1, d.size);
    w.pos += 4;
    writeValue(w, d, value);
    return;
  }
  const mv = value as { value: unknown; mask?: unknown };
  if (mv.mask === undefined) {
    writeOxm(w, d, mv.value, false);
    return;
  }
  w.u16(OFPXMC_OPENFLOW_BASIC);
  w.u8((d.field << 1) | 1);
  w.u8(d.size * 2);
  const at = w.pos;
  writeValue(w, d, mv.value);
  writeValue(w, d, mv.mask);
  const b = w.buf;
  for (let i = 0; i < d.size; i++) {
    if (b[at + i]! & ~b[at + d.size + i]!) fail('BAD_OXM_MASK', `OXM ${d.name}: value has bits set outside its mask`, at + i);
  }
}

/**
 * Reads the value at r.pos (the header already consumed) and checks it
 * against the field's range. The caller has checked that d.size bytes are
 * there (the OXM length equals the field's size).
 */
export function readValue(r: Reader, d: OxmField): OxmValue {
  const b = r.bytes;
  const p = r.pos;
  if (p + d.size > r.end) r.need(d.size, d.what);
  r.pos = p + d.size;
  let v: number;
  switch (d.code) {
    case KIND_U8:
      v = b[p]!;
      break;
    case KIND_U16:
      v = (b[p]! << 8) | b[p + 1]!;
      break;
    case KIND_U24:
      v = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
      break;
    case KIND_U32:
      v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      break;
    case KIND_MAC:
      return formatMacAt(b, p);
    case KIND_IPV4:
      return formatIpv4(((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0);
    case KIND_U64:
      return u64FromWords(
        ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0,
        ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0,
      );
    default:
      r.pos = p;
      return readIpv6(r);
  }
  if (d.max !== undefined && v > d.max) fail('BAD_VALUE', `OXM ${d.name}: ${v} exceeds ${d.max}`, p);
  return v;
}
