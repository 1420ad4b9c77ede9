// OF1.0 actions: {type u16, len u16, body}, len a multiple of 8. A set-field
// on a field that an OF1.0 rewrite covers is sent as that rewrite.
import { formatIpv4, writeIpv4, writeMac } from '../addr.js';
import { fail } from '../errors.js';
import { MAX_ACTIONS } from '../limits.js';
import type { Reader } from '../reader.js';
import { CONTROLLER_MAX_LEN_NO_BUFFER, Port } from '../wire-values.js';
import { type Action } from '../flow-model.js';
import type { Writer } from '../writer.js';
import { OFPAT10 as T } from './constants.js';
import { portFromWire10, portToWire10 } from './ports.js';

export function encodeActions10(w: Writer, actions: Action[]): void {
  if (!Array.isArray(actions)) fail('BAD_VALUE', 'actions is not an array', w.pos);
  if (actions.length > MAX_ACTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_ACTIONS} actions`, w.pos);
  for (const a of actions) encodeAction10(w, lowerSetField(a, w.pos));
}

/** set-field -> the OF1.0 rewrite with the same effect. */
function lowerSetField(a: Action, at: number): Action {
  if (a?.type !== 'setField') return a;
  const v = a.value;
  const num = (): number => (typeof v === 'number' ? v : fail('BAD_VALUE', `set-field ${a.field} needs a number`, at));
  const str = (): string => (typeof v === 'string' ? v : fail('BAD_VALUE', `set-field ${a.field} needs a string`, at));
  switch (a.field) {
    case 'ethSrc':
      return { type: 'setDlSrc', mac: str() };
    case 'ethDst':
      return { type: 'setDlDst', mac: str() };
    case 'vlanVid':
      // OF1.3 set-field values carry OFPVID_PRESENT; OF1.0 takes the bare VID.
      return { type: 'setVlanVid', vid: num() & 0xfff };
    case 'vlanPcp':
      return { type: 'setVlanPcp', pcp: num() };
    case 'ipv4Src':
      return { type: 'setNwSrc', ip: str() };
    case 'ipv4Dst':
      return { type: 'setNwDst', ip: str() };
    case 'ipDscp':
      return { type: 'setNwTos', tos: num() << 2 };
    case 'tcpSrc':
    case 'udpSrc':
      return { type: 'setTpSrc', port: num() };
    case 'tcpDst':
    case 'udpDst':
      return { type: 'setTpDst', port: num() };
    default:
      fail('UNSUPPORTED', `OF1.0 cannot set ${String(a.field)}`, at);
  }
}

function head(w: Writer, type: number, len: number): void {
  w.u16(type);
  w.u16(len);
}

function encodeAction10(w: Writer, a: Action): void {
  switch (a?.type) {
    case 'output':
      head(w, T.OFPAT_OUTPUT, 8);
      w.u16(portToWire10(a.port, w.pos, 'output port'));
      return w.u16(a.maxLen ?? (a.port === Port.CONTROLLER ? CONTROLLER_MAX_LEN_NO_BUFFER : 0), 'output max_len');
    case 'setVlanVid':
      if (!(a.vid >= 0 && a.vid <= 0xfff)) fail('BAD_VALUE', `vlan vid ${a.vid} out of range`, w.pos);
      head(w, T.OFPAT_SET_VLAN_VID, 8);
      w.u16(a.vid, 'vid');
      return w.zeros(2);
    case 'setVlanPcp':
      if (!(a.pcp >= 0 && a.pcp <= 7)) fail('BAD_VALUE', `vlan pcp ${a.pcp} out of range`, w.pos);
      head(w, T.OFPAT_SET_VLAN_PCP, 8);
      w.u8(a.pcp, 'pcp');
      return w.zeros(3);
    case 'stripVlan':
    case 'popVlan':
      head(w, T.OFPAT_STRIP_VLAN, 8);
      return w.zeros(4);
    case 'setDlSrc':
    case 'setDlDst':
      head(w, a.type === 'setDlSrc' ? T.OFPAT_SET_DL_SRC : T.OFPAT_SET_DL_DST, 16);
      writeMac(w, a.mac, a.type);
      return w.zeros(6);
    case 'setNwSrc':
    case 'setNwDst':
      head(w, a.type === 'setNwSrc' ? T.OFPAT_SET_NW_SRC : T.OFPAT_SET_NW_DST, 8);
      return writeIpv4(w, a.ip, a.type);
    case 'setNwTos':
      if ((a.tos & 3) !== 0) fail('BAD_VALUE', `nw tos ${a.tos}: the two ECN bits must be zero`, w.pos);
      head(w, T.OFPAT_SET_NW_TOS, 8);
      w.u8(a.tos, 'tos');
      return w.zeros(3);
    case 'setTpSrc':
    case 'setTpDst':
      head(w, a.type === 'setTpSrc' ? T.OFPAT_SET_TP_SRC : T.OFPAT_SET_TP_DST, 8);
      w.u16(a.port, 'tp port');
      return w.zeros(2);
    case 'enqueue':
      head(w, T.OFPAT_ENQUEUE, 16);
      w.u16(portToWire10(a.port, w.pos, 'enqueue port'));
      w.zeros(6);
      return w.u32(a.queueId, 'queue_id');
    case 'experimenter':
      if (!(a.data instanceof Uint8Array) || (8 + a.data.length) % 8 !== 0) fail('BAD_VALUE', 'vendor action data must make the action a multiple of 8 bytes', w.pos);
      head(w, T.OFPAT_VENDOR, 8 + a.data.length);
      w.u32(a.experimenter, 'vendor');
      return w.bytes(a.data);
    case 'group':
    case 'setQueue':
    case 'pushVlan':
    case 'pushMpls':
    case 'popMpls':
    case 'decNwTtl':
    case 'setNwTtl':
      fail('UNSUPPORTED', `OF1.0 has no ${a.type} action`, w.pos);
    // falls through: fail() never returns
    default:
      fail('BAD_VALUE', `unknown action type "${String((a as { type?: unknown })?.type)}"`, w.pos);
  }
}

function size(type: number, len: number, n: number, at: number): void {
  if (len !== n) fail('BAD_ELEMENT_LENGTH', `action type ${type} length ${len}, expected ${n}`, at + 2);
}

export function decodeActions10(r: Reader): Action[] {
  const out: Action[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_ACTIONS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_ACTIONS} actions`, r.pos);
    const at = r.pos;
    if (r.remaining < 4) fail('BAD_ELEMENT_LENGTH', `action header needs 4 bytes, ${r.remaining} left`, at);
    const type = r.u16();
    const len = r.u16();
    if (len < 8 || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `action length ${len} is not a positive multiple of 8`, at + 2);
    const b = r.sub(len - 4, 'action');
    switch (type) {
      case T.OFPAT_OUTPUT: {
        size(type, len, 8, at);
        const port = portFromWire10(b.u16());
        const maxLen = b.u16();
        const a: Action = { type: 'output', port };
        if (port === Port.CONTROLLER || maxLen !== 0) a.maxLen = maxLen;
        out.push(a);
        break;
      }
      case T.OFPAT_SET_VLAN_VID:
        size(type, len, 8, at);
        out.push({ type: 'setVlanVid', vid: b.u16() & 0xfff });
        break;
      case T.OFPAT_SET_VLAN_PCP:
        size(type, len, 8, at);
        out.push({ type: 'setVlanPcp', pcp: b.u8() & 7 });
        break;
      case T.OFPAT_STRIP_VLAN:
        size(type, len, 8, at);
        out.push({ type: 'stripVlan' });
        break;
      case T.OFPAT_SET_DL_SRC:
      case T.OFPAT_SET_DL_DST:
        size(type, len, 16, at);
        out.push({ type: type === T.OFPAT_SET_DL_SRC ? 'setDlSrc' : 'setDlDst', mac: b.mac() });
        break;
      case T.OFPAT_SET_NW_SRC:
      case T.OFPAT_SET_NW_DST:
        size(type, len, 8, at);
        out.push({ type: type === T.OFPAT_SET_NW_SRC ? 'setNwSrc' : 'setNwDst', ip: formatIpv4(b.u32()) });
        break;
      case T.OFPAT_SET_NW_TOS:
        size(type, len, 8, at);
        out.push({ type: 'setNwTos', tos: b.u8() & 0xfc });
        break;
      case T.OFPAT_SET_TP_SRC:
      case T.OFPAT_SET_TP_DST:
        size(type, len, 8, at);
        out.push({ type: type === T.OFPAT_SET_TP_SRC ? 'setTpSrc' : 'setTpDst', port: b.u16() });
        break;
      case T.OFPAT_ENQUEUE: {
        size(type, len, 16, at);
        const port = portFromWire10(b.u16());
        b.skip(6);
        out.push({ type: 'enqueue', port, queueId: b.u32() });
        break;
      }
      case T.OFPAT_VENDOR:
        out.push({ type: 'experimenter', experimenter: b.u32(), data: b.rest() });
        break;
      default:
        fail('UNSUPPORTED', `OF1.0 action type ${type} is unknown`, at);
    }
  }
  return out;
}
