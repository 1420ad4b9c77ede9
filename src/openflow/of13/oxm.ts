// One OXM TLV: header {class u16, field u7 | hasmask u1, length u8}, value,
// optional mask of the same size.
import { formatIpv4, writeIpv4, writeIpv6, writeMac, readIpv6 } from '../addr.js';
import { fail } from '../errors.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { OFPXMC_OPENFLOW_BASIC } from './constants.js';
import type { OxmField } from './oxm-fields.js';

export type OxmValue = number | bigint | string;

function writeValue(w: Writer, d: OxmField, v: unknown): void {
  const what = `OXM ${d.name}`;
  switch (d.kind) {
    case 'u8':
    case 'u16':
    case 'u24':
    case 'u32':
      if (typeof v !== 'number' || (d.max !== undefined && v > d.max)) fail('BAD_VALUE', `${what}: ${String(v)} out of range`, w.pos);
      if (d.kind === 'u8') w.u8(v, what);
      else if (d.kind === 'u16') w.u16(v, what);
      else if (d.kind === 'u24') w.u24(v, what);
      else w.u32(v, what);
      return;
    case 'u64':
      return w.u64(v as bigint, what);
    case 'mac':
      return writeMac(w, v as string, what);
    case 'ipv4':
      return writeIpv4(w, v as string, what);
    case 'ipv6':
      return writeIpv6(w, v as string, what);
  }
}

/** Writes one OXM; `value` may be a Masked object where the field allows it. */
export function writeOxm(w: Writer, d: OxmField, value: unknown, allowMask: boolean): void {
  const masked = typeof value === 'object' && value !== null;
  if (masked && !(d.maskable && allowMask)) fail('BAD_OXM_MASK', `OXM ${d.name} takes no mask here`, w.pos);
  if (!masked) {
    w.u16(OFPXMC_OPENFLOW_BASIC);
    w.u8(d.field << 1);
    w.u8(d.size);
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

/** Reads the value at r.pos (the header already consumed). */
export function readValue(r: Reader, d: OxmField): OxmValue {
  switch (d.kind) {
    case 'u8':
      return r.u8();
    case 'u16':
      return r.u16();
    case 'u24':
      return r.u24();
    case 'u32':
      return r.u32();
    case 'u64':
      return r.u64();
    case 'mac':
      return r.mac();
    case 'ipv4':
      return formatIpv4(r.u32());
    case 'ipv6':
      return readIpv6(r);
  }
}

/** Checks a decoded number against the field's range. */
export function checkRange(d: OxmField, v: OxmValue, at: number): void {
  if (d.max !== undefined && typeof v === 'number' && v > d.max) fail('BAD_VALUE', `OXM ${d.name}: ${v} exceeds ${d.max}`, at);
}
