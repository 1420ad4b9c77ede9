// A throwaway PKI made with openssl for TLS tests: one CA signing a controller
// and a switch certificate, and a second, unrelated CA with its own switch.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caCert: string;
  ctlCert: string;
  ctlKey: string;
  swCert: string;
  swKey: string;
  /** Signed by a CA the controller does not trust. */
  rogueCert: string;
  rogueKey: string;
  cleanup(): void;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
}

function makeLeaf(dir: string, ca: string, name: string): void {
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${name}.ext`], { cwd: dir });
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-pki-'));
  makeCa(dir, 'ca');
  makeLeaf(dir, 'ca', 'controller');
  makeLeaf(dir, 'ca', 'switch');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'rogue-ca', 'rogue');
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
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
