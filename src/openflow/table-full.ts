// A switch's "table full" answer to a flow-mod: OF1.3 OFPET_FLOW_MOD_FAILED (5)
// with OFPFMFC_TABLE_FULL (1); OF1.0 OFPET_FLOW_MOD_FAILED (3) with
// OFPFMFC_ALL_TABLES_FULL (0).
import { OFP10_VERSION, OFPET10_FLOW_MOD_FAILED, OFPET13_FLOW_MOD_FAILED, OFPFMFC10_ALL_TABLES_FULL, OFPFMFC13_TABLE_FULL } from './wire-values.js';

export function isTableFull(version: number, errType: number, code: number): boolean {
  if (version === OFP10_VERSION) return errType === OFPET10_FLOW_MOD_FAILED && code === OFPFMFC10_ALL_TABLES_FULL;
  return errType === OFPET13_FLOW_MOD_FAILED && code === OFPFMFC13_TABLE_FULL;
}
