// One switch: holds its desired and installed flows, and brings the switch to
// the desired state with the smallest ordered set of flow-mods, confirmed by a
// barrier (or an atomic bundle). Work is serialised per switch and bursts of
// desired-state changes are coalesced into one pass. The table is read, never
// cleared, on connect, so a controller restart changes nothing that is right.
import { OFP13_VERSION } from '../openflow/types.js';
import type { Logger } from '../log.js';
import { canonicalInstructions } from './action-key.js';
import { sendPrelude, withoutMeters } from './prelude.js';
import { driftOf, keyDesired, keyInstalled, planFlows, type Drift, type FlowPlan, type InstalledFlow, type KeyedDesired, type PlannedChange } from './diff.js';
import {
  DEFAULT_COOKIE_SPACE,
  systemClock,
  type ApplyResult,
  type Clock,
  type CookieSpace,
  type DesiredFlow,
  type SwitchCommand,
  type SwitchSession,
} from './ports.js';

export interface SwitchReconcilerOptions {
  session: SwitchSession;
  logger: Logger;
  cookies?: CookieSpace;
  clock?: Clock;
  /** Re-read the table and repair drift this often; 0 or absent: no audit. */
  auditIntervalMs?: number;
  /** Wait this long after a desired-state change before a pass, to batch bursts. */
  coalesceMs?: number;
  /** Passes in which a failing flow is tried before it is reported and left out. */
  maxAttempts?: number;
  /** Use atomic bundles when the switch offers them (default true). */
  useBundles?: boolean;
  /** Wait after a timed-out batch before reading the table again. */
  retryDelayMs?: number;
  /** Commands sent once before the first flows (meters the flows use). */
  prelude?: SwitchCommand[];
  onRealized?: (dpid: string, generation: number) => void;
}

export interface FlowFailure {
  key: string;
  stage?: string;
  kind: PlannedChange['kind'];
  errType: number;
  code: number;
  attempts: number;
  gaveUp: boolean;
}

export interface PassReport {
  generation: number;
  adds: number;
  modifies: number;
  deletes: number;
  errors: number;
  conflicts: number;
}

export type ReconcilerState = 'reading' | 'running' | 'idle' | 'standby' | 'disconnected' | 'stopped';

export class SwitchReconciler {
  readonly dpid: string;
  private readonly session: SwitchSession;
  private readonly log: Logger;
  private readonly cookies: CookieSpace;
  private readonly clock: Clock;
  private readonly opts: SwitchReconcilerOptions;
  private desired: KeyedDesired | undefined;
  private desiredGeneration = -1;
  private installed: Map<string, InstalledFlow> | undefined;
  private realized: number | undefined;
  private readonly failures = new Map<string, FlowFailure & { fingerprint: string }>();
  private dirty = false;
  private needRead = true;
  private auditPending = false;
  /** What the last audit's read found changed behind the reconciler's back. */
  private drift: Drift | undefined;
  private loop: Promise<void> | undefined;
  private coalesceTimer: unknown;
  private auditTimer: unknown;
  private bundlesUsable: boolean;
  private preludeSent = false;
  private conflictKeys = new Set<string>();
  private rawDesired: readonly DesiredFlow[] | undefined;
  private readonly refusedMeters = new Set<number>();
  /** The last pass left the switch at desiredGeneration's flows. */
  private inSync = false;
  private stateValue: ReconcilerState = 'reading';
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
  }

  get state(): ReconcilerState {
    return this.stateValue;
  }

  get realizedGeneration(): number | undefined {
    return this.realized;
  }

  get installedCount(): number {
    return this.installed?.size ?? 0;
  }

  flowFailures(): FlowFailure[] {
    return [...this.failures.values()].map(({ fingerprint: _f, ...rest }) => rest);
  }

  /** Read the table and start reconciling (once desired flows are known). */
  start(): void {
    this.needRead = true;
    this.kick(0);
    this.armAudit();
  }

  /** New desired flows as of `generation` (the whole set for this switch). */
  setDesired(generation: number, flows: readonly DesiredFlow[]): void {
    this.rawDesired = flows;
    this.desired = keyDesired(withoutMeters(flows, this.refusedMeters), this.session.version);
    this.desiredGeneration = generation;
    this.inSync = false;
    for (const d of this.desired.invalid) {
      this.log.error('desired flow has a malformed match; left out', { stage: d.desired.stage, field: d.error.field, reason: d.error.message, generation });
    }
    for (const d of this.desired.duplicates) {
      this.log.error('two desired flows share table, priority and match; the first is kept', { stage: d.stage, tableId: d.tableId, priority: d.priority, generation });
    }
    this.kick(this.opts.coalesceMs ?? 0);
  }

  /** The generation moved without changing this switch's flows. */
  advance(generation: number): void {
    if (generation <= this.desiredGeneration) return;
    this.desiredGeneration = generation;
    if (this.inSync && this.loop === undefined && !this.dirty && this.stateValue === 'idle') {
      this.markRealized(generation);
    } else {
      this.kick(this.opts.coalesceMs ?? 0);
    }
  }

  /** This controller became the switch's master: read the table again and reconcile. */
  resume(): void {
    if (this.stopped()) return;
    this.needRead = true;
    this.kick(0);
  }

  /** Re-read the table now and repair any drift; resolves with the pass that followed. */
  audit(): Promise<PassReport | undefined> {
    if (this.stopped()) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.auditWaiters.push(resolve);
      this.needRead = true;
      this.auditPending = true;
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
    this.stateValue = 'stopped';
    this.clock.clearTimeout(this.coalesceTimer);
    this.clock.clearTimeout(this.auditTimer);
    this.coalesceTimer = undefined;
    this.settleAudits(undefined);
  }

  private armAudit(): void {
    const every = this.opts.auditIntervalMs ?? 0;
    if (every <= 0) return;
    this.auditTimer = this.clock.setTimeout(() => {
      if (this.stopped()) return;
      this.needRead = true;
      this.auditPending = true;
      this.kick(0);
      this.armAudit();
    }, every);
  }

  private stopped(): boolean {
    return this.stateValue === 'stopped' || this.stateValue === 'disconnected';
  }

  private kick(delayMs: number): void {
    if (this.stopped()) return;
    this.dirty = true;
    if (this.loop !== undefined) return;
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
    this.clock.clearTimeout(this.coalesceTimer);
    this.coalesceTimer = undefined;
    this.loop = (async () => {
      try {
        // Let changes published in the same turn of the event loop join this pass.
        await new Promise((r) => setImmediate(r));
        while (this.dirty && !this.stopped()) {
          this.dirty = false;
          await this.step();
        }
      } catch (err) {
        this.log.error('reconcile pass failed', { error: String(err) });
      } finally {
        this.loop = undefined;
        if (!this.stopped() && this.stateValue !== 'standby') this.stateValue = 'idle';
      }
    })();
  }

  private async step(): Promise<void> {
    if (this.needRead) {
      this.stateValue = 'reading';
      const r = await this.session.readFlows();
      if (!r.ok) return this.lost(r.reason);
      this.needRead = false;
      const read = keyInstalled(r.flows, this.session.version);
      // On an audit, drift is the table against what this reconciler installed
      // (not against the desired state, which may have moved meanwhile).
      this.drift = this.auditPending && this.installed !== undefined ? driftOf(this.installed, read, this.cookies) : undefined;
      this.installed = read;
      this.log.debug('read flow table', { flows: r.flows.length });
    }
    if (this.desired === undefined || this.installed === undefined) {
      this.settleAudits(undefined);
      return;
    }
    this.stateValue = 'running';
    if (!this.preludeSent && (this.opts.prelude?.length ?? 0) > 0) {
      const r = await sendPrelude(this.session, this.opts.prelude!, this.log);
      if (!r.ok) return this.lost(r.reason);
      for (const id of r.refusedMeters) this.refusedMeters.add(id);
      if (this.refusedMeters.size > 0 && this.rawDesired !== undefined) {
        this.desired = keyDesired(withoutMeters(this.rawDesired, this.refusedMeters), this.session.version);
      }
      this.preludeSent = true;
    }
    await this.pass();
  }

  private async pass(): Promise<void> {
    const started = this.clock.now();
    const generation = this.desiredGeneration;
    const audit = this.auditPending;
    this.auditPending = false;
    const drift = audit ? this.drift : undefined;
    this.drift = undefined;
    const driftCounts = drift && { missing: drift.missing.length, unexpected: drift.unexpected.length, changed: drift.changed.length };
    const drifted = driftCounts ? driftCounts.missing + driftCounts.unexpected + driftCounts.changed : 0;
    const plan = planFlows(this.desired!, this.installed!, { version: this.session.version, cookies: this.cookies, skip: this.skipped() });
    this.logConflicts(plan, generation);
    const report: PassReport = { generation, adds: 0, modifies: 0, deletes: 0, errors: 0, conflicts: plan.conflicts.length };
    for (const c of plan.changes) {
      if (c.kind === 'add') report.adds++;
      else if (c.kind === 'delete') report.deletes++;
      else report.modifies++;
    }
    if (plan.changes.length === 0) {
      if (drifted > 0) this.log.info('audit found drift that the desired state no longer holds', { generation, ...driftCounts });
      this.finishPass(report, audit && drifted === 0);
      this.markRealized(generation);
      return;
    }
    const commands = plan.changes.map((c) => c.command);
    let result: ApplyResult;
    if (this.bundlesUsable && this.session.supportsBundles) {
      result = await this.session.apply(commands, { atomic: true });
      if (!result.ok && (result.reason === 'bundleRejected' || result.reason === 'bundleUnsupported')) {
        // Refused as a whole: nothing changed. Ordered flow-mods tell which flow is at fault.
        this.log.warn('bundle refused; applying the same changes as ordered flow-mods', { reason: result.reason, changes: commands.length, errors: result.errors.length });
        if (result.reason === 'bundleUnsupported') this.bundlesUsable = false;
        result = await this.session.apply(commands, { atomic: false });
      }
    } else {
      result = await this.session.apply(commands, { atomic: false });
    }
    if (!result.ok) return this.lost(result.reason);

    const failed = new Map(result.errors.map((e) => [e.index, e]));
    plan.changes.forEach((c, i) => {
      const err = failed.get(i);
      if (err) this.recordFailure(c, err.errType, err.code);
      else this.track(c);
    });
    report.errors = failed.size;
    if (drifted > 0) {
      const sample = [...drift!.missing.map((k) => `missing ${k}`), ...drift!.changed.map((k) => `changed ${k}`), ...drift!.unexpected.map((k) => `unexpected ${k}`)].slice(0, 5);
      this.log.info('audit repaired drift', { generation, ...driftCounts, adds: report.adds, modifies: report.modifies, deletes: report.deletes, sample });
    }
    this.log.info('flows reconciled', { generation, adds: report.adds, modifies: report.modifies, deletes: report.deletes, errors: report.errors, ms: this.clock.now() - started, ...(audit ? { audit: true } : {}) });
    this.finishPass(report, audit && drifted === 0);
    if ([...failed.keys()].some((i) => !this.failures.get(plan.changes[i]!.key)?.gaveUp)) {
      // Retry what failed in another pass; recordFailure bounds the attempts.
      this.dirty = true;
      return;
    }
    this.markRealized(generation);
  }

  private finishPass(report: PassReport, cleanAudit: boolean): void {
    this.passes.push(report);
    if (this.passes.length > 100) this.passes.shift();
    if (cleanAudit) this.log.debug('audit found no drift', { generation: report.generation });
    this.settleAudits(report);
  }

  private settleAudits(r: PassReport | undefined): void {
    const ws = this.auditWaiters;
    this.auditWaiters = [];
    for (const w of ws) w(r);
  }

  private track(c: PlannedChange): void {
    this.failures.delete(c.key);
    if (c.kind === 'delete') this.installed!.delete(c.key);
    else this.installed!.set(c.key, { tableId: c.flow.tableId, priority: c.flow.priority, match: c.flow.match, instructions: c.flow.instructions, cookie: c.flow.cookie });
  }

  private fingerprint(key: string): string {
    const d = this.desired?.byKey.get(key);
    return d === undefined ? 'absent' : `${d.cookie}|${canonicalInstructions(d.instructions)}`;
  }

  private recordFailure(c: PlannedChange, errType: number, code: number): void {
    const fingerprint = this.fingerprint(c.key);
    const prev = this.failures.get(c.key);
    const attempts = prev && prev.fingerprint === fingerprint ? prev.attempts + 1 : 1;
    const gaveUp = attempts >= (this.opts.maxAttempts ?? 3);
    this.failures.set(c.key, { key: c.key, stage: c.flow.stage, kind: c.kind, errType, code, attempts, gaveUp, fingerprint });
    const fields = { kind: c.kind, stage: c.flow.stage, tableId: c.flow.tableId, priority: c.flow.priority, flow: c.key, errType, code, attempts };
    if (gaveUp) this.log.error('switch keeps refusing a flow; left out until its desired state changes', fields);
    else this.log.warn('switch refused a flow-mod; will retry', fields);
  }

  /** Keys that failed too often for the desired state they still have. */
  private skipped(): Set<string> {
    const out = new Set<string>();
    for (const [key, f] of this.failures) {
      if (!f.gaveUp) continue;
      if (f.fingerprint === this.fingerprint(key)) out.add(key);
      else this.failures.delete(key);
    }
    return out;
  }

  /** Each conflict is logged when it appears, not on every pass or audit. */
  private logConflicts(plan: FlowPlan, generation: number): void {
    const now = new Set<string>();
    for (const c of plan.conflicts) {
      now.add(c.key);
      if (this.conflictKeys.has(c.key)) continue;
      this.log.warn('a flow of another controller holds the slot of a desired flow; left alone', { flow: c.key, stage: c.desired.stage, foreignCookie: '0x' + c.foreignCookie.toString(16), generation });
    }
    this.conflictKeys = now;
  }

  private markRealized(generation: number): void {
    if (generation === this.desiredGeneration) this.inSync = true;
    if (generation < 0 || (this.realized !== undefined && generation <= this.realized)) return;
    this.realized = generation;
    this.opts.onRealized?.(this.dpid, generation);
  }

  private lost(reason: string): void {
    // What reached the switch is unknown now: read the table before any next pass.
    this.installed = undefined;
    this.needRead = true;
    this.inSync = false;
    this.settleAudits(undefined);
    if (reason === 'notMaster') {
      // Another controller is master: wait for resume(); desired-state changes and audits still read the table.
      this.stateValue = 'standby';
      this.log.info('not master of this switch; passes wait');
      return;
    }
    if (reason === 'disconnected') {
      this.stateValue = 'disconnected';
      this.clock.clearTimeout(this.auditTimer);
      this.log.warn('switch went away during reconcile');
      return;
    }
    this.log.warn('switch did not answer; will read its table again', { reason });
    this.clock.setTimeout(() => this.kick(0), this.opts.retryDelayMs ?? 1000);
  }
}
