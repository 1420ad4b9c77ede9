// OF1.3 flow-mod flags (OFPFF_*) as booleans.
import { fail } from '../errors.js';
import type { FlowModFlags } from '../flow-model.js';
import { OFPFF13 } from './constants.js';

export function flagsToWire13(f: FlowModFlags, at: number): number {
  if (f === null || typeof f !== 'object') fail('BAD_VALUE', 'flags is not an object', at);
  if (f.emerg) fail('UNSUPPORTED', 'OFPFF_EMERG is OF1.0 only', at);
  return (
    (f.sendFlowRem ? OFPFF13.OFPFF_SEND_FLOW_REM : 0) |
    (f.checkOverlap ? OFPFF13.OFPFF_CHECK_OVERLAP : 0) |
    (f.resetCounts ? OFPFF13.OFPFF_RESET_COUNTS : 0) |
    (f.noPktCounts ? OFPFF13.OFPFF_NO_PKT_COUNTS : 0) |
    (f.noBytCounts ? OFPFF13.OFPFF_NO_BYT_COUNTS : 0)
  );
}

/** Unknown bits are ignored (later versions define more). */
export function flagsFromWire13(v: number): FlowModFlags {
  // The two commonest words (none, send-flow-removed alone) as literals.
  if (v === 0) return {};
  if (v === OFPFF13.OFPFF_SEND_FLOW_REM) return { sendFlowRem: true };
  const f: FlowModFlags = {};
  if (v & OFPFF13.OFPFF_SEND_FLOW_REM) f.sendFlowRem = true;
  if (v & OFPFF13.OFPFF_CHECK_OVERLAP) f.checkOverlap = true;
  if (v & OFPFF13.OFPFF_RESET_COUNTS) f.resetCounts = true;
  if (v & OFPFF13.OFPFF_NO_PKT_COUNTS) f.noPktCounts = true;
  if (v & OFPFF13.OFPFF_NO_BYT_COUNTS) f.noBytCounts = true;
  return f;
}

export const FLOW_MOD_COMMANDS = ['add', 'modify', 'modifyStrict', 'delete', 'deleteStrict'] as const;
