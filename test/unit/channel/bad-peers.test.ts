// Each misbehaving peer is dealt with by its policy (src/channel/README.md)
// while a well-behaved switch on the same listener keeps working.
import { expect } from 'chai';
import type { OpenFlowServer, SessionRefusedEvent, SwitchConnection, SwitchDisconnectedEvent } from '../../../src/channel/index.js';
import { encodeMessage } from '../../../src/openflow/index.js';
import type { ErrorMsg, FlowMod, PacketIn } from '../../../src/openflow/message-model.js';
import { captureLogger } from '../../support/logs.js';
import { addFlow } from './support/messages.js';
import { FakeSwitch, flowStat, port, type FakeSwitchOptions } from './support/fake-switch.js';
import { connectFake, nextEvent, startServer } from './support/harness.js';
import { sleep, until } from '../../support/wait.js';

const packetInOn = (inPort: number): PacketIn => ({
  type: 'packetIn',
  version: 4,
  xid: 0,
  bufferId: 0xffffffff,
  totalLen: 60,
  reason: 0,
  tableId: 0,
  cookie: 0n,
  match: { inPort },
  inPort,
  data: Buffer.alloc(60, 0xab),
});

describe('channel: misbehaving peers', () => {
  let server: OpenFlowServer;
  let tcpPort: number;
  const fakes: FakeSwitch[] = [];
  let good: { sw: FakeSwitch; conn: SwitchConnection };
  const disconnects: SwitchDisconnectedEvent[] = [];

  const connect = (opts: Omit<FakeSwitchOptions, 'port'>): Promise<{ sw: FakeSwitch; conn: SwitchConnection }> => connectFake(server, tcpPort, fakes, opts);

  /** The well-behaved switch still answers, is still listed, and lost nothing. */
  async function goodStillFine(): Promise<void> {
    expect(good.conn.state).to.equal('ready');
    expect(server.switches()).to.include(good.conn);
    good.sw.flows = [flowStat(7)];
    expect((await good.conn.flowStats()).map((f) => f.priority)).to.deep.equal([7]);
    expect(disconnects.filter((d) => d.connection === good.conn)).to.deep.equal([]);
  }

  async function setup(limits: Parameters<typeof startServer>[0] = {}): Promise<void> {
    ({ server, port: tcpPort } = await startServer(limits));
    disconnects.length = 0;
    server.on('switchDisconnected', (d) => disconnects.push(d));
    good = await connect({ datapathId: 0x600dn });
  }

  afterEach(async () => {
    for (const f of fakes.splice(0)) f.close();
    await server?.close();
  });

  it('garbage (unframeable bytes): closes that connection only', async () => {
    await setup();
    const bad = await connect({ datapathId: 0xbadn });
    const gone = nextEvent(server, 'switchDisconnected');
    // A header whose length field (2) is below 8: the stream cannot be resynchronised.
    bad.sw.socket.write(Buffer.from('0400000200000000deadbeef', 'hex'));
    const ev = await gone;
    expect(ev.dpid).to.equal('0000000000000bad');
    expect(ev.reason).to.equal('FRAMING_ERROR');
    await bad.sw.whenClosed;
    await goodStillFine();
  });

  it('garbage before the handshake: closes without ever announcing the switch', async () => {
    await setup();
    const raw = await FakeSwitch.connect({ port: tcpPort, rawHello: Buffer.from('ffff0003ffffffff', 'hex') });
    fakes.push(raw);
    await raw.whenClosed;
    await until('only the good switch left connected', () => server.connectionCount === 1, { timeoutMs: 3000, stepMs: 5 });
    await goodStillFine();
  });

  it('malformed but framed messages: answered with BAD_REQUEST, connection kept', async () => {
    await setup();
    const bad = await connect({ datapathId: 0xbad2n });
    // Unknown message type 0xee in OF1.3.
    bad.sw.socket.write(Buffer.from('04ee000800000077', 'hex'));
    const e1 = (await bad.sw.waitFor((m) => m.type === 'error' && m.xid === 0x77)) as ErrorMsg;
    expect(e1).to.include({ errType: 1, code: 1 });
    expect(Buffer.from(e1.data).toString('hex')).to.equal('04ee000800000077');
    // A PORT_STATUS cut short (OF1.3 needs 80 bytes): bad length.
    bad.sw.socket.write(Buffer.from('040c001000000078' + '0000000000000000', 'hex'));
    const e2 = (await bad.sw.waitFor((m) => m.type === 'error' && m.xid === 0x78)) as ErrorMsg;
    expect(e2).to.include({ errType: 1, code: 6 });
    // A message in the other version than negotiated.
    bad.sw.socket.write(Buffer.from('0102000800000079', 'hex'));
    const e3 = (await bad.sw.waitFor((m) => m.type === 'error' && m.xid === 0x79)) as ErrorMsg;
    expect(e3).to.include({ errType: 1, code: 0 });
    // A controller-to-switch message from the switch.
    bad.sw.send({ ...addFlow(1), version: 4, xid: 0x7a } as FlowMod);
    expect(await bad.sw.waitFor((m) => m.type === 'error' && m.xid === 0x7a)).to.include({ errType: 1, code: 1 });
    // Still connected and working.
    await bad.conn.barrier();
    expect(bad.conn.state).to.equal('ready');
    await goodStillFine();
  });

  it('a peer sending 2,000 malformed messages and unmatched errors: each is answered or ignored, the log gets one warning of each kind', async () => {
    const { logger, records } = captureLogger();
    await setup({ logger });
    const bad = await connect({ datapathId: 0xbad5n });
    const N = 1000;
    for (let i = 0; i < N; i++) {
      // An unknown message type, then an ERROR for a request never sent.
      bad.sw.socket.write(Buffer.from(`04ee0008${(0x1000 + i).toString(16).padStart(8, '0')}`, 'hex'));
      bad.sw.socket.write(Buffer.from(encodeMessage({ type: 'error', version: 4, xid: 0x9000 + i, errType: 1, code: 1, data: Buffer.alloc(0) })));
    }
    await bad.sw.waitFor((m) => m.type === 'error' && m.xid === 0x1000 + N - 1, 5000);
    expect(bad.sw.received.filter((m) => m.type === 'error' && m.xid >= 0x1000 && m.xid < 0x1000 + N)).to.have.length(N);
    await bad.conn.barrier();
    const warnings = records.filter((r) => r.level === 'warn' && r.dpid === '000000000000bad5');
    expect(warnings.map((r) => r.message).sort()).to.deep.equal(['malformed message from switch', 'switch error']);
    expect(bad.conn.state).to.equal('ready');
    await goodStillFine();
  });

  it('a malformed reply to an awaited request: that request fails with DECODE_ERROR, nothing else', async () => {
    await setup();
    const bad = await connect({
      datapathId: 0xbad3n,
      handler: (m, sw) => {
        if (m.type !== 'multipartRequest' || m.body.kind !== 'table') return false;
        // MULTIPART_REPLY (19) of type TABLE (3) whose 24-byte entry is cut to 4 bytes.
        const xid = m.xid.toString(16).padStart(8, '0');
        sw.socket.write(Buffer.from(`04130014${xid}000300000000000000000000`, 'hex'));
        return true;
      },
    });
    try {
      await bad.conn.request({ type: 'multipartRequest', more: false, body: { kind: 'table' } });
      expect.fail('should reject');
    } catch (e) {
      const ce = e as import('../../../src/channel/index.js').ChannelError;
      expect(ce.code).to.equal('DECODE_ERROR');
      expect(ce.request).to.deep.include({ type: 'multipartRequest' });
      expect(ce.codecError?.code).to.be.a('string');
    }
    await bad.conn.barrier();
    expect(bad.conn.state).to.equal('ready');
    await goodStillFine();
  });

  it('a flood of PACKET_INs: bounded per second, the excess dropped, others served meanwhile', async () => {
    await setup({ limits: { packetInPerSecond: 500, maxMessagesPerTurn: 100 } });
    const bad = await connect({ datapathId: 0xf100dn });
    let seen = 0;
    server.on('packetIn', (ev) => ev.connection === bad.conn && seen++);
    const one = encodeMessage(packetInOn(1));
    const burst = Buffer.concat(Array.from({ length: 20_000 }, () => one));
    const t0 = Date.now();
    bad.sw.socket.write(burst);
    // While the flood is being processed, the good switch gets its answer.
    await goodStillFine();
    await until('every packet-in seen or dropped', () => seen + bad.conn.packetInDropped === 20_000, { timeoutMs: 10_000, stepMs: 5 });
    const elapsedS = (Date.now() - t0) / 1000;
    expect(seen).to.be.at.most(500 * (Math.ceil(elapsedS) + 1));
    expect(bad.conn.packetInDropped).to.be.greaterThan(0);
    expect(bad.conn.state).to.equal('ready');
  });

  it('a multipart bomb (endless REPLY_MORE parts): the read fails, only the bomber is closed, its bytes bounded', async function () {
    this.timeout(20_000);
    await setup();
    let written = 0;
    const bomber = await connect({
      datapathId: 0xb0bbn,
      handler: (m, sw) => {
        if (m.type !== 'multipartRequest' || m.body.kind !== 'flow') return false;
        const part = Buffer.from(encodeMessage({ type: 'multipartReply', version: 4, xid: m.xid, more: true, body: { kind: 'flow', flows: Array.from({ length: 300 }, (_, i) => flowStat(i)) } }));
        const pump = (): void => {
          while (!sw.closed && written < 256 * 1024 * 1024) {
            written += part.length;
            if (!sw.socket.write(part)) return void sw.socket.once('drain', pump);
          }
        };
        pump();
        return true;
      },
    });
    const gone = nextEvent(server, 'switchDisconnected', 15_000);
    const read = bomber.conn.flowStats().then(
      () => 'resolved',
      (e: import('../../../src/channel/index.js').ChannelError) => e.code,
    );
    expect(await read).to.equal('REPLY_TOO_LARGE');
    const ev = await gone;
    expect(ev.connection).to.equal(bomber.conn);
    expect(ev.reason).to.equal('REPLY_TOO_LARGE');
    await bomber.sw.whenClosed;
    // Closed after about the cap (16 MiB), not after whatever the bomber could send.
    expect(written).to.be.below(64 * 1024 * 1024);
    await goodStillFine();
  });

  it('a second session claiming a connected datapath id whose switch answers echoes: refused and counted, the connected one untouched', async () => {
    await setup();
    const first = await connect({ datapathId: 0xd0bn });
    const events: string[] = [];
    server.on('switchDisconnected', (ev) => events.push(`down:${ev.reason}`));
    server.on('switchConnected', () => events.push('up'));
    let packetIns = 0;
    server.on('packetIn', () => packetIns++);
    const refused = new Promise<SessionRefusedEvent>((resolve) => server.once('sessionRefused', resolve));
    // It speaks for the dpid as soon as its handshake ends: a packet-in while it waits must reach no one.
    const impostor = await FakeSwitch.connect({
      port: tcpPort,
      bitmap: [1, 4],
      datapathId: 0xd0bn,
      handler: (m, sw) => {
        if (m.type !== 'barrierRequest') return false;
        sw.send({ type: 'barrierReply', version: m.version, xid: m.xid });
        sw.send(packetInOn(3));
        return true;
      },
    });
    fakes.push(impostor);
    const r = await refused;
    expect(r).to.include({ dpid: '0000000000000d0b', reason: 'dpid_in_use' });
    await impostor.whenClosed;
    expect(events).to.deep.equal([]);
    expect(packetIns).to.equal(0);
    expect(server.refusals.dpid_in_use).to.equal(1);
    expect(server.get('0000000000000d0b')).to.equal(first.conn);
    expect(first.conn.state).to.equal('ready');
    await first.conn.barrier();
    await goodStillFine();
  });

  it('a second session for a connected datapath id whose switch no longer answers: it replaces the silent one', async () => {
    await setup({ takeoverProbeMs: 300 });
    const first = await connect({ datapathId: 0xd0cn, answerEcho: false });
    const order: string[] = [];
    server.on('switchDisconnected', (ev) => order.push(`down:${ev.reason}`));
    server.on('switchConnected', () => order.push('up'));
    const second = await connect({ datapathId: 0xd0cn });
    await first.sw.whenClosed;
    expect(order).to.deep.equal(['down:REPLACED', 'up']);
    expect(server.get('0000000000000d0c')).to.equal(second.conn);
    expect(first.conn.state).to.equal('closed');
    await second.conn.barrier();
    await sleep(20);
    // The old connection's close must not unregister the new one.
    expect(server.switches().filter((s) => s.dpid === '0000000000000d0c')).to.deep.equal([second.conn]);
    await goodStillFine();
  });

  it('a switch inventing ports: its port map stays within the port limit, adds beyond it reach no one', async () => {
    await setup({ limits: { maxPorts: 50 } });
    const bad = await connect({ datapathId: 0x9057n });
    let events = 0;
    server.on('portStatus', (ev) => ev.connection === bad.conn && events++);
    const desc = (portNo: number) => ({ ...port(portNo, `x${portNo}`) });
    const burst = Buffer.concat(Array.from({ length: 5000 }, (_, i) => encodeMessage({ type: 'portStatus', version: 4, xid: 0, reason: 0, desc: desc(100 + i) })));
    bad.sw.socket.write(burst);
    await bad.conn.barrier();
    expect(bad.conn.ports.length).to.equal(50);
    expect(events).to.equal(48);
    // Changes to ports it has still come through; a delete makes room again.
    bad.sw.send({ type: 'portStatus', version: 4, xid: 0, reason: 1, desc: desc(100) });
    bad.sw.send({ type: 'portStatus', version: 4, xid: 0, reason: 0, desc: desc(9000) });
    await bad.conn.barrier();
    expect(bad.conn.ports.map((p) => p.portNo)).to.include(9000).and.not.include(100);
    await goodStillFine();
  });

  it('a switch the settings do not admit (admitSwitch): refused once its dpid is known, never announced', async () => {
    await setup({ admitSwitch: (dpid) => (dpid === '0000000000000bad' ? 'not in the description' : undefined) });
    const refused = new Promise<SessionRefusedEvent>((resolve) => server.once('sessionRefused', resolve));
    const sw = await FakeSwitch.connect({ port: tcpPort, bitmap: [1, 4], datapathId: 0xbadn });
    fakes.push(sw);
    expect(await refused).to.include({ reason: 'not_admitted', detail: 'not in the description', dpid: '0000000000000bad' });
    await sw.whenClosed;
    expect(server.refusals.not_admitted).to.equal(1);
    expect(server.switches()).to.deep.equal([good.conn]);
    await goodStillFine();
  });

  it('a switch that stops reading: output bounded, then disconnected', async function () {
    this.timeout(30_000);
    await setup({ limits: { maxOutputBytes: 1 << 20 } });
    const bad = await connect({ datapathId: 0x51een });
    bad.sw.socket.pause();
    const gone = nextEvent(server, 'switchDisconnected', 25_000);
    let sent = 0;
    for (let round = 0; round < 400 && bad.conn.state === 'ready'; round++) {
      for (let i = 0; i < 2000; i++) if (bad.conn.send(addFlow(i)).ok) sent++;
      // The good switch is served between rounds.
      if (round % 50 === 0) await goodStillFine();
      await sleep(1);
    }
    const ev = await gone;
    expect(ev.reason).to.equal('OUTPUT_OVERFLOW');
    expect(ev.connection).to.equal(bad.conn);
    expect(sent).to.be.greaterThan(0);
    await goodStillFine();
  });
});
