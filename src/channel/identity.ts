// Which datapath ids a switch certificate may claim. A CA-signed certificate
// proves who holds the key, not which switch it is: without a binding, any
// switch of the fabric could claim another's datapath id and be handed that
// switch's flow table. A certificate carries its dpids in its subject CN or in
// DNS/URI subject alternative names (16 hex digits, the colon form, either
// with an optional "dpid:" prefix); or the settings list, per certificate
// (its SHA-256 fingerprint or its subject CN), the dpids it may claim. A
// certificate the list names is held to the list alone.
import type { PeerCertificate } from 'node:tls';
import { dpidFromText, type Dpid } from '../openflow/dpid.js';

/** Settings: certificate (SHA-256 fingerprint "AB:CD:..." or subject CN) -> the dpids it may claim. */
export type CertificateDpids = Readonly<Record<string, readonly string[]>>;

export type IdentityVerdict = { ok: true; by: 'allow-list' | 'certificate' } | { ok: false; reason: string };

/** The certificate fields read here (a subset of Node's PeerCertificate). */
export type CertificateFields = Pick<PeerCertificate, 'subject' | 'subjectaltname' | 'fingerprint256'>;

/** A CN or SAN value naming a dpid, canonical (16 lower-case hex digits); undefined otherwise. */
export function dpidOfName(value: string): Dpid | undefined {
  const v = value.trim().replace(/^dpid:/i, '');
  // A certificate names its dpid in full: the 0x form, which may be short, is not taken.
  return /^0x/i.test(v) ? undefined : dpidFromText(v);
}

function commonNames(cert: CertificateFields): string[] {
  const cn = cert.subject?.CN;
  return cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
}

/** Dpids the certificate itself names (CN, DNS and URI alternative names). */
export function certificateDpids(cert: CertificateFields): string[] {
  const names = [...commonNames(cert)];
  for (const entry of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*(DNS|URI):(.*)$/.exec(entry);
    if (m) names.push(m[2]!);
  }
  const out = new Set<string>();
  for (const n of names) {
    const d = dpidOfName(n);
    if (d !== undefined) out.add(d);
  }
  return [...out];
}

/** Normalised allow-list: keys upper-cased fingerprints or CNs as given, dpids canonical. */
export function indexCertificateDpids(list: CertificateDpids): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const [key, dpids] of Object.entries(list)) {
    const k = isFingerprint(key) ? key.toUpperCase() : key;
    index.set(k, new Set(dpids.map((d) => dpidOfName(d) ?? d)));
  }
  return index;
}

export function isFingerprint(key: string): boolean {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){31}$/.test(key);
}

/** May the holder of `cert` claim `dpid`? */
export function certificateMayClaim(cert: CertificateFields | undefined, dpid: string, allowList?: ReadonlyMap<string, ReadonlySet<string>>): IdentityVerdict {
  if (!cert || (!cert.subject && !cert.fingerprint256)) return { ok: false, reason: 'no switch certificate' };
  const listed = [cert.fingerprint256?.toUpperCase(), ...commonNames(cert)].map((k) => (k === undefined ? undefined : allowList?.get(k)));
  const entries = listed.filter((s): s is ReadonlySet<string> => s !== undefined);
  const who = commonNames(cert)[0] ?? cert.fingerprint256;
  if (entries.length > 0) {
    return entries.some((s) => s.has(dpid)) ? { ok: true, by: 'allow-list' } : { ok: false, reason: `the settings do not let certificate "${who}" claim ${dpid}` };
  }
  const named = certificateDpids(cert);
  if (named.includes(dpid)) return { ok: true, by: 'certificate' };
  return {
    ok: false,
    reason: named.length
      ? `certificate "${who}" names ${named.join(', ')}, not ${dpid}`
      : `certificate "${who}" names no datapath id (CN or subject alternative name) and the settings list none for it`,
  };
}
