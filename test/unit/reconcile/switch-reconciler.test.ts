import { expect } from 'chai';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../../../src/openflow/wire-values.js';
import type { DesiredFlow } from '../../../src/reconcile/ports.js';
import { SwitchReconciler, type SwitchReconcilerOptions } from '../../../src/reconcile/switch-reconciler.js';
import { captureLogger, silentLogger } from '../../support/logs.js';
import { FakeClock, settle } from '../../support/fakeclock.js';
import { FakeSwitch } from '../../support/fakeswitch.js';
import { OFPET_FLOW_MOD_FAILED } from '../../support/flow-table.js';
import { FOREIGN_COOKIE, OURS } from './flowgen.js';

function flow(port: number, out: number, priority = 100, cookie = OURS): DesiredFlow {
  return { stage: 'forward', tableId: 0, priority, match: { inPort: port }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: out }] }], cookie };
}

function desiredSet(n: number, outBase = 1): DesiredFlow[] {
  return Array.from({ length: n }, (_, i) => flow(i + 1, outBase + i));
}

function reconciler(sw: FakeSwitch, extra: Partial<SwitchReconcilerOptions> = {}): SwitchReconciler {
  return new SwitchReconciler({ session: sw, logger: silentLogger(), ...extra });
}

/** Flows as sorted text (priority, match, instructions): what a table holds compares equal to what was desired. */
function texts(flows: readonly Pick<DesiredFlow, 'priority' | 'match' | 'instructions'>[]): string[] {
  return flows.map((f) => `${f.priority}:${JSON.stringify(f.match)}:${JSON.stringify(f.instructions)}`).sort();
}

function ourFlows(sw: FakeSwitch): string[] {
  return texts(sw.table().filter((f) => f.cookie !== FOREIGN_COOKIE));
}

const VERSIONS: OfVersion[] = [OFP10_VERSION, OFP13_VERSION];

describe('reconcile/switch-reconciler', () => {
  for (const version of VERSIONS) {
    describe(version === OFP10_VERSION ? 'OF1.0' : 'OF1.3', () => {
      it('on connect reads the table and sends zero flow-mods when nothing changed', async () => {
        const sw = new FakeSwitch('0000000000000001', version);
        const desired = desiredSet(50);
        for (const f of desired) sw.install(f);
        const serials = sw.table().map((f) => f.serial);
        const rec = reconciler(sw);
        rec.start();
        rec.setDesired(7, desired);
        await rec.idle();
        expect(sw.readCalls).to.equal(1);
        expect(sw.flowMods()).to.have.length(0);
        expect(sw.table().map((f) => f.serial)).to.deep.equal(serials);
        expect(rec.realizedGeneration).to.equal(7);
      });

      it('never clears the table: only stale Spotlight flows go, by strict delete, foreign ones stay', async () => {
        const sw = new FakeSwitch('0000000000000001', version);
        sw.install(flow(1, 1, 100, FOREIGN_COOKIE));
        sw.install(flow(2, 2, 100));
        sw.install(flow(3, 3, 100));
        const rec = reconciler(sw);
        rec.start();
        rec.setDesired(1, [flow(3, 3, 100), flow(4, 4, 100)]);
        await rec.idle();
        expect(sw.flowMods().map((m) => m.command)).to.deep.equal(['add', 'deleteStrict']);
        expect(sw.table().some((f) => f.cookie === FOREIGN_COOKIE)).to.equal(true);
        expect(ourFlows(sw)).to.deep.equal(texts([flow(3, 3), flow(4, 4)]));
      });

      it('does nothing to the table before the desired flows are known', async () => {
        const sw = new FakeSwitch('0000000000000001', version);
        sw.install(flow(1, 1));
        const rec = reconciler(sw);
        rec.start();
        await rec.idle();
        expect(sw.readCalls).to.equal(1);
        expect(sw.received).to.have.length(0);
        expect(rec.realizedGeneration).to.equal(undefined);
      });
    });
  }

  it('coalesces a burst of desired-state changes into one batch', async () => {
    const clock = new FakeClock();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = reconciler(sw, { clock, coalesceMs: 20 });
    rec.start();
    await rec.idle();
    for (let g = 1; g <= 10; g++) rec.setDesired(g, desiredSet(g));
    await clock.advanceSettling(25);
    await rec.idle();
    expect(sw.applyCalls).to.equal(1);
    expect(sw.flowMods()).to.have.length(10);
    expect(rec.realizedGeneration).to.equal(10);
  });

  it('merges changes published in the same turn into one batch even without a coalescing delay', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = reconciler(sw);
    rec.start();
    await rec.idle();
    for (let g = 1; g <= 5; g++) rec.setDesired(g, desiredSet(g));
    await rec.idle();
    expect(sw.applyCalls).to.equal(1);
    expect(rec.realizedGeneration).to.equal(5);
  });

  it('not master: passes wait in standby without retrying, realize nothing; resume() reads the table and reconciles', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    let master = false;
    const apply = sw.apply.bind(sw);
    sw.apply = async (cmds, opts) => (master ? apply(cmds, opts) : { ok: false, reason: 'notMaster', errors: [] });
    const rec = reconciler(sw, { retryDelayMs: 1 });
    rec.start();
    rec.setDesired(1, desiredSet(4));
    await rec.idle();
    await new Promise((r) => setTimeout(r, 30));
    expect(rec.state).to.equal('standby');
    expect(rec.realizedGeneration).to.equal(undefined);
    expect(ourFlows(sw)).to.deep.equal([]);
    const reads = sw.readCalls;
    await new Promise((r) => setTimeout(r, 30));
    expect(sw.readCalls, 'no retry loop while standing by').to.equal(reads);
    master = true;
    rec.resume();
    await rec.idle();
    expect(sw.readCalls).to.equal(reads + 1);
    expect(ourFlows(sw)).to.have.length(4);
    expect(rec.realizedGeneration).to.equal(1);
    expect(rec.state).to.equal('idle');
  });

  it('serialises passes per switch: changes during a slow batch wait for it, then the latest wins', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.delayMs = 20;
    let inFlight = 0;
    let maxInFlight = 0;
    const apply = sw.apply.bind(sw);
    sw.apply = async (cmds, opts) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await apply(cmds, opts);
      } finally {
        inFlight--;
      }
    };
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, desiredSet(5));
    await new Promise((r) => setTimeout(r, 5));
    rec.setDesired(2, desiredSet(5, 10));
    rec.setDesired(3, desiredSet(3, 20));
    await rec.idle();
    expect(maxInFlight).to.equal(1);
    expect(sw.applyCalls).to.be.at.most(3);
    expect(ourFlows(sw)).to.deep.equal(texts(desiredSet(3, 20)));
    expect(rec.realizedGeneration).to.equal(3);
  });

  it('retries a flow the switch refuses a bounded number of times, then reports it and carries on', async () => {
    const { logger, records } = captureLogger();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.injectError = (cmd) => (cmd.type === 'flowMod' && cmd.match.inPort === 2 ? { errType: OFPET_FLOW_MOD_FAILED, code: 2 } : undefined);
    const rec = new SwitchReconciler({ session: sw, logger, maxAttempts: 3 });
    rec.start();
    rec.setDesired(4, desiredSet(3));
    await rec.idle();
    await settle();
    const tries = sw.flowMods().filter((m) => m.match.inPort === 2).length;
    expect(tries).to.equal(3);
    expect(sw.table().map((f) => f.match.inPort).sort()).to.deep.equal([1, 3]);
    expect(rec.flowFailures()).to.have.length(1);
    expect(rec.flowFailures()[0]).to.include({ kind: 'add', stage: 'forward', errType: OFPET_FLOW_MOD_FAILED, code: 2, attempts: 3, gaveUp: true });
    expect(rec.realizedGeneration).to.equal(4);
    expect(records.some((r) => r.level === 'error' && r.dpid === '0000000000000001' && r.stage === 'forward')).to.equal(true);
    // A new desired state for that flow is tried again.
    sw.injectError = undefined;
    rec.setDesired(5, [...desiredSet(3).filter((f) => f.match.inPort !== 2), flow(2, 9)]);
    await rec.idle();
    expect(sw.table().map((f) => f.match.inPort).sort()).to.deep.equal([1, 2, 3]);
    expect(rec.flowFailures()).to.have.length(0);
  });

  for (const [version, errType, code] of [[OFP13_VERSION, 5, 1], [OFP10_VERSION, 3, 0]] as const) {
    it(`${version === OFP10_VERSION ? 'OF1.0 ALL_TABLES_FULL' : 'OF1.3 TABLE_FULL'}: a refused flow is logged with its flow, not retried, and tried once more when flows leave the switch`, async () => {
      const { logger, records } = captureLogger();
      const sw = new FakeSwitch('0000000000000001', version);
      // A table of three entries: an add past them is refused as the switch does (ovs-ofctl ofp-print names the code OFPFMFC_TABLE_FULL).
      sw.injectError = (cmd) => (cmd.type === 'flowMod' && cmd.command === 'add' && sw.table().length >= 3 ? { errType, code } : undefined);
      const rec = new SwitchReconciler({ session: sw, logger, maxAttempts: 3 });
      rec.start();
      rec.setDesired(1, desiredSet(5));
      await rec.idle();
      await settle();
      const addsOf = (port: number): number => sw.flowMods().filter((m) => m.command === 'add' && m.match.inPort === port).length;
      expect(sw.table()).to.have.length(3);
      const refused = [1, 2, 3, 4, 5].filter((p) => !sw.table().some((f) => f.match.inPort === p));
      expect(refused).to.have.length(2);
      for (const p of refused) expect(addsOf(p), `port ${p} tried once`).to.equal(1);
      expect(rec.flowFailures().map((f) => ({ tableFull: f.tableFull, gaveUp: f.gaveUp, attempts: f.attempts }))).to.deep.equal([
        { tableFull: true, gaveUp: true, attempts: 1 },
        { tableFull: true, gaveUp: true, attempts: 1 },
      ]);
      expect(rec.realizedGeneration).to.equal(1);
      const logged = records.filter((r) => r.level === 'error' && String(r.message).includes('table full'));
      expect(logged).to.have.length(2);
      expect(logged.every((r) => typeof r.flow === 'string' && typeof r.instructions === 'string')).to.equal(true);
      // Another generation that leaves them as they are does not try them again.
      rec.setDesired(2, desiredSet(5));
      await rec.idle();
      for (const p of refused) expect(addsOf(p)).to.equal(1);
      // Two installed flows leave: the refused ones get one more try, and fit.
      const installed = [1, 2, 3, 4, 5].filter((p) => !refused.includes(p));
      rec.setDesired(3, desiredSet(5).filter((f) => !installed.slice(0, 2).includes(f.match.inPort!)));
      await rec.idle();
      await settle();
      expect(sw.table().map((f) => f.match.inPort).sort()).to.deep.equal([...refused, installed[2]!].sort());
      for (const p of refused) expect(addsOf(p)).to.equal(2);
      expect(rec.flowFailures()).to.have.length(0);
      expect(rec.realizedGeneration).to.equal(3);
    });
  }

  it('uses one atomic bundle on an OF1.3 switch that has bundles', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION, { bundles: true });
    sw.install(flow(9, 9));
    let steps = 0;
    sw.onStep = () => steps++;
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, desiredSet(4));
    await rec.idle();
    expect(steps).to.equal(1);
    expect(sw.flowMods()).to.have.length(5);
    expect(rec.realizedGeneration).to.equal(1);
  });

  it('falls back to ordered flow-mods when a bundle is refused, to find the flow at fault', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION, { bundles: true });
    sw.injectError = (cmd) => (cmd.type === 'flowMod' && cmd.match.inPort === 3 ? { errType: OFPET_FLOW_MOD_FAILED, code: 2 } : undefined);
    const rec = reconciler(sw, { maxAttempts: 2 });
    rec.start();
    rec.setDesired(1, desiredSet(4));
    await rec.idle();
    expect(sw.table().map((f) => f.match.inPort).sort()).to.deep.equal([1, 2, 4]);
    expect(rec.flowFailures().map((f) => f.gaveUp)).to.deep.equal([true]);
  });

  it('survives a disconnect mid-way; the next connection reads the table and finishes the job', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP10_VERSION);
    sw.disconnectAfter = 3;
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, desiredSet(10));
    await rec.idle();
    expect(rec.state).to.equal('disconnected');
    expect(rec.realizedGeneration).to.equal(undefined);
    expect(sw.table()).to.have.length(3);
    sw.connected = true;
    sw.disconnectAfter = undefined;
    const mods = sw.flowMods().length;
    const again = reconciler(sw);
    again.start();
    again.setDesired(1, desiredSet(10));
    await again.idle();
    expect(sw.flowMods().length - mods).to.equal(7);
    expect(sw.table()).to.have.length(10);
    expect(again.realizedGeneration).to.equal(1);
  });

  it('an audit repairs drift (flows deleted by hand), logging what it repaired; the next finds nothing to do', async () => {
    const { logger, records } = captureLogger();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = new SwitchReconciler({ session: sw, logger });
    rec.start();
    rec.setDesired(1, desiredSet(6));
    await rec.idle();
    sw.install(flow(50, 50, 7, FOREIGN_COOKIE));
    expect(sw.removeWhere((f) => f.cookie === OURS && (f.match.inPort ?? 0) <= 2)).to.equal(2);
    sw.install({ ...flow(3, 99), cookie: OURS });
    await rec.audit();
    expect(ourFlows(sw)).to.deep.equal(texts(desiredSet(6)));
    expect(sw.table().some((f) => f.cookie === FOREIGN_COOKIE)).to.equal(true);
    const repaired = records.find((r) => r.message === 'audit repaired drift');
    expect(repaired).to.include({ dpid: '0000000000000001', missing: 2, changed: 1, unexpected: 0, adds: 2, modifies: 1, deletes: 0 });
    const before = sw.flowMods().length;
    await rec.audit();
    expect(sw.readCalls).to.equal(3);
    expect(sw.flowMods().length).to.equal(before);
    rec.stop();
  });

  it('an audit whose pass also carries a desired-state change reports no drift when the table is as installed', async () => {
    const { logger, records } = captureLogger();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = new SwitchReconciler({ session: sw, logger });
    rec.start();
    rec.setDesired(1, desiredSet(6));
    await rec.idle();
    // A new generation published together with an audit: one pass, one read.
    rec.setDesired(2, desiredSet(7));
    await rec.audit();
    await rec.idle();
    expect(ourFlows(sw)).to.have.length(7);
    expect(records.some((r) => r.message === 'audit repaired drift'), 'no drift reported').to.equal(false);
    expect(records.some((r) => r.message === 'flows reconciled' && r.generation === 2 && r.adds === 1)).to.equal(true);
    // Drift and a desired change in one audit pass: only the drift is reported as drift.
    expect(sw.removeWhere((f) => f.cookie === OURS && (f.match.inPort ?? 0) === 1)).to.equal(1);
    rec.setDesired(3, desiredSet(8));
    await rec.audit();
    await rec.idle();
    expect(ourFlows(sw)).to.have.length(8);
    const repaired = records.filter((r) => r.message === 'audit repaired drift');
    expect(repaired).to.have.length(1);
    expect(repaired[0]).to.include({ generation: 3, missing: 1, changed: 0, unexpected: 0, adds: 2 });
    rec.stop();
  });

  it('an audit that finds the table as installed compares no slot; one that finds drift compares only the slots that moved', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, desiredSet(3000));
    await rec.idle();
    const clean = await rec.audit();
    expect(clean).to.deep.include({ compared: 0, adds: 0, modifies: 0, deletes: 0 });
    expect(sw.removeWhere((f) => f.cookie === OURS && (f.match.inPort ?? 0) <= 2)).to.equal(2);
    sw.install(flow(5000, 1));
    const repaired = await rec.audit();
    expect(repaired).to.deep.include({ compared: 3, adds: 2, deletes: 1 });
    expect(ourFlows(sw)).to.deep.equal(texts(desiredSet(3000)));
    rec.stop();
  });

  it('an audit finds a slot another controller held set free, and installs the desired flow there', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.install(flow(1, 7, 100, FOREIGN_COOKIE));
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, [flow(1, 2), flow(2, 3)]);
    await rec.idle();
    expect(ourFlows(sw)).to.have.length(1);
    expect(sw.removeWhere((f) => f.cookie === FOREIGN_COOKIE)).to.equal(1);
    await rec.audit();
    expect(ourFlows(sw)).to.deep.equal(texts([flow(1, 2), flow(2, 3)]));
    rec.stop();
  });

  it('logs a slot held by another controller once, not on every audit', async () => {
    const { logger, records } = captureLogger();
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.install(flow(1, 7, 100, FOREIGN_COOKIE));
    const rec = new SwitchReconciler({ session: sw, logger });
    rec.start();
    rec.setDesired(1, [flow(1, 2)]);
    await rec.idle();
    await rec.audit();
    await rec.audit();
    await settle();
    expect(records.filter((r) => String(r.message).includes('another controller'))).to.have.length(1);
    expect(sw.flowMods()).to.have.length(0);
    expect(rec.realizedGeneration).to.equal(1);
  });

  it('moves its realized generation without a batch when a generation does not touch it', async () => {
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = reconciler(sw);
    rec.start();
    rec.setDesired(1, desiredSet(2));
    await rec.idle();
    const calls = sw.applyCalls;
    rec.advance(5);
    expect(rec.realizedGeneration).to.equal(5);
    expect(sw.applyCalls).to.equal(calls);
  });
});

describe('reconcile/switch-reconciler: bootstrap flows before the desired state', () => {
  it('adds only the missing bootstrap flows, then takes the desired state and settles (it does not keep working)', async () => {
    const { DesiredTables, noChanges } = await import('../../../src/reconcile/desired.js');
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    sw.install(flow(9, 9));
    const rec = reconciler(sw);
    rec.start();
    const boot = new DesiredTables(OFP13_VERSION);
    boot.apply([], [flow(1, 1)], { removed: [], added: [] }, { removed: [], added: [] }, noChanges());
    rec.setBootstrap(boot);
    await rec.idle();
    // Added, and nothing taken away.
    expect(ourFlows(sw)).to.have.length(2);
    expect(sw.flowMods().map((m) => m.command)).to.deep.equal(['add']);
    rec.setDesired(3, [flow(1, 1), flow(2, 2)]);
    await rec.idle();
    expect(rec.realizedGeneration).to.equal(3);
    expect(rec.state).to.equal('idle');
    expect(ourFlows(sw)).to.have.length(2);
    const before = sw.applyCalls;
    await new Promise((r) => setTimeout(r, 50));
    expect(sw.applyCalls, 'no work after settling').to.equal(before);
    rec.stop();
  });
});

describe('reconcile/switch-reconciler: a desired state that comes before the bootstrap was added', () => {
  it('supersedes the bootstrap: the reconciler realizes the desired state and settles', async function () {
    this.timeout(5000);
    const { DesiredTables, noChanges } = await import('../../../src/reconcile/desired.js');
    const sw = new FakeSwitch('0000000000000001', OFP13_VERSION);
    const rec = reconciler(sw);
    rec.start();
    const boot = new DesiredTables(OFP13_VERSION);
    boot.apply([], [flow(1, 1)], { removed: [], added: [] }, { removed: [], added: [] }, noChanges());
    // Both in the same turn: the table read has not come back yet, so the bootstrap was never added.
    rec.setBootstrap(boot);
    rec.setDesired(2, [flow(1, 1), flow(2, 2)]);
    await rec.idle();
    expect(rec.realizedGeneration).to.equal(2);
    expect(ourFlows(sw)).to.have.length(2);
    const before = sw.applyCalls;
    await new Promise((r) => setTimeout(r, 50));
    expect(sw.applyCalls, 'no work after settling').to.equal(before);
    rec.stop();
  });
});
