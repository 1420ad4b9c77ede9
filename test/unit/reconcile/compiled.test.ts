// The compiler's real output through the reconciler: every flow keys (no
// malformed or duplicate identity), lands on the simulated switch, and a
// resync of what the switch then reports sends nothing.
import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import { DesiredTables, noChanges } from '../../../src/reconcile/desired.js';
import { ReconcileManager } from '../../../src/reconcile/manager.js';
import { FakeSwitch } from '../../support/fakeswitch.js';
import { GOLDEN } from '../../support/flowsim-golden.js';
import { silentLogger } from '../../support/logs.js';

describe('reconcile: compiled example clouds', () => {
  for (const sc of GOLDEN) {
    for (const version of [1, 4] as const) {
      it(`${sc.name} OF${version === 4 ? '1.3' : '1.0'}: keys cleanly, installs, resyncs with zero flow-mods`, async () => {
        const res = compile(sc.model, sc.topo(version));
        const mk = () => new ReconcileManager({ logger: silentLogger() });
        const switches = [...res.switches.values()].map((sf) => new FakeSwitch(sf.dpid, sf.version));
        const desired = res.switches;
        for (const sf of res.switches.values()) {
          const k = new DesiredTables(sf.version);
          k.apply([], sf.flows, { removed: [], added: sf.groups }, { removed: [], added: sf.meters }, noChanges());
          expect(k.invalid.map((i) => i.error.message), sf.dpid).to.deep.equal([]);
          expect(k.duplicates(), sf.dpid).to.deep.equal([]);
        }
        const first = mk();
        for (const s of switches) first.connect(s);
        first.publishSets(1, desired);
        expect(await first.waitFor(1, 5000)).to.equal('realized');
        for (const s of switches) {
          expect(first.status(s.dpid).failures, s.dpid).to.deep.equal([]);
          expect(s.table().length, s.dpid).to.be.at.least(res.switches.get(s.dpid)!.flows.length);
        }
        first.close();
        const mods = switches.map((s) => s.flowMods().length);
        const second = mk();
        for (const s of switches) second.connect(s);
        second.publishSets(1, desired);
        expect(await second.waitFor(1, 5000)).to.equal('realized');
        await second.idle();
        expect(switches.map((s) => s.flowMods().length)).to.deep.equal(mods);
        second.close();
      });
    }
  }
});
