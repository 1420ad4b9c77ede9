// All switches: the compiler's desired flows per switch, one reconciler per
// connected switch, and the realization tracker that `?wait` and
// GET /v1/switches read.
import type { Logger } from '../log.js';
import { instructionText } from './diff.js';
import { meterControllerFlows, type HygienePlan } from './hygiene.js';
import type { Clock, CookieSpace, DesiredFlow, Dpid, SwitchSession } from './ports.js';
import { RealizationTracker, type WaitOutcome } from './realization.js';
import { SwitchReconciler, type FlowFailure, type PassReport, type ReconcilerState } from './switch-reconciler.js';

export interface ReconcileManagerOptions {
  logger: Logger;
  cookies?: CookieSpace;
  clock?: Clock;
  auditIntervalMs?: number;
  coalesceMs?: number;
  maxAttempts?: number;
  useBundles?: boolean;
  retryDelayMs?: number;
  /** Set-up for a newly connected switch (table-miss drops, packet-in meter). */
  hygiene?: (session: SwitchSession) => HygienePlan | undefined;
}

export interface SwitchReconcileStatus {
  dpid: Dpid;
  connected: boolean;
  state?: ReconcilerState;
  realizedGeneration?: number;
  installedFlows: number;
  desiredFlows: number;
  failures: FlowFailure[];
}

function bigintText(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** Per flow object: the compiler hands over the same objects for what did not change. */
const flowTextCache = new WeakMap<DesiredFlow, string>();
function flowText(f: DesiredFlow): string {
  let t = flowTextCache.get(f);
  if (t === undefined) {
    t = `${f.tableId}/${f.priority}/${JSON.stringify(f.match, bigintText)}/${f.cookie}/${instructionText(f.instructions)}`;
    flowTextCache.set(f, t);
  }
  return t;
}

/** Change detection for "which switches did this generation touch". */
function fingerprint(flows: readonly DesiredFlow[]): string {
  return flows.map(flowText).sort().join('\n');
}

export class ReconcileManager {
  readonly tracker: RealizationTracker;
  private readonly opts: ReconcileManagerOptions;
  private readonly log: Logger;
  private readonly desired = new Map<Dpid, { flows: readonly DesiredFlow[]; fingerprint: string }>();
  private readonly reconcilers = new Map<Dpid, { rec: SwitchReconciler; hygiene?: HygienePlan }>();
  private generation = -1;

  constructor(opts: ReconcileManagerOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'reconcile' });
    this.tracker = new RealizationTracker(opts.clock ? { clock: opts.clock } : {});
  }

  get publishedGeneration(): number {
    return this.generation;
  }

  /**
   * The compiler's output for `generation`: the whole flow set of each listed
   * switch (switches not listed keep theirs). Returns the switches it touched.
   */
  publish(generation: number, perSwitch: ReadonlyMap<Dpid, readonly DesiredFlow[]>): Dpid[] {
    if (generation < this.generation) {
      this.log.warn('ignoring desired flows older than the ones already published', { generation, published: this.generation });
      return [];
    }
    this.generation = generation;
    const touched: Dpid[] = [];
    for (const [dpid, flows] of perSwitch) {
      const fp = fingerprint(flows);
      if (this.desired.get(dpid)?.fingerprint === fp) continue;
      this.desired.set(dpid, { flows, fingerprint: fp });
      touched.push(dpid);
    }
    this.tracker.notePublished(generation, touched);
    const touchedSet = new Set(touched);
    for (const [dpid, entry] of this.reconcilers) {
      if (touchedSet.has(dpid)) entry.rec.setDesired(generation, this.flowsFor(dpid, entry.hygiene));
      else entry.rec.advance(generation);
    }
    return touched;
  }

  /** A switch connected (or reconnected): read its table, then reconcile. */
  connect(session: SwitchSession): SwitchReconciler {
    this.reconcilers.get(session.dpid)?.rec.stop();
    const hygiene = this.opts.hygiene?.(session);
    const rec = new SwitchReconciler({
      session,
      logger: this.opts.logger,
      ...(this.opts.cookies ? { cookies: this.opts.cookies } : {}),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      ...(this.opts.auditIntervalMs !== undefined ? { auditIntervalMs: this.opts.auditIntervalMs } : {}),
      ...(this.opts.coalesceMs !== undefined ? { coalesceMs: this.opts.coalesceMs } : {}),
      ...(this.opts.maxAttempts !== undefined ? { maxAttempts: this.opts.maxAttempts } : {}),
      ...(this.opts.useBundles !== undefined ? { useBundles: this.opts.useBundles } : {}),
      ...(this.opts.retryDelayMs !== undefined ? { retryDelayMs: this.opts.retryDelayMs } : {}),
      prelude: hygiene?.meters ?? [],
      onRealized: (dpid, gen) => this.tracker.setRealized(dpid, gen),
    });
    this.reconcilers.set(session.dpid, hygiene ? { rec, hygiene } : { rec });
    this.tracker.setConnected(session.dpid, true);
    rec.start();
    // Until the compiler has spoken for this switch its table is only read:
    // reconciling against nothing would delete every Spotlight flow on it.
    if (this.desired.has(session.dpid)) rec.setDesired(this.generation, this.flowsFor(session.dpid, hygiene));
    this.log.info('switch attached to reconciler', { dpid: session.dpid, version: session.version, bundles: session.supportsBundles });
    return rec;
  }

  disconnect(dpid: Dpid): void {
    const entry = this.reconcilers.get(dpid);
    if (!entry) return;
    entry.rec.stop();
    this.reconcilers.delete(dpid);
    this.tracker.setConnected(dpid, false);
    this.log.info('switch detached from reconciler', { dpid });
  }

  waitFor(generation: number, timeoutMs: number): Promise<WaitOutcome> {
    return this.tracker.waitFor(generation, timeoutMs);
  }

  /** This controller became master of the switch: read its table again and reconcile. */
  resume(dpid: Dpid): void {
    this.reconcilers.get(dpid)?.rec.resume();
  }

  audit(dpid: Dpid): Promise<PassReport | undefined> {
    const entry = this.reconcilers.get(dpid);
    return entry ? entry.rec.audit() : Promise.resolve(undefined);
  }

  status(dpid: Dpid): SwitchReconcileStatus {
    const entry = this.reconcilers.get(dpid);
    const realized = this.tracker.realizedGeneration(dpid);
    return {
      dpid,
      connected: entry !== undefined,
      ...(entry ? { state: entry.rec.state } : {}),
      ...(realized !== undefined ? { realizedGeneration: realized } : {}),
      installedFlows: entry?.rec.installedCount ?? 0,
      desiredFlows: this.desired.get(dpid)?.flows.length ?? 0,
      failures: entry?.rec.flowFailures() ?? [],
    };
  }

  /** Every switch that is connected or has desired flows, by datapath id. */
  statusAll(): SwitchReconcileStatus[] {
    const dpids = new Set<Dpid>([...this.desired.keys(), ...this.reconcilers.keys()]);
    return [...dpids].sort().map((d) => this.status(d));
  }

  /** Resolves once every reconciler is idle (tests, shutdown). */
  async idle(): Promise<void> {
    for (const { rec } of this.reconcilers.values()) await rec.idle();
  }

  close(): void {
    for (const dpid of [...this.reconcilers.keys()]) this.disconnect(dpid);
  }

  private flowsFor(dpid: Dpid, hygiene: HygienePlan | undefined): DesiredFlow[] {
    const flows = this.desired.get(dpid)?.flows ?? [];
    if (!hygiene) return [...flows];
    // The compiler may lower its own table-miss flows; hygiene fills only the tables it left open.
    const covered = new Set(flows.filter((f) => f.priority === 0 && Object.keys(f.match).length === 0).map((f) => f.tableId));
    const misses = hygiene.tableMissFlows.filter((f) => !covered.has(f.tableId));
    return meterControllerFlows([...flows, ...misses], hygiene.controllerMeterId);
  }
}
