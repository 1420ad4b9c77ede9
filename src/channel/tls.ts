// TLS for switches that connect with `ssl:HOST:PORT` (Open vSwitch set-ssl).
// The controller presents its certificate and requires the switch's, checked
// against the configured CA.
import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import type { CertificateDpids } from './identity.js';

export interface TlsSettings {
  /** PEM certificate of the controller (file path). */
  cert: string;
  /** PEM private key of the controller (file path). */
  key: string;
  /** PEM CA bundle that signs switch certificates (file path). */
  ca: string;
  /** Require and verify a switch certificate (default true; false is for tests only and skips the dpid binding). */
  requireClientCert?: boolean;
  /** Certificates (SHA-256 fingerprint or subject CN) and the dpids each may claim, for certificates that do not name theirs. */
  dpids?: CertificateDpids;
}

export function loadTlsOptions(s: TlsSettings): TlsOptions {
  const verify = s.requireClientCert ?? true;
  return {
    cert: readFileSync(s.cert),
    key: readFileSync(s.key),
    ca: readFileSync(s.ca),
    requestCert: verify,
    rejectUnauthorized: verify,
    minVersion: 'TLSv1.2',
  };
}
