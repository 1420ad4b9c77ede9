import { expect } from 'chai';
import { OFP10_VERSION, OFP13_VERSION, Port } from '../../../src/openflow/wire-values.js';
import { ReconcileManager } from '../../../src/reconcile/manager.js';
import { wrapSession, type DesiredFlow, type ReadObjectsResult, type SwitchDelta, type SwitchFlows } from '../../../src/reconcile/ports.js';
import { RealizationTracker } from '../../../src/reconcile/realization.js';
import { FakeClock } from '../../support/fakeclock.js';
import { FakeSwitch } from '../../support/fakeswitch.js';
import { loopTurnsDuring } from '../../support/loop-turns.js';
import { OURS } from './flowgen.js';
import { silentLogger } from '../../support/logs.js';

function flow(port: number, out: number): DesiredFlow {
  return { stage: 'forward', tableId: 0, priority: 100, match: { inPort: port }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: out }] }], cookie: OURS };
}

describe('reconcile/realization tracker', () => {
  it('is realized once every connected switch the generation touched confirmed it; others do not count', async () => {
    const t = new RealizationTracker();
    t.setConnected('a', true);
    t.setConnected('b', true);
    t.setConnected('c', true);
    t.notePublished(3, ['a', 'b']);
    expect(t.pending(3)).to.deep.equal(['a', 'b']);
    t.setRealized('a', 3);
    expect(t.isRealized(3)).to.equal(false);
    t.setConnected('b', false);
    expect(t.isRealized(3)).to.equal(true);
  });

  it('a generation folded into a later publication waits for that one', () => {
    const t = new RealizationTracker();
    t.setConnected('a', true);
    t.notePublished(4, []);
    t.notePublished(7, ['a']);
    expect(t.pending(5)).to.deep.equal(['a']);
    expect(t.isRealized(4)).to.equal(true);
    t.setRealized('a', 7);
    expect(t.isRealized(5)).to.equal(true);
    expect(t.pending(8)).to.equal(undefined);
  });

  it('waits for a generation not yet published, and times out with the injected clock', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    t.setConnected('a', true);
    const w = t.waitFor(2, 1000);
    let outcome: string | undefined;
    void w.then((o) => (outcome = o));
    await clock.advanceSettling(10);
    expect(outcome).to.equal(undefined);
    t.notePublished(2, ['a']);
    t.setRealized('a', 2);
    await clock.advanceSettling(0);
    expect(outcome).to.equal('realized');
    const late = t.waitFor(3, 1000);
    t.notePublished(3, ['a']);
    await clock.advanceSettling(1000);
    expect(await late).to.equal('timeout');
  });
});

describe('reconcile/manager: several switches', () => {
  it('answers waitFor once every touched switch confirmed, and shows each switch\'s realized generation', async () => {
    const mgr = new ReconcileManager({ logger: silentLogger() });
    const s1 = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const s2 = new FakeSwitch('0000000000000002', OFP10_VERSION);
    const s3 = new FakeSwitch('0000000000000003', OFP13_VERSION);
    s2.delayMs = 30;
    for (const s of [s1, s2, s3]) mgr.connect(s);
    mgr.publishSets(1, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 2)]], [s3.dpid, [flow(1, 2)]]]));
    expect(await mgr.waitFor(1, 2000)).to.equal('realized');
    expect([s1, s2, s3].map((s) => s.table().length)).to.deep.equal([1, 1, 1]);
    // Generation 2 touches s2 only; s2 is slow.
    const touched = mgr.publishSets(2, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 3)]]]));
    expect(touched).to.deep.equal([s2.dpid]);
    expect(mgr.status(s1.dpid).realizedGeneration).to.equal(2);
    expect(mgr.status(s3.dpid).realizedGeneration).to.equal(2);
    expect(mgr.status(s2.dpid).realizedGeneration).to.equal(1);
    expect(await mgr.waitFor(2, 5)).to.equal('timeout');
    expect(await mgr.waitFor(2, 2000)).to.equal('realized');
    expect(mgr.status(s2.dpid)).to.include({ connected: true, realizedGeneration: 2, installedFlows: 1, desiredFlows: 1 });
    expect(mgr.statusAll().map((st) => [st.dpid, st.realizedGeneration])).to.deep.equal([
      [s1.dpid, 2],
      [s2.dpid, 2],
      [s3.dpid, 2],
    ]);
    mgr.close();
  });

  it('a disconnected switch does not hold a generation back, and is resynced on reconnect', async () => {
    const mgr = new ReconcileManager({ logger: silentLogger() });
    const s1 = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const s2 = new FakeSwitch('0000000000000002', OFP13_VERSION);
    s2.connected = false;
    mgr.connect(s1);
    mgr.connect(s2);
    mgr.publishSets(1, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 2)]]]));
    await mgr.idle();
    expect(mgr.status(s2.dpid).state).to.equal('disconnected');
    mgr.disconnect(s2.dpid);
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    s2.connected = true;
    mgr.connect(s2);
    await mgr.idle();
    expect(s2.table()).to.have.length(1);
    expect(mgr.status(s2.dpid).realizedGeneration).to.equal(1);
    mgr.close();
  });

  it('after a controller restart: the first publish finds the tables right and sends no flow-mod', async () => {
    const switches = [1, 2, 3].map((i) => new FakeSwitch(`000000000000000${i}`, i === 2 ? OFP10_VERSION : OFP13_VERSION));
    const desired = new Map(switches.map((s, i) => [s.dpid, [flow(1, 2 + i), flow(2, 1)]]));
    const first = new ReconcileManager({ logger: silentLogger() });
    for (const s of switches) first.connect(s);
    first.publishSets(10, desired);
    expect(await first.waitFor(10, 2000)).to.equal('realized');
    first.close();
    const mods = switches.map((s) => s.flowMods().length);
    const serials = switches.map((s) => s.table().map((f) => f.serial));
    const second = new ReconcileManager({ logger: silentLogger() });
    for (const s of switches) second.connect(s);
    await second.idle();
    second.publishSets(10, desired);
    expect(await second.waitFor(10, 2000)).to.equal('realized');
    expect(switches.map((s) => s.flowMods().length)).to.deep.equal(mods);
    expect(switches.map((s) => s.table().map((f) => f.serial))).to.deep.equal(serials);
    second.close();
  });
});

describe('reconcile: meters and groups are desired objects', () => {
  const meter = { meterId: 2, flags: 2 | 4 | 8, bands: [{ type: 'drop' as const, rate: 50, burstSize: 50 }] };
  const toController: DesiredFlow = { stage: 'arp', tableId: 0, priority: 50, match: { ethType: 0x0806 }, instructions: [{ type: 'meter', meterId: 2 }, { type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: OURS };
  const group = { groupId: 0x53000010, groupType: 'select' as const, buckets: [1, 2].map((p) => ({ weight: 1, watchPort: p, watchGroup: 0xffffffff, actions: [{ type: 'output' as const, port: p }] })) };
  const viaGroup: DesiredFlow = { stage: 'forward', tableId: 0, priority: 60, match: { inPort: 3 }, instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: group.groupId }] }], cookie: OURS };
  const set = (dpid: string, flows: DesiredFlow[], groups = [group], meters = [meter]): Map<string, SwitchFlows> => new Map([[dpid, { dpid, version: OFP13_VERSION, flows, groups, meters }]]);

  it('on connect: the meter and the group go before the flows that name them; a second connect reads them and sends nothing', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.install({ priority: 5, match: { inPort: 7 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: 0x77n });
    const mgr = new ReconcileManager({ logger: silentLogger() });
    mgr.connect(sw);
    mgr.publishSets(1, set(sw.dpid, [toController, viaGroup]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    expect(sw.received.map((c) => c.type)).to.deep.equal(['meterMod', 'groupMod', 'flowMod', 'flowMod']);
    expect(sw.table().find((f) => f.priority === 50)!.instructions[0]).to.deep.equal({ type: 'meter', meterId: 2 });
    expect(sw.walk({ inPort: 3n })).to.equal(`group${group.groupId}`);
    // A foreign flow stays.
    expect(sw.table().find((f) => f.cookie === 0x77n)).to.not.equal(undefined);
    mgr.close();
    const before = sw.received.length;
    const again = new ReconcileManager({ logger: silentLogger() });
    again.connect(sw);
    again.publishSets(1, set(sw.dpid, [toController, viaGroup]));
    expect(await again.waitFor(1, 1000)).to.equal('realized');
    await again.idle();
    expect(sw.received.length).to.equal(before);
    expect(again.status(sw.dpid).failures).to.deep.equal([]);
    again.close();
  });

  it('a group whose buckets change is modified; one no flow names any more is deleted after the flows that named it', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const mgr = new ReconcileManager({ logger: silentLogger() });
    mgr.connect(sw);
    mgr.publishSets(1, set(sw.dpid, [viaGroup]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    const moved = { ...group, buckets: group.buckets.slice(0, 1) };
    mgr.publishSets(2, set(sw.dpid, [viaGroup], [moved]));
    expect(await mgr.waitFor(2, 1000)).to.equal('realized');
    expect(sw.received.at(-1)).to.include({ type: 'groupMod', command: 'modify' });
    const n = sw.received.length;
    mgr.publishSets(3, set(sw.dpid, [], [], []));
    expect(await mgr.waitFor(3, 1000)).to.equal('realized');
    expect(sw.received.slice(n).map((c) => `${c.type}:${(c as { command: string }).command}`)).to.deep.equal(['flowMod:deleteStrict', 'groupMod:delete', 'meterMod:delete']);
    mgr.close();
  });

  it('through a session wrapper (as metrics and the spoof watch wrap it), an audit reads the groups and meters and sends nothing', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const mgr = new ReconcileManager({ logger: silentLogger() });
    mgr.connect(wrapSession(sw, { readFlows: () => sw.readFlows() }));
    mgr.publishSets(1, set(sw.dpid, [toController, viaGroup]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    const before = sw.received.length;
    await mgr.audit(sw.dpid);
    await mgr.idle();
    expect(sw.received.slice(before)).to.deep.equal([]);
    expect(mgr.status(sw.dpid).failures).to.deep.equal([]);
    expect(sw.table().find((f) => f.priority === 50)!.instructions[0]).to.deep.equal({ type: 'meter', meterId: 2 });
    mgr.close();
  });

  it('a group or meter refused as already there is read again, not given up, and the meter is not taken for unsupported', async () => {
    /** A switch whose first group and meter read misses what it holds (a read that raced another controller's writes). */
    class ForgetfulSwitch extends FakeSwitch {
      private reads = 0;
      override async readObjects(): Promise<ReadObjectsResult> {
        return this.reads++ === 0 ? { ok: true, groups: [], meters: [] } : super.readObjects();
      }
    }
    const sw = new ForgetfulSwitch('0000000000000001', OFP13_VERSION);
    sw.meters.set(meter.meterId, { type: 'meterMod', command: 'add', ...meter });
    sw.groups.set(group.groupId, { type: 'groupMod', command: 'add', ...group });
    const mgr = new ReconcileManager({ logger: silentLogger() });
    mgr.connect(sw);
    mgr.publishSets(1, set(sw.dpid, [toController, viaGroup]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    await mgr.idle();
    expect(mgr.status(sw.dpid).failures).to.deep.equal([]);
    // The flow that names the meter keeps it.
    expect(sw.table().find((f) => f.priority === 50)!.instructions[0]).to.deep.equal({ type: 'meter', meterId: 2 });
    const before = sw.received.length;
    await mgr.audit(sw.dpid);
    await mgr.idle();
    expect(sw.received.slice(before)).to.deep.equal([]);
    mgr.close();
  });

  it('a switch that refuses the meter still gets its controller-bound flows, unmetered', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.injectError = (cmd) => (cmd.type === 'meterMod' ? { errType: 12, code: 10 /* OFPMMFC_OUT_OF_METERS */ } : undefined);
    const mgr = new ReconcileManager({ logger: silentLogger() });
    mgr.connect(sw);
    mgr.publishSets(1, set(sw.dpid, [toController], []));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    expect(mgr.status(sw.dpid).failures).to.deep.equal([]);
    expect(sw.table().find((f) => f.priority === 50)!.instructions.map((i) => i.type)).to.deep.equal(['applyActions']);
    mgr.close();
  });
});

describe('reconcile/manager: audits, one switch at a time, keep to a rate of flows read', () => {
  const dpids = ['0000000000000001', '0000000000000002', '0000000000000003'];
  const readsOf = (switches: FakeSwitch[]): number[] => switches.map((s) => s.readCalls);
  /** Which switches were read since `before`, as their indexes. */
  const readSince = (switches: FakeSwitch[], before: number[]): number[] => readsOf(switches).flatMap((n, i) => (n > before[i]! ? [i] : []));
  /** Three switches connected together under a manager auditing every `auditIntervalMs`, each desiring `flowsEach` flows. */
  const connectedFabric = (opts: { auditIntervalMs: number; auditFlowsPerSecond?: number }, flowsEach: number) => {
    const clock = new FakeClock();
    const mgr = new ReconcileManager({ logger: silentLogger(), clock, ...opts });
    const switches = dpids.map((d) => new FakeSwitch(d, OFP13_VERSION));
    for (const s of switches) mgr.connect(s);
    const flows = Array.from({ length: flowsEach }, (_, i) => flow(i + 1, 0xfff0));
    mgr.publishSets(1, new Map(switches.map((s) => [s.dpid, flows] as const)));
    return { clock, mgr, switches };
  };

  it('switches that connected together are audited in turn, each once per round of all flows / rate', async () => {
    // 3 switches of 1,000 flows at 100 flows read a second: 10 s per audit, a round of 30 s against the 10 s asked.
    const { clock, mgr, switches } = connectedFabric({ auditIntervalMs: 10_000, auditFlowsPerSecond: 100 }, 1000);
    await clock.advanceSettling(0);
    const audited: number[][] = [];
    for (let t = 0; t < 6; t++) {
      const before = readsOf(switches);
      await clock.advanceSettling(10_000);
      audited.push(readSince(switches, before));
    }
    // The first switch 10 s after it connected, then one every 10 s: never two together.
    expect(audited).to.deep.equal([[0], [1], [2], [0], [1], [2]]);
    mgr.close();
  });

  it('with few flows, a round keeps the interval asked, the switches spread over it', async () => {
    const { clock, mgr, switches } = connectedFabric({ auditIntervalMs: 9_000 }, 1);
    await clock.advanceSettling(0);
    const audited: number[][] = [];
    await clock.advanceSettling(9_000);
    for (let t = 0; t < 4; t++) {
      const before = readsOf(switches);
      await clock.advanceSettling(3_000);
      audited.push(readSince(switches, before));
    }
    expect(audited).to.deep.equal([[1], [2], [0], [1]]);
    mgr.close();
  });

  it('a switch that leaves drops out of the round; one that comes back joins its end', async () => {
    const { clock, mgr, switches } = connectedFabric({ auditIntervalMs: 9_000 }, 1);
    await clock.advanceSettling(9_000);
    mgr.disconnect(switches[1]!.dpid);
    const before = readsOf(switches);
    // Two switches left: 4.5 s apart.
    await clock.advanceSettling(4_500);
    expect(readSince(switches, before)).to.deep.equal([2]);
    mgr.connect(switches[1]!);
    await clock.advanceSettling(0);
    const again = readsOf(switches);
    await clock.advanceSettling(3_000);
    await clock.advanceSettling(3_000);
    await clock.advanceSettling(3_000);
    expect(readsOf(switches).map((n, i) => n - again[i]!)).to.deep.equal([1, 1, 1]);
    mgr.close();
  });
});

describe('reconcile/manager: a big first desired state', () => {
  const delta = (dpid: string, added: DesiredFlow[] = [], removed: DesiredFlow[] = []): SwitchDelta => ({ dpid, version: OFP13_VERSION, removedFlows: removed, addedFlows: added, removedGroups: [], addedGroups: [], removedMeters: [], addedMeters: [] });
  const manyFlows = (n: number): DesiredFlow[] => Array.from({ length: n }, (_, i) => flow(i + 1, 1));

  it('is keyed in slices: the event loop turns, and a delta published meanwhile is applied after it', async () => {
    const mgr = new ReconcileManager({ logger: silentLogger() });
    const dpid = '0000000000000001';
    const flows = manyFlows(40_000);
    const extra = flow(50_000, 2);
    const { turns } = await loopTurnsDuring(async () => {
      mgr.publish(1, new Map([[dpid, delta(dpid)]]), () => ({ dpid, version: OFP13_VERSION, flows, groups: [], meters: [] }));
      // 40,000 flows take longer to key than one slice.
      expect(mgr.status(dpid).desiredFlows).to.equal(0);
      mgr.publish(2, new Map([[dpid, delta(dpid, [extra], [flows[0]!])]]), () => {
        throw new Error('the whole state is not asked for again while it is keyed');
      });
      await mgr.idle();
    });
    expect(turns).to.be.above(3);
    expect(mgr.status(dpid).desiredFlows).to.equal(40_000);
    const sw = new FakeSwitch(dpid, OFP13_VERSION);
    mgr.connect(sw);
    expect(await mgr.waitFor(2, 20_000)).to.equal('realized');
    const inPorts = new Set(sw.table().map((f) => f.match.inPort));
    expect(inPorts.size).to.equal(40_000);
    expect(inPorts.has(50_000)).to.equal(true);
    expect(inPorts.has(1)).to.equal(false);
  });

  it('its generation is not realized before the switch has the whole state', async () => {
    const mgr = new ReconcileManager({ logger: silentLogger() });
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    mgr.connect(sw);
    const flows = manyFlows(40_000);
    mgr.publish(1, new Map([[sw.dpid, delta(sw.dpid)]]), () => ({ dpid: sw.dpid, version: OFP13_VERSION, flows, groups: [], meters: [] }));
    expect(mgr.tracker.isRealized(1)).to.equal(false);
    expect(await mgr.waitFor(1, 20_000)).to.equal('realized');
    expect(sw.table()).to.have.length(40_000);
  });
});

