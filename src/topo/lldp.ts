// LLDP discovery probes (IEEE 802.1AB framing). Spotlight sends one out of a
// switch port (packet-out) and learns a link when it comes back in on another
// switch (packet-in). The probe is signed so that a VM cannot forge one, and
// carries the time it was made so that an old one cannot be replayed.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { macBytes } from '../openflow/addr.js';
import { ETH_LLDP } from '../openflow/ethernet.js';
import type { Match } from '../openflow/flow-model.js';
import type { Dpid } from '../openflow/dpid.js';

/** Nearest-bridge group address: 802.1D bridges never forward it. */
export const LLDP_DST_MAC = '01:80:c2:00:00:0e';

/**
 * The frames every switch must hand to the controller (output CONTROLLER,
 * whole frame) ahead of any other rule of its first table, for discovery to
 * work. Frames from hosts match too; discovery refuses those that are forged
 * or replayed.
 */
export const PROBE_TRAP_MATCH: Readonly<Match> = { ethType: ETH_LLDP, ethDst: LLDP_DST_MAC };

const TLV_END = 0;
const TLV_CHASSIS_ID = 1;
const TLV_PORT_ID = 2;
const TLV_TTL = 3;
const TLV_ORG_SPECIFIC = 127;
/** Chassis/port id subtype 7: "locally assigned". */
const SUBTYPE_LOCAL = 7;
/**
 * A company id (CID): the locally administered bit (0x02) of the first byte is
 * set, so it cannot collide with a registered OUI.
 */
export const SPOTLIGHT_CID = 0x0a5c07;
const ORG_SUBTYPE_SIGNED_PROBE = 1;
const PROBE_FORMAT = 1;
const HMAC_LEN = 32;
/** CID (3) + subtype (1) + format (1) + timestamp (8) + HMAC (32). */
const ORG_INFO_LEN = 3 + 1 + 1 + 8 + HMAC_LEN;
const CHASSIS_PREFIX = 'dpid:';
const MIN_FRAME = 60;

export interface ProbeFields {
  dpid: Dpid;
  portNo: number;
  /** Milliseconds since the epoch, when the probe was made. */
  timestamp: number;
}

export interface BuildProbeOptions extends ProbeFields {
  secret: Uint8Array;
  /** Source MAC of the frame (the sending port's address, if known). */
  srcMac?: string | undefined;
  /** TTL TLV, seconds. */
  ttlSeconds?: number;
}

export type LldpErrorCode =
  | 'TRUNCATED'
  | 'NOT_LLDP'
  | 'BAD_TLV'
  | 'MISSING_TLV'
  | 'NOT_SPOTLIGHT'
  | 'BAD_SIGNATURE';

export interface LldpError {
  code: LldpErrorCode;
  message: string;
}

export type ParseProbeResult = { ok: true; probe: ProbeFields } | { ok: false; error: LldpError };

const DPID_RE = /^[0-9a-f]{16}$/;

export function buildProbe(opts: BuildProbeOptions): Buffer {
  if (!DPID_RE.test(opts.dpid)) throw new RangeError(`dpid must be 16 lower-case hex digits: ${opts.dpid}`);
  if (!Number.isInteger(opts.portNo) || opts.portNo < 0 || opts.portNo > 0xffffffff) {
    throw new RangeError(`port number out of range: ${opts.portNo}`);
  }
  const chassis = Buffer.concat([Buffer.from([SUBTYPE_LOCAL]), Buffer.from(CHASSIS_PREFIX + opts.dpid, 'ascii')]);
  const port = Buffer.concat([Buffer.from([SUBTYPE_LOCAL]), Buffer.from(String(opts.portNo), 'ascii')]);
  const ttl = Buffer.alloc(2);
  ttl.writeUInt16BE(opts.ttlSeconds ?? 120);
  const org = Buffer.alloc(ORG_INFO_LEN);
  org.writeUIntBE(SPOTLIGHT_CID, 0, 3);
  org[3] = ORG_SUBTYPE_SIGNED_PROBE;
  org[4] = PROBE_FORMAT;
  org.writeBigUInt64BE(BigInt(opts.timestamp), 5);
  signature(opts.secret, opts).copy(org, 13);

  const frame = Buffer.concat([
    macBytes(LLDP_DST_MAC),
    macBytes(opts.srcMac ?? '02:00:00:00:00:01'),
    u16(ETH_LLDP),
    tlv(TLV_CHASSIS_ID, chassis),
    tlv(TLV_PORT_ID, port),
    tlv(TLV_TTL, ttl),
    tlv(TLV_ORG_SPECIFIC, org),
    tlv(TLV_END, Buffer.alloc(0)),
  ]);
  return frame.length >= MIN_FRAME ? frame : Buffer.concat([frame, Buffer.alloc(MIN_FRAME - frame.length)]);
}

/**
 * Reads a probe and checks its signature. Never throws: anything that is not a
 * well-formed, correctly signed Spotlight probe is an error value.
 */
export function parseProbe(frame: Uint8Array, secret: Uint8Array): ParseProbeResult {
  const fields = readProbe(frame);
  if (!fields.ok) return fields;
  const { probe, mac } = fields;
  const expected = signature(secret, probe);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    return fail('BAD_SIGNATURE', 'probe signature does not match');
  }
  return { ok: true, probe };
}

/** True when the frame is an LLDP frame at all (untagged), whoever made it. */
export function isLldp(frame: Uint8Array): boolean {
  return frame.length >= 14 && ((frame[12]! << 8) | frame[13]!) === ETH_LLDP;
}

type ReadResult = { ok: true; probe: ProbeFields; mac: Buffer } | { ok: false; error: LldpError };

function readProbe(frame: Uint8Array): ReadResult {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < 14) return fail('TRUNCATED', `frame of ${buf.length} bytes has no Ethernet header`);
  if (buf.readUInt16BE(12) !== ETH_LLDP) {
    return fail('NOT_LLDP', `ethertype 0x${buf.readUInt16BE(12).toString(16)} is not LLDP`);
  }
  let dpid: string | undefined;
  let portNo: number | undefined;
  let ttlSeen = false;
  let signed: { timestamp: number; mac: Buffer } | undefined;
  let off = 14;
  let index = 0;
  for (;;) {
    if (off + 2 > buf.length) return fail('TRUNCATED', `TLV header at offset ${off} runs past the frame`);
    const head = buf.readUInt16BE(off);
    const type = head >> 9;
    const len = head & 0x1ff;
    const start = off + 2;
    if (start + len > buf.length) return fail('TRUNCATED', `TLV type ${type} at offset ${off} runs past the frame`);
    const value = buf.subarray(start, start + len);
    // 802.1AB: chassis id, port id and TTL come first, in that order.
    if (index === 0 && type !== TLV_CHASSIS_ID) return fail('MISSING_TLV', 'first TLV is not a chassis id');
    if (index === 1 && type !== TLV_PORT_ID) return fail('MISSING_TLV', 'second TLV is not a port id');
    if (index === 2 && type !== TLV_TTL) return fail('MISSING_TLV', 'third TLV is not a TTL');
    if (type === TLV_END) {
      if (len !== 0) return fail('BAD_TLV', `end TLV has length ${len}`);
      break;
    }
    if (type === TLV_CHASSIS_ID) {
      if (index !== 0) return fail('BAD_TLV', 'second chassis id TLV');
      const text = localId(value);
      if (text === undefined || !text.startsWith(CHASSIS_PREFIX) || !DPID_RE.test(text.slice(CHASSIS_PREFIX.length))) {
        return fail('NOT_SPOTLIGHT', 'chassis id is not a Spotlight datapath id');
      }
      dpid = text.slice(CHASSIS_PREFIX.length);
    } else if (type === TLV_PORT_ID) {
      if (index !== 1) return fail('BAD_TLV', 'second port id TLV');
      const text = localId(value);
      if (text === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(text) || Number(text) > 0xffffffff) {
        return fail('NOT_SPOTLIGHT', 'port id is not a port number');
      }
      portNo = Number(text);
    } else if (type === TLV_TTL) {
      if (index !== 2) return fail('BAD_TLV', 'second TTL TLV');
      if (len !== 2) return fail('BAD_TLV', `TTL TLV has length ${len}`);
      ttlSeen = true;
    } else if (type === TLV_ORG_SPECIFIC) {
      if (len < 4) return fail('BAD_TLV', `organisationally specific TLV of length ${len}`);
      if (value.readUIntBE(0, 3) === SPOTLIGHT_CID && value[3] === ORG_SUBTYPE_SIGNED_PROBE) {
        if (signed) return fail('BAD_TLV', 'two signed probe TLVs');
        if (len !== ORG_INFO_LEN || value[4] !== PROBE_FORMAT) {
          return fail('BAD_TLV', `signed probe TLV of length ${len}, format ${value[4]}`);
        }
        const ts = value.readBigUInt64BE(5);
        if (ts > BigInt(Number.MAX_SAFE_INTEGER)) return fail('BAD_TLV', 'timestamp out of range');
        signed = { timestamp: Number(ts), mac: Buffer.from(value.subarray(13, 13 + HMAC_LEN)) };
      }
    }
    off = start + len;
    index++;
  }
  if (dpid === undefined || portNo === undefined || !ttlSeen) return fail('MISSING_TLV', 'mandatory TLVs missing');
  if (!signed) return fail('NOT_SPOTLIGHT', 'no signed probe TLV');
  return { ok: true, probe: { dpid, portNo, timestamp: signed.timestamp }, mac: signed.mac };
}

/** HMAC-SHA256 over dpid (8 bytes) | port (4 bytes) | timestamp (8 bytes), big-endian. */
function signature(secret: Uint8Array, p: ProbeFields): Buffer {
  const msg = Buffer.alloc(20);
  msg.writeBigUInt64BE(BigInt('0x' + p.dpid), 0);
  msg.writeUInt32BE(p.portNo, 8);
  msg.writeBigUInt64BE(BigInt(p.timestamp), 12);
  return createHmac('sha256', secret).update(msg).digest();
}

function localId(value: Buffer): string | undefined {
  if (value.length < 2 || value[0] !== SUBTYPE_LOCAL) return undefined;
  const body = value.subarray(1);
  // Printable ASCII only: the text is logged.
  for (const b of body) if (b < 0x20 || b > 0x7e) return undefined;
  return body.toString('ascii');
}

function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE((type << 9) | value.length);
  return Buffer.concat([head, value]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function fail(code: LldpErrorCode, message: string): { ok: false; error: LldpError } {
  return { ok: false, error: { code, message } };
}
