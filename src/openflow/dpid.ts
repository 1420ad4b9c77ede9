// Datapath ids: 64-bit, shown as 16 lower-case hex digits (contract.md).
export function formatDpid(dpid: bigint): string {
  return BigInt.asUintN(64, dpid).toString(16).padStart(16, '0');
}

/** Accepts "0000000000000001" or "00:00:00:00:00:00:00:01" (any case). */
export function parseDpid(text: string): bigint | undefined {
  if (typeof text !== 'string') return undefined;
  let hex: string;
  if (/^[0-9a-fA-F]{16}$/.test(text)) hex = text;
  else if (/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){7}$/.test(text)) hex = text.replace(/:/g, '');
  else return undefined;
  return BigInt('0x' + hex);
}
