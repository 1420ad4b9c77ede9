// OpenFlow ERROR messages as Open vSwitch sends them: the type and code, and
// the first 64 bytes of the message that caused it. Numbers are OF1.3's; the
// few an OF1.0 session can meet (HELLO_FAILED, BAD_REQUEST) are the same there.
import type { ErrorMsg } from '../../src/openflow/message-model.js';
import type { OfVersion } from '../../src/openflow/wire-values.js';
import { ONF_EXPERIMENTER_ID } from '../../src/openflow/index.js';

export const OFPET = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  EXPERIMENTER: 0xffff,
} as const;

export const OFPBRC = {
  BAD_VERSION: 0,
  BAD_TYPE: 1,
  BAD_MULTIPART: 2,
  BAD_EXPERIMENTER: 3,
  BAD_LEN: 6,
  BUFFER_UNKNOWN: 8,
  IS_SLAVE: 10,
} as const;

/**
 * Bundle failures: OF1.4's OFPET_BUNDLE_FAILED codes, carried on OF1.3 as ONF
 * experimenter errors with exp_type 2300 + code (Open vSwitch's ofp-errors.h).
 */
export const OFPBFC = {
  BAD_ID: 2,
  BUNDLE_EXIST: 3,
  BUNDLE_CLOSED: 4,
  BAD_FLAGS: 7,
  MSG_BAD_XID: 9,
  MSG_UNSUP: 10,
  MSG_FAILED: 13,
} as const;

export function errorFor(version: OfVersion, xid: number, errType: number, code: number, raw: Uint8Array, extra?: { experimenter: number }): ErrorMsg {
  return { version, xid, type: 'error', errType, code, data: raw.subarray(0, 64), ...(extra ? { experimenter: extra.experimenter } : {}) };
}

export function bundleError(xid: number, code: number, raw: Uint8Array): ErrorMsg {
  return errorFor(4, xid, OFPET.EXPERIMENTER, 2300 + code, raw, { experimenter: ONF_EXPERIMENTER_ID });
}
