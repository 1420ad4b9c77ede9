// All switches: the compiler's desired state per switch (patched by the
// deltas it hands over), one reconciler per connected switch, and the
// realization tracker that `?wait` and GET /v1/switches read.
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import { AuditPacer } from './audit-pacer.js';
import { DesiredTables, noChanges, type DesiredChanges } from './desired.js';
import { OFP13_VERSION } from '../openflow/wire-values.js';
import type { Dpid } from '../openflow/dpid.js';
import type { GroupType } from '../openflow/flow-model.js';
import type { DesiredFlow, ReconcileSettings, SwitchDelta, SwitchFlows, SwitchSession } from './ports.js';
import { RealizationTracker, type WaitOutcome } from './realization.js';
import type { FlowFailure } from './refusals.js';
import { SwitchReconciler, type PassReport, type ReconcilerState } from './switch-reconciler.js';

export interface ReconcileManagerOptions extends ReconcileSettings {
  /** Each switch's tables are read and repaired this often, at least (0 or absent: never). */
  auditIntervalMs?: number;
  /**
   * Flows read per second by audits, all switches together (default 2,000):
   * switches are audited one at a time, spaced so that with more desired
   * flows than that per interval a round lasts `flows / auditFlowsPerSecond`
   * seconds (audit-pacer.ts).
   */
  auditFlowsPerSecond?: number;
}

export interface SwitchReconcileStatus {
  dpid: Dpid;
  connected: boolean;
  state?: ReconcilerState;
  realizedGeneration?: number;
  installedFlows: number;
  desiredFlows: number;
  /** OF1.3: the groups of the switch's desired state (those the reconciler has it hold), by type. */
  desiredGroups?: GroupCounts;
  failures: FlowFailure[];
}

export type GroupCounts = Record<GroupType, number>;

/**
 * An audited flow costs about 35 us of CPU (flow stats decoded, keyed,
 * compared): 2,000 a second is some 7 % of a core, whatever the fabric.
 */
const DEFAULT_AUDIT_FLOWS_PER_SECOND = 2000;

/**
 * Keying a switch's whole desired state (its first publication, or a new
 * version) costs some 5 us a flow: at a cloud's scale, seconds for every
 * switch at once after a start. It is done in slices of this, the event loop
 * turning between them.
 */
const TABLES_SLICE_MS = 10;
/** Flows keyed between two looks at the clock. */
const TABLES_CHUNK = 256;

/** A switch whose whole desired state is being keyed in slices; the deltas published meanwhile wait for it. */
interface TablesInBuild {
  tables: DesiredTables;
  flows: readonly DesiredFlow[];
  /** The next flow to key. */
  next: number;
  queued: SwitchDelta[];
}

export class ReconcileManager {
  readonly tracker: RealizationTracker;
  private readonly opts: ReconcileManagerOptions;
  private readonly log: Logger;
  /** Audits of every connected switch, one at a time (absent: no audits). */
  private readonly audits: AuditPacer | undefined;
  private readonly desired = new Map<Dpid, DesiredTables>();
  /** While publication is held after a start: what each switch gets before the rest (discovery's traps), added only. */
  private readonly bootstraps = new Map<Dpid, DesiredTables>();
  private readonly reconcilers = new Map<Dpid, SwitchReconciler>();
  /** Switches whose whole desired state is being keyed (buildTables), in the order they came; their reconcilers get it when it is done. */
  private readonly building = new Map<Dpid, TablesInBuild>();
  /** The one loop that keys them, a slice a turn (runBuilds). */
  private buildLoop: Promise<void> | undefined;
  private generation = -1;

  constructor(opts: ReconcileManagerOptions) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'reconcile' });
    this.tracker = new RealizationTracker(opts.clock ? { clock: opts.clock } : {});
    const every = opts.auditIntervalMs ?? 0;
    if (every > 0) this.audits = new AuditPacer({ intervalMs: every, flowsPerSecond: opts.auditFlowsPerSecond ?? DEFAULT_AUDIT_FLOWS_PER_SECOND, clock: opts.clock ?? systemClock });
  }

  get publishedGeneration(): number {
    return this.generation;
  }

  /**
   * The compiler's output for `generation`: per switch what changed since the
   * last publication (`full` gives a switch's whole desired state when the
   * manager has none for it yet, or its version changed). Switches not listed
   * keep theirs. Returns the switches whose desired state changed.
   */
  publish(generation: number, deltas: ReadonlyMap<Dpid, SwitchDelta>, full: (dpid: Dpid) => SwitchFlows): Dpid[] {
    if (generation < this.generation) {
      this.log.warn('ignoring desired flows older than the ones already published', { generation, published: this.generation });
      return [];
    }
    this.generation = generation;
    const touched: Dpid[] = [];
    const changedBy = new Map<Dpid, DesiredChanges | 'all'>();
    // Whole states are keyed here until this; past it, in the turns that follow.
    const keyUntil = performance.now() + TABLES_SLICE_MS;
    for (const [dpid, delta] of deltas) {
      const inBuild = this.building.get(dpid);
      if (inBuild && inBuild.tables.version === delta.version) {
        // Relative to the whole state being keyed (full() gave it with the deltas up to its own).
        inBuild.queued.push(delta);
        touched.push(dpid);
        continue;
      }
      const t = this.desired.get(dpid);
      if (inBuild || !t || t.version !== delta.version) {
        this.bootstraps.delete(dpid);
        touched.push(dpid);
        const built = this.buildTables(dpid, full(dpid), keyUntil);
        if (built) {
          this.desired.set(dpid, built);
          changedBy.set(dpid, 'all');
        }
        continue;
      }
      const changes = noChanges();
      t.apply(delta.removedFlows, delta.addedFlows, { removed: delta.removedGroups, added: delta.addedGroups }, { removed: delta.removedMeters, added: delta.addedMeters }, changes);
      if (changes.flows.size + changes.groups.size + changes.meters.size === 0) continue;
      changedBy.set(dpid, changes);
      touched.push(dpid);
    }
    this.tracker.notePublished(generation, touched);
    for (const [dpid, rec] of this.reconcilers) {
      // Still being keyed: the reconciler gets the tables, at the generation then published, once they are done.
      if (this.building.has(dpid)) continue;
      const c = changedBy.get(dpid);
      if (c) rec.setDesiredTables(generation, this.desired.get(dpid)!, c);
      else rec.advance(generation);
    }
    return touched;
  }

  /**
   * A switch's whole desired state, keyed: at once as far as `until`
   * (performance.now() time) allows; otherwise undefined is returned and
   * runBuilds() keys the rest in later turns of the event loop, applies the
   * deltas published meanwhile and gives the switch's reconciler the tables
   * at the generation published by then.
   */
  private buildTables(dpid: Dpid, sf: SwitchFlows, until: number): DesiredTables | undefined {
    const tables = new DesiredTables(sf.version);
    tables.apply([], [], { removed: [], added: sf.groups }, { removed: [], added: sf.meters }, noChanges());
    const next = keyFlows(tables, sf.flows, 0, until);
    if (next === sf.flows.length) {
      this.building.delete(dpid);
      return tables;
    }
    // A newer whole state replaces one still being keyed (a version change).
    this.building.delete(dpid);
    this.building.set(dpid, { tables, flows: sf.flows, next, queued: [] });
    this.runBuilds();
    return undefined;
  }

  /** Keys the switches' tables in `building`, one slice a turn, first come first done. */
  private runBuilds(): void {
    if (this.buildLoop) return;
    this.buildLoop = (async () => {
      try {
        for (;;) {
          await new Promise((r) => setImmediate(r));
          const first = this.building.entries().next();
          if (first.done) return;
          const [dpid, job] = first.value;
          job.next = keyFlows(job.tables, job.flows, job.next, performance.now() + TABLES_SLICE_MS);
          if (job.next < job.flows.length) continue;
          const t = job.tables;
          for (const d of job.queued) t.apply(d.removedFlows, d.addedFlows, { removed: d.removedGroups, added: d.addedGroups }, { removed: d.removedMeters, added: d.addedMeters }, noChanges());
          this.building.delete(dpid);
          this.desired.set(dpid, t);
          this.log.debug('desired tables keyed in slices', { dpid, flows: job.flows.length, deltas: job.queued.length, generation: this.generation });
          this.reconcilers.get(dpid)?.setDesiredTables(this.generation, t, 'all');
        }
      } catch (err) {
        this.log.error('keying desired tables failed', { error: String(err) });
      } finally {
        this.buildLoop = undefined;
      }
    })();
  }

  /**
   * Whole desired states for `generation` (tests, benches, and callers that
   * compile from scratch): each listed switch's replaces what it had; a switch
   * whose state is the same as before counts as untouched.
   */
  publishSets(generation: number, given: ReadonlyMap<Dpid, SwitchFlows | readonly DesiredFlow[]>): Dpid[] {
    const sets = new Map<Dpid, SwitchFlows>();
    for (const [dpid, x] of given) {
      // A bare flow list is for the switch's version as far as it is known.
      const version = this.reconcilers.get(dpid)?.version ?? this.desired.get(dpid)?.version ?? OFP13_VERSION;
      sets.set(dpid, Array.isArray(x) ? { dpid, version, flows: x as DesiredFlow[], groups: [], meters: [] } : (x as SwitchFlows));
    }
    const deltas = new Map<Dpid, SwitchDelta>();
    for (const [dpid, sf] of sets) {
      const old = this.desired.get(dpid);
      const t = tablesOf(sf);
      if (old && sameTables(old, t)) {
        deltas.set(dpid, { dpid, version: sf.version, removedFlows: [], addedFlows: [], removedGroups: [], addedGroups: [], removedMeters: [], addedMeters: [] });
        continue;
      }
      this.desired.delete(dpid);
      deltas.set(dpid, { dpid, version: sf.version, removedFlows: [], addedFlows: [], removedGroups: [], addedGroups: [], removedMeters: [], addedMeters: [] });
    }
    return this.publish(generation, deltas, (d) => sets.get(d)!);
  }

  /**
   * Before the first publication: flows (and the meters they name) that a
   * switch needs at once, discovery's traps, added where missing and never
   * taken away or changed. A switch with desired state already ignores it.
   */
  bootstrap(dpid: Dpid, sf: SwitchFlows): void {
    if (this.desired.has(dpid) || this.building.has(dpid)) return;
    const t = tablesOf(sf);
    this.bootstraps.set(dpid, t);
    this.reconcilers.get(dpid)?.setBootstrap(t);
  }

  /** A switch left the fabric for good: its desired state goes with it. */
  forget(dpid: Dpid): void {
    if (this.reconcilers.has(dpid)) return;
    this.building.delete(dpid);
    this.desired.delete(dpid);
    this.bootstraps.delete(dpid);
    this.tracker.forget(dpid);
  }

  /** A switch connected (or reconnected): read its tables, then reconcile. */
  connect(session: SwitchSession): SwitchReconciler {
    this.reconcilers.get(session.dpid)?.stop();
    const { auditIntervalMs, auditFlowsPerSecond, ...settings } = this.opts;
    const rec = new SwitchReconciler({ ...settings, session, onRealized: (dpid, gen) => this.tracker.setRealized(dpid, gen) });
    this.reconcilers.set(session.dpid, rec);
    this.audits?.add(session.dpid, { flows: () => this.desired.get(session.dpid)?.flowCount ?? 0, audit: () => rec.audit() });
    this.tracker.setConnected(session.dpid, true);
    rec.start();
    // Until the compiler has spoken for this switch its tables are only read
    // (reconciling against nothing would delete every Spotlight flow on it),
    // except for the bootstrap flows, which are only added.
    const t = this.desired.get(session.dpid);
    // A switch whose tables are still being keyed gets them when they are done (buildTables).
    if (this.building.has(session.dpid)) this.log.debug('desired tables still being keyed', { dpid: session.dpid });
    else if (t && t.version === session.version) rec.setDesiredTables(this.generation, t, 'all');
    else {
      const b = this.bootstraps.get(session.dpid);
      if (b && b.version === session.version) rec.setBootstrap(b);
    }
    this.log.info('switch attached to reconciler', { dpid: session.dpid, version: session.version, bundles: session.supportsBundles });
    return rec;
  }

  disconnect(dpid: Dpid): void {
    const rec = this.reconcilers.get(dpid);
    if (!rec) return;
    rec.stop();
    this.reconcilers.delete(dpid);
    this.audits?.remove(dpid);
    this.tracker.setConnected(dpid, false);
    this.log.info('switch detached from reconciler', { dpid });
  }

  waitFor(generation: number, timeoutMs: number): Promise<WaitOutcome> {
    return this.tracker.waitFor(generation, timeoutMs);
  }

  /** This controller became master of the switch: read its table again and reconcile. */
  resume(dpid: Dpid): void {
    this.reconcilers.get(dpid)?.resume();
  }

  audit(dpid: Dpid): Promise<PassReport | undefined> {
    const rec = this.reconcilers.get(dpid);
    return rec ? rec.audit() : Promise.resolve(undefined);
  }

  status(dpid: Dpid): SwitchReconcileStatus {
    const rec = this.reconcilers.get(dpid);
    const realized = this.tracker.realizedGeneration(dpid);
    const desired = this.desired.get(dpid);
    return {
      dpid,
      connected: rec !== undefined,
      ...(rec ? { state: rec.state } : {}),
      ...(realized !== undefined ? { realizedGeneration: realized } : {}),
      installedFlows: rec?.installedCount ?? 0,
      desiredFlows: desired?.flowCount ?? 0,
      ...(desired?.version === OFP13_VERSION ? { desiredGroups: groupCounts(desired.groups.values()) } : {}),
      failures: rec?.flowFailures() ?? [],
    };
  }

  /** Every switch that is connected or has desired flows, by datapath id. */
  statusAll(): SwitchReconcileStatus[] {
    const dpids = new Set<Dpid>([...this.desired.keys(), ...this.reconcilers.keys()]);
    return [...dpids].sort().map((d) => this.status(d));
  }

  /** Resolves once every reconciler is idle (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.buildLoop) await this.buildLoop;
    for (const rec of this.reconcilers.values()) await rec.idle();
  }

  close(): void {
    for (const dpid of [...this.reconcilers.keys()]) this.disconnect(dpid);
    this.audits?.stop();
  }
}

function groupCounts(groups: Iterable<{ groupType: GroupType }>): GroupCounts {
  const n: GroupCounts = { all: 0, select: 0, indirect: 0, ff: 0 };
  for (const g of groups) n[g.groupType]++;
  return n;
}

/** The same flows (by key and content), groups and meters. */
function sameTables(a: DesiredTables, b: DesiredTables): boolean {
  if (a.version !== b.version || a.flowCount !== b.flowCount || a.groups.size !== b.groups.size || a.meters.size !== b.meters.size) return false;
  for (const [k, f] of a.entries()) if (!DesiredTables.sameContent(f, b.flow(k))) return false;
  for (const [id, g] of a.groups) if (JSON.stringify(g) !== JSON.stringify(b.groups.get(id))) return false;
  for (const [id, m] of a.meters) if (JSON.stringify(m) !== JSON.stringify(b.meters.get(id))) return false;
  return true;
}

/** Keys `flows` from index `from` into `t` until `deadline` (performance.now() time) or the end; returns where it stopped. */
function keyFlows(t: DesiredTables, flows: readonly DesiredFlow[], from: number, deadline: number): number {
  let i = from;
  while (i < flows.length) {
    const end = Math.min(flows.length, i + TABLES_CHUNK);
    t.apply([], flows.slice(i, end), { removed: [], added: [] }, { removed: [], added: [] }, noChanges());
    i = end;
    if (performance.now() >= deadline) break;
  }
  return i;
}

/** A switch's whole desired state, keyed. */
function tablesOf(sf: SwitchFlows): DesiredTables {
  const t = new DesiredTables(sf.version);
  t.apply([], sf.flows, { removed: [], added: sf.groups }, { removed: [], added: sf.meters }, noChanges());
  return t;
}
