// The realization tracker answers a `?wait` from an index of the switches
// each waiter still waits for, not by looking at every waiter on every
// confirmation. Checked here against the rule written out plainly: after any
// sequence of publications, confirmations, connects and disconnects, a
// waiter is answered 'realized' exactly when the rule first holds, and a
// confirmation only looks at the waiters of its own switch.
import { expect } from 'chai';
import fc from 'fast-check';
import { RealizationTracker, type WaitReport } from '../../../src/reconcile/realization.js';
import { countCalls } from '../../support/count-calls.js';
import { FakeClock } from '../../support/fakeclock.js';

const SWITCHES = ['s1', 's2', 's3', 's4', 's5'];

type Op =
  | { kind: 'publish'; bump: boolean; dpids: string[] }
  | { kind: 'realize'; dpid: string }
  | { kind: 'connect'; dpid: string; up: boolean }
  | { kind: 'wait'; ahead: number; named: string[] };

const dpid = fc.constantFrom(...SWITCHES);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), bump: fc.boolean(), dpids: fc.uniqueArray(dpid, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant('realize' as const), dpid }),
  fc.record({ kind: fc.constant('connect' as const), dpid, up: fc.boolean() }),
  fc.record({ kind: fc.constant('wait' as const), ahead: fc.integer({ min: 0, max: 2 }), named: fc.uniqueArray(dpid, { maxLength: 2 }) }),
);

/** The rule as the API documents it, computed from scratch. */
class Rule {
  published = -1;
  readonly touched = new Map<number, Set<string>>();
  readonly realized = new Map<string, number>();
  readonly connected = new Set<string>();

  /** The switches a change names only make it pending, never waited for: the rule reads its generation alone. */
  holds(generation: number): boolean {
    if (generation > this.published) return this.connected.size === 0;
    const carrier = Math.min(...[...this.touched.keys()].filter((g) => g >= generation));
    return [...this.touched.get(carrier)!].every((d) => !this.connected.has(d) || (this.realized.get(d) ?? -1) >= carrier);
  }
}

describe('reconcile/realization: the ?wait index', () => {
  it('answers each waiter exactly when the rule first holds, over random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
        const clock = new FakeClock();
        const t = new RealizationTracker({ clock });
        const rule = new Rule();
        let generation = 0;
        const open: { generation: number; named: string[]; report?: WaitReport }[] = [];
        for (const o of ops) {
          if (o.kind === 'publish') {
            if (o.bump || rule.published < 0) generation++;
            const set = rule.touched.get(generation) ?? new Set<string>();
            for (const d of o.dpids) set.add(d);
            rule.touched.set(generation, set);
            rule.published = generation;
            t.notePublished(generation, o.dpids);
          } else if (o.kind === 'realize') {
            if (rule.published < 0 || (rule.realized.get(o.dpid) ?? -1) >= rule.published) continue;
            rule.realized.set(o.dpid, rule.published);
            t.setRealized(o.dpid, rule.published);
          } else if (o.kind === 'connect') {
            if (o.up) rule.connected.add(o.dpid);
            else rule.connected.delete(o.dpid);
            t.setConnected(o.dpid, o.up);
          } else {
            const w: (typeof open)[number] = { generation: Math.max(1, rule.published + o.ahead), named: o.named };
            void t.waitForChange({ generation: w.generation, named: o.named, timeoutMs: 1_000_000 }).then((r) => (w.report = r));
            open.push(w);
          }
          await clock.advanceSettling(0);
          for (const w of open) {
            if (w.report) continue;
            expect(rule.holds(w.generation), `waiter for ${w.generation} unanswered after ${JSON.stringify(o)}`).to.equal(false);
          }
          for (let i = open.length - 1; i >= 0; i--) {
            const w = open[i]!;
            if (!w.report) continue;
            expect(w.report.outcome).to.equal('realized');
            expect(rule.holds(w.generation), `waiter for ${w.generation} answered after ${JSON.stringify(o)}`).to.equal(true);
            open.splice(i, 1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a confirmation looks only at the waiters of its switch', async () => {
    const clock = new FakeClock();
    const t = new RealizationTracker({ clock });
    for (let i = 0; i < 200; i++) t.setConnected(`s${i}`, true);
    for (let g = 1; g <= 200; g++) t.notePublished(g, [`s${g - 1}`]);
    const answered: number[] = [];
    for (let g = 1; g <= 200; g++) void t.waitForChange({ generation: g, named: [], timeoutMs: 60_000 }).then(() => answered.push(g));
    // Spy on how often a waiter's state is worked out from scratch.
    const evaluated = countCalls(t, 'changeState');
    for (let g = 1; g <= 200; g++) t.setRealized(`s${g - 1}`, g);
    await clock.advanceSettling(0);
    expect(answered).to.have.length(200);
    // One evaluation per answered waiter; a scan of every waiter per confirmation would be 20,100.
    expect(evaluated.count).to.equal(200);
  });
});
