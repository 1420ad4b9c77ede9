// Canonical form of a match, equal to how Open vSwitch reports the same flow
// back in flow stats: masks applied to values, all-ones masks dropped, all-zero
// masks meaning "wildcarded", addresses in one text form, and (OF1.0) fields
// whose prerequisites are absent dropped, as OVS silently does for OF1.0.
import { formatIpv4, formatIpv6Value, ipv6Value } from '../openflow/addr.js';
import { ETH_ARP, ETH_IPV4, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../openflow/ethernet.js';
import { OFP10_VLAN_NONE } from '../openflow/of10/constants.js';
import { OXM_FIELDS } from '../openflow/of13/oxm-fields.js';
import { OFP10_VERSION, type OfVersion } from '../openflow/wire-values.js';
import { type Match, type MatchField, type MaybeMasked } from '../openflow/flow-model.js';

const MAC_RE = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

type FieldKind = 'mac' | 'ipv4' | 'ipv6' | 'u64' | { bits: number };

/** Each field's kind and width, from the OXM table (of13/oxm-fields.ts). */
const FIELD_KIND = Object.fromEntries(
  OXM_FIELDS.map((d): [MatchField, FieldKind] => [d.name, d.kind === 'mac' || d.kind === 'ipv4' || d.kind === 'ipv6' || d.kind === 'u64' ? d.kind : { bits: d.bits }]),
) as Record<MatchField, FieldKind>;

/** OF1.0 dl_vlan is 16 bits wide, 0xffff meaning "no tag". */
function kindOf(field: MatchField, version: OfVersion): FieldKind | undefined {
  if (field === 'vlanVid' && version === OFP10_VERSION) return { bits: 16 };
  return FIELD_KIND[field];
}

function widthOf(kind: FieldKind): number {
  if (kind === 'mac') return 48;
  if (kind === 'ipv4') return 32;
  if (kind === 'ipv6') return 128;
  if (kind === 'u64') return 64;
  return kind.bits;
}

export type MatchKeyError = { code: 'BAD_MATCH_VALUE'; field: string; message: string };

/** A value as a bigint of the field's width, or an error text. */
function toBits(kind: FieldKind, v: unknown): bigint | string {
  if (kind === 'mac') {
    if (typeof v !== 'string') return 'expected a MAC string';
    if (MAC_RE.test(v)) return BigInt('0x' + v.replace(/[:-]/g, ''));
    const parts = v.split(/[:-]/);
    if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return `bad MAC ${v}`;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(parseInt(p, 16)), 0n);
  }
  if (kind === 'ipv4') {
    // Dotted quad only (what the codec and the compiler write); hot on 20,000-flow tables.
    const m = typeof v === 'string' ? IPV4_RE.exec(v) : null;
    if (!m) return `bad IPv4 address ${String(v)}`;
    let n = 0n;
    for (let i = 1; i <= 4; i++) {
      const o = Number(m[i]);
      if (o > 255) return `bad IPv4 address ${String(v)}`;
      n = (n << 8n) | BigInt(o);
    }
    return n;
  }
  if (kind === 'ipv6') {
    const n = typeof v === 'string' ? ipv6Value(v) : undefined;
    return n ?? `bad IPv6 address ${String(v)}`;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  return `bad number ${String(v)}`;
}

/** A mask may also be written as a prefix length ("24" or 24) for address fields. */
function maskToBits(kind: FieldKind, m: unknown): bigint | string {
  const width = widthOf(kind);
  if ((kind === 'ipv4' || kind === 'ipv6') && (typeof m === 'number' || (typeof m === 'string' && /^\/?\d+$/.test(m)))) {
    const len = typeof m === 'number' ? m : parseInt(m.replace('/', ''), 10);
    if (len < 0 || len > width) return `bad prefix length ${String(m)}`;
    const ones = (1n << BigInt(width)) - 1n;
    return (ones << BigInt(width - len)) & ones;
  }
  return toBits(kind, m);
}

function render(kind: FieldKind, bits: bigint): string {
  if (kind === 'mac') {
    const h = bits.toString(16).padStart(12, '0');
    return `${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
  }
  if (kind === 'ipv4') return formatIpv4(Number(bits));
  if (kind === 'ipv6') return formatIpv6Value(bits);
  return '0x' + bits.toString(16);
}

/** One field of a canonical match: name, value and (when partial) mask, as text. */
export interface CanonicalField {
  field: MatchField;
  value: string;
  mask?: string;
}

const IP_FIELDS10: MatchField[] = ['ipv4Src', 'ipv4Dst', 'ipProto', 'ipDscp'];
const TP_FIELDS10: MatchField[] = ['tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'icmpv4Type', 'icmpv4Code'];
const ARP_FIELDS10: MatchField[] = ['arpOp', 'arpSpa', 'arpTpa'];

/**
 * OF1.0 switches (OVS in particular) wildcard a field whose prerequisite is
 * missing instead of refusing the flow: nw_* need dl_type IPv4 (or ARP for the
 * ARP view of nw_proto/nw_src/nw_dst), tp_* need nw_proto TCP, UDP or ICMP, and
 * dl_vlan_pcp means nothing for untagged frames.
 */
function dropUnmetPrerequisites10(m: Match): Match {
  const out: Match = { ...m };
  const isIp = m.ethType === ETH_IPV4;
  const isArp = m.ethType === ETH_ARP;
  if (!isIp) for (const f of IP_FIELDS10) delete out[f];
  if (!isArp) for (const f of ARP_FIELDS10) delete out[f];
  const proto = isIp ? m.ipProto : undefined;
  if (proto !== IPPROTO_TCP) {
    delete out.tcpSrc;
    delete out.tcpDst;
  }
  if (proto !== IPPROTO_UDP) {
    delete out.udpSrc;
    delete out.udpDst;
  }
  if (proto !== IPPROTO_ICMP) {
    delete out.icmpv4Type;
    delete out.icmpv4Code;
  }
  if (!isIp) for (const f of TP_FIELDS10) delete out[f];
  const vid = typeof m.vlanVid === 'number' ? m.vlanVid : m.vlanVid?.value;
  if (vid === OFP10_VLAN_NONE) delete out.vlanPcp;
  return out;
}

/** One field as bits: the value already masked, the mask all ones when exact. */
export interface FieldBits {
  field: MatchField;
  value: bigint;
  mask: bigint;
  width: number;
}

export type MatchBitsResult = { ok: true; fields: FieldBits[] } | { ok: false; error: MatchKeyError };

/** Fields sorted by name as bits, as the switch will hold them; or the first bad field. */
export function matchBits(match: Match, version: OfVersion): MatchBitsResult {
  const m = version === OFP10_VERSION ? dropUnmetPrerequisites10(match) : match;
  const fields: FieldBits[] = [];
  for (const name of Object.keys(m).sort() as MatchField[]) {
    const raw = m[name] as MaybeMasked<string | number | bigint> | undefined;
    if (raw === undefined) continue;
    const kind = kindOf(name, version);
    if (kind === undefined) {
      return { ok: false, error: { code: 'BAD_MATCH_VALUE', field: name, message: `unknown match field ${name}` } };
    }
    const width = widthOf(kind);
    const ones = (1n << BigInt(width)) - 1n;
    const isMasked = typeof raw === 'object' && raw !== null;
    const value = toBits(kind, isMasked ? (raw as { value: unknown }).value : raw);
    if (typeof value === 'string') return { ok: false, error: { code: 'BAD_MATCH_VALUE', field: name, message: value } };
    let mask = ones;
    const rawMask = isMasked ? (raw as { mask?: unknown }).mask : undefined;
    if (rawMask !== undefined) {
      const mb = maskToBits(kind, rawMask);
      if (typeof mb === 'string') return { ok: false, error: { code: 'BAD_MATCH_VALUE', field: name, message: mb } };
      mask = mb & ones;
    }
    // A zero mask matches everything: the switch reports the field as absent.
    if (mask === 0n) continue;
    fields.push({ field: name, value: value & mask & ones, mask, width });
  }
  return { ok: true, fields };
}

/** Fields sorted by name, values normalised as text; or the first bad field. */
export function canonicalMatch(
  match: Match,
  version: OfVersion,
): { ok: true; fields: CanonicalField[] } | { ok: false; error: MatchKeyError } {
  const b = matchBits(match, version);
  if (!b.ok) return b;
  return {
    ok: true,
    fields: b.fields.map((f) => {
      const kind = kindOf(f.field, version)!;
      const exact = f.mask === (1n << BigInt(f.width)) - 1n;
      return exact ? { field: f.field, value: render(kind, f.value) } : { field: f.field, value: render(kind, f.value), mask: render(kind, f.mask) };
    }),
  };
}

/** The match as a switch reports it back: the same canonical values, as a Match. */
export function normalizedMatch(match: Match, version: OfVersion): Match | undefined {
  const b = matchBits(match, version);
  if (!b.ok) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of b.fields) {
    const kind = kindOf(f.field, version)!;
    const asValue = (bits: bigint): string | number | bigint =>
      kind === 'mac' || kind === 'ipv4' || kind === 'ipv6' ? render(kind, bits) : kind === 'u64' ? bits : Number(bits);
    const exact = f.mask === (1n << BigInt(f.width)) - 1n;
    out[f.field] = exact ? asValue(f.value) : { value: asValue(f.value), mask: asValue(f.mask) };
  }
  return out as Match;
}

export function canonicalMatchText(fields: CanonicalField[]): string {
  return fields.map((f) => (f.mask === undefined ? `${f.field}=${f.value}` : `${f.field}=${f.value}/${f.mask}`)).join(',');
}

const EXACT10_BASE: MatchField[] = ['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'vlanPcp', 'ethType', 'ipDscp', 'ipProto', 'ipv4Src', 'ipv4Dst'];
const EXACT10_TP: MatchField[][] = [
  ['tcpSrc', 'tcpDst'],
  ['udpSrc', 'udpDst'],
  ['icmpv4Type', 'icmpv4Code'],
];

/**
 * OF1.0 gives a flow without any wildcard the highest priority: Open vSwitch
 * stores and reports it at 65535 whatever priority the flow-mod carried.
 */
function effectivePriority(priority: number, fields: FieldBits[], version: OfVersion): number {
  if (version !== OFP10_VERSION || fields.length !== 12) return priority;
  const ones = (f: FieldBits) => f.mask === (1n << BigInt(f.width)) - 1n;
  if (!fields.every(ones)) return priority;
  const names = new Set(fields.map((f) => f.field));
  const exact = EXACT10_BASE.every((n) => names.has(n)) && EXACT10_TP.some((pair) => pair.every((n) => names.has(n)));
  return exact ? 0xffff : priority;
}

export type FlowKeyResult = { ok: true; key: string } | { ok: false; error: MatchKeyError };

/**
 * The identity of a flow in a switch: table, priority and canonical match.
 * Two flows with the same key are the same flow to the switch (an add of one
 * replaces the other; modify-strict and delete-strict address it).
 */
export function flowKey(tableId: number, priority: number, match: Match, version: OfVersion): FlowKeyResult {
  const k = keyAndNormalize(tableId, priority, match, version);
  return k.ok ? { ok: true, key: k.key } : k;
}

/** The key and the switch's normal form of the match, from one pass over the match. */
export function keyAndNormalize(
  tableId: number,
  priority: number,
  match: Match,
  version: OfVersion,
): { ok: true; key: string; match: Match } | { ok: false; error: MatchKeyError } {
  const b = matchBits(match, version);
  if (!b.ok) return b;
  const out: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const f of b.fields) {
    const kind = kindOf(f.field, version)!;
    const exact = f.mask === (1n << BigInt(f.width)) - 1n;
    const asValue = (bits: bigint): string | number | bigint =>
      kind === 'mac' || kind === 'ipv4' || kind === 'ipv6' ? render(kind, bits) : kind === 'u64' ? bits : Number(bits);
    const v = render(kind, f.value);
    if (exact) {
      parts.push(`${f.field}=${v}`);
      out[f.field] = asValue(f.value);
    } else {
      parts.push(`${f.field}=${v}/${render(kind, f.mask)}`);
      out[f.field] = { value: asValue(f.value), mask: asValue(f.mask) };
    }
  }
  // A match already in normal form (the compiler's usually are) is kept: one object per flow, not two.
  return { ok: true, key: `t${tableId}/p${effectivePriority(priority, b.fields, version)}/${parts.join(',')}`, match: sameFields(out, match) ? match : (out as Match) };
}

/** Whether `match` holds exactly the fields of `normal`, with the same values (a masked one as {value, mask}). */
function sameFields(normal: Record<string, unknown>, match: Match): boolean {
  const given = match as Record<string, unknown>;
  let count = 0;
  for (const k in given) {
    count++;
    const a = normal[k];
    const b = given[k];
    if (a === b) continue;
    if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false;
    const am = a as { value: unknown; mask: unknown };
    const bm = b as { value: unknown; mask: unknown };
    if (am.value !== bm.value || am.mask !== bm.mask || Object.keys(bm).length !== 2) return false;
  }
  return count === Object.keys(normal).length;
}

/** One field value in canonical text (used for set-field actions); undefined when malformed. */
export function canonicalFieldValue(field: MatchField, value: unknown): string | undefined {
  const kind = FIELD_KIND[field];
  if (kind === undefined) return undefined;
  const bits = toBits(kind, value);
  if (typeof bits === 'string') return undefined;
  return render(kind, bits & ((1n << BigInt(widthOf(kind))) - 1n));
}
