// A switch's "table full" answer to a flow-mod: OF1.3 OFPET_FLOW_MOD_FAILED (5)
// with OFPFMFC_TABLE_FULL (1); OF1.0 OFPET_FLOW_MOD_FAILED (3) with
// OFPFMFC_ALL_TABLES_FULL (0).
import { OFP10_VERSION } from './wire-values.js';

const OF10_FLOW_MOD_FAILED = 3;
const OF10_ALL_TABLES_FULL = 0;
const OF13_FLOW_MOD_FAILED = 5;
const OF13_TABLE_FULL = 1;

export function isTableFull(version: number, errType: number, code: number): boolean {
  if (version === OFP10_VERSION) return errType === OF10_FLOW_MOD_FAILED && code === OF10_ALL_TABLES_FULL;
  return errType === OF13_FLOW_MOD_FAILED && code === OF13_TABLE_FULL;
}
