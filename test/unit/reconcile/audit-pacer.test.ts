// The audit pacer on its own: one audit at a time however long one takes,
// the gap after each from the flows it read, and nothing left armed once the
// last switch is gone.
import { expect } from 'chai';
import { AuditPacer } from '../../../src/reconcile/audit-pacer.js';
import { FakeClock, settle } from '../../support/fakeclock.js';

describe('reconcile/audit-pacer', () => {
  it('an audit that takes long holds the next one back until it is done, then waits its gap', async () => {
    const clock = new FakeClock();
    const pacer = new AuditPacer({ intervalMs: 4000, flowsPerSecond: 1000, clock });
    const started: string[] = [];
    let finishSlow: () => void = () => undefined;
    pacer.add('a', { flows: () => 3000, audit: () => (started.push('a'), new Promise<void>((r) => (finishSlow = r))) });
    pacer.add('b', { flows: () => 10, audit: async () => void started.push('b') });
    await clock.advanceSettling(4000);
    expect(started).to.deep.equal(['a']);
    // a is still being read a minute later: b waits.
    await clock.advanceSettling(60_000);
    expect(started).to.deep.equal(['a']);
    finishSlow();
    await settle();
    // 3,000 flows at 1,000 a second: 3 s, longer than 4 s / 2 switches.
    await clock.advanceSettling(2999);
    expect(started).to.deep.equal(['a']);
    await clock.advanceSettling(1);
    expect(started).to.deep.equal(['a', 'b']);
    pacer.stop();
  });

  it('spreads a round of 100 switches that connected together over the interval', async () => {
    const clock = new FakeClock();
    const pacer = new AuditPacer({ intervalMs: 60_000, flowsPerSecond: 2000, clock });
    const at: number[] = [];
    for (let i = 0; i < 100; i++) pacer.add(`s${i}`, { flows: () => 100, audit: async () => void at.push(clock.now()) });
    await clock.advanceSettling(60_000 + 100 * 600);
    // The first a whole interval after the first switch came, then one every 600 ms (60 s / 100).
    expect(at).to.have.length(101);
    expect(at[0]).to.equal(60_000);
    expect(new Set(at.slice(1).map((t, i) => t - at[i]!))).to.deep.equal(new Set([600]));
    pacer.stop();
  });

  it('an audit that fails does not end the rounds', async () => {
    const clock = new FakeClock();
    const pacer = new AuditPacer({ intervalMs: 1000, flowsPerSecond: 1000, clock });
    const started: string[] = [];
    pacer.add('a', { flows: () => 1, audit: () => (started.push('a'), Promise.reject(new Error('read failed'))) });
    pacer.add('b', { flows: () => 1, audit: async () => void started.push('b') });
    await clock.advanceSettling(1000 + 500 + 500);
    expect(started).to.deep.equal(['a', 'b', 'a']);
    pacer.stop();
  });

  it('leaves no timer armed once the last switch left', async () => {
    const clock = new FakeClock();
    const pacer = new AuditPacer({ intervalMs: 1000, flowsPerSecond: 1000, clock });
    pacer.add('a', { flows: () => 1, audit: async () => undefined });
    expect(clock.pending).to.equal(1);
    pacer.remove('a');
    expect(clock.pending).to.equal(0);
    pacer.remove('a');
  });
});
