// OpenFlow version negotiation (OF1.3.x spec, section 6.3.1), and the peer's
// first message read against it (it must be a HELLO): with a version
// bitmap on both sides, the highest version both set; otherwise the smaller of
// the two HELLO header versions, which must be one we speak.
import { decodeMessage } from '../openflow/decode.js';
import { peekHeader } from '../openflow/framing.js';
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

export type HelloOutcome =
  | { ok: true; version: OfVersion; peerVersion: number; bitmap: readonly number[] | undefined }
  /** replyVersion: the version to send HELLO_FAILED in, the highest of ours at or below the peer's (else our lowest). */
  | { ok: false; reason: string; peerVersion: number; replyVersion: OfVersion };

/** The first message a peer sent, which must be a HELLO, against the versions we offer. */
export function readPeerHello(ours: readonly OfVersion[], frame: Uint8Array): HelloOutcome {
  const head = peekHeader(frame);
  const peerVersion = head?.version ?? 0;
  const failed = (reason: string): HelloOutcome => {
    const below = ours.filter((v) => v <= peerVersion);
    return { ok: false, reason, peerVersion, replyVersion: (below.length ? Math.max(...below) : Math.min(...ours)) as OfVersion };
  };
  if (head?.type !== 0) return failed(`expected HELLO first, got message type ${head?.type ?? '?'}`);
  const res = decodeMessage(frame);
  // A HELLO in a version the codec does not know still tells us its header version.
  const bitmap = res.ok && res.message.type === 'hello' ? res.message.versions : undefined;
  const n = negotiateVersion(ours, peerVersion, bitmap);
  if (!n.ok) return failed(n.reason);
  return { ok: true, version: n.version, peerVersion, bitmap };
}
