import { expect } from 'chai';
import type { OpenFlowServer } from '../../../src/channel/index.js';
import type { OfpMessage } from '../../../src/openflow/message-model.js';
import { FakeClock } from '../../support/fakeclock.js';
import { DESC, FakeSwitch, OVS_GROUP_FEATURES, port, type FakeSwitchOptions } from './support/fake-switch.js';
import { nextEvent, startServer } from './support/harness.js';
import { until } from '../../support/wait.js';

describe('channel: handshake', () => {
  let server: OpenFlowServer;
  let portNo: number;
  const switches: FakeSwitch[] = [];

  async function fake(opts: Omit<FakeSwitchOptions, 'port'>): Promise<FakeSwitch> {
    const sw = await FakeSwitch.connect({ port: portNo, ...opts });
    switches.push(sw);
    return sw;
  }

  afterEach(async () => {
    for (const sw of switches.splice(0)) sw.close();
    await server?.close();
  });

  describe('with the real clock', () => {
    beforeEach(async () => {
      ({ server, port: portNo } = await startServer());
    });

    it('negotiates OF1.3 from version bitmaps and reads dpid, ports (multipart) and desc', async () => {
      const connected = nextEvent(server, 'switchConnected');
      const ports = [port(1, 'p1'), port(2, 'p2'), port(3, 'p3'), port(0xfffffffe, 'br0')];
      const sw = await fake({ datapathId: 0xabcdef0102n, bitmap: [1, 4], ports, parts: 3 });
      const ev = await connected;
      expect(ev.version).to.equal(4);
      expect(ev.dpid).to.equal('000000abcdef0102');
      expect(ev.datapathId).to.equal(0xabcdef0102n);
      expect(ev.ports.map((p) => [p.portNo, p.name])).to.deep.equal(ports.map((p) => [p.portNo, p.name]));
      expect(ev.desc).to.deep.equal(DESC);
      expect(server.switches().map((s) => s.dpid)).to.deep.equal(['000000abcdef0102']);

      const hello = sw.received.find((m) => m.type === 'hello') as Extract<OfpMessage, { type: 'hello' }>;
      expect(hello.version).to.equal(4);
      expect(hello.versions).to.deep.equal([1, 4]);
      const cfg = sw.received.find((m) => m.type === 'setConfig');
      expect(cfg).to.include({ missSendLen: 0xffff, flags: 0, version: 4 });
      // FEATURES comes first after HELLO; every later message is in the negotiated version.
      expect(sw.received[1]!.type).to.equal('featuresRequest');
      expect(sw.received.slice(1).every((m) => m.version === 4)).to.equal(true);
      expect(sw.received.some((m) => m.type === 'multipartRequest' && m.body.kind === 'portDesc')).to.equal(true);
      expect(sw.received.some((m) => m.type === 'barrierRequest')).to.equal(true);
    });

    it('negotiates OF1.0 from a plain HELLO and takes ports from FEATURES_REPLY', async () => {
      const connected = nextEvent(server, 'switchConnected');
      const sw = await fake({ datapathId: 7n, helloVersion: 1, bitmap: undefined, ports: [port(1, 's1-eth1'), port(2, 's1-eth2')] });
      const ev = await connected;
      expect(ev.version).to.equal(1);
      expect(ev.ports.map((p) => p.name)).to.deep.equal(['s1-eth1', 's1-eth2']);
      expect(sw.received.some((m) => m.type === 'multipartRequest' && m.body.kind === 'portDesc')).to.equal(false);
      expect(sw.received.find((m) => m.type === 'multipartRequest')).to.deep.include({ version: 1 });
    });

    it('OF1.3: reads the group features before the switch is ready', async () => {
      const connected = nextEvent(server, 'switchConnected');
      const features = { types: 0b1001, capabilities: 0, maxGroups: [16, 0, 0, 8] as [number, number, number, number], actions: [1, 0, 0, 1] as [number, number, number, number] };
      const sw = await fake({ datapathId: 8n, bitmap: [1, 4], groupFeatures: features });
      const ev = await connected;
      expect(ev.groups).to.deep.equal(features);
      expect(server.get(ev.dpid)!.groupFeatures).to.deep.equal(features);
      expect(sw.received.filter((m) => m.type === 'multipartRequest' && m.body.kind === 'groupFeatures')).to.have.length(1);
    });

    for (const [answer, how] of [
      ['refuse', 'refuses the group-features request'],
      ['ignore', 'never answers the group-features request'],
    ] as const) {
      it(`OF1.3: a switch that ${how} is ready at once, with no group features`, async () => {
        const connected = nextEvent(server, 'switchConnected');
        const t0 = Date.now();
        await fake({ datapathId: 9n, bitmap: [1, 4], groupFeatures: answer });
        const ev = await connected;
        expect(ev.groups).to.equal(undefined);
        // Not held until a request deadline: the barrier's reply says no answer is coming.
        expect(Date.now() - t0).to.be.below(2_000);
      });
    }

    it('OF1.0: asks nothing of groups', async () => {
      const connected = nextEvent(server, 'switchConnected');
      const sw = await fake({ datapathId: 10n, helloVersion: 1, bitmap: undefined, groupFeatures: OVS_GROUP_FEATURES });
      const ev = await connected;
      expect(ev.groups).to.equal(undefined);
      expect(sw.received.some((m) => m.type === 'multipartRequest' && m.body.kind === 'groupFeatures')).to.equal(false);
    });

    it('negotiates OF1.0 when the peer bitmap has only 1.0', async () => {
      const connected = nextEvent(server, 'switchConnected');
      await fake({ helloVersion: 1, bitmap: [1] });
      expect((await connected).version).to.equal(1);
    });

    it('takes 1.3 from a plain HELLO of a newer version', async () => {
      const connected = nextEvent(server, 'switchConnected');
      await fake({ rawHello: Buffer.from('0600000800000001', 'hex') });
      // The fake switch speaks whatever arrives; it answers in 1.3.
      expect((await connected).version).to.equal(4);
    });

    const failing: [string, Omit<FakeSwitchOptions, 'port'>][] = [
      ['bitmap without a common version', { helloVersion: 4, bitmap: [2, 3] }],
      ['plain HELLO of version 0x02', { rawHello: Buffer.from('0200000800000009', 'hex') }],
    ];
    for (const [name, opts] of failing) {
      it(`sends HELLO_FAILED and closes on a ${name}`, async () => {
        let connected = false;
        server.on('switchConnected', () => (connected = true));
        const sw = await fake(opts);
        await sw.whenClosed;
        const err = sw.received.find((m) => m.type === 'error');
        expect(err, 'an ERROR before close').to.not.equal(undefined);
        expect(err).to.include({ errType: 0, code: 0 });
        expect(connected).to.equal(false);
        await until('no connection left', () => server.connectionCount === 0, { timeoutMs: 3000, stepMs: 5 });
      });
    }

    it('refuses a first message that is not a HELLO', async () => {
      const sw = await fake({ rawHello: Buffer.from('0402000800000005', 'hex') });
      await sw.whenClosed;
      expect(sw.received.find((m) => m.type === 'error')).to.include({ errType: 0 });
    });
  });

  describe('with fake time', () => {
    let clock: FakeClock;
    beforeEach(async () => {
      clock = new FakeClock();
      ({ server, port: portNo } = await startServer({ clock, limits: { handshakeTimeoutMs: 10_000, echoIntervalMs: 0 } }));
    });

    it('closes a switch that never finishes the handshake', async () => {
      const sw = await fake({ handler: (m) => m.type === 'featuresRequest' });
      await sw.waitFor((m) => m.type === 'featuresRequest');
      const closed: string[] = [];
      let connected = false;
      server.on('switchConnected', () => (connected = true));
      clock.advance(9_999);
      expect(sw.closed).to.equal(false);
      clock.advance(1);
      await sw.whenClosed;
      expect(connected).to.equal(false);
      expect(closed).to.deep.equal([]);
      expect(server.connectionCount).to.equal(0);
    });
  });
});
