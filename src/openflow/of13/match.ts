// OF1.3 ofp_match: {type u16 = OFPMT_OXM, length u16 (header + OXMs, padding
// excluded), OXM TLVs, zero padding to 8}. Fields are written in OXM number
// order, which puts every prerequisite before the fields that need it.
import { fail } from '../errors.js';
import { MAX_OXM_FIELDS } from '../limits.js';
import type { Reader } from '../reader.js';
import type { Match } from '../types.js';
import type { Writer } from '../writer.js';
import { OFPMT_OXM, OFPXMC_OPENFLOW_BASIC } from './constants.js';
import { OXM_BY_NAME, OXM_BY_NUMBER, type OxmField } from './oxm-fields.js';
import { checkRange, readValue, writeOxm } from './oxm.js';

export function encodeMatch13(w: Writer, m: Match): void {
  if (m === null || typeof m !== 'object') fail('BAD_VALUE', 'match is not an object', w.pos);
  const present: OxmField[] = [];
  for (const key in m) {
    const v = (m as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const d = OXM_BY_NAME.get(key);
    if (!d) fail('BAD_VALUE', `match has unknown field "${key}"`, w.pos);
    if (d.prereq && !d.prereq(m)) fail('BAD_OXM_PREREQ', `match field ${key} needs ${d.prereqText}`, w.pos);
    // Insertion sort by OXM number: matches hold a handful of fields.
    let i = present.length;
    present.push(d);
    while (i > 0 && present[i - 1]!.field > d.field) {
      present[i] = present[i - 1]!;
      i--;
    }
    present[i] = d;
  }
  const start = w.pos;
  w.u16(OFPMT_OXM);
  w.u16(0);
  for (const d of present) writeOxm(w, d, (m as Record<string, unknown>)[d.name], true);
  w.patchU16(start + 2, w.pos - start, 'match');
  w.pad8(start);
}

export function decodeMatch13(r: Reader): Match {
  const at = r.pos;
  const type = r.u16();
  const length = r.u16();
  if (type !== OFPMT_OXM) fail('BAD_VALUE', `match type ${type} is not OFPMT_OXM`, at);
  if (length < 4) fail('BAD_ELEMENT_LENGTH', `match length ${length} is below its 4-byte header`, at + 2);
  const body = r.sub(length - 4, 'match');
  r.skip((8 - (length & 7)) & 7);
  const m: Match = {};
  const out = m as Record<string, unknown>;
  const seen: OxmField[] = [];
  let count = 0;
  while (body.remaining > 0) {
    if (++count > MAX_OXM_FIELDS) fail('TOO_MANY_ELEMENTS', `match with more than ${MAX_OXM_FIELDS} OXM fields`, body.pos);
    const oxmAt = body.pos;
    if (body.remaining < 4) fail('BAD_ELEMENT_LENGTH', `OXM header needs 4 bytes, ${body.remaining} left`, oxmAt);
    const cls = body.u16();
    const fh = body.u8();
    const len = body.u8();
    const v = body.sub(len, 'OXM');
    // Fields of other classes (Nicira registers in an OVS packet-in, say) are
    // skipped: Spotlight matches only on OpenFlow-basic fields.
    if (cls !== OFPXMC_OPENFLOW_BASIC) continue;
    const d = OXM_BY_NUMBER[fh >>> 1];
    if (!d) fail('BAD_OXM', `unknown OpenFlow-basic OXM field ${fh >>> 1}`, oxmAt + 2);
    const hasMask = (fh & 1) === 1;
    if (len !== (hasMask ? 2 * d.size : d.size)) fail('BAD_OXM', `OXM ${d.name} length ${len}, expected ${hasMask ? 2 * d.size : d.size}`, oxmAt + 3);
    if (hasMask && !d.maskable) fail('BAD_OXM_MASK', `OXM ${d.name} may not carry a mask`, oxmAt + 2);
    if (out[d.name] !== undefined) fail('DUPLICATE_FIELD', `OXM ${d.name} appears twice`, oxmAt);
    const valueAt = v.pos;
    if (hasMask) {
      const b = v.bytes;
      for (let i = 0; i < d.size; i++) {
        if (b[valueAt + i]! & ~b[valueAt + d.size + i]!) fail('BAD_OXM_MASK', `OXM ${d.name}: value has bits set outside its mask`, valueAt + i);
      }
      const value = readValue(v, d);
      const mask = readValue(v, d);
      checkRange(d, value, valueAt);
      checkRange(d, mask, valueAt + d.size);
      out[d.name] = { value, mask };
    } else {
      const value = readValue(v, d);
      checkRange(d, value, valueAt);
      out[d.name] = value;
    }
    seen.push(d);
  }
  for (const d of seen) {
    if (d.prereq && !d.prereq(m)) fail('BAD_OXM_PREREQ', `OXM ${d.name} without its prerequisite ${d.prereqText}`, at);
  }
  return m;
}
