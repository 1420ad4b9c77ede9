// A one-pass decoder and encoder for the OF1.3 flow-mods Spotlight meets
// most: the fields, instructions and actions its compiler uses, read and
// written with local offsets and no reader object or generic element code.
//
// They are shortcuts, not second authorities. On anything outside that set
// or anything wrong (a bad length or value, a duplicate, a missing
// prerequisite, an unknown element) they step aside, and the general decoder
// or encoder then does the whole message and reports the error exactly.
// Where they do a message, the result equals the general path's: the same
// decoded object, key order included, and the same bytes
// (test/unit/openflow/flow-mod-fast.test.ts checks both on random and
// mutated flow-mods).
import { cachedIpv4, cachedMac, formatIpv4, formatMacAt, putMacValue } from '../addr.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, IPPROTO_TCP, IPPROTO_UDP } from '../ethernet.js';
import { MAX_ACTIONS, MAX_INSTRUCTIONS, MAX_OXM_FIELDS } from '../limits.js';
import { u16At, u32At, u64FromWords } from '../reader.js';
import { CONTROLLER_MAX_LEN_NO_BUFFER, OFP13_VERSION, Port, type Action, type FlowMod, type Instruction, type Match } from '../types.js';
import { putU16, putU32, putU64, type Writer } from '../writer.js';
import { FLOW_MOD_COMMANDS, flagsFromWire13, flagsToWire13 } from './flags.js';
import { readAction16 } from './actions.js';
import { putOxmHeader } from './oxm.js';


// Bits of the fields this path reads, for the duplicate check.
const IN_PORT = 1 << 0;
const ETH_DST = 1 << 1;
const ETH_SRC = 1 << 2;
const ETH_TYPE = 1 << 3;
const VLAN_VID = 1 << 4;
const IP_PROTO = 1 << 5;
const IPV4_SRC = 1 << 6;
const IPV4_DST = 1 << 7;
const TCP_SRC = 1 << 8;
const TCP_DST = 1 << 9;
const UDP_SRC = 1 << 10;
const UDP_DST = 1 << 11;
const ARP_OP = 1 << 12;
const ARP_SPA = 1 << 13;
const ARP_TPA = 1 << 14;
const NEEDS_IP = IP_PROTO | TCP_SRC | TCP_DST | UDP_SRC | UDP_DST;
const NEEDS_IPV4 = IPV4_SRC | IPV4_DST;
const NEEDS_ARP = ARP_OP | ARP_SPA | ARP_TPA;

/**
 * The match at `q` (its 4-byte header first), or undefined. Fields are set in
 * wire order, as the general decoder sets them.
 */
function matchAt(b: Uint8Array, q: number, mEnd: number): Match | undefined {
  const m: Match = {};
  let seen = 0;
  let ethType = -1;
  let ipProto = -1;
  let count = 0;
  let p = q + 4;
  while (p < mEnd) {
    // Only OpenFlow-basic (class 0x8000) exact fields of the right length.
    if (mEnd - p < 4 || b[p] !== 0x80 || b[p + 1] !== 0 || ++count > MAX_OXM_FIELDS) return undefined;
    const fh = b[p + 2]!;
    const len = b[p + 3]!;
    const v = p + 4;
    if (v + len > mEnd) return undefined;
    let bit: number;
    switch (fh) {
      case 0: // in_port
        if (len !== 4) return undefined;
        bit = IN_PORT;
        m.inPort = u32At(b, v);
        break;
      case 6: // eth_dst
        if (len !== 6) return undefined;
        bit = ETH_DST;
        m.ethDst = formatMacAt(b, v);
        break;
      case 8: // eth_src
        if (len !== 6) return undefined;
        bit = ETH_SRC;
        m.ethSrc = formatMacAt(b, v);
        break;
      case 10: // eth_type
        if (len !== 2) return undefined;
        bit = ETH_TYPE;
        ethType = u16At(b, v);
        m.ethType = ethType;
        break;
      case 12: {
        // vlan_vid: OFPVID_PRESENT and 12 bits of VID
        if (len !== 2) return undefined;
        const vid = u16At(b, v);
        if (vid > 0x1fff) return undefined;
        bit = VLAN_VID;
        m.vlanVid = vid;
        break;
      }
      case 20: // ip_proto
        if (len !== 1) return undefined;
        bit = IP_PROTO;
        ipProto = b[v]!;
        m.ipProto = ipProto;
        break;
      case 22: // ipv4_src
        if (len !== 4) return undefined;
        bit = IPV4_SRC;
        m.ipv4Src = formatIpv4(u32At(b, v));
        break;
      case 24: // ipv4_dst
        if (len !== 4) return undefined;
        bit = IPV4_DST;
        m.ipv4Dst = formatIpv4(u32At(b, v));
        break;
      case 26: // tcp_src
        if (len !== 2) return undefined;
        bit = TCP_SRC;
        m.tcpSrc = u16At(b, v);
        break;
      case 28: // tcp_dst
        if (len !== 2) return undefined;
        bit = TCP_DST;
        m.tcpDst = u16At(b, v);
        break;
      case 30: // udp_src
        if (len !== 2) return undefined;
        bit = UDP_SRC;
        m.udpSrc = u16At(b, v);
        break;
      case 32: // udp_dst
        if (len !== 2) return undefined;
        bit = UDP_DST;
        m.udpDst = u16At(b, v);
        break;
      case 42: // arp_op
        if (len !== 2) return undefined;
        bit = ARP_OP;
        m.arpOp = u16At(b, v);
        break;
      case 44: // arp_spa
        if (len !== 4) return undefined;
        bit = ARP_SPA;
        m.arpSpa = formatIpv4(u32At(b, v));
        break;
      case 46: // arp_tpa
        if (len !== 4) return undefined;
        bit = ARP_TPA;
        m.arpTpa = formatIpv4(u32At(b, v));
        break;
      default:
        return undefined;
    }
    if (seen & bit) return undefined;
    seen |= bit;
    p = v + len;
  }
  // Prerequisites (spec 7.2.3.7), on the values read above.
  if (seen & (NEEDS_IP | NEEDS_IPV4 | NEEDS_ARP)) {
    const ip = ethType === ETH_IPV4 || ethType === ETH_IPV6;
    if (seen & NEEDS_IP && !ip) return undefined;
    if (seen & (TCP_SRC | TCP_DST) && ipProto !== 6) return undefined;
    if (seen & (UDP_SRC | UDP_DST) && ipProto !== 17) return undefined;
    if (seen & NEEDS_IPV4 && ethType !== ETH_IPV4) return undefined;
    if (seen & NEEDS_ARP && ethType !== ETH_ARP) return undefined;
  }
  return m;
}

/** The action list in [p, end), or undefined. */
function actionsAt(b: Uint8Array, p: number, end: number): Action[] | undefined {
  let a0: Action | undefined;
  let a1: Action | undefined;
  let more: Action[] | undefined;
  let n = 0;
  while (p < end) {
    // Output and set-field of a MAC or an IPv4 address (16 bytes each), as the general decoder reads them in one step.
    if (end - p < 16 || b[p + 2] !== 0 || b[p + 3] !== 16 || n >= MAX_ACTIONS) return undefined;
    const a = readAction16(b, p);
    if (a === undefined) return undefined;
    if (n === 0) a0 = a;
    else if (n === 1) a1 = a;
    else (more ??= []).push(a);
    n++;
    p += 16;
  }
  if (n === 0) return [];
  if (n === 1) return [a0!];
  return more === undefined ? [a0!, a1!] : [a0!, a1!, ...more];
}

/**
 * The OF1.3 flow-mod whose body (after the 8-byte header) spans [p, end) of
 * `b`, or undefined when the general decoder must read it.
 */
export function decodeFlowModFast13(b: Uint8Array, p: number, end: number, xid: number): FlowMod | undefined {
  // 40 fixed bytes, then at least a match header and its padding.
  if (end - p < 48) return undefined;
  const command = FLOW_MOD_COMMANDS[b[p + 17]!];
  if (command === undefined) return undefined;
  const q = p + 40;
  const mLen = u16At(b, q + 2);
  if (u16At(b, q) !== 1 || mLen < 4) return undefined;
  const mEnd = q + mLen;
  const iStart = q + ((mLen + 7) & ~7);
  if (iStart > end) return undefined;
  const match = matchAt(b, q, mEnd);
  if (match === undefined) return undefined;

  let i0: Instruction | undefined;
  let i1: Instruction | undefined;
  let more: Instruction[] | undefined;
  let n = 0;
  let seen = 0;
  let at = iStart;
  while (at < end) {
    if (end - at < 8 || n >= MAX_INSTRUCTIONS) return undefined;
    const type = u16At(b, at);
    const len = u16At(b, at + 2);
    if (len < 8 || (len & 7) !== 0 || at + len > end || type < 1 || type > 6 || seen & (1 << type)) return undefined;
    seen |= 1 << type;
    let ins: Instruction;
    if (type === 1) {
      if (len !== 8) return undefined;
      ins = { type: 'gotoTable', tableId: b[at + 4]! };
    } else if (type === 4 || type === 3) {
      const actions = actionsAt(b, at + 8, at + len);
      if (actions === undefined) return undefined;
      ins = type === 4 ? { type: 'applyActions', actions } : { type: 'writeActions', actions };
    } else if (type === 5) {
      if (len !== 8) return undefined;
      ins = { type: 'clearActions' };
    } else return undefined;
    if (n === 0) i0 = ins;
    else if (n === 1) i1 = ins;
    else (more ??= []).push(ins);
    n++;
    at += len;
  }
  const instructions: Instruction[] = n === 0 ? [] : n === 1 ? [i0!] : more === undefined ? [i0!, i1!] : [i0!, i1!, ...more];
  return {
    version: OFP13_VERSION,
    xid,
    type: 'flowMod',
    cookie: u64FromWords(u32At(b, p), u32At(b, p + 4)),
    cookieMask: u64FromWords(u32At(b, p + 8), u32At(b, p + 12)),
    tableId: b[p + 16]!,
    command,
    idleTimeout: u16At(b, p + 18),
    hardTimeout: u16At(b, p + 20),
    priority: u16At(b, p + 22),
    bufferId: u32At(b, p + 24),
    outPort: u32At(b, p + 28),
    outGroup: u32At(b, p + 32),
    flags: flagsFromWire13(u16At(b, p + 36)),
    match,
    instructions,
  };
}

// ---------------------------------------------------------------- encoding

const isU8 = (v: unknown): v is number => typeof v === 'number' && (v & 0xff) === v;
const isU16 = (v: unknown): v is number => typeof v === 'number' && (v & 0xffff) === v;
const isU32 = (v: unknown): v is number => typeof v === 'number' && v >>> 0 === v;
const isU64 = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v <= 0xffffffffffffffffn;

/** Wire number of each flow-mod command, from the one list in flags.ts. */
const COMMAND_CODE = new Map<string, number>(FLOW_MOD_COMMANDS.map((c, i) => [c, i]));

/** A 2-byte OXM (header `fh`) at p; where the next one goes. */
function putPort(b: Uint8Array, p: number, fh: number, v: number): number {
  putOxmHeader(b, p, fh, 2);
  putU16(b, p + 4, v);
  return p + 6;
}

/** Bytes of a match of up to 15 of the fields below: header, OXMs, padding. */
const MATCH_MAX = 4 + 4 * 15 + 6 * 2 + 4 * 5 + 2 * 8 + 1 + 7;

/**
 * Writes the match `m` at w.pos when every field it has is one of those the
 * shortcut takes, unmasked and in range, with its prerequisites; false (and
 * nothing kept) otherwise. Fields go in OXM number order, as the general
 * encoder writes them.
 */
function putMatch(w: Writer, m: Match): boolean {
  w.ensure(MATCH_MAX);
  const b = w.buf;
  const start = w.pos;
  let p = start + 4;
  let n = 0;
  let ethType = -1;
  let ipProto = -1;
  const { inPort, ethDst, ethSrc } = m;
  if (inPort !== undefined) {
    if (!isU32(inPort)) return false;
    putOxmHeader(b, p, 0, 4);
    putU32(b, p + 4, inPort);
    p += 8;
    n++;
  }
  if (ethDst !== undefined) {
    const v = typeof ethDst === 'string' ? cachedMac(ethDst) : -1;
    if (v < 0) return false;
    putOxmHeader(b, p, 6, 6);
    putMacValue(b, p + 4, v);
    p += 10;
    n++;
  }
  if (ethSrc !== undefined) {
    const v = typeof ethSrc === 'string' ? cachedMac(ethSrc) : -1;
    if (v < 0) return false;
    putOxmHeader(b, p, 8, 6);
    putMacValue(b, p + 4, v);
    p += 10;
    n++;
  }
  const et = m.ethType;
  if (et !== undefined) {
    if (!isU16(et)) return false;
    ethType = et;
    putOxmHeader(b, p, 10, 2);
    putU16(b, p + 4, et);
    p += 6;
    n++;
  }
  const vid = m.vlanVid;
  if (vid !== undefined) {
    if (!isU16(vid) || vid > 0x1fff) return false;
    putOxmHeader(b, p, 12, 2);
    putU16(b, p + 4, vid);
    p += 6;
    n++;
  }
  const ip = ethType === ETH_IPV4 || ethType === ETH_IPV6;
  const proto = m.ipProto;
  if (proto !== undefined) {
    if (!isU8(proto) || !ip) return false;
    ipProto = proto;
    putOxmHeader(b, p, 20, 1);
    b[p + 4] = proto;
    p += 5;
    n++;
  }
  const { ipv4Src, ipv4Dst } = m;
  if (ipv4Src !== undefined) {
    const v = typeof ipv4Src === 'string' && ethType === ETH_IPV4 ? cachedIpv4(ipv4Src) : undefined;
    if (v === undefined) return false;
    putOxmHeader(b, p, 22, 4);
    putU32(b, p + 4, v);
    p += 8;
    n++;
  }
  if (ipv4Dst !== undefined) {
    const v = typeof ipv4Dst === 'string' && ethType === ETH_IPV4 ? cachedIpv4(ipv4Dst) : undefined;
    if (v === undefined) return false;
    putOxmHeader(b, p, 24, 4);
    putU32(b, p + 4, v);
    p += 8;
    n++;
  }
  // Transport ports, each with its protocol.
  const { tcpSrc, tcpDst, udpSrc, udpDst } = m;
  if (tcpSrc !== undefined || tcpDst !== undefined) {
    if (!(ip && ipProto === IPPROTO_TCP)) return false;
    if (tcpSrc !== undefined) {
      if (!isU16(tcpSrc)) return false;
      p = putPort(b, p, 26, tcpSrc);
      n++;
    }
    if (tcpDst !== undefined) {
      if (!isU16(tcpDst)) return false;
      p = putPort(b, p, 28, tcpDst);
      n++;
    }
  }
  if (udpSrc !== undefined || udpDst !== undefined) {
    if (!(ip && ipProto === IPPROTO_UDP)) return false;
    if (udpSrc !== undefined) {
      if (!isU16(udpSrc)) return false;
      p = putPort(b, p, 30, udpSrc);
      n++;
    }
    if (udpDst !== undefined) {
      if (!isU16(udpDst)) return false;
      p = putPort(b, p, 32, udpDst);
      n++;
    }
  }
  const { arpOp, arpSpa, arpTpa } = m;
  if (arpOp !== undefined || arpSpa !== undefined || arpTpa !== undefined) {
    if (ethType !== ETH_ARP) return false;
    if (arpOp !== undefined) {
      if (!isU16(arpOp)) return false;
      putOxmHeader(b, p, 42, 2);
      putU16(b, p + 4, arpOp);
      p += 6;
      n++;
    }
    if (arpSpa !== undefined) {
      const v = typeof arpSpa === 'string' ? cachedIpv4(arpSpa) : undefined;
      if (v === undefined) return false;
      putOxmHeader(b, p, 44, 4);
      putU32(b, p + 4, v);
      p += 8;
      n++;
    }
    if (arpTpa !== undefined) {
      const v = typeof arpTpa === 'string' ? cachedIpv4(arpTpa) : undefined;
      if (v === undefined) return false;
      putOxmHeader(b, p, 46, 4);
      putU32(b, p + 4, v);
      p += 8;
      n++;
    }
  }
  // Any other key (another field, a typo, a key set to undefined): general path.
  let keys = 0;
  for (const _ in m) keys++;
  if (keys !== n) return false;
  b[start] = 0;
  b[start + 1] = 1; // OFPMT_OXM
  putU16(b, start + 2, p - start);
  while ((p - start) & 7) b[p++] = 0;
  w.pos = p;
  return true;
}

/** Writes one action list of outputs and MAC/IPv4 set-fields at w.pos; false when it has anything else. */
function putActions(w: Writer, actions: Action[]): boolean {
  if (!Array.isArray(actions) || actions.length > MAX_ACTIONS) return false;
  w.ensure(16 * actions.length);
  const b = w.buf;
  let p = w.pos;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    if (a === null || typeof a !== 'object') return false;
    if (a.type === 'output') {
      const port = a.port;
      const maxLen = a.maxLen ?? (port === Port.CONTROLLER ? CONTROLLER_MAX_LEN_NO_BUFFER : 0);
      if (!isU32(port) || !isU16(maxLen)) return false;
      putU16(b, p, 0);
      putU16(b, p + 2, 16);
      putU32(b, p + 4, port);
      putU16(b, p + 8, maxLen);
      for (let j = p + 10; j < p + 16; j++) b[j] = 0;
    } else if (a.type === 'setField') {
      const { field, value } = a;
      if (typeof value !== 'string') return false;
      putU16(b, p, 25);
      putU16(b, p + 2, 16);
      if (field === 'ethDst' || field === 'ethSrc') {
        const v = cachedMac(value);
        if (v < 0) return false;
        putOxmHeader(b, p + 4, field === 'ethDst' ? 6 : 8, 6);
        putMacValue(b, p + 8, v);
        b[p + 14] = 0;
        b[p + 15] = 0;
      } else if (field === 'ipv4Src' || field === 'ipv4Dst') {
        const v = cachedIpv4(value);
        if (v === undefined) return false;
        putOxmHeader(b, p + 4, field === 'ipv4Src' ? 22 : 24, 4);
        putU32(b, p + 8, v);
        putU32(b, p + 12, 0);
      } else return false;
    } else return false;
    p += 16;
  }
  w.pos = p;
  return true;
}

/**
 * The 24 bytes of an OF1.3 flow-mod from table_id to the padding, at p, each
 * value checked by the caller.
 */
export function putFlowModFields13(
  b: Uint8Array, p: number, tableId: number, cmd: number, idleTimeout: number, hardTimeout: number, priority: number,
  bufferId: number, outPort: number, outGroup: number, flags: number,
): void {
  b[p] = tableId;
  b[p + 1] = cmd;
  putU16(b, p + 2, idleTimeout);
  putU16(b, p + 4, hardTimeout);
  putU16(b, p + 6, priority);
  putU32(b, p + 8, bufferId);
  putU32(b, p + 12, outPort);
  putU32(b, p + 16, outGroup);
  putU16(b, p + 20, flags);
  b[p + 22] = 0;
  b[p + 23] = 0;
}

/**
 * Writes the whole OF1.3 flow-mod `m` (header included) at w.pos and returns
 * true, or returns false with w.pos where it was when the general encoder
 * must write it.
 */
export function encodeFlowModFast13(w: Writer, m: FlowMod): boolean {
  const { xid, cookie, cookieMask, tableId, idleTimeout, hardTimeout, priority, bufferId, outPort, outGroup, flags } = m;
  const cmd = COMMAND_CODE.get(m.command) ?? -1;
  if (cmd < 0) return false;
  if (!isU32(xid) || !isU64(cookie) || !isU64(cookieMask) || !isU8(tableId) || !isU16(idleTimeout) || !isU16(hardTimeout) || !isU16(priority)) return false;
  if (!isU32(bufferId) || !isU32(outPort) || !isU32(outGroup) || flags === null || typeof flags !== 'object' || flags.emerg) return false;
  const match = m.match;
  const instructions = m.instructions;
  if (match === null || typeof match !== 'object' || !Array.isArray(instructions) || instructions.length > MAX_INSTRUCTIONS) return false;
  const start = w.pos;
  w.ensure(48);
  let b = w.buf;
  b[start] = 4;
  b[start + 1] = 14; // OFPT_FLOW_MOD
  putU32(b, start + 4, xid);
  const p = start + 8;
  putU64(b, p, cookie);
  putU64(b, p + 8, cookieMask);
  putFlowModFields13(b, p + 16, tableId, cmd, idleTimeout, hardTimeout, priority, bufferId, outPort, outGroup, flagsToWire13(flags, p + 36));
  w.pos = p + 40;
  if (!putMatch(w, match)) {
    w.pos = start;
    return false;
  }
  for (let i = 0; i < instructions.length; i++) {
    const ins = instructions[i]!;
    const at = w.pos;
    w.ensure(8);
    b = w.buf;
    if (ins === null || typeof ins !== 'object') {
      w.pos = start;
      return false;
    }
    if (ins.type === 'gotoTable' && isU8(ins.tableId)) {
      putU32(b, at, 0x00010008);
      putU32(b, at + 4, ins.tableId * 0x1000000);
      w.pos = at + 8;
    } else if (ins.type === 'applyActions' || ins.type === 'writeActions') {
      putU32(b, at, ins.type === 'applyActions' ? 0x00040000 : 0x00030000);
      putU32(b, at + 4, 0);
      w.pos = at + 8;
      if (!putActions(w, ins.actions)) {
        w.pos = start;
        return false;
      }
      putU16(w.buf, at + 2, w.pos - at);
    } else if (ins.type === 'clearActions') {
      putU32(b, at, 0x00050008);
      putU32(b, at + 4, 0);
      w.pos = at + 8;
    } else {
      w.pos = start;
      return false;
    }
  }
  const len = w.pos - start;
  if (len > 0xffff) {
    w.pos = start;
    return false;
  }
  putU16(w.buf, start + 2, len);
  return true;
}
