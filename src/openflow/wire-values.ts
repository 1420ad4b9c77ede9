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
