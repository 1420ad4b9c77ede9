import { expect } from 'chai';
import { ChannelError, type OpenFlowServer, type SwitchConnection } from '../../../src/channel/index.js';
import type { FlowMod, OfpMessage } from '../../../src/openflow/message-model.js';
import { FakeClock } from '../../support/fakeclock.js';
import { FakeSwitch, flowStat, port, type FakeSwitchOptions } from './support/fake-switch.js';
import { connectFake, nextEvent, startServer } from './support/harness.js';
import { sleep, until } from '../../support/wait.js';
import { addFlow } from './support/messages.js';

describe('channel: connection over TCP', () => {
  let server: OpenFlowServer;
  let tcpPort: number;
  const fakes: FakeSwitch[] = [];

  const connect = (opts: Omit<FakeSwitchOptions, 'port'> = {}): Promise<{ sw: FakeSwitch; conn: SwitchConnection }> => connectFake(server, tcpPort, fakes, opts);

  afterEach(async () => {
    for (const f of fakes.splice(0)) f.close();
    await server?.close();
  });

  describe('real time', () => {
    beforeEach(async () => {
      ({ server, port: tcpPort } = await startServer());
    });

    it('fills in version and a fresh xid on send', async () => {
      const { sw, conn } = await connect();
      const r = conn.send(addFlow(1));
      expect(r.ok).to.equal(true);
      const xid = r.ok ? r.xid : -1;
      const got = (await sw.waitFor((m) => m.type === 'flowMod')) as FlowMod;
      expect(got.xid).to.equal(xid);
      expect(got.version).to.equal(4);
      expect(got.match).to.deep.include({ inPort: 1, ipv4Dst: '10.0.0.1' });
    });

    it('reads flow stats reassembled from several REPLY_MORE parts (both versions)', async () => {
      for (const v of [4, 1]) {
        const { sw, conn } = await connect({ datapathId: BigInt(v), parts: 3, ...(v === 1 ? { helloVersion: 1, bitmap: undefined } : {}) });
        sw.flows = [1, 2, 3, 4, 5, 6, 7].map(flowStat);
        const flows = await conn.flowStats();
        expect(flows.map((f) => f.priority)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        const req = sw.received.find((m) => m.type === 'multipartRequest' && m.body.kind === 'flow');
        expect(req).to.deep.include({ version: v });
      }
    });

    it('rejects a request the switch answers with ERROR, carrying the request', async () => {
      const { conn } = await connect({
        handler: (m, sw) => {
          if (m.type !== 'flowMod') return false;
          sw.send({ type: 'error', version: m.version, xid: m.xid, errType: 5, code: 6, data: new Uint8Array(8) });
          return true;
        },
      });
      try {
        await conn.request(addFlow(2));
        expect.fail('request should reject');
      } catch (e) {
        expect(e).to.be.instanceOf(ChannelError);
        const ce = e as ChannelError;
        expect(ce.code).to.equal('SWITCH_ERROR');
        expect(ce.request).to.deep.include({ type: 'flowMod', cookie: 2n });
        expect(ce.switchError).to.include({ errType: 5, code: 6 });
      }
    });

    it('resolves a reply-less request at the barrier that follows it', async () => {
      const { sw, conn } = await connect();
      const reply = await conn.request(addFlow(3));
      expect(reply.type).to.equal('barrierReply');
      const fm = sw.received.findIndex((m) => m.type === 'flowMod');
      const br = sw.received.findIndex((m, i) => i > fm && m.type === 'barrierRequest');
      expect(fm).to.be.greaterThan(0);
      expect(br).to.be.greaterThan(fm);
    });

    it('reports an ERROR for a fire-and-forget flow-mod as an event and in the next barrier, with the request', async () => {
      const { conn } = await connect({
        handler: (m, sw) => {
          if (m.type !== 'flowMod' || m.cookie !== 66n) return false;
          sw.send({ type: 'error', version: m.version, xid: m.xid, errType: 5, code: 0, data: new Uint8Array(16) });
          return true;
        },
      });
      const errEv = nextEvent(server, 'error');
      for (let i = 60; i < 70; i++) conn.send(addFlow(i));
      const b = await conn.barrier();
      const ev = await errEv;
      expect(ev.dpid).to.equal(conn.dpid);
      expect(ev.error.request).to.deep.include({ type: 'flowMod', cookie: 66n });
      expect(b.errors.map((e) => (e.request as FlowMod).cookie)).to.deep.equal([66n]);
      expect((await conn.barrier()).errors).to.deep.equal([]);
    });

    it('answers the switch echo requests with the same xid and data', async () => {
      const { sw } = await connect();
      sw.send({ type: 'echoRequest', version: 4, xid: 0x1234, data: Buffer.from('ping') });
      const r = await sw.waitFor((m) => m.type === 'echoReply' && m.xid === 0x1234);
      expect(Buffer.from((r as Extract<OfpMessage, { type: 'echoReply' }>).data).toString()).to.equal('ping');
    });

    it('sends a burst of 10,000 flow-mods in a few socket writes, all arriving in order', async () => {
      const { sw, conn } = await connect();
      const before = conn.socketWrites;
      for (let i = 0; i < 10_000; i++) conn.send(addFlow(i));
      await conn.barrier(20_000);
      const writes = conn.socketWrites - before;
      // ~1 MB of flow-mods: one write per 256 KiB batch, plus the barrier.
      expect(writes).to.be.at.most(7);
      const mods = sw.received.filter((m): m is FlowMod => m.type === 'flowMod');
      expect(mods.length).to.equal(10_000);
      expect(mods.every((m, i) => m.cookie === BigInt(i))).to.equal(true);
    });

    it('emits portStatus, packetIn and flowRemoved naming the switch, and tracks ports', async () => {
      const { sw, conn } = await connect({ datapathId: 0x42n });
      const ps = nextEvent(server, 'portStatus');
      sw.send({ type: 'portStatus', version: 4, xid: 0, reason: 0, desc: port(9, 'vnet9') });
      expect((await ps).dpid).to.equal('0000000000000042');
      expect(conn.ports.map((p) => p.name)).to.include('vnet9');
      const gone = nextEvent(server, 'portStatus');
      sw.send({ type: 'portStatus', version: 4, xid: 0, reason: 1, desc: port(9, 'vnet9') });
      await gone;
      expect(conn.ports.map((p) => p.name)).to.not.include('vnet9');

      const pi = nextEvent(server, 'packetIn');
      sw.send({
        type: 'packetIn',
        version: 4,
        xid: 0,
        bufferId: 0xffffffff,
        totalLen: 4,
        reason: 0,
        tableId: 0,
        cookie: 0n,
        match: { inPort: 2 },
        inPort: 2,
        data: Buffer.from('abcd'),
      });
      const piEv = await pi;
      expect(piEv.message.inPort).to.equal(2);
      expect(piEv.dpid).to.equal('0000000000000042');
      const fr = nextEvent(server, 'flowRemoved');
      sw.send({
        type: 'flowRemoved',
        version: 4,
        xid: 0,
        cookie: 5n,
        priority: 10,
        reason: 0,
        tableId: 0,
        durationSec: 1,
        durationNsec: 0,
        idleTimeout: 10,
        hardTimeout: 0,
        packetCount: 0n,
        byteCount: 0n,
        match: {},
      });
      expect((await fr).message.cookie).to.equal(5n);
    });

    it('serves 50 switches at once, each with its own state', async function () {
      this.timeout(20_000);
      const n = 50;
      const seen = new Set<string>();
      server.on('switchConnected', (ev) => seen.add(ev.dpid));
      const sws = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          FakeSwitch.connect({ port: tcpPort, datapathId: BigInt(1000 + i), ...(i % 2 ? { helloVersion: 1, bitmap: undefined } : { bitmap: [1, 4] }) }),
        ),
      );
      fakes.push(...sws);
      await until('every switch announced', () => seen.size === n, { timeoutMs: 10_000, stepMs: 5 });
      expect(server.switches().length).to.equal(n);
      sws.forEach((sw, i) => (sw.flows = [flowStat(i + 1)]));
      const results = await Promise.all(
        sws.map(async (_, i) => {
          const conn = server.get((1000 + i).toString(16).padStart(16, '0'))!;
          expect(conn.version).to.equal(i % 2 ? 1 : 4);
          return (await conn.flowStats()).map((f) => f.priority);
        }),
      );
      expect(results).to.deep.equal(sws.map((_, i) => [i + 1]));
    });

    it('server.close() drains queued output before closing each switch', async () => {
      const { sw, conn } = await connect();
      for (let i = 0; i < 5000; i++) conn.send(addFlow(i));
      const gone = nextEvent(server, 'switchDisconnected');
      await server.close();
      expect((await gone).reason).to.equal('LOCAL_CLOSE');
      await sw.whenClosed;
      expect(sw.received.filter((m) => m.type === 'flowMod').length).to.equal(5000);
      expect(server.switches()).to.deep.equal([]);
    });

    it('rejects outstanding requests with CLOSED when the switch goes away', async () => {
      const { sw, conn } = await connect({ handler: (m) => m.type === 'multipartRequest' && m.body.kind === 'table' });
      const p = conn.request({ type: 'multipartRequest', more: false, body: { kind: 'table' } });
      const gone = nextEvent(server, 'switchDisconnected');
      await sleep(20);
      sw.close();
      const ev = await gone;
      expect(ev.reason).to.equal('PEER_CLOSED');
      try {
        await p;
        expect.fail('should reject');
      } catch (e) {
        expect((e as ChannelError).code).to.equal('CLOSED');
      }
      expect(server.switches()).to.deep.equal([]);
      expect(conn.send(addFlow(1)).ok).to.equal(false);
    });
  });

  describe('fake time', () => {
    let clock: FakeClock;
    beforeEach(async () => {
      clock = new FakeClock();
      ({ server, port: tcpPort } = await startServer({ clock, limits: { echoIntervalMs: 5000, echoMaxMisses: 3, requestTimeoutMs: 2000 } }));
    });

    it('times a request out after its timeout', async () => {
      const { conn } = await connect({ handler: (m) => m.type === 'multipartRequest' && m.body.kind === 'table' });
      const p = conn.request({ type: 'multipartRequest', more: false, body: { kind: 'table' } });
      const settled = p.then(
        () => 'resolved',
        (e: ChannelError) => e.code,
      );
      clock.advance(1999);
      await sleep(10);
      clock.advance(1);
      expect(await settled).to.equal('REQUEST_TIMEOUT');
      // The switch itself stays connected.
      expect(server.switches().length).to.equal(1);
    });

    it('echoes an idle switch and keeps it while it answers', async () => {
      const { sw } = await connect();
      for (let i = 1; i <= 5; i++) {
        clock.advance(5000);
        await until(`echo request ${i}`, () => sw.received.filter((m) => m.type === 'echoRequest').length === i, { timeoutMs: 3000, stepMs: 5 });
        await sleep(10); // the reply reaches the controller
      }
      expect(server.switches().length).to.equal(1);
    });

    it('disconnects a switch after 3 unanswered echo intervals', async () => {
      const { sw } = await connect({ answerEcho: false });
      const gone = nextEvent(server, 'switchDisconnected');
      clock.advance(5000);
      await sw.waitFor((m) => m.type === 'echoRequest');
      clock.advance(10_000);
      await sleep(20);
      expect(server.switches().length).to.equal(1);
      clock.advance(5000);
      expect((await gone).reason).to.equal('ECHO_TIMEOUT');
      await sw.whenClosed;
    });
  });
});
