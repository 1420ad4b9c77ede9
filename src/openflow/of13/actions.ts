// OF1.3 action lists: each action {type u16, len u16, body}, len a multiple
// of 8. OF1.0-style rewrites are accepted on encode and sent as set-field.
import { formatIpv4, formatMacAt } from '../addr.js';
import { fail } from '../errors.js';
import { MAX_ACTIONS } from '../limits.js';
import { u16At, u32At, type Reader } from '../reader.js';
import { CONTROLLER_MAX_LEN_NO_BUFFER, Port } from '../wire-values.js';
import { type Action, type MatchField } from '../flow-model.js';
import { checkU16, checkU32, putU16, putU32, type Writer } from '../writer.js';
import { OFPAT13, OFPXMC_OPENFLOW_BASIC } from './constants.js';
import { OXM_BY_NAME, OXM_BY_NUMBER } from './oxm-fields.js';
import { readValue, writeOxm } from './oxm.js';

export function encodeActions13(w: Writer, actions: Action[]): void {
  if (!Array.isArray(actions)) fail('BAD_VALUE', 'actions is not an array', w.pos);
  if (actions.length > MAX_ACTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_ACTIONS} actions`, w.pos);
  for (let i = 0; i < actions.length; i++) encodeAction13(w, actions[i]!);
}

function small(w: Writer, type: number): void {
  w.u16(type);
  w.u16(8);
}

function setField(w: Writer, field: MatchField, value: unknown): void {
  const d = OXM_BY_NAME.get(field);
  if (!d) fail('BAD_VALUE', `set-field on unknown field "${String(field)}"`, w.pos);
  const start = w.claim(4);
  putU16(w.buf, start, OFPAT13.OFPAT_SET_FIELD);
  writeOxm(w, d, value, false);
  w.pad8(start);
  w.patchU16(start + 2, w.pos - start, 'set-field');
}

/** The commonest action: checked, then its 16 bytes written in place. */
function putOutput(w: Writer, port: number, maxLenGiven: number | undefined): void {
  const maxLen = maxLenGiven ?? (port === Port.CONTROLLER ? CONTROLLER_MAX_LEN_NO_BUFFER : 0);
  checkU32(port, 'output port', w.pos + 4);
  checkU16(maxLen, 'output max_len', w.pos + 8);
  const p = w.claim(16);
  const b = w.buf;
  putU16(b, p, OFPAT13.OFPAT_OUTPUT);
  putU16(b, p + 2, 16);
  putU32(b, p + 4, port);
  putU16(b, p + 8, maxLen);
  for (let i = p + 10; i < p + 16; i++) b[i] = 0;
}

function experimenterAction(w: Writer, experimenter: number, data: Uint8Array): void {
  if (!(data instanceof Uint8Array) || (8 + data.length) % 8 !== 0) fail('BAD_VALUE', 'experimenter action data must make the action a multiple of 8 bytes', w.pos);
  w.u16(OFPAT13.OFPAT_EXPERIMENTER);
  w.u16(8 + data.length, 'experimenter action length');
  w.u32(experimenter, 'experimenter id');
  w.bytes(data);
}

export function encodeAction13(w: Writer, a: Action): void {
  switch (a?.type) {
    case 'output':
      return putOutput(w, a.port, a.maxLen);
    case 'group':
      small(w, OFPAT13.OFPAT_GROUP);
      return w.u32(a.groupId, 'group id');
    case 'setQueue':
      small(w, OFPAT13.OFPAT_SET_QUEUE);
      return w.u32(a.queueId, 'queue id');
    case 'pushVlan':
      small(w, OFPAT13.OFPAT_PUSH_VLAN);
      w.u16(a.ethertype, 'push-vlan ethertype');
      return w.zeros(2);
    case 'popVlan':
    case 'stripVlan':
      small(w, OFPAT13.OFPAT_POP_VLAN);
      return w.zeros(4);
    case 'pushMpls':
      small(w, OFPAT13.OFPAT_PUSH_MPLS);
      w.u16(a.ethertype, 'push-mpls ethertype');
      return w.zeros(2);
    case 'popMpls':
      // The ethertype of what lies under the label: MPLS names no payload type.
      small(w, OFPAT13.OFPAT_POP_MPLS);
      w.u16(a.ethertype, 'pop-mpls ethertype');
      return w.zeros(2);
    case 'decNwTtl':
      small(w, OFPAT13.OFPAT_DEC_NW_TTL);
      return w.zeros(4);
    case 'setNwTtl':
      small(w, OFPAT13.OFPAT_SET_NW_TTL);
      w.u8(a.ttl, 'nw ttl');
      return w.zeros(3);
    case 'setField':
      return setField(w, a.field, a.value);
    case 'setVlanVid':
      if (!(a.vid >= 0 && a.vid <= 0xfff)) fail('BAD_VALUE', `vlan vid ${a.vid} out of range`, w.pos);
      return setField(w, 'vlanVid', a.vid | 0x1000);
    case 'setVlanPcp':
      return setField(w, 'vlanPcp', a.pcp);
    case 'setDlSrc':
      return setField(w, 'ethSrc', a.mac);
    case 'setDlDst':
      return setField(w, 'ethDst', a.mac);
    case 'setNwSrc':
      return setField(w, 'ipv4Src', a.ip);
    case 'setNwDst':
      return setField(w, 'ipv4Dst', a.ip);
    case 'setNwTos':
      if (!(Number.isInteger(a.tos) && a.tos >= 0 && a.tos <= 0xff && (a.tos & 3) === 0)) fail('BAD_VALUE', `nw tos ${a.tos} is not a DSCP << 2`, w.pos);
      return setField(w, 'ipDscp', a.tos >>> 2);
    case 'experimenter':
      return experimenterAction(w, a.experimenter, a.data);
    case 'setTpSrc':
    case 'setTpDst':
      fail('UNSUPPORTED', `${a.type} names no protocol; OF1.3 needs setField on tcp/udp/sctp ports`, w.pos);
    // falls through: fail() never returns
    case 'enqueue':
      fail('UNSUPPORTED', 'enqueue is OF1.0 only; use setQueue + output', w.pos);
    // falls through
    default:
      fail('BAD_VALUE', `unknown action type "${String((a as { type?: unknown })?.type)}"`, w.pos);
  }
}


/**
 * The 16-byte action at `p` when it is an output or an unmasked set-field of
 * a MAC or an IPv4 address (the compiler's commonest), read in one step;
 * undefined for anything else, which the general path then reads. The
 * caller has checked that the action's length is 16 and that its 16 bytes
 * are there.
 */
export function readAction16(b: Uint8Array, p: number): Action | undefined {
  const type = u16At(b, p);
  if (type === OFPAT13.OFPAT_OUTPUT) {
    const port = u32At(b, p + 4);
    const maxLen = u16At(b, p + 8);
    // max_len only means something for CONTROLLER; keep it when nonzero elsewhere.
    return port === Port.CONTROLLER || maxLen !== 0 ? { type: 'output', port, maxLen } : { type: 'output', port };
  }
  // set-field: OXM class 0x8000, no mask; 4 + 4 + 6 (or 4) bytes padded to 16.
  if (type !== OFPAT13.OFPAT_SET_FIELD || b[p + 4] !== 0x80 || b[p + 5] !== 0) return undefined;
  const fh = b[p + 6]!;
  const len = b[p + 7]!;
  if ((fh === 6 || fh === 8) && len === 6) return { type: 'setField', field: fh === 6 ? 'ethDst' : 'ethSrc', value: formatMacAt(b, p + 8) };
  if ((fh === 22 || fh === 24) && len === 4) return { type: 'setField', field: fh === 22 ? 'ipv4Src' : 'ipv4Dst', value: formatIpv4(u32At(b, p + 8)) };
  return undefined;
}

export function decodeActions13(r: Reader): Action[] {
  // The first two actions are held apart and the array made at the end at its
  // size: most lists have one or two, and a push onto [] reserves 17 slots.
  let a0: Action | undefined;
  let a1: Action | undefined;
  let more: Action[] | undefined;
  let n = 0;
  const b = r.bytes;
  while (r.pos < r.end) {
    if (n >= MAX_ACTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_ACTIONS} actions`, r.pos);
    const at = r.pos;
    if (r.end - at < 4) fail('BAD_ELEMENT_LENGTH', `action header needs 4 bytes, ${r.end - at} left`, at);
    const type = u16At(b, at);
    const len = u16At(b, at + 2);
    if (len < 8 || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `action length ${len} is not a positive multiple of 8`, at + 2);
    // The commonest actions, whole and in bounds, read in one step; the
    // general path handles (and reports) everything else.
    let a = len === 16 && at + 16 <= r.end ? readAction16(b, at) : undefined;
    if (a !== undefined) r.pos = at + 16;
    else {
      r.pos = at + 4;
      // Read in place within the action's bounds (no child reader).
      const outer = r.enter(len - 4, 'action');
      a = decodeAction13(r, type, at);
      r.leave(outer);
    }
    if (n === 0) a0 = a;
    else if (n === 1) a1 = a;
    else (more ??= []).push(a);
    n++;
  }
  if (n === 0) return [];
  if (n === 1) return [a0!];
  return more === undefined ? [a0!, a1!] : [a0!, a1!, ...more];
}

function exact(b: Reader, len: number, at: number, what: string): void {
  if (b.remaining !== len) fail('BAD_ELEMENT_LENGTH', `${what} action length ${b.remaining + 4}, expected ${len + 4}`, at + 2);
}

function decodeAction13(b: Reader, type: number, at: number): Action {
  switch (type) {
    case OFPAT13.OFPAT_OUTPUT: {
      exact(b, 12, at, 'output');
      const port = b.u32();
      const maxLen = b.u16();
      const a: Action = { type: 'output', port };
      // max_len only means something for CONTROLLER; keep it when nonzero elsewhere.
      if (port === Port.CONTROLLER || maxLen !== 0) a.maxLen = maxLen;
      return a;
    }
    case OFPAT13.OFPAT_GROUP:
      exact(b, 4, at, 'group');
      return { type: 'group', groupId: b.u32() };
    case OFPAT13.OFPAT_SET_QUEUE:
      exact(b, 4, at, 'set-queue');
      return { type: 'setQueue', queueId: b.u32() };
    case OFPAT13.OFPAT_PUSH_VLAN:
      exact(b, 4, at, 'push-vlan');
      return { type: 'pushVlan', ethertype: b.u16() };
    case OFPAT13.OFPAT_POP_VLAN:
      exact(b, 4, at, 'pop-vlan');
      return { type: 'popVlan' };
    case OFPAT13.OFPAT_PUSH_MPLS:
      exact(b, 4, at, 'push-mpls');
      return { type: 'pushMpls', ethertype: b.u16() };
    case OFPAT13.OFPAT_POP_MPLS:
      exact(b, 4, at, 'pop-mpls');
      return { type: 'popMpls', ethertype: b.u16() };
    case OFPAT13.OFPAT_DEC_NW_TTL:
      exact(b, 4, at, 'dec-nw-ttl');
      return { type: 'decNwTtl' };
    case OFPAT13.OFPAT_SET_NW_TTL:
      exact(b, 4, at, 'set-nw-ttl');
      return { type: 'setNwTtl', ttl: b.u8() };
    case OFPAT13.OFPAT_SET_FIELD: {
      if (b.remaining < 4) fail('BAD_ELEMENT_LENGTH', 'set-field action without its OXM header', at + 2);
      const oxmAt = b.pos;
      const cls = b.u16();
      const fh = b.u8();
      const len = b.u8();
      if (cls !== OFPXMC_OPENFLOW_BASIC) fail('UNSUPPORTED', `set-field of OXM class 0x${cls.toString(16)}`, oxmAt);
      const d = OXM_BY_NUMBER[fh >>> 1];
      if (!d) fail('BAD_OXM', `set-field of unknown OXM field ${fh >>> 1}`, oxmAt + 2);
      if (fh & 1) fail('BAD_OXM_MASK', `set-field ${d.name} with a mask`, oxmAt + 2);
      if (len !== d.size) fail('BAD_OXM', `set-field OXM ${d.name} length ${len}, expected ${d.size}`, oxmAt + 3);
      // The OXM plus padding must fill the action exactly.
      if (((4 + 4 + len + 7) & ~7) !== b.end - at) fail('BAD_ELEMENT_LENGTH', `set-field action length ${b.end - at} does not fit its OXM`, at + 2);
      const value = readValue(b, d);
      return { type: 'setField', field: d.name, value };
    }
    case OFPAT13.OFPAT_EXPERIMENTER:
      return { type: 'experimenter', experimenter: b.u32(), data: b.rest() };
    default:
      fail('UNSUPPORTED', `action type ${type} is not modelled by Spotlight`, at);
  }
}
