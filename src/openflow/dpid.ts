// Datapath ids: 64-bit, named everywhere in Spotlight (API, settings, logs,
// metrics) as 16 lower-case hex digits (docs/contract.md).
export type Dpid = string;

export function formatDpid(dpid: bigint): Dpid {
  return BigInt.asUintN(64, dpid).toString(16).padStart(16, '0');
}

const DPID_HEX_RE = /^[0-9a-f]{16}$/;
const DPID_COLON_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){7}$/;
const DPID_0X_RE = /^0x[0-9a-f]{1,16}$/;

/**
 * A datapath id written as text, the one way every part of Spotlight reads
 * it (API, trace, commands, topology files): 16 hex digits, the colon form,
 * or 0x and up to 16 hex digits, in any case. A short bare number ("1", "10")
 * is refused: it could be read as decimal or as hex.
 */
export function dpidFromText(s: string): Dpid | undefined {
  const lower = s.trim().toLowerCase();
  if (DPID_HEX_RE.test(lower)) return lower;
  if (DPID_COLON_RE.test(lower)) return lower.replace(/:/g, '');
  if (DPID_0X_RE.test(lower)) return lower.slice(2).padStart(16, '0');
  return undefined;
}
