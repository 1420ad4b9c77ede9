import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { OpenFlowServer, ServerOptions, SessionRefusedEvent } from '../../../src/channel/index.js';
import { FakeSwitch } from './support/fake-switch.js';
import { nextEvent, startServer } from './support/harness.js';
import { sleep } from '../../support/wait.js';
import { makePki, type Pki } from './support/pki.js';

describe('channel: TLS with switch certificates', function () {
  this.timeout(20_000);
  let pki: Pki;
  let server: OpenFlowServer;
  let port: number;
  const fakes: FakeSwitch[] = [];

  before(() => {
    pki = makePki();
  });
  after(() => pki?.cleanup());
  const restart = async (extra: Partial<ServerOptions> = {}, tlsExtra: object = {}): Promise<void> => {
    await server?.close();
    ({ server, port } = await startServer({ tls: { cert: pki.ctlCert, key: pki.ctlKey, ca: pki.caCert, ...tlsExtra }, ...extra }));
  };
  beforeEach(async () => {
    ({ server, port } = await startServer({ tls: { cert: pki.ctlCert, key: pki.ctlKey, ca: pki.caCert } }));
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) f.close();
    await server.close();
  });

  it('accepts a switch whose certificate the CA signed, and verifies the controller to it', async () => {
    const connected = nextEvent(server, 'switchConnected');
    const sw = await FakeSwitch.connect({
      port,
      datapathId: 0x7151n,
      bitmap: [1, 4],
      tls: { cert: readFileSync(pki.swCert), key: readFileSync(pki.swKey), ca: readFileSync(pki.caCert) },
    });
    fakes.push(sw);
    const ev = await connected;
    expect(ev.dpid).to.equal('0000000000007151');
    expect(ev.version).to.equal(4);
    expect((sw.socket as import('node:tls').TLSSocket).authorized).to.equal(true);
    await ev.connection.barrier();
  });

  for (const [name, creds] of [
    ['no certificate', () => ({})],
    ['a certificate from another CA', () => ({ cert: readFileSync(pki.rogueCert), key: readFileSync(pki.rogueKey) })],
  ] as const) {
    it(`refuses a switch with ${name}`, async () => {
      let connected = false;
      server.on('switchConnected', () => (connected = true));
      const sw = new FakeSwitch({ port, bitmap: [1, 4], tls: { ...creds(), ca: readFileSync(pki.caCert) } });
      fakes.push(sw);
      await Promise.race([sw.whenClosed, sleep(3000)]);
      expect(sw.closed).to.equal(true);
      expect(connected).to.equal(false);
      expect(server.switches()).to.deep.equal([]);
    });
  }

  /** Connects with a certificate; resolves with the switch's fate: connected, or refused (and why). */
  async function claim(cert: { cert: string; key: string }, datapathId: bigint): Promise<{ connected: boolean; refused?: SessionRefusedEvent }> {
    let connected = false;
    server.on('switchConnected', () => (connected = true));
    const refused = new Promise<SessionRefusedEvent>((resolve) => server.once('sessionRefused', resolve));
    const sw = new FakeSwitch({ port, datapathId, bitmap: [1, 4], tls: { cert: readFileSync(cert.cert), key: readFileSync(cert.key), ca: readFileSync(pki.caCert) } });
    fakes.push(sw);
    const outcome = await Promise.race([
      refused.then((r) => ({ connected: false, refused: r })),
      nextEvent(server, 'switchConnected', 5000).then(() => ({ connected: true })),
    ]);
    if (outcome.connected) return outcome;
    await sw.whenClosed;
    return { connected, refused: (outcome as { refused: SessionRefusedEvent }).refused };
  }

  describe('the datapath id is bound to the certificate', () => {
    it('refuses a CA-signed certificate that claims a datapath id it does not name, and counts it', async () => {
      const r = await claim({ cert: pki.swCert, key: pki.swKey }, 0x7152n);
      expect(r.connected).to.equal(false);
      expect(r.refused).to.include({ dpid: '0000000000007152', reason: 'certificate' });
      expect(r.refused!.detail).to.contain('names 0000000000007151, 00000000005c7155, not 0000000000007152');
      expect(server.refusals.certificate).to.equal(1);
      expect(server.switches()).to.deep.equal([]);
    });

    it('accepts the dpid in the subject CN, in any accepted form', async () => {
      const leaf = pki.leaf('cn-switch', '/CN=00:00:00:00:00:00:71:53');
      expect((await claim(leaf, 0x7153n)).connected).to.equal(true);
    });

    it('refuses a certificate naming no dpid, unless the settings list it (by subject CN or by SHA-256 fingerprint)', async () => {
      const plain = pki.leaf('plain-switch', '/CN=plain-switch');
      const refused = await claim(plain, 0x7154n);
      expect(refused.refused?.detail).to.contain('names no datapath id');
      await restart({}, { dpids: { 'plain-switch': ['0000000000007154'] } });
      expect((await claim(plain, 0x7154n)).connected).to.equal(true);
      const fingerprint = execFileSync('openssl', ['x509', '-in', plain.cert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().split('=')[1]!;
      await restart({}, { dpids: { [fingerprint.toLowerCase()]: ['7155'.padStart(16, '0')] } });
      expect((await claim(plain, 0x7155n)).connected).to.equal(true);
    });

    it('holds a listed certificate to its list, whatever it names', async () => {
      const fingerprint = execFileSync('openssl', ['x509', '-in', pki.swCert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().split('=')[1]!;
      await restart({}, { dpids: { [fingerprint]: ['0000000000007156'] } });
      const r = await claim({ cert: pki.swCert, key: pki.swKey }, 0x7151n);
      expect(r.refused?.detail).to.contain('the settings do not let certificate');
      expect((await claim({ cert: pki.swCert, key: pki.swKey }, 0x7156n)).connected).to.equal(true);
    });
  });

  it('closes a peer that never finishes the TLS handshake once the handshake deadline (from accept) passes', async () => {
    await restart({ limits: { handshakeTimeoutMs: 300 } });
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise<void>((resolve) => s.once('close', () => resolve()));
    expect(Date.now() - t0).to.be.within(250, 3000);
  });

  it('refuses a plain TCP client on the TLS port', async () => {
    const sw = new FakeSwitch({ port, bitmap: [1, 4] });
    fakes.push(sw);
    await Promise.race([sw.whenClosed, sleep(3000)]);
    expect(sw.closed).to.equal(true);
    expect(server.switches()).to.deep.equal([]);
  });
});
