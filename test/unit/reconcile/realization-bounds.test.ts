import { expect } from 'chai';
import { RealizationTracker } from '../../../src/reconcile/realization.js';

const dpid = (i: number): string => i.toString(16).padStart(16, '0');

describe('reconcile: realization tracker bounds', () => {
  it('keeps the realized generation of a bounded number of switches that are away, forgetting the one away longest', () => {
    const t = new RealizationTracker({ keepAway: 3 });
    t.setConnected(dpid(1), true);
    t.setRealized(dpid(1), 5);
    for (let i = 100; i < 1100; i++) {
      t.setConnected(dpid(i), true);
      t.setRealized(dpid(i), 1);
      t.setConnected(dpid(i), false);
    }
    expect(t.knownSwitches).to.equal(4);
    expect(t.realizedGeneration(dpid(1))).to.equal(5);
    expect(t.realizedGeneration(dpid(1099))).to.equal(1);
    expect(t.realizedGeneration(dpid(1096))).to.equal(undefined);
    // A switch that comes back is no longer counted as away.
    t.setConnected(dpid(1097), true);
    for (let i = 2000; i < 2003; i++) t.setConnected(dpid(i), false);
    expect(t.realizedGeneration(dpid(1097))).to.equal(1);
    expect(t.realizedGeneration(dpid(1098))).to.equal(undefined);
  });
});
