import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { OpenFlowServer } from '../../../src/channel/index.js';
import { FakeSwitch } from './support/fake-switch.js';
import { nextEvent, sleep, startServer } from './support/harness.js';
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

  it('refuses a plain TCP client on the TLS port', async () => {
    const sw = new FakeSwitch({ port, bitmap: [1, 4] });
    fakes.push(sw);
    await Promise.race([sw.whenClosed, sleep(3000)]);
    expect(sw.closed).to.equal(true);
    expect(server.switches()).to.deep.equal([]);
  });
});
