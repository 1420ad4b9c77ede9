// MAC, IPv4 and IPv6 addresses: text to values and bytes and back, for every
// layer (the codec, the compiler's flows and answers, LLDP). Hand-written
// rather than through ip-address because they sit on the hot path of every
// match; the model checks what users send with ip-address (model/ident.ts).
import { fail } from './errors.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));
// Char codes of each byte's two lower-case hex digits: a MAC becomes one
// String.fromCharCode call, a single flat string (about 3x a template's speed).
const HI_DIGIT = new Uint8Array(256);
const LO_DIGIT = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HI_DIGIT[i] = HEX[i]!.charCodeAt(0);
  LO_DIGIT[i] = HEX[i]!.charCodeAt(1);
}

// Decoded MAC text by its 48-bit value, in a direct-mapped table: a hit costs
// two integer compares instead of making a string. A new address overwrites
// its slot, so the table never grows (8192 slots, about 0.5 MiB with text)
// whatever the input. Text is kept from an address's second sighting on: an
// address seen once (a stream of ever new ones) costs only its string, which
// dies young, instead of a string the table keeps alive into the old
// generation. Equal text either way, so the table changes no result.
const MAC_SLOTS = 8192;
const MAC_SHIFT = 32 - 13;
const macHi = new Int32Array(MAC_SLOTS).fill(-1);
const macLo = new Int32Array(MAC_SLOTS);
/** The slot's text, or '' while its address was seen only once. */
const macText: string[] = new Array<string>(MAC_SLOTS).fill('');

/** "aa:bb:cc:dd:ee:ff" of the six bytes at `p` (caller checks bounds). */
export function formatMacAt(b: Uint8Array, p: number): string {
  const hi = (b[p]! << 8) | b[p + 1]!;
  const lo = (b[p + 2]! << 24) | (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!;
  const slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> MAC_SHIFT;
  if (macLo[slot] === lo && macHi[slot] === hi) {
    const kept = macText[slot]!;
    if (kept !== '') return kept;
    const text = macString(b, p);
    macText[slot] = text;
    return text;
  }
  macHi[slot] = hi;
  macLo[slot] = lo;
  macText[slot] = '';
  return macString(b, p);
}

function macString(b: Uint8Array, p: number): string {
  const b0 = b[p]!;
  const b1 = b[p + 1]!;
  const b2 = b[p + 2]!;
  const b3 = b[p + 3]!;
  const b4 = b[p + 4]!;
  const b5 = b[p + 5]!;
  return String.fromCharCode(
    HI_DIGIT[b0]!, LO_DIGIT[b0]!, 58, HI_DIGIT[b1]!, LO_DIGIT[b1]!, 58, HI_DIGIT[b2]!, LO_DIGIT[b2]!, 58,
    HI_DIGIT[b3]!, LO_DIGIT[b3]!, 58, HI_DIGIT[b4]!, LO_DIGIT[b4]!, 58, HI_DIGIT[b5]!, LO_DIGIT[b5]!,
  );
}


/** Value of one hex digit's char code, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The 48-bit value of "aa:bb:cc:dd:ee:ff" (any case), or -1. */
export function parseMac(mac: string): number {
  if (typeof mac !== 'string' || mac.length !== 17) return -1;
  let v = 0;
  for (let i = 0; i < 6; i++) {
    const hi = hexDigit(mac.charCodeAt(i * 3));
    const lo = hexDigit(mac.charCodeAt(i * 3 + 1));
    if (hi < 0 || lo < 0 || (i < 5 && mac.charCodeAt(i * 3 + 2) !== 58)) return -1;
    v = v * 256 + ((hi << 4) | lo);
  }
  return v;
}

// Addresses already parsed, by their text. The flow compiler hands the same
// few string objects to thousands of flows, and a string keeps its hash, so a
// lookup costs less than reading the text again. Only valid addresses enter;
// the map is emptied when full so that its size stays bounded.
const CACHE_LIMIT = 4096;
const macCache = new Map<string, number>();
const ipv4Cache = new Map<string, number>();

/** The 48-bit value of a MAC text, through the cache; -1 when it is not one. */
export function cachedMac(mac: string): number {
  let v = macCache.get(mac);
  if (v === undefined) {
    v = parseMac(mac);
    if (v < 0) return v;
    if (macCache.size >= CACHE_LIMIT) macCache.clear();
    macCache.set(mac, v);
  }
  return v;
}

export function writeMac(w: Writer, mac: string, what: string): void {
  const v = typeof mac === 'string' ? cachedMac(mac) : -1;
  if (v < 0) fail('BAD_VALUE', `${what}: "${String(mac)}" is not a MAC address`, w.pos);
  w.ensure(6);
  putMacValue(w.buf, w.pos, v);
  w.pos += 6;
}

/** The six bytes of the 48-bit MAC value `v` at `p` (caller checks room). */
export function putMacValue(b: Uint8Array, p: number, v: number): void {
  const hi = Math.floor(v / 4294967296);
  const lo = v % 4294967296;
  b[p] = hi >>> 8;
  b[p + 1] = hi & 0xff;
  b[p + 2] = lo >>> 24;
  b[p + 3] = (lo >>> 16) & 0xff;
  b[p + 4] = (lo >>> 8) & 0xff;
  b[p + 5] = lo & 0xff;
}

/** Dotted quad without leading zeros, or undefined. */
export function parseIpv4(s: string): number | undefined {
  if (typeof s !== 'string' || s.length < 7 || s.length > 15) return undefined;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 255) return undefined;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      if (i < s.length && ++dots > 3) return undefined;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else return undefined;
  }
  return dots === 3 ? v : undefined;
}

// "0." .. "255." and "0" .. "255": four table reads and three joins per
// address, about 1.5x a template literal's speed.
const DEC: string[] = [];
const DEC_DOT: string[] = [];
for (let i = 0; i < 256; i++) {
  DEC.push(String(i));
  DEC_DOT.push(`${i}.`);
}

// Decoded IPv4 text by its value, direct-mapped: a hit is one compare; a new
// address overwrites its slot, so the table stays at 4096 entries whatever
// the input. A slot's key is the address as int32 with `ipv4State` saying
// whether it is taken (state 0: empty; 0 is also a valid address) and whether its text is kept:
// as for MACs (reader.ts), text is kept from an address's second sighting on.
const IPV4_SLOTS = 4096;
const IPV4_SHIFT = 32 - 12;
const IPV4_SEEN = 1;
const IPV4_KEPT = 2;
const ipv4Key = new Int32Array(IPV4_SLOTS);
const ipv4State = new Uint8Array(IPV4_SLOTS);
const ipv4Text: string[] = new Array<string>(IPV4_SLOTS).fill('');

export function formatIpv4(v: number): string {
  const key = v | 0;
  const slot = Math.imul(key, 0x9e3779b1) >>> IPV4_SHIFT;
  const state = ipv4State[slot]!;
  if (state === IPV4_KEPT && ipv4Key[slot] === key) return ipv4Text[slot]!;
  const text = DEC_DOT[v >>> 24]! + DEC_DOT[(v >>> 16) & 0xff]! + DEC_DOT[(v >>> 8) & 0xff]! + DEC[v & 0xff]!;
  if (state === IPV4_SEEN && ipv4Key[slot] === key) {
    ipv4State[slot] = IPV4_KEPT;
    ipv4Text[slot] = text;
  } else {
    ipv4Key[slot] = key;
    ipv4State[slot] = IPV4_SEEN;
    ipv4Text[slot] = '';
  }
  return text;
}

/** The value of a dotted quad, through the cache; undefined when it is not one. */
export function cachedIpv4(ip: string): number | undefined {
  let v = ipv4Cache.get(ip);
  if (v === undefined) {
    v = parseIpv4(ip);
    if (v === undefined) return v;
    if (ipv4Cache.size >= CACHE_LIMIT) ipv4Cache.clear();
    ipv4Cache.set(ip, v);
  }
  return v;
}

export function writeIpv4(w: Writer, ip: string, what: string): void {
  const v = typeof ip === 'string' ? cachedIpv4(ip) : undefined;
  if (v === undefined) fail('BAD_VALUE', `${what}: "${String(ip)}" is not an IPv4 address`, w.pos);
  w.u32(v);
}

/** Sixteen bytes of an IPv6 address, or undefined when the text is not one. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length < 2 || s.length > 45) return undefined;
  let text = s;
  const out = new Uint8Array(16);
  // An embedded dotted quad fills the last 32 bits: rewrite it as two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) >= 0) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const groups = h.split(':');
    const vals: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      vals.push(parseInt(g, 16));
    }
    return vals;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i]! >>> 8;
    out[i * 2 + 1] = all[i]! & 0xff;
  }
  return out;
}

/** RFC 5952 text: lower case, longest run of two or more zero groups as "::". */
export function formatIpv6(b: Uint8Array, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[at + i * 2]! << 8) | b[at + i * 2 + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

export function writeIpv6(w: Writer, ip: string, what: string): void {
  const b = parseIpv6(ip);
  if (!b) fail('BAD_VALUE', `${what}: "${String(ip)}" is not an IPv6 address`, w.pos);
  w.bytes(b);
}

export function readIpv6(r: Reader): string {
  r.need(16, 'IPv6 address');
  const s = formatIpv6(r.bytes, r.pos);
  r.pos += 16;
  return s;
}

/** The address without an IPv6 zone ("fe80::1%eth0" -> "fe80::1"). */
function withoutZone(text: string): string {
  const pct = text.indexOf('%');
  return pct >= 0 ? text.slice(0, pct) : text;
}

/** True for IPv6 text (it has a colon), false for IPv4. */
export function isIpv6(ip: string): boolean {
  return ip.includes(':');
}

/** RFC 5952 text of an IPv6 address in any spelling (zone dropped); lower-cased input when it is not one. */
export function canonicalIpv6(text: string): string {
  const b = parseIpv6(withoutZone(text));
  return b ? formatIpv6(b) : text.toLowerCase();
}

/** The 128-bit value of an IPv6 address in any spelling (zone dropped), or undefined. */
export function ipv6Value(text: string): bigint | undefined {
  const b = parseIpv6(withoutZone(text));
  if (!b) return undefined;
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** RFC 5952 text of a 128-bit value. */
export function formatIpv6Value(v: bigint): string {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--, v >>= 8n) b[i] = Number(v & 0xffn);
  return formatIpv6(b);
}

/** The six bytes of "aa:bb:cc:dd:ee:ff" (any case); throws RangeError when the text is not a MAC. */
export function macBytes(mac: string): Uint8Array {
  const v = parseMac(mac);
  if (v < 0) throw new RangeError(`bad MAC ${String(mac)}`);
  const b = new Uint8Array(6);
  putMacValue(b, 0, v);
  return b;
}

/** The sixteen bytes of an IPv6 address; throws RangeError when the text is not one. */
export function ipv6Bytes(ip: string): Uint8Array {
  const b = parseIpv6(withoutZone(ip));
  if (!b) throw new RangeError(`bad IPv6 address ${String(ip)}`);
  return b;
}

/** Dotted quad of the four bytes at `at` (caller checks bounds). */
export function formatIpv4At(b: Uint8Array, at: number): string {
  return formatIpv4(((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0);
}

/** fe80::/64 with the modified EUI-64 interface id of `mac` (RFC 4291 appendix A). */
export function linkLocalOf(mac: string): string {
  const m = macBytes(mac);
  const b = new Uint8Array(16);
  b[0] = 0xfe;
  b[1] = 0x80;
  b[8] = m[0]! ^ 0x02;
  b[9] = m[1]!;
  b[10] = m[2]!;
  b[11] = 0xff;
  b[12] = 0xfe;
  b[13] = m[3]!;
  b[14] = m[4]!;
  b[15] = m[5]!;
  return formatIpv6(b);
}
