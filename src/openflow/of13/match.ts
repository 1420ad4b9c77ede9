// OF1.3 ofp_match: {type u16 = OFPMT_OXM, length u16 (header + OXMs, padding
// excluded), OXM TLVs, zero padding to 8}. Fields are written in OXM number
// order, which puts every prerequisite before the fields that need it.
import { formatIpv4, formatMacAt } from '../addr.js';
import { fail } from '../errors.js';
import { MAX_OXM_FIELDS } from '../limits.js';
import { u16At, u32At, type Reader } from '../reader.js';
import type { Match } from '../flow-model.js';
import type { Writer } from '../writer.js';
import { OFPMT_OXM, OFPXMC_OPENFLOW_BASIC } from './constants.js';
import { OXM_BY_NAME, OXM_BY_NUMBER, OXM_FIELDS, prereqHolds, type OxmField } from './oxm-fields.js';
import { readValue, writeOxm } from './oxm.js';

const F = OXM_FIELDS;

function put(w: Writer, m: Match, d: OxmField, v: unknown): number {
  if (d.prereq !== undefined && !prereqHolds(d.field, m)) fail('BAD_OXM_PREREQ', `match field ${d.name} needs ${d.prereqText}`, w.pos);
  writeOxm(w, d, v, true);
  return 1;
}

/** Keys that are set but name no field (a typo must not widen a match). */
function checkKeys(m: Match, at: number): void {
  for (const key in m) {
    if ((m as Record<string, unknown>)[key] !== undefined && !OXM_BY_NAME.has(key)) fail('BAD_VALUE', `match has unknown field "${key}"`, at);
  }
}

export function encodeMatch13(w: Writer, m: Match): void {
  if (m === null || typeof m !== 'object') fail('BAD_VALUE', 'match is not an object', w.pos);
  const start = w.pos;
  w.u16(OFPMT_OXM);
  w.u16(0);
  // Named accesses in OXM number order: fast, and prerequisites come first.
  let n = 0;
  if (m.inPort !== undefined) n += put(w, m, F[0]!, m.inPort);
  if (m.inPhyPort !== undefined) n += put(w, m, F[1]!, m.inPhyPort);
  if (m.metadata !== undefined) n += put(w, m, F[2]!, m.metadata);
  if (m.ethDst !== undefined) n += put(w, m, F[3]!, m.ethDst);
  if (m.ethSrc !== undefined) n += put(w, m, F[4]!, m.ethSrc);
  if (m.ethType !== undefined) n += put(w, m, F[5]!, m.ethType);
  if (m.vlanVid !== undefined) n += put(w, m, F[6]!, m.vlanVid);
  if (m.vlanPcp !== undefined) n += put(w, m, F[7]!, m.vlanPcp);
  if (m.ipDscp !== undefined) n += put(w, m, F[8]!, m.ipDscp);
  if (m.ipEcn !== undefined) n += put(w, m, F[9]!, m.ipEcn);
  if (m.ipProto !== undefined) n += put(w, m, F[10]!, m.ipProto);
  if (m.ipv4Src !== undefined) n += put(w, m, F[11]!, m.ipv4Src);
  if (m.ipv4Dst !== undefined) n += put(w, m, F[12]!, m.ipv4Dst);
  if (m.tcpSrc !== undefined) n += put(w, m, F[13]!, m.tcpSrc);
  if (m.tcpDst !== undefined) n += put(w, m, F[14]!, m.tcpDst);
  if (m.udpSrc !== undefined) n += put(w, m, F[15]!, m.udpSrc);
  if (m.udpDst !== undefined) n += put(w, m, F[16]!, m.udpDst);
  if (m.sctpSrc !== undefined) n += put(w, m, F[17]!, m.sctpSrc);
  if (m.sctpDst !== undefined) n += put(w, m, F[18]!, m.sctpDst);
  if (m.icmpv4Type !== undefined) n += put(w, m, F[19]!, m.icmpv4Type);
  if (m.icmpv4Code !== undefined) n += put(w, m, F[20]!, m.icmpv4Code);
  if (m.arpOp !== undefined) n += put(w, m, F[21]!, m.arpOp);
  if (m.arpSpa !== undefined) n += put(w, m, F[22]!, m.arpSpa);
  if (m.arpTpa !== undefined) n += put(w, m, F[23]!, m.arpTpa);
  if (m.arpSha !== undefined) n += put(w, m, F[24]!, m.arpSha);
  if (m.arpTha !== undefined) n += put(w, m, F[25]!, m.arpTha);
  if (m.ipv6Src !== undefined) n += put(w, m, F[26]!, m.ipv6Src);
  if (m.ipv6Dst !== undefined) n += put(w, m, F[27]!, m.ipv6Dst);
  if (m.ipv6Flabel !== undefined) n += put(w, m, F[28]!, m.ipv6Flabel);
  if (m.icmpv6Type !== undefined) n += put(w, m, F[29]!, m.icmpv6Type);
  if (m.icmpv6Code !== undefined) n += put(w, m, F[30]!, m.icmpv6Code);
  if (m.ipv6NdTarget !== undefined) n += put(w, m, F[31]!, m.ipv6NdTarget);
  if (m.ipv6NdSll !== undefined) n += put(w, m, F[32]!, m.ipv6NdSll);
  if (m.ipv6NdTll !== undefined) n += put(w, m, F[33]!, m.ipv6NdTll);
  if (m.mplsLabel !== undefined) n += put(w, m, F[34]!, m.mplsLabel);
  if (m.mplsTc !== undefined) n += put(w, m, F[35]!, m.mplsTc);
  if (m.mplsBos !== undefined) n += put(w, m, F[36]!, m.mplsBos);
  if (m.pbbIsid !== undefined) n += put(w, m, F[37]!, m.pbbIsid);
  if (m.tunnelId !== undefined) n += put(w, m, F[38]!, m.tunnelId);
  if (m.ipv6Exthdr !== undefined) n += put(w, m, F[39]!, m.ipv6Exthdr);
  if (n !== keyCount(m)) checkKeys(m, start);
  w.patchU16(start + 2, w.pos - start, 'match');
  w.pad8(start);
}

/**
 * How many keys the match has, counting those set to undefined too: equal to
 * the fields written unless some key is unknown or undefined, and cheaper
 * than reading each key's value (a keyed load per key).
 */
function keyCount(m: Match): number {
  let n = 0;
  for (const _ in m) n++;
  return n;
}

/** Named stores (one site per field) keep decoded matches on fast paths. */
function setField(m: Match, field: number, v: unknown): void {
  switch (field) {
    case 0:
      m.inPort = v as never;
      return;
    case 1:
      m.inPhyPort = v as never;
      return;
    case 2:
      m.metadata = v as never;
      return;
    case 3:
      m.ethDst = v as never;
      return;
    case 4:
      m.ethSrc = v as never;
      return;
    case 5:
      m.ethType = v as never;
      return;
    case 6:
      m.vlanVid = v as never;
      return;
    case 7:
      m.vlanPcp = v as never;
      return;
    case 8:
      m.ipDscp = v as never;
      return;
    case 9:
      m.ipEcn = v as never;
      return;
    case 10:
      m.ipProto = v as never;
      return;
    case 11:
      m.ipv4Src = v as never;
      return;
    case 12:
      m.ipv4Dst = v as never;
      return;
    case 13:
      m.tcpSrc = v as never;
      return;
    case 14:
      m.tcpDst = v as never;
      return;
    case 15:
      m.udpSrc = v as never;
      return;
    case 16:
      m.udpDst = v as never;
      return;
    case 17:
      m.sctpSrc = v as never;
      return;
    case 18:
      m.sctpDst = v as never;
      return;
    case 19:
      m.icmpv4Type = v as never;
      return;
    case 20:
      m.icmpv4Code = v as never;
      return;
    case 21:
      m.arpOp = v as never;
      return;
    case 22:
      m.arpSpa = v as never;
      return;
    case 23:
      m.arpTpa = v as never;
      return;
    case 24:
      m.arpSha = v as never;
      return;
    case 25:
      m.arpTha = v as never;
      return;
    case 26:
      m.ipv6Src = v as never;
      return;
    case 27:
      m.ipv6Dst = v as never;
      return;
    case 28:
      m.ipv6Flabel = v as never;
      return;
    case 29:
      m.icmpv6Type = v as never;
      return;
    case 30:
      m.icmpv6Code = v as never;
      return;
    case 31:
      m.ipv6NdTarget = v as never;
      return;
    case 32:
      m.ipv6NdSll = v as never;
      return;
    case 33:
      m.ipv6NdTll = v as never;
      return;
    case 34:
      m.mplsLabel = v as never;
      return;
    case 35:
      m.mplsTc = v as never;
      return;
    case 36:
      m.mplsBos = v as never;
      return;
    case 37:
      m.pbbIsid = v as never;
      return;
    case 38:
      m.tunnelId = v as never;
      return;
    case 39:
      m.ipv6Exthdr = v as never;
      return;
  }
}


/**
 * The commonest exact-match fields, read and stored in one step when the
 * OXM header (field << 1 | hasmask, then length) is exactly theirs: returns
 * the field number, or -1 to take the general path (masks, other fields,
 * wrong lengths, values out of range), which then reports any error. The
 * value is stored before the caller's duplicate check; on that error the
 * match is dropped whole.
 */
function readExact(m: Match, b: Uint8Array, p: number, fh: number, len: number): number {
  switch (fh) {
    case 0: // in_port
      if (len !== 4) return -1;
      m.inPort = u32At(b, p);
      return 0;
    case 6: // eth_dst
      if (len !== 6) return -1;
      m.ethDst = formatMacAt(b, p);
      return 3;
    case 8: // eth_src
      if (len !== 6) return -1;
      m.ethSrc = formatMacAt(b, p);
      return 4;
    case 10: // eth_type
      if (len !== 2) return -1;
      m.ethType = u16At(b, p);
      return 5;
    case 12: {
      // vlan_vid: 13 bits (OFPVID_PRESENT and the VID)
      if (len !== 2) return -1;
      const v = u16At(b, p);
      if (v > 0x1fff) return -1;
      m.vlanVid = v;
      return 6;
    }
    case 20: // ip_proto
      if (len !== 1) return -1;
      m.ipProto = b[p]!;
      return 10;
    case 22: // ipv4_src
      if (len !== 4) return -1;
      m.ipv4Src = formatIpv4(u32At(b, p));
      return 11;
    case 24: // ipv4_dst
      if (len !== 4) return -1;
      m.ipv4Dst = formatIpv4(u32At(b, p));
      return 12;
    case 26: // tcp_src
      if (len !== 2) return -1;
      m.tcpSrc = u16At(b, p);
      return 13;
    case 28: // tcp_dst
      if (len !== 2) return -1;
      m.tcpDst = u16At(b, p);
      return 14;
    case 30: // udp_src
      if (len !== 2) return -1;
      m.udpSrc = u16At(b, p);
      return 15;
    case 32: // udp_dst
      if (len !== 2) return -1;
      m.udpDst = u16At(b, p);
      return 16;
    case 42: // arp_op
      if (len !== 2) return -1;
      m.arpOp = u16At(b, p);
      return 21;
    case 44: // arp_spa
      if (len !== 4) return -1;
      m.arpSpa = formatIpv4(u32At(b, p));
      return 22;
    case 46: // arp_tpa
      if (len !== 4) return -1;
      m.arpTpa = formatIpv4(u32At(b, p));
      return 23;
    default:
      return -1;
  }
}

// Field numbers of one match in wire order, for the prerequisite pass.
// decodeMatch13 does not re-enter itself, so one scratch array serves.
const order = new Uint8Array(MAX_OXM_FIELDS);

export function decodeMatch13(r: Reader): Match {
  const at = r.pos;
  const type = r.u16();
  const length = r.u16();
  if (type !== OFPMT_OXM) fail('BAD_VALUE', `match type ${type} is not OFPMT_OXM`, at);
  if (length < 4) fail('BAD_ELEMENT_LENGTH', `match length ${length} is below its 4-byte header`, at + 2);
  const outer = r.enter(length - 4, 'match');
  // The padding after the match is checked before its fields are read.
  const pad = (8 - (length & 7)) & 7;
  if (r.end + pad > outer) fail('TRUNCATED_BODY', `padding: need ${pad} bytes, ${outer - r.end} left`, r.end);
  const b = r.bytes;
  const m: Match = {};
  // Fields seen so far, by OXM number (0..39): bits 0..19 and 20..39.
  let seenLo = 0;
  let seenHi = 0;
  let count = 0;
  let withPrereq = 0;
  while (r.pos < r.end) {
    if (++count > MAX_OXM_FIELDS) fail('TOO_MANY_ELEMENTS', `match with more than ${MAX_OXM_FIELDS} OXM fields`, r.pos);
    const oxmAt = r.pos;
    if (r.end - oxmAt < 4) fail('BAD_ELEMENT_LENGTH', `OXM header needs 4 bytes, ${r.end - oxmAt} left`, oxmAt);
    const cls = (b[oxmAt]! << 8) | b[oxmAt + 1]!;
    const fh = b[oxmAt + 2]!;
    const len = b[oxmAt + 3]!;
    r.pos = oxmAt + 4;
    if (r.pos + len > r.end) fail('BAD_ELEMENT_LENGTH', `OXM: length ${len} runs past its match (${r.end - r.pos} left)`, oxmAt + 3);
    // Fields of other classes (Nicira registers in an OVS packet-in, say) are
    // skipped: Spotlight matches only on OpenFlow-basic fields.
    if (cls !== OFPXMC_OPENFLOW_BASIC) {
      r.pos += len;
      continue;
    }
    const quick = readExact(m, b, r.pos, fh, len);
    if (quick >= 0) {
      if (quick < 20) {
        if (seenLo & (1 << quick)) fail('DUPLICATE_FIELD', `OXM ${OXM_BY_NUMBER[quick]!.name} appears twice`, oxmAt);
        seenLo |= 1 << quick;
      } else {
        if (seenHi & (1 << (quick - 20))) fail('DUPLICATE_FIELD', `OXM ${OXM_BY_NUMBER[quick]!.name} appears twice`, oxmAt);
        seenHi |= 1 << (quick - 20);
      }
      // Of the fields readExact takes, those from ipProto (10) on have a prerequisite.
      if (quick >= 10) order[withPrereq++] = quick;
      r.pos += len;
      continue;
    }
    const d = OXM_BY_NUMBER[fh >>> 1];
    if (!d) fail('BAD_OXM', `unknown OpenFlow-basic OXM field ${fh >>> 1}`, oxmAt + 2);
    const hasMask = (fh & 1) === 1;
    if (len !== (hasMask ? 2 * d.size : d.size)) fail('BAD_OXM', `OXM ${d.name} length ${len}, expected ${hasMask ? 2 * d.size : d.size}`, oxmAt + 3);
    if (hasMask && !d.maskable) fail('BAD_OXM_MASK', `OXM ${d.name} may not carry a mask`, oxmAt + 2);
    const field = d.field;
    if (field < 20) {
      const bit = 1 << field;
      if (seenLo & bit) fail('DUPLICATE_FIELD', `OXM ${d.name} appears twice`, oxmAt);
      seenLo |= bit;
    } else {
      const bit = 1 << (field - 20);
      if (seenHi & bit) fail('DUPLICATE_FIELD', `OXM ${d.name} appears twice`, oxmAt);
      seenHi |= bit;
    }
    if (hasMask) {
      const valueAt = r.pos;
      for (let i = 0; i < d.size; i++) {
        if (b[valueAt + i]! & ~b[valueAt + d.size + i]!) fail('BAD_OXM_MASK', `OXM ${d.name}: value has bits set outside its mask`, valueAt + i);
      }
      const value = readValue(r, d);
      const mask = readValue(r, d);
      setField(m, field, { value, mask });
    } else {
      setField(m, field, readValue(r, d));
    }
    if (d.prereq !== undefined) order[withPrereq++] = field;
  }
  r.leave(outer);
  r.pos += pad;
  for (let i = 0; i < withPrereq; i++) {
    const d = OXM_BY_NUMBER[order[i]!]!;
    if (!prereqHolds(d.field, m)) fail('BAD_OXM_PREREQ', `OXM ${d.name} without its prerequisite ${d.prereqText}`, at);
  }
  return m;
}
