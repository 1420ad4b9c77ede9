// A throwaway PKI made with openssl for TLS tests: one CA signing a controller
// certificate and switch certificates, and a second, unrelated CA with its own
// switch. Switch certificates name the datapath ids they may claim in their
// subject alternative names (or CN), as Spotlight requires.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Datapath ids the default switch certificate names (unit tests, and the OVS bridge of the TLS integration test). */
export const SWITCH_CERT_DPIDS = ['0000000000007151', '00000000005c7155'];

export interface Pki {
  dir: string;
  caCert: string;
  ctlCert: string;
  ctlKey: string;
  /** Names SWITCH_CERT_DPIDS. */
  swCert: string;
  swKey: string;
  /** Signed by a CA the controller does not trust. */
  rogueCert: string;
  rogueKey: string;
  /** Another switch certificate from the trusted CA; subject and alternative names as given. */
  leaf(name: string, subject: string, altNames?: string[]): { cert: string; key: string };
  cleanup(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
}

function makeLeaf(dir: string, ca: string, name: string, subject = `/CN=${name}`, altNames: string[] = []): void {
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...altNames].join(',')}\n`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-pki-'));
  makeCa(dir, 'ca');
  makeLeaf(dir, 'ca', 'controller');
  makeLeaf(dir, 'ca', 'switch', '/CN=switch', SWITCH_CERT_DPIDS.map((d) => `URI:dpid:${d}`));
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'rogue-ca', 'rogue', '/CN=rogue', SWITCH_CERT_DPIDS.map((d) => `URI:dpid:${d}`));
  const f = (n: string): string => join(dir, n);
  return {
    dir,
    caCert: f('ca.pem'),
    ctlCert: f('controller.pem'),
    ctlKey: f('controller.key'),
    swCert: f('switch.pem'),
    swKey: f('switch.key'),
    rogueCert: f('rogue.pem'),
    rogueKey: f('rogue.key'),
    leaf(name, subject, altNames = []) {
      makeLeaf(dir, 'ca', name, subject, altNames);
      return { cert: f(`${name}.pem`), key: f(`${name}.key`) };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
