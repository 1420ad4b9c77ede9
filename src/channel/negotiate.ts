// OpenFlow version negotiation (OF1.3.x spec, section 6.3.1): with a version
// bitmap on both sides, the highest version both set; otherwise the smaller of
// the two HELLO header versions, which must be one we speak.
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../openflow/wire-values.js';

export type Negotiation = { ok: true; version: OfVersion } | { ok: false; reason: string };

export function isOfVersion(v: number): v is OfVersion {
  return v === OFP10_VERSION || v === OFP13_VERSION;
}

/**
 * @param ours versions we offer (our HELLO's header version is the highest)
 * @param peerHeaderVersion the version field of the peer's HELLO header
 * @param peerBitmap versions from the peer's bitmap element, absent if it sent none
 */
export function negotiateVersion(
  ours: readonly OfVersion[],
  peerHeaderVersion: number,
  peerBitmap?: readonly number[],
): Negotiation {
  const ourMax = Math.max(...ours);
  if (peerBitmap && peerBitmap.length > 0) {
    const common = ours.filter((v) => peerBitmap.includes(v));
    if (common.length === 0) {
      return { ok: false, reason: `no common version: we offer [${ours.join(',')}], peer offers [${peerBitmap.join(',')}]` };
    }
    return { ok: true, version: Math.max(...common) as OfVersion };
  }
  const v = Math.min(ourMax, peerHeaderVersion);
  if (!isOfVersion(v) || !ours.includes(v)) {
    return { ok: false, reason: `peer HELLO version ${peerHeaderVersion} gives ${v}, which we do not offer` };
  }
  return { ok: true, version: v };
}
