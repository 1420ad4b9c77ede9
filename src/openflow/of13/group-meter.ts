// OF1.3 groups and meters: GROUP_MOD and METER_MOD bodies, and the bucket and
// band lists that the group-desc and meter-config multiparts share with them.
import { fail } from '../errors.js';
import { MAX_BANDS, MAX_BUCKETS } from '../limits.js';
import type { Reader } from '../reader.js';
import { OFP13_VERSION } from '../wire-values.js';
import type { Bucket, GroupType, MeterBand } from '../flow-model.js';
import type { GroupMod, MeterMod } from '../message-model.js';
import type { Writer } from '../writer.js';
import { decodeActions13, encodeActions13 } from './actions.js';
import { OFP13_BUCKET_LEN, OFP13_METER_BAND_LEN, OFPGT, OFPMBT } from './constants.js';

const V = OFP13_VERSION;
const GROUP_TYPES: readonly GroupType[] = ['all', 'select', 'indirect', 'ff'];
const MOD_COMMANDS = ['add', 'modify', 'delete'] as const;

export function groupTypeToWire(t: GroupType, at: number): number {
  const v = GROUP_TYPES.indexOf(t);
  if (v < 0) fail('BAD_VALUE', `group type "${String(t)}"`, at);
  return OFPGT[t];
}

export function groupTypeFromWire(v: number, at: number): GroupType {
  const t = GROUP_TYPES[v];
  if (!t) fail('BAD_VALUE', `group type ${v}`, at);
  return t;
}

export function encodeBuckets(w: Writer, buckets: Bucket[]): void {
  if (!Array.isArray(buckets)) fail('BAD_VALUE', 'buckets is not an array', w.pos);
  if (buckets.length > MAX_BUCKETS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_BUCKETS} buckets`, w.pos);
  for (const b of buckets) {
    const start = w.pos;
    w.u16(0);
    w.u16(b.weight, 'bucket weight');
    w.u32(b.watchPort, 'watch_port');
    w.u32(b.watchGroup, 'watch_group');
    w.zeros(4);
    encodeActions13(w, b.actions);
    w.patchU16(start, w.pos - start, 'bucket');
  }
}

export function decodeBuckets(r: Reader): Bucket[] {
  const out: Bucket[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_BUCKETS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_BUCKETS} buckets`, r.pos);
    const at = r.pos;
    if (r.remaining < 2) fail('BAD_ELEMENT_LENGTH', 'bucket length cut short', at);
    const len = r.u16();
    if (len < OFP13_BUCKET_LEN || len % 8 !== 0) fail('BAD_ELEMENT_LENGTH', `bucket length ${len}`, at);
    const b = r.sub(len - 2, 'bucket');
    const weight = b.u16();
    const watchPort = b.u32();
    const watchGroup = b.u32();
    b.skip(4);
    out.push({ weight, watchPort, watchGroup, actions: decodeActions13(b) });
  }
  return out;
}

export function encodeBands(w: Writer, bands: MeterBand[]): void {
  if (!Array.isArray(bands)) fail('BAD_VALUE', 'bands is not an array', w.pos);
  if (bands.length > MAX_BANDS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_BANDS} bands`, w.pos);
  for (const band of bands) {
    switch (band?.type) {
      case 'drop':
        w.u16(OFPMBT.OFPMBT_DROP);
        break;
      case 'dscpRemark':
        w.u16(OFPMBT.OFPMBT_DSCP_REMARK);
        break;
      case 'experimenter':
        w.u16(OFPMBT.OFPMBT_EXPERIMENTER);
        break;
      default:
        fail('BAD_VALUE', `meter band type "${String((band as { type?: unknown })?.type)}"`, w.pos);
    }
    w.u16(OFP13_METER_BAND_LEN);
    w.u32(band.rate, 'band rate');
    w.u32(band.burstSize, 'band burst_size');
    if (band.type === 'dscpRemark') {
      w.u8(band.precLevel, 'prec_level');
      w.zeros(3);
    } else if (band.type === 'experimenter') w.u32(band.experimenter, 'band experimenter');
    else w.zeros(4);
  }
}

export function decodeBands(r: Reader): MeterBand[] {
  const out: MeterBand[] = [];
  while (r.remaining > 0) {
    if (out.length >= MAX_BANDS) fail('TOO_MANY_ELEMENTS', `more than ${MAX_BANDS} bands`, r.pos);
    const at = r.pos;
    if (r.remaining < 4) fail('BAD_ELEMENT_LENGTH', 'band header cut short', at);
    const type = r.u16();
    const len = r.u16();
    if (len !== OFP13_METER_BAND_LEN) fail('BAD_ELEMENT_LENGTH', `meter band length ${len}, expected 16`, at + 2);
    const b = r.sub(len - 4, 'meter band');
    const rate = b.u32();
    const burstSize = b.u32();
    if (type === OFPMBT.OFPMBT_DROP) out.push({ type: 'drop', rate, burstSize });
    else if (type === OFPMBT.OFPMBT_DSCP_REMARK) out.push({ type: 'dscpRemark', rate, burstSize, precLevel: b.u8() });
    else if (type === OFPMBT.OFPMBT_EXPERIMENTER) out.push({ type: 'experimenter', rate, burstSize, experimenter: b.u32() });
    else fail('BAD_VALUE', `meter band type ${type}`, at);
  }
  return out;
}

function modCommand(c: string, at: number): number {
  const v = MOD_COMMANDS.indexOf(c as (typeof MOD_COMMANDS)[number]);
  if (v < 0) fail('BAD_VALUE', `mod command "${c}"`, at);
  return v;
}

export function decodeGroupMod(r: Reader, xid: number): GroupMod {
  const at = r.pos;
  const command = MOD_COMMANDS[r.u16()];
  if (!command) fail('BAD_VALUE', 'group-mod command', at);
  const groupType = groupTypeFromWire(r.u8(), at + 2);
  r.skip(1);
  const groupId = r.u32();
  return { version: V, xid, type: 'groupMod', command, groupType, groupId, buckets: decodeBuckets(r) };
}

export function encodeGroupMod(w: Writer, m: GroupMod): void {
  w.u16(modCommand(m.command, w.pos));
  w.u8(groupTypeToWire(m.groupType, w.pos));
  w.zeros(1);
  w.u32(m.groupId, 'group_id');
  encodeBuckets(w, m.buckets);
}

export function decodeMeterMod(r: Reader, xid: number): MeterMod {
  const at = r.pos;
  const command = MOD_COMMANDS[r.u16()];
  if (!command) fail('BAD_VALUE', 'meter-mod command', at);
  const flags = r.u16();
  const meterId = r.u32();
  return { version: V, xid, type: 'meterMod', command, flags, meterId, bands: decodeBands(r) };
}

export function encodeMeterMod(w: Writer, m: MeterMod): void {
  w.u16(modCommand(m.command, w.pos));
  w.u16(m.flags, 'meter flags');
  w.u32(m.meterId, 'meter_id');
  encodeBands(w, m.bands);
}
