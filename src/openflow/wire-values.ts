// The two wire versions Spotlight speaks, and the reserved numbers (ports,
// buffer, group, table) that both versions' messages carry in the OF1.3 space.

export const OFP10_VERSION = 0x01;
export const OFP13_VERSION = 0x04;
export type OfVersion = typeof OFP10_VERSION | typeof OFP13_VERSION;

/** "1.0" or "1.3": a version as the API, the operator commands and the logs name it. */
export function versionName(v: OfVersion): '1.0' | '1.3' {
  return v === OFP10_VERSION ? '1.0' : '1.3';
}

/**
 * Port numbers use the OF1.3 32-bit space everywhere in Spotlight. The OF1.0
 * codec maps the reserved ports 0xfffffff8..0xffffffff onto 0xfff8..0xffff.
 */
export const Port = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

export const NO_BUFFER = 0xffffffff;
export const GROUP_ANY = 0xffffffff;
export const GROUP_ALL = 0xfffffffc;
export const TABLE_ALL = 0xff;
/** OFPCML_NO_BUFFER: send the whole packet to the controller. */
export const CONTROLLER_MAX_LEN_NO_BUFFER = 0xffff;
/** OFPVID_PRESENT (OF1.3): set in vlanVid to match/set a tagged frame. */
export const VID_PRESENT = 0x1000;

// ERROR types and codes Spotlight sends or acts on (openflow.h of 1.0 and
// 1.3). Types 0 and 1 and their codes are the same in both versions; the
// others carry the version whose numbering they are.
export const OFPET_HELLO_FAILED = 0;
export const OFPHFC_INCOMPATIBLE = 0;
export const OFPET_BAD_REQUEST = 1;
export const OFPBRC_BAD_VERSION = 0;
export const OFPBRC_BAD_TYPE = 1;
/** OF1.0's answer to a state-changing message from a slave (OF1.3 has OFPBRC_IS_SLAVE). */
export const OFPBRC_EPERM = 5;
export const OFPBRC_BAD_LEN = 6;
/** OF1.2+ only: a state-changing message from a slave. */
export const OFPBRC_IS_SLAVE = 10;
export const OFPET10_FLOW_MOD_FAILED = 3;
export const OFPFMFC10_ALL_TABLES_FULL = 0;
export const OFPET13_FLOW_MOD_FAILED = 5;
export const OFPFMFC13_TABLE_FULL = 1;
export const OFPET13_GROUP_MOD_FAILED = 6;
export const OFPGMFC_GROUP_EXISTS = 0;
export const OFPGMFC_UNKNOWN_GROUP = 8;
export const OFPET13_ROLE_REQUEST_FAILED = 11;
export const OFPRRFC_STALE = 0;
export const OFPRRFC_BAD_ROLE = 2;
export const OFPET13_METER_MOD_FAILED = 12;
export const OFPMMFC_METER_EXISTS = 1;
export const OFPMMFC_UNKNOWN_METER = 3;
