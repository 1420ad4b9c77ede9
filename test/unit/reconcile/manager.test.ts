import { expect } from 'chai';
import { silentLogger } from '../../../src/log.js';
import { OFP10_VERSION, OFP13_VERSION, Port } from '../../../src/openflow/types.js';
import { hygienePlan } from '../../../src/reconcile/hygiene.js';
import { ReconcileManager } from '../../../src/reconcile/manager.js';
import type { DesiredFlow } from '../../../src/reconcile/ports.js';
import { RealizationTracker } from '../../../src/reconcile/realization.js';
import { captureLogger } from '../../support/capturelog.js';
import { FakeClock } from '../../support/fakeclock.js';
import { FakeSwitch } from '../../support/fakeswitch.js';
import { OURS } from './flowgen.js';

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
    await clock.advance(10);
    expect(outcome).to.equal(undefined);
    t.notePublished(2, ['a']);
    t.setRealized('a', 2);
    await clock.advance(0);
    expect(outcome).to.equal('realized');
    const late = t.waitFor(3, 1000);
    t.notePublished(3, ['a']);
    await clock.advance(1000);
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
    mgr.publish(1, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 2)]], [s3.dpid, [flow(1, 2)]]]));
    expect(await mgr.waitFor(1, 2000)).to.equal('realized');
    expect([s1, s2, s3].map((s) => s.table().length)).to.deep.equal([1, 1, 1]);
    // Generation 2 touches s2 only; s2 is slow.
    const touched = mgr.publish(2, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 3)]]]));
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
    mgr.publish(1, new Map([[s1.dpid, [flow(1, 2)]], [s2.dpid, [flow(1, 2)]]]));
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
    first.publish(10, desired);
    expect(await first.waitFor(10, 2000)).to.equal('realized');
    first.close();
    const mods = switches.map((s) => s.flowMods().length);
    const serials = switches.map((s) => s.table().map((f) => f.serial));
    const second = new ReconcileManager({ logger: silentLogger() });
    for (const s of switches) second.connect(s);
    await second.idle();
    second.publish(10, desired);
    expect(await second.waitFor(10, 2000)).to.equal('realized');
    expect(switches.map((s) => s.flowMods().length)).to.deep.equal(mods);
    expect(switches.map((s) => s.table().map((f) => f.serial))).to.deep.equal(serials);
    second.close();
  });
});

describe('reconcile/hygiene', () => {
  it('OF1.3: a pktps meter with a drop band, table-miss drops per table, fail-secure and OVS limits as commands', () => {
    const p = hygienePlan({ version: OFP13_VERSION, tables: [0, 1, 2, 1], cookie: OURS, bridge: 's1', packetInRate: 200, packetInBurst: 40 });
    expect(p.tableMissFlows.map((f) => [f.tableId, f.priority, Object.keys(f.match).length, f.instructions.length])).to.deep.equal([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [2, 0, 0, 0],
    ]);
    expect(p.meters).to.have.length(1);
    expect(p.meters[0]).to.deep.include({ command: 'add', meterId: 1, bands: [{ type: 'drop', rate: 200, burstSize: 40 }] });
    expect(p.meters[0]!.flags & 2).to.equal(2);
    expect(p.ovsCommands).to.deep.equal([
      ['ovs-vsctl', 'set-fail-mode', 's1', 'secure'],
      ['ovs-vsctl', 'set', 'controller', 's1', 'controller_rate_limit=200', 'controller_burst_limit=40'],
    ]);
  });

  it('OF1.0: no meter, one table-miss drop, the OVS controller rate limit (at least OVS\'s minimum)', () => {
    const p = hygienePlan({ version: OFP10_VERSION, tables: [0, 1], cookie: OURS, bridge: 's2', packetInRate: 10, packetInBurst: 5 });
    expect(p.meters).to.deep.equal([]);
    expect(p.controllerMeterId).to.equal(undefined);
    expect(p.tableMissFlows.map((f) => f.tableId)).to.deep.equal([0]);
    expect(p.ovsCommands[1]).to.deep.equal(['ovs-vsctl', 'set', 'controller', 's2', 'controller_rate_limit=100', 'controller_burst_limit=25']);
  });

  it('on connect: meter before the flows that use it, controller-bound flows metered, table-miss drop in place; a second connect reuses the meter', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.install({ priority: 5, match: { inPort: 7 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: 0x77n });
    const toController: DesiredFlow = { stage: 'arp', tableId: 0, priority: 50, match: { ethType: 0x0806 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: OURS };
    const mk = () => new ReconcileManager({ logger: silentLogger(), hygiene: (s) => hygienePlan({ version: s.version, tables: [0], cookie: OURS }) });
    const mgr = mk();
    mgr.connect(sw);
    mgr.publish(1, new Map([[sw.dpid, [toController, flow(1, 2)]]]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    expect(sw.received[0]).to.include({ type: 'meterMod', command: 'add' });
    const arp = sw.table().find((f) => f.priority === 50)!;
    expect(arp.instructions[0]).to.deep.equal({ type: 'meter', meterId: 1 });
    expect(sw.walk({ inPort: 9n, ethType: 0x0800n })).to.equal('drop');
    expect(sw.table().find((f) => f.cookie === 0x77n)!.instructions[0]!.type).to.equal('applyActions');
    mgr.close();
    const again = mk();
    again.connect(sw);
    again.publish(1, new Map([[sw.dpid, [toController, flow(1, 2)]]]));
    expect(await again.waitFor(1, 1000)).to.equal('realized');
    const meterMods = sw.received.filter((c) => c.type === 'meterMod').map((c) => (c as { command: string }).command);
    expect(meterMods).to.deep.equal(['add', 'add', 'modify']);
    expect(again.status(sw.dpid).failures).to.deep.equal([]);
    again.close();
  });

  it('a switch that refuses the meter still gets its controller-bound flows, unmetered', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.injectError = (cmd) => (cmd.type === 'meterMod' ? { errType: 12, code: 6 /* OUT_OF_METERS */ } : undefined);
    const mgr = new ReconcileManager({ logger: silentLogger(), hygiene: (s) => hygienePlan({ version: s.version, tables: [0], cookie: OURS }) });
    mgr.connect(sw);
    const toController: DesiredFlow = { stage: 'arp', tableId: 0, priority: 50, match: { ethType: 0x0806 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: OURS };
    mgr.publish(1, new Map([[sw.dpid, [toController]]]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    expect(mgr.status(sw.dpid).failures).to.deep.equal([]);
    expect(sw.table().find((f) => f.priority === 50)!.instructions.map((i) => i.type)).to.deep.equal(['applyActions']);
    mgr.close();
  });

  it('leaves the table-miss flow to the compiler where it lowered one', async () => {
    const { logger, records } = captureLogger();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const mgr = new ReconcileManager({ logger, hygiene: (s) => hygienePlan({ version: s.version, tables: [0, 1], cookie: OURS }) });
    mgr.connect(sw);
    const compilerMiss: DesiredFlow = { stage: 'port-security', tableId: 0, priority: 0, match: {}, instructions: [], cookie: OURS | 0x42n };
    mgr.publish(1, new Map([[sw.dpid, [compilerMiss]]]));
    expect(await mgr.waitFor(1, 1000)).to.equal('realized');
    expect(sw.table().map((f) => [f.tableId, f.cookie]).sort()).to.deep.equal([
      [0, OURS | 0x42n],
      [1, OURS],
    ]);
    expect(records.filter((r) => r.level === 'error')).to.deep.equal([]);
    mgr.close();
  });
});
