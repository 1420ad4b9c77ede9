import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { captureLogger, silentLogger } from '../../support/logs.js';
import { TopologyService, type TopologyEventSource, type TopologySourceEvents } from '../../../src/topo/service.js';
import { channelTopologySource, groupSupport, portInfo } from '../../../src/topo/channel-source.js';
import type { TopologyEvent } from '../../../src/topo/types.js';
import { parseDescription } from '../../../src/topo/description.js';
import { buildProbe } from '../../../src/topo/lldp.js';
import type { PacketOut } from '../../../src/openflow/message-model.js';
import type { PortDesc } from '../../../src/openflow/stats-model.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const S3 = '0000000000000003';

class FakeSource implements TopologyEventSource {
  readonly ee = new EventEmitter();
  subscribe<K extends keyof TopologySourceEvents>(event: K, listener: (ev: TopologySourceEvents[K]) => void): () => void {
    this.ee.on(event, listener);
    return () => this.ee.off(event, listener);
  }
  emit<K extends keyof TopologySourceEvents>(event: K, ev: TopologySourceEvents[K]): void {
    this.ee.emit(event, ev);
  }
}

class FakeTimers {
  fn: (() => void) | undefined;
  setInterval(fn: () => void): unknown {
    this.fn = fn;
    return 1;
  }
  clearInterval(): void {
    this.fn = undefined;
  }
}

function setup(descText?: string, extra: { reportAfterMs?: number } = {}) {
  const clock = { t: 5_000_000 };
  const source = new FakeSource();
  const timers = new FakeTimers();
  const cables = new Map<string, [string, number]>();
  const cable = (a: string, ap: number, b: string, bp: number) => {
    cables.set(`${a}/${ap}`, [b, bp]);
    cables.set(`${b}/${bp}`, [a, ap]);
  };
  const sent: { dpid: string; portNo: number; frame: Buffer }[] = [];
  const connected = new Set<string>();
  const desc = descText ? parseDescription(descText) : undefined;
  if (desc && !desc.ok) throw new Error(desc.error.message);
  const svc = new TopologyService({
    source,
    logger: silentLogger(),
    secret: Buffer.from('svc'),
    now: () => clock.t,
    random: () => 0.1,
    timers,
    description: desc?.ok ? desc.description : undefined,
    ...extra,
    // The switch hands the probe to its peer, which sends it up as a packet-in (async, like a real one).
    sendPacketOut: (dpid, portNo, frame) => {
      if (!connected.has(dpid)) return false;
      sent.push({ dpid, portNo, frame });
      const peer = cables.get(`${dpid}/${portNo}`);
      if (peer && connected.has(peer[0])) queueMicrotask(() => source.emit('packetIn', { dpid: peer[0], inPort: peer[1], data: frame }));
      return true;
    },
  });
  const connect = (dpid: string, n: number) => {
    connected.add(dpid);
    source.emit('switchConnected', { dpid, ports: Array.from({ length: n }, (_, i) => ({ portNo: i + 1, name: `p${i + 1}`, up: true })) });
  };
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.t += 100;
      timers.fn?.();
      await Promise.resolve();
    }
  };
  return { svc, source, timers, cable, connect, run, sent, clock, connected };
}

describe('topo/service', () => {
  it('discovers links through packet-out and packet-in, and reports them by port name', async () => {
    const h = setup();
    h.cable(S1, 1, S2, 1);
    h.cable(S2, 2, S3, 1);
    h.svc.start();
    h.connect(S1, 3);
    h.connect(S2, 3);
    h.connect(S3, 3);
    await h.run(1500);
    expect(h.svc.links()).to.deep.equal([
      { a: { switch: S1, port: 'p1' }, b: { switch: S2, port: 'p1' } },
      { a: { switch: S2, port: 'p2' }, b: { switch: S3, port: 'p1' } },
    ]);
    h.svc.stop();
    expect(h.timers.fn).to.equal(undefined);
  });

  it("a switch's groups reach the snapshot, and a reconnect that changes them is a switch event", () => {
    const h = setup();
    h.svc.start();
    const events: TopologyEvent[][] = [];
    h.svc.onChange((_snap, ev) => events.push([...(ev ?? [])]));
    const ports = [{ portNo: 1, name: 'p1', up: true }];
    h.source.emit('switchConnected', { dpid: S1, version: 4, ports, groups: { select: 0, fastFailover: 8 } });
    expect(h.svc.snapshot().switches.get(S1)!.groups).to.deep.equal({ select: 0, fastFailover: 8 });
    events.length = 0;
    h.source.emit('switchConnected', { dpid: S1, version: 4, ports, groups: { select: 0, fastFailover: 8 } });
    expect(events.flat(), 'the same groups again: nothing changed').to.deep.equal([]);
    h.source.emit('switchConnected', { dpid: S1, version: 4, ports, groups: { select: 16, fastFailover: 8 } });
    expect(events.flat()).to.deep.include({ kind: 'switch', dpid: S1 });
    expect(h.svc.snapshot().switches.get(S1)!.groups).to.deep.equal({ select: 16, fastFailover: 8 });
  });

  it('ignores packet-ins that are not LLDP and counts forged probes', async () => {
    const h = setup();
    h.svc.start();
    h.connect(S1, 2);
    h.source.emit('packetIn', { dpid: S1, inPort: 2, data: Buffer.from('ffffffffffff0000000000010806', 'hex') });
    h.source.emit('packetIn', { dpid: S1, inPort: 2, data: buildProbe({ dpid: S1, portNo: 1, timestamp: h.clock.t, secret: Buffer.from('not ours') }) });
    expect(h.svc.counters.forged).to.equal(1);
    expect(h.svc.counters.malformed).to.equal(0);
    expect(h.svc.links()).to.deep.equal([]);
  });

  it('drops links at once on port down and switch disconnect events', async () => {
    const h = setup();
    h.cable(S1, 1, S2, 1);
    h.svc.start();
    h.connect(S1, 1);
    h.connect(S2, 1);
    await h.run(1500);
    expect(h.svc.links()).to.have.length(1);
    h.source.emit('portStatus', { dpid: S2, port: { portNo: 1, name: 'p1', up: false }, reason: 'modify' });
    expect(h.svc.links()).to.have.length(0);
    h.source.emit('portStatus', { dpid: S2, port: { portNo: 1, name: 'p1', up: true }, reason: 'modify' });
    await h.run(1500);
    expect(h.svc.links()).to.have.length(1);
    h.connected.delete(S1);
    h.source.emit('switchDisconnected', { dpid: S1 });
    expect(h.svc.links()).to.have.length(0);
  });

  it('checks the cabling against the description once discovery settles', async () => {
    const h = setup(`
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: edge}
  - {name: s3, dpid: 3, role: aggregation}
links:
  - [s1:1, s3:1]
  - [s2:1, s3:2]
`);
    // s2's cable is in s3 port 3 (not described, so an access port) instead of port 2;
    // s1's cable is in s3 port 2 (described for s2) instead of port 1.
    h.cable(S1, 1, S3, 2);
    h.cable(S2, 1, S3, 3);
    h.svc.start();
    h.connect(S1, 2);
    h.connect(S2, 2);
    h.connect(S3, 3);
    await h.run(1000);
    expect(h.svc.settledCablingReport).to.equal(undefined);
    await h.run(4000);
    const r = h.svc.settledCablingReport!;
    expect(r.missing.map((m) => `${m.link.a.switch}:${m.link.a.port}-${m.link.b.switch}:${m.link.b.port}`)).to.deep.equal([
      's1:1-s3:1',
      's2:1-s3:2',
    ]);
    expect(r.unexpected).to.deep.equal([{ a: { dpid: S1, portNo: 1 }, b: { dpid: S3, portNo: 2 } }]);
    expect(r.refused).to.deep.equal([{ a: { dpid: S2, portNo: 1 }, b: { dpid: S3, portNo: 3 } }]);
    // The cable into an access port is never used for forwarding.
    expect(h.svc.links()).to.deep.equal([{ a: { switch: S1, port: 'p1' }, b: { switch: S3, port: 'p2' } }]);
    expect(h.svc.counters['access-port']).to.be.greaterThan(0);
    // Fix the cabling: the report becomes clean.
    h.cable(S1, 1, S3, 1);
    h.cable(S2, 1, S3, 2);
    h.source.emit('portStatus', { dpid: S3, port: { portNo: 3, name: 'p3', up: false }, reason: 'modify' });
    await h.run(8000);
    expect(h.svc.settledCablingReport).to.deep.equal({ missing: [], unexpected: [], refused: [] });
  });
});

describe('topo/service: missing links reported after the start-up hold', () => {
  it('reports nothing before a switch connects, nor during the hold while links are still being found', async () => {
    const h = setup(
      `
switches:
  - {name: s1, dpid: 1, role: edge}
  - {name: s2, dpid: 2, role: edge}
links:
  - [s1:1, s2:1]
`,
      { reportAfterMs: 10_000 },
    );
    h.svc.start();
    await h.run(6000);
    expect(h.svc.settledCablingReport, 'no switch yet').to.equal(undefined);
    h.connect(S1, 1);
    await h.run(6000);
    expect(h.svc.settledCablingReport, 'still in the hold').to.equal(undefined);
    await h.run(5000);
    expect(h.svc.settledCablingReport!.missing.map((m) => `${m.link.a.switch}:${m.link.a.port}-${m.link.b.switch}:${m.link.b.port}`)).to.deep.equal(['s1:1-s2:1']);
  });
});

describe('topo/service logs', () => {
  it('warns of an undescribed switch and of a version other than described', () => {
    const desc = parseDescription('switches: [{name: s1, dpid: 1, role: edge, openflow: "1.3"}]');
    if (!desc.ok) throw new Error(desc.error.message);
    const { logger, records } = captureLogger();
    const source = new FakeSource();
    const svc = new TopologyService({ source, logger, description: desc.description, sendPacketOut: () => true, timers: new FakeTimers() });
    svc.start();
    source.emit('switchConnected', { dpid: S1, version: 0x01, ports: [] });
    source.emit('switchConnected', { dpid: S2, version: 0x04, ports: [] });
    const warnings = records.filter((r) => r.level === 'warn').map((r) => [r.message, r.dpid, r.described, r.negotiated]);
    expect(warnings).to.deep.equal([
      ['switch speaks another OpenFlow version than described', S1, '1.3', '1.0'],
      ['a switch that the description does not name connected', S2, undefined, undefined],
    ]);
    svc.stop();
  });
});

describe('topo/service: bound ports and probe-drop logs', () => {
  it('takes bound-port changes from the model: the relayed link goes, and the drops are logged once per switch and reason', async () => {
    const bound = new Set<string>();
    let tell: ((ports: { dpid: string; port: number | string }[]) => void) | undefined;
    const boundPorts = {
      isBound: (dpid: string, portNo: number) => bound.has(`${dpid}/${portNo}`),
      onChange: (l: (ports: { dpid: string; port: number | string }[]) => void) => ((tell = l), () => (tell = undefined)),
    };
    const { logger, records } = captureLogger();
    const clock = { t: 1_000_000 };
    const source = new FakeSource();
    const svc = new TopologyService({ source, logger, secret: Buffer.from('svc'), now: () => clock.t, timers: new FakeTimers(), boundPorts, sendPacketOut: () => true });
    svc.start();
    const ports = [1, 2].map((n) => ({ portNo: n, name: `p${n}`, up: true }));
    source.emit('switchConnected', { dpid: S1, ports });
    source.emit('switchConnected', { dpid: S2, ports });
    const probe = (dpid: string, portNo: number) => buildProbe({ dpid, portNo, timestamp: clock.t, secret: Buffer.from('svc') });
    source.emit('packetIn', { dpid: S2, inPort: 2, data: probe(S1, 2) });
    clock.t += 1;
    source.emit('packetIn', { dpid: S1, inPort: 2, data: probe(S2, 2) });
    expect(svc.links()).to.have.length(1);
    bound.add(`${S1}/2`);
    tell!([{ dpid: S1, port: 2 }]);
    expect(svc.links()).to.deep.equal([]);
    // A relaying host keeps sending on many in_ports: one warning per (switch, reason) a minute.
    for (let i = 0; i < 500; i++) {
      clock.t += 1;
      source.emit('packetIn', { dpid: S1, inPort: 2, data: probe(S2, 2) });
      source.emit('packetIn', { dpid: S1, inPort: 1000 + i, data: probe(S2, 2) });
    }
    const drops = records.filter((r) => r.message === 'discovery probe dropped');
    expect(drops.map((r) => [r.dpid, r.reason])).to.deep.equal([[S1, 'bound-port'], [S1, 'unknown-port']]);
    clock.t += 60_000;
    source.emit('packetIn', { dpid: S1, inPort: 2, data: probe(S2, 2) });
    expect(records.filter((r) => r.message === 'discovery probe dropped').at(-1)).to.include({ reason: 'bound-port', suppressed: 499 });
    expect(svc.counters['bound-port']).to.equal(501);
    svc.stop();
    expect(tell).to.equal(undefined);
  });
});

describe('topo/channel-source', () => {
  const desc = (portNo: number, config = 0, state = 0): PortDesc => ({
    portNo, hwAddr: '00:00:00:00:00:0' + portNo, name: `s1-eth${portNo}`, config, state,
    curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
  });

  it('reads a port as up only when neither administratively down nor link down', () => {
    expect(portInfo(desc(1)).up).to.equal(true);
    expect(portInfo(desc(1, 1)).up).to.equal(false);
    expect(portInfo(desc(1, 0, 1)).up).to.equal(false);
  });

  it('reads the groups a switch holds from its group features: a type needs its bit and OUTPUT among its actions; no reply, no groups', () => {
    const OVS = { types: 0xf, capabilities: 7, maxGroups: [0xffffff00, 0xffffff00, 0xffffff00, 0xffffff00] as [number, number, number, number], actions: [0x3ff8001, 0x3ff8001, 0x3ff8001, 0x3ff8001] as [number, number, number, number] };
    expect(groupSupport(OVS)).to.deep.equal({ select: 0xffffff00, fastFailover: 0xffffff00 });
    expect(groupSupport({ ...OVS, types: 0b0101 }), 'ALL and INDIRECT only').to.deep.equal({ select: 0, fastFailover: 0 });
    expect(groupSupport({ ...OVS, types: 0b1010, maxGroups: [0, 64, 0, 32] }), 'SELECT and FF, with their max_groups').to.deep.equal({ select: 64, fastFailover: 32 });
    expect(groupSupport({ ...OVS, actions: [1, 0x3ff8000, 1, 1] }), 'SELECT buckets that cannot output').to.deep.equal({ select: 0, fastFailover: 0xffffff00 });
    expect(groupSupport(undefined)).to.deep.equal({ select: 0, fastFailover: 0 });
  });

  it('an OF1.3 switch carries its groups into the topology; an OF1.0 switch none', () => {
    const server = Object.assign(new EventEmitter(), { get: () => undefined });
    const { source } = channelTopologySource(server);
    const got: unknown[] = [];
    source.subscribe('switchConnected', (e) => got.push(e.groups));
    const features = { types: 0b1000, capabilities: 0, maxGroups: [0, 0, 0, 5] as [number, number, number, number], actions: [0, 0, 0, 1] as [number, number, number, number] };
    server.emit('switchConnected', { dpid: S1, version: 4, ports: [], groups: features });
    server.emit('switchConnected', { dpid: S2, version: 1, ports: [] });
    expect(got).to.deep.equal([{ select: 0, fastFailover: 5 }, undefined]);
  });

  it('translates listener events and sends probes as packet-outs', () => {
    const sentMsgs: Omit<PacketOut, 'version' | 'xid'>[] = [];
    const server = Object.assign(new EventEmitter(), {
      get: (dpid: string) => (dpid === S1 ? { send: (m: Omit<PacketOut, 'version' | 'xid'>) => (sentMsgs.push(m), { ok: true }) } : undefined),
    });
    const { source, sendPacketOut } = channelTopologySource(server);
    const got: unknown[] = [];
    const offs = [
      source.subscribe('switchConnected', (e) => got.push(['c', e])),
      source.subscribe('portStatus', (e) => got.push(['p', e])),
      source.subscribe('packetIn', (e) => got.push(['i', e])),
      source.subscribe('switchDisconnected', (e) => got.push(['d', e])),
    ];
    server.emit('switchConnected', { dpid: S1, version: 4, ports: [desc(1), desc(2, 0, 1)] });
    server.emit('portStatus', { dpid: S1, message: { reason: 1, desc: desc(2) } });
    server.emit('portStatus', { dpid: S1, message: { reason: 9, desc: desc(2) } });
    server.emit('packetIn', { dpid: S1, message: { inPort: 2, data: Buffer.from('ab', 'hex') } });
    server.emit('switchDisconnected', { dpid: S1 });
    expect(got).to.deep.equal([
      ['c', { dpid: S1, version: 4, groups: { select: 0, fastFailover: 0 }, ports: [
        { portNo: 1, name: 's1-eth1', up: true, hwAddr: '00:00:00:00:00:01' },
        { portNo: 2, name: 's1-eth2', up: false, hwAddr: '00:00:00:00:00:02' }] }],
      ['p', { dpid: S1, port: { portNo: 2, name: 's1-eth2', up: true, hwAddr: '00:00:00:00:00:02' }, reason: 'delete' }],
      ['i', { dpid: S1, inPort: 2, data: Buffer.from('ab', 'hex') }],
      ['d', { dpid: S1 }],
    ]);
    for (const off of offs) off();
    expect(server.listenerCount('packetIn')).to.equal(0);
    expect(sendPacketOut(S1, 3, Buffer.from('cc', 'hex'))).to.equal(true);
    expect(sendPacketOut(S2, 3, Buffer.from('cc', 'hex'))).to.equal(false);
    expect(sentMsgs).to.deep.equal([
      { type: 'packetOut', bufferId: 0xffffffff, inPort: 0xfffffffd, actions: [{ type: 'output', port: 3 }], data: Buffer.from('cc', 'hex') },
    ]);
  });
});
