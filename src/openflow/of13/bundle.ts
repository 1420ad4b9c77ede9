// Bundles as Open vSwitch offers them on OF1.3: ONF extension EXT-230, an
// OFPT_EXPERIMENTER message with experimenter 0x4f4e4600 and exp_type
// 2300 (control: bundle_id u32, type u16, flags u16, properties) or
// 2301 (add: bundle_id u32, pad2, flags u16, then one whole inner message).
// Bundle properties are neither sent nor read (trailing ones are ignored).
import { fail } from '../errors.js';
import { Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type { BundleAdd, BundleControl, OfpMessage } from '../message-model.js';
import type { Writer } from '../writer.js';
import { ONF_BUNDLE_CTRL_TYPES, ONF_EXPERIMENTER_ID, ONFT_BUNDLE_ADD_MESSAGE, ONFT_BUNDLE_CONTROL } from './constants.js';

const V = OFP13_VERSION;

export function decodeBundleControl(r: Reader, xid: number): BundleControl {
  const bundleId = r.u32();
  const at = r.pos;
  const ctrlType = ONF_BUNDLE_CTRL_TYPES[r.u16()];
  if (!ctrlType) fail('BAD_VALUE', 'bundle control type', at);
  const flags = r.u16();
  r.skip(r.remaining);
  return { version: V, xid, type: 'bundleControl', bundleId, ctrlType, flags };
}

export function encodeBundleControl(w: Writer, m: BundleControl): void {
  const t = ONF_BUNDLE_CTRL_TYPES.indexOf(m.ctrlType);
  if (t < 0) fail('BAD_VALUE', `bundle control type "${String(m.ctrlType)}"`, w.pos);
  w.u32(ONF_EXPERIMENTER_ID);
  w.u32(ONFT_BUNDLE_CONTROL);
  w.u32(m.bundleId, 'bundle_id');
  w.u16(t);
  w.u16(m.flags, 'bundle flags');
}

export function decodeBundleAdd(
  r: Reader,
  xid: number,
  decodeInner: (r: Reader, type: number, xid: number) => OfpMessage,
): BundleAdd {
  const bundleId = r.u32();
  r.skip(2);
  const flags = r.u16();
  const at = r.pos;
  if (r.remaining < 8) fail('TRUNCATED_BODY', 'bundle add without a whole inner header', at);
  const b = r.bytes;
  const version = b[at]!;
  const type = b[at + 1]!;
  const length = (b[at + 2]! << 8) | b[at + 3]!;
  const innerXid = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0;
  if (version !== V) fail('BAD_VERSION', `bundled message version ${version}, expected 4`, at);
  if (length < 8 || length > r.remaining) fail('BAD_ELEMENT_LENGTH', `bundled message length ${length}`, at + 2);
  if (innerXid !== xid) fail('BAD_VALUE', 'bundled message xid differs from the bundle add', at + 4);
  const inner = r.sub(length, 'bundled message');
  inner.pos += 8;
  const message = decodeInner(new Reader(r.bytes, inner.pos, inner.end), type, innerXid);
  if (message.type === 'bundleAdd' || message.type === 'bundleControl' || message.type === 'hello') {
    fail('BAD_VALUE', `a ${message.type} cannot be bundled`, at);
  }
  r.skip(r.remaining);
  return { version: V, xid, type: 'bundleAdd', bundleId, flags, message };
}

export function encodeBundleAdd(w: Writer, m: BundleAdd, encodeInner: (w: Writer, msg: OfpMessage) => void): void {
  const inner = m.message;
  if (inner === null || typeof inner !== 'object') fail('BAD_VALUE', 'bundle add without a message', w.pos);
  if (inner.version !== V) fail('UNSUPPORTED', 'a bundled message must be OF1.3', w.pos);
  if (inner.xid !== m.xid) fail('BAD_VALUE', 'bundled message xid must equal the bundle add xid', w.pos);
  if (inner.type === 'bundleAdd' || inner.type === 'bundleControl' || inner.type === 'hello') fail('BAD_VALUE', `a ${inner.type} cannot be bundled`, w.pos);
  w.u32(ONF_EXPERIMENTER_ID);
  w.u32(ONFT_BUNDLE_ADD_MESSAGE);
  w.u32(m.bundleId, 'bundle_id');
  w.zeros(2);
  w.u16(m.flags, 'bundle flags');
  encodeInner(w, inner);
}
