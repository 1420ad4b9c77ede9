// The event stream: sequence numbers and resuming, what each part of the
// controller publishes, spoof-drop surges, GET /v1/events as server-sent
// events behind the token, and `spotlight events` following it.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { MemoryLevel } from 'memory-level';
import { startApi } from '../../../src/api/server.js';
import { runClientCommand } from '../../../src/client/index.js';
import { EventBus, type SpotlightEvent } from '../../../src/events/bus.js';
import { attachEventSources } from '../../../src/events/sources.js';
import { SpoofWatch } from '../../../src/events/spoof-watch.js';
import { migrationAbort, migrationEnd, migrationStart, migrationStartBy, putNetwork, vmStart } from '../../../src/model/index.js';
import { OFP10_VERSION } from '../../../src/openflow/wire-values.js';
import { type FlowStats } from '../../../src/openflow/stats-model.js';
import { RealizationTracker } from '../../../src/reconcile/realization.js';
import { openStoreOn, type KvDb } from '../../../src/store/index.js';
import type { TopologyEvent, TopologySnapshot } from '../../../src/topo/types.js';
import { silentLogger } from '../../support/logs.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';

function topo(version: number, linked: boolean): TopologySnapshot {
  const ports = (n: string) => new Map([[3, { portNo: 3, name: `${n}-eth3`, up: true }]]);
  return {
    version,
    switches: new Map([
      [S1, { dpid: S1, connected: true, ports: ports('s1') }],
      [S2, { dpid: S2, connected: true, ports: ports('s2') }],
    ]),
    links: linked ? [{ a: { dpid: S1, portNo: 3 }, b: { dpid: S2, portNo: 3 } }] : [],
  };
}

describe('events: the bus', () => {
  it('numbers events in order and hands a resuming client what it missed, or says there is a gap', () => {
    const bus = new EventBus(3);
    for (let i = 0; i < 5; i++) bus.publish('realized', { switch: S1, generation: i });
    expect(bus.latest).to.equal(5);
    expect(bus.since(3).events.map((e) => e.seq)).to.deep.equal([4, 5]);
    expect(bus.since(3).gap).to.equal(false);
    expect(bus.since(2).gap).to.equal(false);
    expect(bus.since(1).gap, 'event 2 has left the ring').to.equal(true);
    expect(bus.since(9).gap, 'a number from another run').to.equal(true);
  });
});

describe('events: sources', () => {
  it('publishes model commits, migrations, switch sessions, link changes and realization', async () => {
    const bus = new EventBus();
    const seen: SpotlightEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    const of = new EventEmitter();
    let topoListener: (s: TopologySnapshot) => void = () => undefined;
    const tracker = new RealizationTracker();
    attachEventSources(bus, {
      store,
      openflow: of as never,
      topology: { snapshot: () => topo(1, false), onChange: (l) => ((topoListener = l), () => undefined) },
      realization: tracker,
    });
    await store.apply((s) => putNetwork(s, 'n1', { tenant: 't1', kind: 'private' }));
    const itf = { mac: '52:54:00:00:00:01', network: 'n1', switch: S1, port: 'vnet0' };
    await store.apply((s) => vmStart(s, { vm: 'vm1', tenant: 't1', interfaces: [itf] }));
    await store.apply((s) => migrationStart(s, { vm: 'vm1', interfaces: [{ mac: itf.mac, switch: S2, port: 'vnet5' }] }));
    await store.apply((s) => migrationEnd(s, 'vm1'));
    await store.apply((s) => migrationStart(s, { vm: 'vm1', interfaces: [{ mac: itf.mac, switch: S1, port: 'vnet0' }] }));
    await store.apply((s) => migrationAbort(s, 'vm1'));
    await store.apply((s) => migrationStartBy(s, { vm: 'vm1', interfaces: [{ mac: itf.mac, switch: S2, port: 'vnet5' }] }, 'destination'));
    of.emit('switchConnected', { dpid: S1, version: 4 });
    of.emit('switchDisconnected', { dpid: S2, reason: 'echo timeout' });
    topoListener(topo(2, true));
    topoListener(topo(3, false));
    tracker.setRealized(S1, 6);
    const brief = seen.map((e) => `${e.seq} ${e.type} ${JSON.stringify(e.data)}`);
    expect(brief).to.deep.equal([
      `1 model {"generation":1,"changes":[{"kind":"network","id":"n1","action":"created"}]}`,
      `2 model {"generation":2,"changes":[{"kind":"vm","id":"vm1","action":"created"}]}`,
      `3 model {"generation":3,"changes":[{"kind":"vm","id":"vm1","action":"updated"}]}`,
      `4 migration {"generation":3,"vm":"vm1","phase":"started","destinations":[{"mac":"52:54:00:00:00:01","switch":"${S2}","port":"vnet5"}]}`,
      `5 model {"generation":4,"changes":[{"kind":"vm","id":"vm1","action":"updated"}]}`,
      `6 migration {"generation":4,"vm":"vm1","phase":"ended","destinations":[{"mac":"52:54:00:00:00:01","switch":"${S2}","port":"vnet5"}]}`,
      `7 model {"generation":5,"changes":[{"kind":"vm","id":"vm1","action":"updated"}]}`,
      `8 migration {"generation":5,"vm":"vm1","phase":"started","destinations":[{"mac":"52:54:00:00:00:01","switch":"${S1}","port":"vnet0"}]}`,
      `9 model {"generation":6,"changes":[{"kind":"vm","id":"vm1","action":"updated"}]}`,
      `10 migration {"generation":6,"vm":"vm1","phase":"aborted","destinations":[{"mac":"52:54:00:00:00:01","switch":"${S1}","port":"vnet0"}]}`,
      `11 model {"generation":7,"changes":[{"kind":"vm","id":"vm1","action":"updated"}]}`,
      `12 migration {"generation":7,"vm":"vm1","phase":"held","destinations":[{"mac":"52:54:00:00:00:01","switch":"${S2}","port":"vnet5"}],"askedBy":"destination"}`,
      `13 switch-connected {"switch":"${S1}","version":"1.3"}`,
      `14 switch-disconnected {"switch":"${S2}","reason":"echo timeout"}`,
      `15 link-up {"a":{"switch":"${S1}","port":"s1-eth3"},"b":{"switch":"${S2}","port":"s2-eth3"}}`,
      `16 link-down {"a":{"switch":"${S1}","port":"s1-eth3"},"b":{"switch":"${S2}","port":"s2-eth3"}}`,
      `17 realized {"switch":"${S1}","generation":6}`,
    ]);
  });

  it('follows link changes from the feed\'s events (either end named first), and a port change publishes nothing', async () => {
    const bus = new EventBus();
    const seen: SpotlightEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    let topoListener: (s: TopologySnapshot, events?: readonly TopologyEvent[]) => void = () => undefined;
    attachEventSources(bus, {
      store,
      openflow: new EventEmitter() as never,
      topology: { snapshot: () => topo(1, false), onChange: (l) => ((topoListener = l), () => undefined) },
      realization: new RealizationTracker(),
    });
    const reversed = { a: { dpid: S2, portNo: 3 }, b: { dpid: S1, portNo: 3 } };
    topoListener(topo(2, true), [{ kind: 'link', link: reversed, present: true }]);
    topoListener(topo(3, true), [{ kind: 'port', dpid: S1, portNo: 7 }]);
    topoListener(topo(4, false), [{ kind: 'link', link: { a: { dpid: S1, portNo: 3 }, b: { dpid: S2, portNo: 3 } }, present: false }]);
    expect(seen.map((e) => `${e.type} ${JSON.stringify(e.data)}`)).to.deep.equal([
      `link-up {"a":{"switch":"${S1}","port":"s1-eth3"},"b":{"switch":"${S2}","port":"s2-eth3"}}`,
      `link-down {"a":{"switch":"${S1}","port":"s1-eth3"},"b":{"switch":"${S2}","port":"s2-eth3"}}`,
    ]);
  });

  it('reports a spoof-drop surge when a drop counter rises by the threshold between two flow reads', async () => {
    const bus = new EventBus();
    const seen: SpotlightEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const watch = new SpoofWatch(bus, 100);
    const guard = (packets: bigint): FlowStats => ({
      tableId: 0, durationSec: 1, durationNsec: 0, priority: 500, idleTimeout: 0, hardTimeout: 0, flags: {}, cookie: 1n,
      packetCount: packets, byteCount: 0n, match: { inPort: 7 }, instructions: [],
    });
    watch.observe(S1, OFP10_VERSION, [guard(5000n)]);
    watch.observe(S1, OFP10_VERSION, [guard(5050n)]);
    watch.observe(S1, OFP10_VERSION, [guard(5200n)]);
    expect(seen.map((e) => [e.type, e.data])).to.deep.equal([['spoof-drops', { switch: S1, stage: 'port-guard', port: 7, packets: 150, total: 5200 }]]);
  });
});

describe('events: GET /v1/events and spotlight events', function () {
  this.timeout(20_000);

  it('streams events behind the token, resumes after a sequence number, and says when events are gone', async () => {
    const bus = new EventBus(4);
    const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    const api = await startApi({ host: '127.0.0.1', port: 0, token: 'tok', store, events: bus, logger: silentLogger() });
    try {
      const denied = await fetch(`${api.address}/v1/events`);
      expect(denied.status).to.equal(401);
      expect(((await denied.json()) as { error: { code: string } }).error.code).to.equal('unauthorized');

      bus.publish('switch-connected', { switch: S1, version: '1.3' });
      bus.publish('link-up', { a: { switch: S1, port: 's1-eth3' }, b: { switch: S2, port: 's2-eth3' } });
      // Live: the command follows from now on; publish once it is connected.
      let out = '';
      const following = runClientCommand(['events', '--api', api.address, '--token', 'tok', '--count', '2'], { out: (t) => (out += t), err: () => undefined });
      setTimeout(() => {
        bus.publish('realized', { switch: S1, generation: 3 });
        bus.publish('switch-disconnected', { switch: S2, reason: 'closed' });
      }, 300);
      expect(await following).to.equal(0);
      const lines = out.trimEnd().split('\n');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^ +3 {2}\S+ {2}realized +0000000000000001 confirmed generation 3$/);
      expect(lines[1]).to.match(/^ +4 .*switch-disconnected +0000000000000002 disconnected \(closed\)$/);

      // Resume after 1: events 2..4 come back, in order, as JSON lines.
      let json = '';
      expect(await runClientCommand(['events', '--api', api.address, '--token', 'tok', '--since', '1', '--count', '3', '--json'], { out: (t) => (json += t), err: () => undefined })).to.equal(0);
      expect(json.trim().split('\n').map((l) => (JSON.parse(l) as SpotlightEvent).seq)).to.deep.equal([2, 3, 4]);

      // The ring holds 4: after two more, event 2 is gone and a resume from 1 hears of the gap.
      bus.publish('realized', { switch: S1, generation: 4 });
      bus.publish('realized', { switch: S2, generation: 4 });
      const res = await fetch(`${api.address}/v1/events`, { headers: { authorization: 'Bearer tok', 'last-event-id': '1' } });
      expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('id: 6\n')) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(text).to.match(/event: gap\ndata: \{"since":1,"latest":6/);
      expect([...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).to.deep.equal([3, 4, 5, 6]);
    } finally {
      await api.close();
    }
  });
});
