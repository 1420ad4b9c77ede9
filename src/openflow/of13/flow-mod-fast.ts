// A one-pass encoder for the OF1.3 flow-mods Spotlight sends most: the
// fields, instructions and actions its compiler uses, written with local
// offsets and no generic element code.
//
// It is a shortcut, not a second authority. On anything outside that set or
// anything wrong (a bad value, a missing prerequisite, an unknown element)
// it steps aside, keeping nothing, and the general encoder then writes the
// whole message and reports the error exactly. Where it writes a message,
// the bytes equal the general encoder's (test/unit/openflow/flow-mod-fast.test.ts
// checks both on random flow-mods). Switches never send flow-mods, so there
// is no decoding counterpart: the general decoder reads the few that tests
// and benches hand back.
import { cachedIpv4, cachedMac, putMacValue } from '../addr.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, IPPROTO_TCP, IPPROTO_UDP } from '../ethernet.js';
import { MAX_ACTIONS, MAX_INSTRUCTIONS } from '../limits.js';
import { CONTROLLER_MAX_LEN_NO_BUFFER, Port } from '../wire-values.js';
import { type Action, type Match } from '../flow-model.js';
import { type FlowMod } from '../message-model.js';
import { putU16, putU32, putU64, type Writer } from '../writer.js';
import { FLOW_MOD_COMMANDS, flagsToWire13 } from './flags.js';
import { putOxmHeader } from './oxm.js';


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
