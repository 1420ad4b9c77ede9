// `?wait`'s rules in the realization tracker: it waits for every connected
// switch a change touches, never for one that is not connected (listed as
// pending), answers at once when none is connected (at start-up too), and on
// a timeout names each connected switch that has not confirmed.
import { expect } from 'chai';
import { RealizationTracker, type WaitReport } from '../../../src/reconcile/realization.js';
import { FakeClock } from '../../support/fakeclock.js';

function settle(p: Promise<WaitReport>): { report?: WaitReport } {
  const box: { report?: WaitReport } = {};
  void p.then((r) => (box.report = r));
  return box;
}

describe('reconcile/realization: ?wait rules', () => {
  it('with no switch connected answers at once, listing the named switches as pending', async () => {
    const t = new RealizationTracker({ clock: new FakeClock() });
    const r = await t.waitForChange({ generation: 1, named: ['b', 'a'], timeoutMs: 1000 });
    expect(r).to.deep.equal({ outcome: 'realized', pending: ['a', 'b'], lagging: [] });
  });

  it('while publication is held at start-up, answers at once when none of the named switches is connected', async () => {
    const t = new RealizationTracker({ clock: new FakeClock() });
    t.setConnected('other', true);
    const r = await t.waitForChange({ generation: 1, named: ['a'], timeoutMs: 1000, held: () => true });
    expect(r).to.deep.equal({ outcome: 'realized', pending: ['a'], lagging: [] });
  });

  it('while held, waits for a named switch that is connected, and names it on timeout', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    t.setConnected('a', true);
    const box = settle(t.waitForChange({ generation: 3, named: ['a', 'b'], timeoutMs: 500, held: () => true }));
    await clock.advanceSettling(499);
    expect(box.report).to.equal(undefined);
    await clock.advanceSettling(1);
    expect(box.report).to.deep.equal({ outcome: 'timeout', pending: ['b'], lagging: [{ dpid: 'a', realizedGeneration: null }] });
  });

  it('once published, does not wait for an unrelated connected switch; the named one that is away is pending', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    t.setConnected('unrelated', true);
    const box = settle(t.waitForChange({ generation: 2, named: ['away'], timeoutMs: 1000 }));
    await clock.advanceSettling(0);
    expect(box.report, 'waits for the compiler to publish').to.equal(undefined);
    t.notePublished(2, []);
    await clock.advanceSettling(0);
    expect(box.report).to.deep.equal({ outcome: 'realized', pending: ['away'], lagging: [] });
  });

  it('waits for every connected touched switch; a switch that disconnects meanwhile becomes pending', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    for (const d of ['a', 'b', 'c']) t.setConnected(d, true);
    t.notePublished(5, ['a', 'b']);
    const box = settle(t.waitForChange({ generation: 5, named: ['a'], timeoutMs: 1000 }));
    t.setRealized('a', 5);
    await clock.advanceSettling(0);
    expect(box.report).to.equal(undefined);
    t.setConnected('b', false);
    await clock.advanceSettling(0);
    expect(box.report).to.deep.equal({ outcome: 'realized', pending: ['b'], lagging: [] });
  });

  it('on timeout names each lagging switch with the generation it has confirmed', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    for (const d of ['a', 'b', 'c']) t.setConnected(d, true);
    t.notePublished(1, ['a', 'b', 'c']);
    t.setRealized('a', 1);
    t.notePublished(4, ['a', 'b', 'c']);
    t.setRealized('c', 4);
    const box = settle(t.waitForChange({ generation: 4, named: [], timeoutMs: 200 }));
    await clock.advanceSettling(200);
    expect(box.report).to.deep.equal({
      outcome: 'timeout',
      pending: [],
      lagging: [
        { dpid: 'a', realizedGeneration: 1 },
        { dpid: 'b', realizedGeneration: null },
      ],
    });
  });

  it('a generation folded into a later publication is realized with that one', async () => {
    const t = new RealizationTracker({ clock: new FakeClock() });
    t.setConnected('a', true);
    t.notePublished(7, ['a']);
    t.setRealized('a', 7);
    expect((await t.waitForChange({ generation: 6, named: ['a'], timeoutMs: 10 })).outcome).to.equal('realized');
  });
});
