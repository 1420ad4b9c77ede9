// One switch: brings it to the desired state with the smallest ordered set of
// commands, confirmed by a barrier (or an atomic bundle). What it is doing and
// what it still owes are explicit (switch-plan.ts: `ReconcilerState`,
// `Pending`), and what it does next is decided there, without I/O; this file
// does the I/O each step names: reads the tables, sends the plan, keeps what
// the switch confirmed. Work is serialised per switch and bursts of changes
// are coalesced. The table is read, never cleared, on connect, so a
// controller restart changes nothing that is right; after that, a change costs
// the keys it touched, not the whole table.
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { Logger } from '../log.js';
import { OFP13_VERSION } from '../openflow/wire-values.js';
import { canonicalInstructions } from './action-key.js';
import { DesiredTables, noChanges } from './desired.js';
import { driftOf, keyInstalled, leanFlow, planFlows, type Drift, type FlowPlan, type InstalledFlow, type InstalledTables, type PlannedChange, type PlannedObject, type PlanScope } from './diff.js';
import { DEFAULT_COOKIE_SPACE, type ApplyResult, type CookieSpace, type DesiredFlow, type DesiredGroup, type DesiredMeter, type ReconcileSettings, type SwitchCommand, type SwitchSession } from './ports.js';
import { Refusals, type FlowFailure } from './refusals.js';
import {
  bootstrapPlan,
  desiredChanged,
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
  type ReconcilerState,
  type StateEvent,
  type SwitchView,
} from './switch-plan.js';

export type { ReconcilerState } from './switch-plan.js';

export interface SwitchReconcilerOptions extends ReconcileSettings {
  session: SwitchSession;
  onRealized?: (dpid: string, generation: number) => void;
}

export interface PassReport {
  generation: number;
  adds: number;
  modifies: number;
  deletes: number;
  errors: number;
  conflicts: number;
  /** Slots compared with the desired state: all of them on a full comparison, only those owed otherwise. */
  compared: number;
}

/** A full comparison of this many keys is cut into slices, the event loop served between them. */
const SLICE = 2000;

export class SwitchReconciler {
  readonly dpid: string;
  private readonly session: SwitchSession;
  private readonly log: Logger;
  private readonly cookies: CookieSpace;
  private readonly clock: Clock;
  private readonly opts: SwitchReconcilerOptions;
  private desired: DesiredTables | undefined;
  private desiredGeneration = -1;
  /** The tables as last read, updated with what the switch confirmed since; absent until read and once an outcome is unknown. */
  private installed: InstalledTables | undefined;
  private realized: number | undefined;
  private stateValue: ReconcilerState = 'reading';
  private readonly pending = newPending();
  private readonly refusals: Refusals;
  /** Passes run here one at a time; absent when none is running. */
  private loop: Promise<void> | undefined;
  private coalesceTimer: TimerHandle | undefined;
  /** False once the switch refused to open a bundle: not asked again. */
  private bundlesUsable: boolean;
  /** Conflicting slots already logged. */
  private conflictKeys = new Set<string>();
  private auditWaiters: ((r: PassReport | undefined) => void)[] = [];
  readonly passes: PassReport[] = [];

  constructor(opts: SwitchReconcilerOptions) {
    this.opts = opts;
    this.session = opts.session;
    this.dpid = opts.session.dpid;
    this.cookies = opts.cookies ?? DEFAULT_COOKIE_SPACE;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'reconcile', dpid: this.dpid });
    this.bundlesUsable = (opts.useBundles ?? true) && opts.session.version === OFP13_VERSION;
    this.refusals = new Refusals(opts.maxAttempts ?? 3);
  }

  get version(): SwitchSession['version'] {
    return this.session.version;
  }

  get state(): ReconcilerState {
    return this.stateValue;
  }

  get realizedGeneration(): number | undefined {
    return this.realized;
  }

  get installedCount(): number {
    return this.installed?.flows.size ?? 0;
  }

  flowFailures(): FlowFailure[] {
    return this.refusals.list();
  }

  /** Read the tables and start reconciling (once desired state is known). */
  start(): void {
    this.pending.read = 'connect';
    this.kick(0);
  }

  /** A whole new desired state as of `generation` (tests, and a switch seen for the first time). */
  setDesired(generation: number, flows: readonly DesiredFlow[], groups: readonly DesiredGroup[] = [], meters: readonly DesiredMeter[] = []): void {
    const t = new DesiredTables(this.session.version);
    t.apply([], flows, { removed: [], added: groups }, { removed: [], added: meters }, noChanges());
    this.setDesiredTables(generation, t, 'all');
  }

  /**
   * The desired tables as of `generation` (shared with the manager, which
   * patches them), and what changed since the last call: `all`, or the keys,
   * groups and meters a delta touched.
   */
  setDesiredTables(generation: number, tables: DesiredTables, changed: PlanScope): void {
    const replaced = this.desired !== tables;
    this.desired = tables;
    this.desiredGeneration = Math.max(this.desiredGeneration, generation);
    desiredChanged(this.pending, replaced ? 'all' : changed);
    this.kick(this.opts.coalesceMs ?? 0);
  }

  /**
   * Before any desired state: flows (and meters) to add where missing, never
   * removing or changing anything, while the switch's real desired state is
   * not known yet (discovery's traps during the start-up hold).
   */
  setBootstrap(tables: DesiredTables): void {
    if (this.desired) return;
    this.pending.bootstrap = tables;
    this.kick(0);
  }

  /** The generation moved without changing this switch's desired state. */
  advance(generation: number): void {
    if (generation <= this.desiredGeneration) return;
    const atOnce = settled(this.view(), this.loop !== undefined);
    this.desiredGeneration = generation;
    if (atOnce) this.markRealized(generation);
    else this.kick(this.opts.coalesceMs ?? 0);
  }

  /** This controller became the switch's master: read the tables again and reconcile. */
  resume(): void {
    if (this.stopped()) return;
    this.to({ on: 'resume' });
    this.pending.read = 'recover';
    this.kick(0);
  }

  /**
   * Re-read the tables now and repair any drift; resolves with the pass that followed. A switch
   * this controller is not master of is not read: resolves at once (resume() reads it anyway).
   */
  audit(): Promise<PassReport | undefined> {
    if (this.stopped() || this.stateValue === 'standby') return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.auditWaiters.push(resolve);
      this.pending.read = 'audit';
      this.kick(0);
    });
  }

  /** Resolves once no pass is running or scheduled. */
  async idle(): Promise<void> {
    while (this.loop !== undefined || this.coalesceTimer !== undefined) {
      if (this.loop) await this.loop;
      else await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.to({ on: 'stop' });
    this.coalesceTimer?.cancel();
    this.coalesceTimer = undefined;
    this.settleAudits(undefined);
  }

  private view(): SwitchView {
    return { state: this.stateValue, pending: this.pending, desired: this.desired, installed: this.installed, desiredGeneration: this.desiredGeneration, realized: this.realized };
  }

  private to(e: StateEvent): void {
    this.stateValue = nextState(this.stateValue, e);
  }

  private stopped(): boolean {
    return this.stateValue === 'stopped' || this.stateValue === 'disconnected';
  }

  private kick(delayMs: number): void {
    // In standby the work is kept and done on resume().
    if (this.stopped() || this.stateValue === 'standby' || this.loop !== undefined) return;
    if (delayMs > 0) {
      if (this.coalesceTimer !== undefined) return;
      this.coalesceTimer = this.clock.setTimeout(() => {
        this.coalesceTimer = undefined;
        this.runLoop();
      }, delayMs);
      return;
    }
    this.runLoop();
  }

  private runLoop(): void {
    if (this.loop !== undefined) return;
    // A pass starting now also serves a change still waiting for its coalescing delay.
    this.coalesceTimer?.cancel();
    this.coalesceTimer = undefined;
    this.loop = (async () => {
      try {
        while (nextStep(this.view()).do !== 'rest') {
          // Let changes published in the same turn join this pass, and never hold the event loop between passes.
          await new Promise((r) => setImmediate(r));
          if (!(await this.step())) break;
        }
      } catch (err) {
        this.log.error('reconcile pass failed', { error: String(err) });
      } finally {
        this.loop = undefined;
        this.to({ on: 'passesEnded' });
        // Work that arrived while the last step was finishing.
        if (this.stateValue === 'idle' && owes(this.view()) && this.desired && this.installed) this.kick(0);
      }
    })();
  }

  /** Does the steps the plan names until a pass is done; false when nothing more can be done now (no desired state yet, a lost switch, or halted). */
  private async step(): Promise<boolean> {
    for (;;) {
      const next = nextStep(this.view());
      switch (next.do) {
        case 'read':
          this.to({ on: 'step', step: 'read' });
          if (!(await this.readTables(next.reason === 'audit'))) return false;
          continue;
        case 'bootstrap':
          return this.addBootstrap(next.tables);
        case 'pass':
          this.to({ on: 'step', step: 'pass' });
          return this.pass(next.generation);
        case 'wait':
          this.settleAudits(undefined);
          return false;
        case 'rest':
          return false;
      }
    }
  }

  private async readTables(audit: boolean): Promise<boolean> {
    const r = await this.session.readFlows();
    if (!r.ok) {
      this.lost(r.reason);
      return false;
    }
    const objects = await this.session.readObjects();
    if (!objects.ok) {
      this.lost(objects.reason);
      return false;
    }
    const flows = await sliced(r.flows, SLICE, (part) => {
      const keyed = keyInstalled(part, this.session.version);
      for (const [key, now] of keyed) keyed.set(key, leanFlow(now, this.knownFlow(key)));
      return keyed;
    });
    const read: InstalledTables = {
      flows: new Map(flows.flatMap((m) => [...m])),
      groups: new Map(objects.groups.map((g) => [g.groupId, g])),
      meters: new Map(objects.meters.map((m) => [m.meterId, m])),
    };
    // On an audit, drift is the table against what this reconciler installed
    // (not against the desired state, which may have moved meanwhile).
    const drift = audit && this.installed !== undefined ? driftOf(this.installed, read, this.cookies) : undefined;
    tablesRead(this.pending, audit ? { drift } : undefined);
    this.installed = read;
    this.refusals.tablesRead(read);
    this.log.debug('read tables', { flows: r.flows.length, groups: read.groups.size, meters: read.meters.size });
    return true;
  }

  /** The flow this reconciler knows in a slot: the one it installed there, or else the one desired there. */
  private knownFlow(key: string): InstalledFlow | undefined {
    const had = this.installed?.flows.get(key);
    if (had !== undefined) return had;
    const d = this.desired?.flow(key);
    return d && { tableId: d.flow.tableId, priority: d.flow.priority, match: d.match, instructions: d.flow.instructions, cookie: d.flow.cookie };
  }

  /** Adds the bootstrap flows and meters the switch lacks; nothing else. */
  private async addBootstrap(tables: DesiredTables): Promise<boolean> {
    this.pending.bootstrap = undefined;
    const plan = bootstrapPlan(tables, this.installed!, { version: this.session.version, cookies: this.cookies, refusedMeters: this.refusals.unsupportedMeters });
    const adds = plan.changes;
    const objects = plan.objects.before;
    if (adds.length + objects.length === 0) return true;
    this.to({ on: 'step', step: 'bootstrap' });
    const r = await this.send(plan);
    if (!r.ok) {
      this.lost(r.reason);
      return false;
    }
    [...objects, ...adds].forEach((c, i) => {
      if (!r.errors.some((e) => e.index === i)) this.track(c);
    });
    this.log.info('bootstrap flows added', { flows: adds.length, meters: objects.length, errors: r.errors.length });
    return true;
  }

  /** The plan for `scope`, in slices when it is a full comparison of a big table, and how many slots it compared. */
  private async plan(scope: PlanScope): Promise<{ plan: FlowPlan; compared: number }> {
    const desired = this.desired!;
    const installed = this.installed!;
    const opts = { version: this.session.version, cookies: this.cookies, skip: this.refusals.skipped(desired), refusedMeters: this.refusals.unsupportedMeters };
    if (scope !== 'all') return { plan: planFlows(desired, installed, opts, scope), compared: scope.flows.size };
    const keys = [...new Set([...desired.keys(), ...installed.flows.keys()])];
    if (keys.length <= SLICE) return { plan: planFlows(desired, installed, opts, scope), compared: keys.length };
    const parts = await sliced(keys, SLICE, (part, i) =>
      planFlows(desired, installed, opts, { flows: new Set(part), groups: i === 0 ? new Set([...desired.groups.keys(), ...installed.groups.keys()]) : new Set(), meters: i === 0 ? new Set([...desired.meters.keys(), ...installed.meters.keys()]) : new Set() }),
    );
    return { plan: mergePlans(parts), compared: keys.length };
  }

  private async pass(generation: number): Promise<boolean> {
    const started = this.clock.now();
    const { scope, audit } = takePass(this.pending);
    const drift: Drift | undefined = audit?.drift;
    const driftCounts = drift && { missing: drift.missing.length, unexpected: drift.unexpected.length, changed: drift.changed.length, objects: drift.objects.length };
    const drifted = driftCounts ? driftCounts.missing + driftCounts.unexpected + driftCounts.changed + driftCounts.objects : 0;
    const cleanAudit = audit !== undefined && drifted === 0;
    const { plan, compared } = await this.plan(scope);
    this.logPlanProblems(plan, generation);
    const report: PassReport = { generation, adds: 0, modifies: 0, deletes: 0, errors: 0, conflicts: plan.conflicts.length, compared };
    for (const c of plan.changes) {
      if (c.kind === 'add') report.adds++;
      else if (c.kind === 'delete') report.deletes++;
      else report.modifies++;
    }
    const commands = [...plan.objects.before, ...plan.changes, ...plan.objects.after];
    if (commands.length === 0) {
      if (drifted > 0) this.log.info('audit found drift that the desired state no longer holds', { generation, ...driftCounts });
      this.finishPass(report, cleanAudit);
      this.markRealized(generation);
      return true;
    }
    const result = await this.send(plan);
    if (!result.ok) {
      this.lost(result.reason);
      return false;
    }
    const failed = new Map(result.errors.map((e) => [e.index, e]));
    let retry = false;
    let freed = false;
    commands.forEach((c, i) => {
      const err = failed.get(i);
      if (err) {
        if (this.refused(c, err.errType, err.code)) retry = true;
      } else {
        if ('flow' in c && c.kind === 'delete') freed = true;
        this.track(c);
      }
    });
    // Flows left out for a full table get one more try once flows left the switch.
    const again = freed ? this.refusals.retryTableFull() : [];
    if (again.length > 0) retry = true;
    report.errors = failed.size;
    if (drifted > 0) {
      const sample = [...drift!.missing.map((k) => `missing ${k}`), ...drift!.changed.map((k) => `changed ${k}`), ...drift!.unexpected.map((k) => `unexpected ${k}`), ...drift!.objects].slice(0, 5);
      this.log.info('audit repaired drift', { generation, ...driftCounts, adds: report.adds, modifies: report.modifies, deletes: report.deletes, sample });
    }
    this.log.info('flows reconciled', { generation, adds: report.adds, modifies: report.modifies, deletes: report.deletes, groups: plan.objects.before.length + plan.objects.after.length, errors: report.errors, compared, ms: this.clock.now() - started, ...(audit ? { audit: true } : {}) });
    this.finishPass(report, cleanAudit);
    if (retry) {
      // Retry what failed in another pass; the refusals bound the attempts.
      retryAfterPass(this.pending, [...failed.keys()].map((i) => commands[i]!), again);
      return true;
    }
    this.markRealized(generation);
    return true;
  }

  /**
   * Meters and groups that flows will name go first and are confirmed; then
   * the flow changes (one atomic bundle where the switch has them); then the
   * groups and meters no flow names any more. The errors come back indexed
   * over that whole sequence.
   */
  private async send(plan: FlowPlan): Promise<ApplyResult> {
    const before = plan.objects.before.map((o) => o.command);
    const flows = plan.changes.map((c) => c.command);
    const after = plan.objects.after.map((o) => o.command);
    const errors: ApplyResult['errors'] = [];
    const run = async (cmds: SwitchCommand[], offset: number, atomic: boolean): Promise<ApplyResult | undefined> => {
      if (cmds.length === 0) return undefined;
      let r = await this.session.apply(cmds, { atomic });
      if (!r.ok && atomic && (r.reason === 'bundleRejected' || r.reason === 'bundleUnsupported')) {
        // Refused as a whole: nothing changed. Ordered flow-mods tell which flow is at fault.
        this.log.warn('bundle refused; applying the same changes as ordered flow-mods', { reason: r.reason, changes: cmds.length, errors: r.errors.length });
        if (r.reason === 'bundleUnsupported') this.bundlesUsable = false;
        r = await this.session.apply(cmds, { atomic: false });
      }
      if (!r.ok) return r;
      for (const e of r.errors) errors.push({ ...e, index: e.index + offset });
      return undefined;
    };
    const atomic = this.bundlesUsable && this.session.supportsBundles;
    const fail = (await run(before, 0, false)) ?? (await run(flows, before.length, atomic)) ?? (await run(after, before.length + flows.length, false));
    return fail ?? { ok: true, errors };
  }

  private finishPass(report: PassReport, cleanAudit: boolean): void {
    this.passes.push(report);
    if (this.passes.length > 100) this.passes.shift();
    if (cleanAudit) this.log.debug('audit found no drift', { generation: report.generation, compared: report.compared });
    this.settleAudits(report);
  }

  private settleAudits(r: PassReport | undefined): void {
    const ws = this.auditWaiters;
    this.auditWaiters = [];
    for (const w of ws) w(r);
  }

  private track(c: PlannedChange | PlannedObject): void {
    this.refusals.succeeded(c.key);
    const inst = this.installed!;
    if ('flow' in c) {
      if (c.kind === 'delete') inst.flows.delete(c.key);
      // The planned flow object itself (made for this command, never changed): no copy per installed flow.
      else inst.flows.set(c.key, c.flow);
      return;
    }
    const cmd = c.command;
    if (cmd.type === 'groupMod') {
      if (c.kind === 'delete') inst.groups.delete(cmd.groupId);
      else inst.groups.set(cmd.groupId, { groupId: cmd.groupId, groupType: cmd.groupType, buckets: cmd.buckets });
    } else if (cmd.type === 'meterMod') {
      if (c.kind === 'delete') inst.meters.delete(cmd.meterId);
      else inst.meters.set(cmd.meterId, { meterId: cmd.meterId, flags: cmd.flags, bands: cmd.bands });
    }
  }

  /** Logs a refused command and what follows from it; true when it will be tried again. */
  private refused(c: PlannedChange | PlannedObject, errType: number, code: number): boolean {
    const outcome = this.refusals.record(c, errType, code, this.desired, this.session.version);
    const retry = refusalFollowUp(this.pending, outcome);
    if (outcome.kind === 'meterUnsupported') {
      // A datapath without meters must not take the flows that use them down: they go unmetered.
      this.log.error('switch refused a packet-in meter; controller-bound flows go unmetered (set the OVS controller rate limit)', { meterId: c.command.type === 'meterMod' ? c.command.meterId : c.key, errType, code });
      return retry;
    }
    const f = outcome.failure;
    const fields = { kind: c.kind, stage: f.stage, ...('flow' in c ? { tableId: c.flow.tableId, priority: c.flow.priority } : {}), flow: c.key, errType, code, attempts: f.attempts };
    if (f.tableFull && 'flow' in c) this.log.error('switch table full: flow left out until flows leave the switch or its desired state changes', { ...fields, instructions: canonicalInstructions(c.flow.instructions) });
    else if (outcome.kind === 'gaveUp') this.log.error('switch keeps refusing a command; left out until its desired state changes', fields);
    else this.log.warn('switch refused a command; will retry', fields);
    return retry;
  }

  /** Conflicts are logged when they appear, not on every pass; malformed and duplicate desired flows once per pass. */
  private logPlanProblems(plan: FlowPlan, generation: number): void {
    const now = new Set<string>();
    for (const c of plan.conflicts) {
      now.add(c.key);
      if (this.conflictKeys.has(c.key)) continue;
      this.log.warn('a flow of another controller holds the slot of a desired flow; left alone', { flow: c.key, stage: c.desired.stage, foreignCookie: '0x' + c.foreignCookie.toString(16), generation });
    }
    this.conflictKeys = now;
    for (const d of plan.invalid.splice(0)) this.log.error('desired flow has a malformed match; left out', { stage: d.flow.stage, field: d.error.field, reason: d.error.message, generation });
    for (const k of plan.duplicates) this.log.error('two desired flows share table, priority and match; the first is kept', { flow: k, generation });
  }

  private markRealized(generation: number): void {
    if (generation < 0 || (this.realized !== undefined && generation <= this.realized)) return;
    this.realized = generation;
    this.opts.onRealized?.(this.dpid, generation);
  }

  private lost(reason: string): void {
    // What reached the switch is unknown now: read the tables before any next pass.
    this.installed = undefined;
    this.pending.read = 'recover';
    this.settleAudits(undefined);
    this.to({ on: 'lost', reason });
    if (this.stateValue === 'standby') {
      // Another controller is master: wait for resume().
      this.log.info('not master of this switch; passes wait');
      return;
    }
    if (this.stateValue === 'disconnected') {
      this.log.warn('switch went away during reconcile');
      return;
    }
    if (this.stateValue === 'stopped') return;
    this.log.warn('switch did not answer; will read its tables again', { reason });
    this.clock.setTimeout(() => this.kick(0), this.opts.retryDelayMs ?? 1000);
  }
}

/** Runs `fn` over slices of `items`, serving the event loop between slices. */
async function sliced<T, R>(items: readonly T[], size: number, fn: (part: readonly T[], index: number) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length || i === 0; i += size) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    out.push(fn(items.slice(i, i + size), i / size));
    if (items.length === 0) break;
  }
  return out;
}
