// The reconciler's decisions without I/O: the next step from its state, what
// it owes, the desired tables and the tables as read; its state after each
// event; and what each outcome leaves owed.
import { expect } from 'chai';
import { OFP13_VERSION } from '../../../src/openflow/wire-values.js';
import { DesiredTables, noChanges, type DesiredChanges } from '../../../src/reconcile/desired.js';
import { keyInstalled, planFlows, type DiffOptions, type InstalledTables, type PlannedChange, type PlannedObject } from '../../../src/reconcile/diff.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow } from '../../../src/reconcile/ports.js';
import type { FlowFailure } from '../../../src/reconcile/refusals.js';
import {
  bootstrapPlan,
  desiredChanged,
  hasWork,
  mergePlans,
  newPending,
  nextState,
  nextStep,
  owes,
  refusalFollowUp,
  retryAfterPass,
  settled,
  tablesRead,
  takePass,
  type Pending,
  type ReconcilerState,
  type StateEvent,
  type SwitchView,
} from '../../../src/reconcile/switch-plan.js';
import { OURS } from './flowgen.js';

const V = OFP13_VERSION;
const opts: DiffOptions = { version: V, cookies: DEFAULT_COOKIE_SPACE };

function flow(port: number, out: number, priority = 100, tableId = 0): DesiredFlow {
  return { stage: 'forward', tableId, priority, match: { inPort: port }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: out }] }], cookie: OURS };
}

function tables(flows: DesiredFlow[]): DesiredTables {
  const t = new DesiredTables(V);
  t.apply([], flows, { removed: [], added: [] }, { removed: [], added: [] }, noChanges());
  return t;
}

function installedOf(flows: DesiredFlow[]): InstalledTables {
  return { flows: keyInstalled(flows, V), groups: new Map(), meters: new Map() };
}

/** Nothing owed. */
function quiet(): Pending {
  return { read: 'none', full: false, changes: noChanges(), bootstrap: undefined, audit: undefined };
}

function changes(flows: string[] = [], groups: number[] = [], meters: number[] = []): DesiredChanges {
  return { flows: new Set(flows), groups: new Set(groups), meters: new Set(meters) };
}

/** A switch in sync at generation 3: desired and installed hold the same flow, nothing owed. */
function inSync(over: Partial<SwitchView> = {}): SwitchView {
  return { state: 'idle', pending: quiet(), desired: tables([flow(1, 1)]), installed: installedOf([flow(1, 1)]), desiredGeneration: 3, realized: 3, ...over };
}

const STATES: ReconcilerState[] = ['reading', 'running', 'idle', 'standby', 'disconnected', 'stopped'];

describe('reconcile/switch-plan: the next step', () => {
  it('a new reconciler reads the tables first (on connect), whatever else it holds', () => {
    const p = newPending();
    expect(p.read).to.equal('connect');
    expect(nextStep({ state: 'reading', pending: p, desired: undefined, installed: undefined, desiredGeneration: -1, realized: undefined })).to.deep.equal({ do: 'read', reason: 'connect' });
    expect(nextStep(inSync({ pending: { ...quiet(), read: 'connect', full: true } }))).to.deep.equal({ do: 'read', reason: 'connect' });
  });

  it('an owed read comes before a bootstrap, a pass, or waiting, with its reason', () => {
    for (const reason of ['connect', 'audit', 'recover'] as const) {
      expect(nextStep(inSync({ pending: { ...quiet(), read: reason, changes: changes(['k']) } }))).to.deep.equal({ do: 'read', reason });
      expect(nextStep(inSync({ desired: undefined, pending: { ...quiet(), read: reason, bootstrap: tables([flow(1, 1)]) } }))).to.deep.equal({ do: 'read', reason });
    }
  });

  it('in standby, disconnected or stopped nothing is done, whatever is owed', () => {
    for (const state of ['standby', 'disconnected', 'stopped'] as const) {
      expect(nextStep(inSync({ state, pending: newPending() })), state).to.deep.equal({ do: 'rest' });
      expect(nextStep(inSync({ state, pending: { ...quiet(), full: true } })), state).to.deep.equal({ do: 'rest' });
      expect(nextStep(inSync({ state, desiredGeneration: 4 })), state).to.deep.equal({ do: 'rest' });
    }
  });

  it('rests when nothing is owed and the newest generation is confirmed, in every working state', () => {
    for (const state of ['reading', 'running', 'idle'] as const) expect(nextStep(inSync({ state })), state).to.deep.equal({ do: 'rest' });
    // No desired state: an unconfirmed generation owes nothing.
    expect(nextStep(inSync({ desired: undefined, desiredGeneration: 7, realized: undefined }))).to.deep.equal({ do: 'rest' });
  });

  it('without a desired state, adds the bootstrap once the tables are read, else waits', () => {
    const boot = tables([flow(1, 1)]);
    expect(nextStep(inSync({ desired: undefined, pending: { ...quiet(), full: true, bootstrap: boot } }))).to.deep.equal({ do: 'bootstrap', tables: boot });
    expect(nextStep(inSync({ desired: undefined, installed: undefined, pending: { ...quiet(), bootstrap: boot } }))).to.deep.equal({ do: 'wait' });
    // Read, but nothing to add and no desired state: the table is not touched.
    expect(nextStep(inSync({ desired: undefined, pending: { ...quiet(), full: true } }))).to.deep.equal({ do: 'wait' });
    expect(nextStep(inSync({ desired: undefined, pending: { ...quiet(), changes: changes([], [5]) } }))).to.deep.equal({ do: 'wait' });
  });

  it('with a desired state but no tables read, waits', () => {
    expect(nextStep(inSync({ installed: undefined, pending: { ...quiet(), full: true } }))).to.deep.equal({ do: 'wait' });
  });

  it('a desired state supersedes a bootstrap: a pass, not a bootstrap', () => {
    const step = nextStep(inSync({ pending: { ...quiet(), full: true, bootstrap: tables([flow(1, 1)]) } }));
    expect(step).to.deep.equal({ do: 'pass', generation: 3, scope: 'all' });
  });

  it('a pass over everything after a read or a whole new set, over the touched keys after a delta, for the newest generation', () => {
    expect(nextStep(inSync({ desiredGeneration: 5, pending: { ...quiet(), full: true, changes: changes(['a']) } }))).to.deep.equal({ do: 'pass', generation: 5, scope: 'all' });
    const c = changes(['a'], [1], [2]);
    const step = nextStep(inSync({ desiredGeneration: 5, pending: { ...quiet(), changes: c } }));
    expect(step).to.deep.equal({ do: 'pass', generation: 5, scope: c });
    expect((step as { scope: unknown }).scope).to.equal(c);
    for (const only of [changes(['a']), changes([], [1]), changes([], [], [2])]) expect(nextStep(inSync({ pending: { ...quiet(), changes: only } })).do).to.equal('pass');
  });

  it('a generation not yet confirmed is owed a pass even when no key changed (it is then confirmed with nothing sent)', () => {
    expect(nextStep(inSync({ desiredGeneration: 4 }))).to.deep.equal({ do: 'pass', generation: 4, scope: noChanges() });
    expect(nextStep(inSync({ realized: undefined }))).to.deep.equal({ do: 'pass', generation: 3, scope: noChanges() });
  });

  it('does not change what it looks at', () => {
    const v = inSync({ pending: { ...quiet(), full: true, changes: changes(['a']), read: 'audit' } });
    const before = JSON.stringify({ ...v.pending, changes: [...v.pending.changes.flows] });
    nextStep(v);
    expect(JSON.stringify({ ...v.pending, changes: [...v.pending.changes.flows] })).to.equal(before);
  });
});

describe('reconcile/switch-plan: work owed', () => {
  it('hasWork: each item of pending work counts, and nothing else', () => {
    expect(hasWork(quiet())).to.equal(false);
    expect(hasWork(newPending())).to.equal(true);
    expect(hasWork({ ...quiet(), read: 'audit' })).to.equal(true);
    expect(hasWork({ ...quiet(), full: true })).to.equal(true);
    expect(hasWork({ ...quiet(), bootstrap: tables([]) })).to.equal(true);
    expect(hasWork({ ...quiet(), changes: changes(['k']) })).to.equal(true);
    expect(hasWork({ ...quiet(), changes: changes([], [1]) })).to.equal(true);
    expect(hasWork({ ...quiet(), changes: changes([], [], [1]) })).to.equal(true);
    expect(hasWork({ ...quiet(), audit: { drift: undefined } }), 'an audit is reported by a pass, even one with nothing to compare').to.equal(true);
  });

  it('owes: work, or a generation of a known desired state not confirmed', () => {
    expect(owes(inSync())).to.equal(false);
    expect(owes(inSync({ pending: { ...quiet(), full: true } }))).to.equal(true);
    expect(owes(inSync({ desiredGeneration: 4 }))).to.equal(true);
    expect(owes(inSync({ realized: undefined, desiredGeneration: 0 }))).to.equal(true);
    expect(owes(inSync({ desired: undefined, desiredGeneration: 4 }))).to.equal(false);
  });

  it('settled (a generation that does not touch the switch is realized at once) only when idle, not busy, with a desired state, nothing owed and the newest generation confirmed', () => {
    expect(settled(inSync(), false)).to.equal(true);
    expect(settled(inSync(), true), 'a pass running or starting').to.equal(false);
    for (const state of STATES.filter((s) => s !== 'idle')) expect(settled(inSync({ state }), false), state).to.equal(false);
    expect(settled(inSync({ desired: undefined }), false)).to.equal(false);
    expect(settled(inSync({ pending: { ...quiet(), read: 'audit' } }), false)).to.equal(false);
    expect(settled(inSync({ pending: { ...quiet(), changes: changes(['k']) } }), false)).to.equal(false);
    expect(settled(inSync({ desiredGeneration: 4 }), false)).to.equal(false);
    expect(settled(inSync({ realized: undefined }), false)).to.equal(false);
  });

  it('a whole new desired set owes a full comparison, a delta its keys (merged with those owed); either drops the bootstrap', () => {
    const p: Pending = { ...quiet(), bootstrap: tables([flow(1, 1)]), changes: changes(['a'], [1]) };
    desiredChanged(p, changes(['b'], [2], [3]));
    expect(p.bootstrap).to.equal(undefined);
    expect(p.full).to.equal(false);
    expect([...p.changes.flows].sort()).to.deep.equal(['a', 'b']);
    expect([...p.changes.groups].sort()).to.deep.equal([1, 2]);
    expect([...p.changes.meters]).to.deep.equal([3]);
    const q: Pending = { ...quiet(), bootstrap: tables([flow(1, 1)]) };
    desiredChanged(q, 'all');
    expect(q).to.deep.include({ full: true, bootstrap: undefined });
    expect(q.changes.flows.size).to.equal(0);
  });

  it('a read clears the read owed and owes a full comparison; an audit read carries its drift to the next pass, any other read clears it', () => {
    const drift = { missing: ['m'], unexpected: [], changed: [], objects: ['group 1'], foreign: [] };
    const p: Pending = { ...quiet(), read: 'audit' };
    tablesRead(p, { drift });
    expect(p).to.deep.include({ read: 'none', full: true, audit: { drift } });
    tablesRead(p, undefined);
    expect(p.audit).to.equal(undefined);
    expect(p.full).to.equal(true);
  });

  it('an audit that found the flows as installed owes only the slots that moved, beside what was owed already', () => {
    const clean = { missing: [], unexpected: [], changed: [], objects: [], foreign: [] };
    const p: Pending = { ...quiet(), read: 'audit', changes: changes(['owed']) };
    tablesRead(p, { drift: clean });
    expect(p).to.deep.include({ read: 'none', full: false });
    expect([...p.changes.flows]).to.deep.equal(['owed']);
    const moved = { missing: ['m'], unexpected: ['u'], changed: ['c'], objects: [], foreign: ['f'] };
    const q: Pending = { ...quiet(), read: 'audit' };
    tablesRead(q, { drift: moved });
    expect(q.full).to.equal(false);
    expect([...q.changes.flows].sort()).to.deep.equal(['c', 'f', 'm', 'u']);
    // Nothing installed to compare with (the audit came first): everything is compared.
    const r: Pending = { ...quiet(), read: 'audit' };
    tablesRead(r, { drift: undefined });
    expect(r.full).to.equal(true);
  });

  it('a pass takes everything owed to it; what arrives afterwards is owed to the next', () => {
    const c = changes(['a'], [1], [2]);
    const p: Pending = { ...quiet(), changes: c, audit: { drift: undefined } };
    const taken = takePass(p);
    expect(taken.scope).to.equal(c);
    expect(taken.audit).to.deep.equal({ drift: undefined });
    expect(p).to.deep.include({ full: false, audit: undefined });
    expect(hasWork(p)).to.equal(false);
    desiredChanged(p, changes(['b']));
    expect([...c.flows], 'the taken scope is not touched by later changes').to.deep.equal(['a']);
    const q: Pending = { ...quiet(), full: true, changes: changes(['x']) };
    expect(takePass(q).scope).to.equal('all');
    expect(hasWork(q), 'a full comparison covers the keys too').to.equal(false);
    const r: Pending = { ...quiet(), read: 'recover', bootstrap: tables([]) };
    takePass(r);
    expect(r.read, 'a pass does not take a read or a bootstrap').to.equal('recover');
    expect(r.bootstrap).to.not.equal(undefined);
  });
});

describe('reconcile/switch-plan: refusals and retries', () => {
  const failure: FlowFailure = { key: 'k', kind: 'add', errType: 5, code: 2, attempts: 1, gaveUp: false };

  it('an unsupported meter: tried again (its flows, without it) in a full comparison', () => {
    const p = quiet();
    expect(refusalFollowUp(p, { kind: 'meterUnsupported' })).to.equal(true);
    expect(p).to.deep.include({ full: true, read: 'none' });
  });

  it('given up (too many attempts, or a full table): not tried again, nothing owed', () => {
    const p = quiet();
    expect(refusalFollowUp(p, { kind: 'gaveUp', failure: { ...failure, gaveUp: true } })).to.equal(false);
    expect(refusalFollowUp(p, { kind: 'gaveUp', failure: { ...failure, gaveUp: true, tableFull: true } })).to.equal(false);
    expect(hasWork(p)).to.equal(false);
  });

  it('a retry; a stale picture of groups or meters owes a read first, without replacing a read already owed', () => {
    const p = quiet();
    expect(refusalFollowUp(p, { kind: 'retry', reread: false, failure })).to.equal(true);
    expect(hasWork(p), 'the retry itself is queued after the pass').to.equal(false);
    expect(refusalFollowUp(p, { kind: 'retry', reread: true, failure })).to.equal(true);
    expect(p.read).to.equal('recover');
    const q: Pending = { ...quiet(), read: 'audit' };
    refusalFollowUp(q, { kind: 'retry', reread: true, failure });
    expect(q.read).to.equal('audit');
  });

  it('after a pass with retries: refused flows owe their keys, a refused group or meter a full comparison, flows let in again their keys', () => {
    const plan = planFlows(tables([flow(1, 1), flow(2, 2)]), installedOf([]), opts);
    const p = quiet();
    retryAfterPass(p, [plan.changes[0]!], ['again']);
    expect([...p.changes.flows].sort()).to.deep.equal([plan.changes[0]!.key, 'again'].sort());
    expect(p.full).to.equal(false);
    const group: PlannedObject = { kind: 'add', key: 'group:1', command: { type: 'groupMod', command: 'add', groupType: 'all', groupId: 1, buckets: [] } } as unknown as PlannedObject;
    retryAfterPass(p, [group], []);
    expect(p.full).to.equal(true);
  });
});

describe('reconcile/switch-plan: the state after each event', () => {
  const cases: [ReconcilerState, StateEvent, ReconcilerState][] = [];
  const steps = { read: 'reading', bootstrap: 'running', pass: 'running' } as const;
  for (const s of STATES) {
    const gone = s === 'stopped' || s === 'disconnected';
    for (const [step, to] of Object.entries(steps)) cases.push([s, { on: 'step', step: step as keyof typeof steps }, gone ? s : to]);
    cases.push([s, { on: 'step', step: 'wait' }, s]);
    cases.push([s, { on: 'step', step: 'rest' }, s]);
    cases.push([s, { on: 'lost', reason: 'notMaster' }, gone ? s : 'standby']);
    cases.push([s, { on: 'lost', reason: 'disconnected' }, gone ? s : 'disconnected']);
    cases.push([s, { on: 'lost', reason: 'timeout' }, s]);
    cases.push([s, { on: 'passesEnded' }, gone || s === 'standby' ? s : 'idle']);
    cases.push([s, { on: 'resume' }, s === 'standby' ? 'idle' : s]);
    cases.push([s, { on: 'stop' }, 'stopped']);
  }
  for (const [from, e, to] of cases) {
    it(`${from} --${e.on}${'step' in e ? ':' + e.step : 'reason' in e ? ':' + e.reason : ''}--> ${to}`, () => {
      expect(nextState(from, e)).to.equal(to);
    });
  }
});

describe('reconcile/switch-plan: plans', () => {
  it('a bootstrap only adds what is missing: a changed or extra flow on the switch is left as it is', () => {
    const boot = tables([flow(1, 1), flow(2, 2), flow(3, 3)]);
    const installed = installedOf([flow(1, 1), flow(2, 9), flow(4, 4)]);
    const plan = bootstrapPlan(boot, installed, opts);
    expect(plan.changes.map((c) => `${c.kind}:${c.flow.match.inPort}`)).to.deep.equal(['add:3']);
    expect(plan.objects.after).to.deep.equal([]);
    // The same tables as a desired state would modify and delete.
    expect(planFlows(boot, installed, opts).changes.map((c) => c.kind).sort()).to.deep.equal(['add', 'delete', 'modify']);
  });

  it('slices of a full comparison merge into the order of one plan over every key', () => {
    const desired = tables([flow(1, 1, 10, 0), flow(2, 2, 20, 1), flow(3, 3, 30, 0), flow(4, 4, 40, 2), flow(6, 7, 5, 1)]);
    const installed = installedOf([flow(5, 5, 15, 0), flow(6, 6, 5, 1), flow(7, 7, 25, 2), flow(8, 8, 35, 1)]);
    const whole = planFlows(desired, installed, opts);
    const keys = [...new Set([...desired.keys(), ...installed.flows.keys()])];
    const parts = [keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)].map((part) => planFlows(desired, installed, opts, { flows: new Set(part), groups: new Set(), meters: new Set() }));
    const key = (c: PlannedChange): string => `${c.kind}:${c.key}`;
    expect(whole.changes.map((c) => c.kind).sort()).to.deep.equal([...Array(4).fill('add'), ...Array(3).fill('delete'), 'modify']);
    expect(mergePlans(parts).changes.map(key)).to.deep.equal(whole.changes.map(key));
  });
});
