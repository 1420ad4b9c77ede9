// One switch's reconcile state and the decisions taken on it, without I/O:
// what the reconciler is doing (`ReconcilerState`), what it still owes the
// switch (`Pending`), and, from those, the desired tables and the tables as
// last read, what it does next (`nextStep`). switch-reconciler.ts does the
// I/O each step names (reads, flow-mods and barriers, bundles) and feeds what
// came back through the functions here.
import { noChanges, type DesiredChanges, type DesiredTables } from './desired.js';
import { planFlows, type DiffOptions, type Drift, type FlowPlan, type InstalledTables, type PlannedChange, type PlannedObject, type PlanScope } from './diff.js';
import type { RefusalOutcome } from './refusals.js';

/**
 * reading: the switch's tables are being read; running: a pass is under way;
 * idle: nothing owed; standby: another controller is the switch's master, so
 * work waits for resume(); disconnected: the session went (a new reconciler
 * takes the next one); stopped: closed on purpose.
 */
export type ReconcilerState = 'reading' | 'running' | 'idle' | 'standby' | 'disconnected' | 'stopped';

/** Why the tables are to be read: on connect, for an audit, or after a batch whose outcome is unknown (or a stale picture). */
export type ReadReason = 'connect' | 'audit' | 'recover';

/** What the reconciler still owes the switch. */
export interface Pending {
  /** Read the tables before anything else. */
  read: ReadReason | 'none';
  /** Compare everything (after a read, or a whole new desired set). */
  full: boolean;
  /** Keys, groups and meters that desired-state changes (and retries) touched since the last pass. */
  changes: DesiredChanges;
  /** Flows (and meters) to add where missing while the desired state is not known yet. */
  bootstrap: DesiredTables | undefined;
  /** The last read was an audit: the next pass reports its drift (absent when there was nothing installed to compare with). */
  audit: { drift: Drift | undefined } | undefined;
}

/** What the decisions look at. */
export interface SwitchView {
  state: ReconcilerState;
  pending: Readonly<Pending>;
  desired: DesiredTables | undefined;
  installed: InstalledTables | undefined;
  /** The newest generation handed over (whether or not it changed this switch). */
  desiredGeneration: number;
  /** The newest generation the switch confirmed. */
  realized: number | undefined;
}

/**
 * What to do next. read: read the tables (an audit compares them with what
 * was installed); bootstrap: add the bootstrap flows the switch lacks; pass:
 * plan `scope` of the desired state against the tables and send it, for
 * `generation`; wait: work is owed but cannot be done until a desired state
 * comes (audits waiting get no pass); rest: nothing owed, or no work is done
 * in this state.
 */
export type Step =
  | { do: 'read'; reason: ReadReason }
  | { do: 'bootstrap'; tables: DesiredTables }
  | { do: 'pass'; generation: number; scope: PlanScope }
  | { do: 'wait' }
  | { do: 'rest' };

/** What changes a reconciler's state. */
export type StateEvent =
  | { on: 'step'; step: Step['do'] }
  | { on: 'lost'; reason: string }
  | { on: 'passesEnded' }
  | { on: 'resume' }
  | { on: 'stop' };

/** A reconciler starts owing a read of the tables and a full comparison. */
export function newPending(): Pending {
  return { read: 'connect', full: true, changes: noChanges(), bootstrap: undefined, audit: undefined };
}

/** Work the switch is owed: a read, a bootstrap, a comparison, changed keys, or an audit's pass (which reports it, even with nothing to compare). */
export function hasWork(p: Readonly<Pending>): boolean {
  const c = p.changes;
  return p.read !== 'none' || p.bootstrap !== undefined || p.full || p.audit !== undefined || c.flows.size > 0 || c.groups.size > 0 || c.meters.size > 0;
}

/** Work, or a generation of a known desired state not yet confirmed. */
export function owes(v: SwitchView): boolean {
  return hasWork(v.pending) || (v.desired !== undefined && v.desiredGeneration > (v.realized ?? -1));
}

/** No pass can run in these states. */
function halted(s: ReconcilerState): boolean {
  return s === 'stopped' || s === 'disconnected' || s === 'standby';
}

/**
 * The switch holds the desired state as of the newest generation and nothing
 * is owed: a generation that does not touch this switch is realized at once,
 * without a pass. `busy`: a pass is under way or about to start.
 */
export function settled(v: SwitchView, busy: boolean): boolean {
  return !busy && v.state === 'idle' && v.desired !== undefined && !hasWork(v.pending) && v.realized === v.desiredGeneration;
}

/** The plan step: what the reconciler does next, from its state, what it owes, the desired tables and the tables as read. */
export function nextStep(v: SwitchView): Step {
  if (halted(v.state) || !owes(v)) return { do: 'rest' };
  const p = v.pending;
  if (p.read !== 'none') return { do: 'read', reason: p.read };
  // Until the compiler has spoken for this switch its tables are only read
  // (reconciling against nothing would delete every Spotlight flow on it),
  // except for the bootstrap flows, which are only added.
  if (v.desired === undefined) return v.installed !== undefined && p.bootstrap !== undefined ? { do: 'bootstrap', tables: p.bootstrap } : { do: 'wait' };
  if (v.installed === undefined) return { do: 'wait' };
  return { do: 'pass', generation: v.desiredGeneration, scope: p.full ? 'all' : p.changes };
}

/** The state after an event. */
export function nextState(s: ReconcilerState, e: StateEvent): ReconcilerState {
  if (e.on === 'stop') return 'stopped';
  if (s === 'stopped' || s === 'disconnected') return s;
  switch (e.on) {
    case 'step':
      return e.step === 'read' ? 'reading' : e.step === 'bootstrap' || e.step === 'pass' ? 'running' : s;
    case 'lost':
      // Another controller is master: work waits for resume(). Any other failure is retried in this state.
      return e.reason === 'notMaster' ? 'standby' : e.reason === 'disconnected' ? 'disconnected' : s;
    case 'passesEnded':
      return s === 'standby' ? s : 'idle';
    case 'resume':
      return s === 'standby' ? 'idle' : s;
  }
}

/** A desired state was handed over: `all` (a whole new set) owes a full comparison, a delta its keys. It supersedes any bootstrap. */
export function desiredChanged(p: Pending, changed: PlanScope): void {
  p.bootstrap = undefined;
  if (changed === 'all') {
    p.full = true;
    return;
  }
  for (const k of changed.flows) p.changes.flows.add(k);
  for (const g of changed.groups) p.changes.groups.add(g);
  for (const m of changed.meters) p.changes.meters.add(m);
}

/**
 * The tables were read, and an audit's drift is reported by the next pass.
 * After an audit that found the flows where this reconciler put them, the
 * next pass compares only the slots that moved (and what else was owed): the
 * rest of the table is as installed, and installed was the desired state
 * (less what is owed). Any other read, or groups or meters that moved, owes a
 * full comparison.
 */
export function tablesRead(p: Pending, audit: { drift: Drift | undefined } | undefined): void {
  p.read = 'none';
  p.audit = audit;
  const drift = audit?.drift;
  if (drift === undefined || drift.objects.length > 0) {
    p.full = true;
    return;
  }
  for (const keys of [drift.missing, drift.unexpected, drift.changed, drift.foreign]) for (const k of keys) p.changes.flows.add(k);
}

/** A pass takes what is owed (and the audit to report); what arrives meanwhile is owed to the next one. */
export function takePass(p: Pending): { scope: PlanScope; audit: { drift: Drift | undefined } | undefined } {
  const taken = { scope: p.full ? ('all' as const) : p.changes, audit: p.audit };
  p.full = false;
  p.changes = noChanges();
  p.audit = undefined;
  return taken;
}

/** A command the switch refused: true when it is tried again in another pass; what that pass must do first is owed. */
export function refusalFollowUp(p: Pending, outcome: RefusalOutcome): boolean {
  if (outcome.kind === 'meterUnsupported') {
    // The flows that name the meter are sent again, without it.
    p.full = true;
    return true;
  }
  if (outcome.kind === 'gaveUp') return false;
  // The switch holds other groups or meters than believed: read them before the next pass.
  if (outcome.reread && p.read === 'none') p.read = 'recover';
  return true;
}

/** After a pass that left something to retry: the refused commands, and the flows let in again (`again`), are owed to the next pass. */
export function retryAfterPass(p: Pending, refused: readonly (PlannedChange | PlannedObject)[], again: readonly string[]): void {
  for (const key of again) p.changes.flows.add(key);
  for (const c of refused) {
    if ('flow' in c) p.changes.flows.add(c.key);
    else p.full = true;
  }
}

/** The bootstrap flows and meters the switch lacks, as adds; nothing is modified or removed. */
export function bootstrapPlan(tables: DesiredTables, installed: InstalledTables, opts: DiffOptions): FlowPlan {
  const plan = planFlows(tables, installed, opts);
  return { ...plan, changes: plan.changes.filter((c) => c.kind === 'add'), objects: { before: plan.objects.before.filter((o) => o.kind === 'add'), after: [] } };
}

/** Plans of slices of one full comparison as one plan, in the order one plan over every key would have. */
export function mergePlans(parts: FlowPlan[]): FlowPlan {
  const tableOrder = (a: PlannedChange, b: PlannedChange): number => {
    const rank = (c: PlannedChange): number => (c.kind === 'add' ? 0 : c.kind === 'delete' ? 2 : 1);
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (rank(a) === 2) return a.flow.tableId - b.flow.tableId || a.flow.priority - b.flow.priority || (a.key < b.key ? -1 : 1);
    return b.flow.tableId - a.flow.tableId || b.flow.priority - a.flow.priority || (a.key < b.key ? -1 : 1);
  };
  return {
    changes: parts.flatMap((p) => p.changes).sort(tableOrder),
    objects: { before: parts.flatMap((p) => p.objects.before), after: parts.flatMap((p) => p.objects.after) },
    conflicts: parts.flatMap((p) => p.conflicts),
    invalid: parts[0]?.invalid ?? [],
    duplicates: parts[0]?.duplicates ?? [],
  };
}
