// Keeps the switches' desired state in step with the model and the fabric:
// the store's change feed and the topology's changes go through the
// incremental compiler, and what changed on each switch is handed to the
// reconciler with the store generation it carries.
//
// Nothing here holds the event loop for long: the model is loaded into the
// compiler in slices at start, and a change that touches much (a fabric
// event that moves every route) is lowered over several turns; a generation
// is published once all of its work is done.
//
// Right after a start the fabric is not known yet (links appear only once
// discovery probes have crossed them), and flows compiled over a partial
// fabric would tear down forwarding that the switches still hold from before
// a restart. So nothing is published until the topology settles: every
// described link discovered, or, without a description, no change for a
// quiet period; at the latest after `maxHoldMs`. Meanwhile the compiler keeps
// up with every change, and each switch only gets the flows discovery needs
// (its traps), added where missing; at the end of the hold every switch gets
// its whole desired state at once. In a cluster a follower discovers no
// link: its hold lasts until the leader has shared the fabric (`mayRelease`),
// and starts again if it takes over before that (`restartHold`).
import { FlowCompiler, type CompilerOptions } from '../compiler/compile.js';
import type { SwitchDelta, SwitchFlows } from '../compiler/types.js';
import type { Logger } from '../log.js';
import type { ModelChange, ModelSnapshot } from '../model/types.js';
import type { Store } from '../store/index.js';
import type { Dpid } from '../openflow/dpid.js';
import type { TopologyEvent, TopologyFeed, TopologySnapshot } from '../topo/types.js';

export interface FlowSink {
  publish(generation: number, deltas: ReadonlyMap<Dpid, SwitchDelta>, full: (dpid: Dpid) => SwitchFlows): Dpid[];
  /** Before the first publication: flows a switch needs at once (discovery's traps), added only. */
  bootstrap(dpid: Dpid, flows: SwitchFlows): void;
  /** A switch left the fabric: nothing is kept for it. */
  forget(dpid: Dpid): void;
}

export interface CompileLoopOptions {
  store: Pick<Store, 'snapshot' | 'onCommit'>;
  topology: TopologyFeed;
  sink: FlowSink;
  logger: Logger;
  compiler?: CompilerOptions;
  /** Links the described fabric has; the hold ends once that many are discovered. */
  expectedLinks?: number;
  /** Without a description: the hold ends after this long without a topology change. */
  quietMs?: number;
  /** The hold ends at the latest this long after the first switch connected. */
  maxHoldMs?: number;
  /**
   * With several controllers: false while this instance cannot know the
   * fabric (a follower discovers no link until the leader shares its view),
   * and the hold lasts, whatever the time.
   */
  mayRelease?: () => boolean;
  /** The hold ended and every switch got its whole desired state. */
  onSettled?: () => void;
  now?: () => number;
}

/** A write compiled ahead of the store: its changes take the model from generation `from` (state `before`) to the next (state `after`). */
interface Trial {
  from: number;
  changes: readonly ModelChange[];
  before: ModelSnapshot;
  after: ModelSnapshot;
}

/** How long one turn of compiling may take before the event loop is served (keepalives, hooks, packet-ins). */
const SLICE_MS = 10;

/** What topology changes are waiting for the next flush. */
interface TopologyWork {
  /** Compare the whole snapshot (a feed without events, or the start). */
  whole: boolean;
  switches: Set<Dpid>;
  links: boolean;
  /** A switch itself changed (joined, left, its version or role), not only its ports: logged as a fabric change. */
  switchChanged: boolean;
}

const noTopologyWork = (): TopologyWork => ({ whole: false, switches: new Set(), links: false, switchChanged: false });

export class CompileLoop {
  private compilerValue: FlowCompiler | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private topoWork: TopologyWork = noTopologyWork();
  private fabricChanged = false;
  private scheduled = false;
  private held = true;
  /** When the first switch was seen connected: the hold's clock starts there. */
  private firstSwitchAt: number | undefined;
  private lastTopoChange: number;
  private holdTimer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;
  /** The model at start, still being fed to the compiler in slices; commits that come meanwhile wait. */
  private loading: { model: ModelSnapshot; changes: ModelChange[]; next: number; waiting: ModelChange[][] } | undefined;
  /** The end of the hold was reached: the next complete flush publishes every switch whole. */
  private publishAll = false;
  /** Last published generation. */
  published = -1;
  /** Callers waiting for the compiler to have no pending work. */
  private caughtUpWaiters: (() => void)[] = [];
  /** Writes of the store group being run, compiled ahead of the store for admission, in order. */
  private trials: Trial[] = [];

  constructor(private readonly opts: CompileLoopOptions) {
    this.log = opts.logger.child({ component: 'compile' });
    this.now = opts.now ?? Date.now;
    this.lastTopoChange = this.now();
  }

  get holding(): boolean {
    return this.held;
  }

  /** The model read at start is all in the compiler. */
  get loaded(): boolean {
    return this.loading === undefined && this.compilerValue !== undefined;
  }

  /** The live compiled state: what explain and trace read. */
  get compiler(): FlowCompiler | undefined {
    return this.compilerValue;
  }

  start(): void {
    const model = this.opts.store.snapshot();
    const empty: ModelSnapshot = { generation: model.generation, networks: new Map(), vms: new Map(), relations: new Map() };
    this.compilerValue = new FlowCompiler(empty, this.opts.topology.snapshot(), this.opts.compiler);
    this.loading = { model, changes: modelAsChanges(model), next: 0, waiting: [] };
    this.unsubscribe.push(
      this.opts.store.onCommit((c) => {
        const first = this.trials[0];
        if (first !== undefined && first.changes === c.changes) {
          // Stored as it was tried: the trial is this commit, compiled already.
          this.trials.shift();
          this.compilerValue!.applyModel([], this.opts.store.snapshot());
        } else {
          // Stored otherwise (or written by another instance): the trials make way for the commits.
          this.dropTrials(() => true);
          if (this.loading) this.loading.waiting.push(c.changes as ModelChange[]);
          else this.compilerValue!.applyModel(c.changes as ModelChange[], this.opts.store.snapshot());
        }
        this.schedule();
      }),
      this.opts.topology.onChange((_snap, events) => {
        this.noteTopology(events);
        this.lastTopoChange = this.now();
        this.schedule();
      }),
    );
    this.holdTimer = setInterval(() => this.checkHold(), 100);
    this.holdTimer.unref();
    this.schedule();
    this.checkHold();
  }

  /**
   * Still held, and from now on this instance discovers the fabric itself
   * (a follower that became leader before it ever saw the fabric): the
   * hold's clock starts again, as after a start.
   */
  restartHold(): void {
    if (!this.held) return;
    const t = this.now();
    if (this.firstSwitchAt !== undefined) this.firstSwitchAt = t;
    this.lastTopoChange = t;
    this.log.info('publication held until this instance has discovered the fabric');
  }

  /** Feeds the model loaded at start to the compiler until the deadline; true once it is all in (and the commits that waited). */
  private load(deadline: number): boolean {
    const l = this.loading;
    if (!l) return true;
    const compiler = this.compilerValue!;
    while (l.next < l.changes.length) {
      const chunk = l.changes.slice(l.next, l.next + 64);
      l.next += chunk.length;
      compiler.applyModel(chunk, l.model);
      if (performance.now() >= deadline) return false;
    }
    this.loading = undefined;
    for (const changes of l.waiting) compiler.applyModel(changes, this.opts.store.snapshot());
    this.log.info('model loaded into the compiler', { generation: this.opts.store.snapshot().generation, changes: l.changes.length });
    return true;
  }

  /** Resolves once the model loaded at start and every change so far are compiled (by the loop's slices, not at once). */
  whenCaughtUp(): Promise<void> {
    if (!this.compilerValue || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.caughtUpWaiters.push(resolve);
      this.schedule();
    });
  }

  /** Does the pending work now: the rest of the model loaded at start, and every change not yet lowered. */
  catchUp(): void {
    if (!this.compilerValue || this.stopped) return;
    this.load(Infinity);
    this.compilerValue.flushUntil(Infinity);
  }

  /**
   * Brings the compiler, trials included, to the state `s` that a write of
   * the store's current group starts from: trials of writes at or after
   * `s` (refused, or of a group that was not stored) are taken back out, and
   * writes of the group before `s` that have no trial yet (`written`, by the
   * generation they start from) are compiled as trials. False when such a
   * write is unknown: nothing is then held ahead.
   */
  trialsUpTo(s: ModelSnapshot, written: (generation: number) => readonly ModelChange[] | undefined): boolean {
    const compiler = this.compilerValue;
    if (!compiler) return true;
    this.catchUp();
    this.dropTrials((t) => t.from >= s.generation);
    const last = this.trials.at(-1);
    for (let g = last ? last.from + 1 : this.opts.store.snapshot().generation; g < s.generation; g++) {
      const changes = written(g);
      if (!changes) {
        this.dropTrials(() => true);
        return false;
      }
      // Only the state after all of them is known: each is compiled on that one.
      this.applyTrial({ from: g, changes, before: this.trials.at(-1)?.after ?? this.opts.store.snapshot(), after: s });
    }
    return true;
  }

  /**
   * Compiles a write (`changes` from `s` to `after`) ahead of the store, on
   * top of the trials `trialsUpTo(s)` left, and calls `keep` with the
   * compiler holding it; when `keep` says no, the trial is taken back out.
   * Trials are taken out before the store's next commits are compiled and
   * before anything is published, so the switches only ever get stored
   * changes. A trial whose write is stored as tried becomes that commit: its
   * change is compiled once.
   */
  tryAhead(s: ModelSnapshot, changes: readonly ModelChange[], after: ModelSnapshot, keep: () => boolean): boolean {
    if (!this.compilerValue) return keep();
    this.applyTrial({ from: s.generation, changes, before: s, after });
    let kept = false;
    try {
      kept = keep();
    } finally {
      if (!kept) this.dropTrials((t) => t.from >= s.generation);
      this.schedule();
    }
    return kept;
  }

  /** The store group whose writes were tried is over: what its commits did not take is taken out, and compiling resumes. */
  groupSettled(): void {
    if (!this.compilerValue || this.trials.length === 0) return;
    this.dropTrials(() => true);
    this.schedule();
  }

  private applyTrial(t: Trial): void {
    const compiler = this.compilerValue!;
    compiler.applyModel(t.changes, t.after);
    compiler.flushUntil(Infinity);
    this.trials.push(t);
  }

  /** Takes the trials that `which` picks, and every one after them, back out, last first. */
  private dropTrials(which: (t: Trial) => boolean): void {
    const first = this.trials.findIndex(which);
    if (first < 0) return;
    const compiler = this.compilerValue!;
    while (this.trials.length > first) {
      const t = this.trials.pop()!;
      compiler.applyModel(inverseChanges(t.changes), t.before);
    }
    compiler.flushUntil(Infinity);
  }

  stop(): void {
    this.stopped = true;
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
    if (this.holdTimer) clearInterval(this.holdTimer);
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private noteTopology(events: readonly TopologyEvent[] | undefined): void {
    const w = this.topoWork;
    if (!events) {
      w.whole = true;
      return;
    }
    for (const e of events) {
      if (e.kind === 'link') w.links = true;
      else w.switches.add(e.dpid);
      if (e.kind === 'switch') w.switchChanged = true;
    }
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // Commits of one store group, and topology changes of one event, join one compile.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private checkHold(): void {
    if (!this.held || this.stopped) return;
    const snap = this.opts.topology.snapshot();
    const t = this.now();
    const anyConnected = (): boolean => {
      for (const s of snap.switches.values()) if (s.connected) return true;
      return false;
    };
    // With no switch there is nothing to publish to: the hold runs from the first one.
    if (this.firstSwitchAt === undefined) {
      if (!anyConnected()) return;
      this.firstSwitchAt = t;
    }
    if (this.opts.mayRelease && !this.opts.mayRelease()) return;
    let reason: string | undefined;
    const links = linkCount(snap);
    if (this.opts.expectedLinks !== undefined && this.opts.expectedLinks > 0) {
      if (links >= this.opts.expectedLinks) reason = 'described links discovered';
    } else if (anyConnected() && t - this.lastTopoChange >= (this.opts.quietMs ?? 3000)) {
      reason = 'topology quiet';
    }
    if (!reason && t - this.firstSwitchAt >= (this.opts.maxHoldMs ?? 15_000)) reason = 'hold time over';
    if (!reason) return;
    this.held = false;
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.log.info('topology settled; publishing flows', { reason, links, switches: snap.switches.size });
    this.publishAll = true;
    this.flush();
    this.opts.onSettled?.();
  }

  /**
   * Compiles what changed, for one slice of time; once all of it is done,
   * publishes (or, during the start-up hold, hands out only the traps of the
   * switches that changed). Work left over goes on at the next turn.
   */
  flush(): void {
    const compiler = this.compilerValue;
    if (!compiler || this.stopped) return;
    const deadline = performance.now() + SLICE_MS;
    const started = performance.now();
    if (!this.load(deadline)) return this.schedule();
    // A store group is being written: its trials may become its commits, and
    // are never published before. The group's end (groupSettled) resumes.
    if (this.trials.length > 0) return;
    const w = this.topoWork;
    const topoChanged = w.whole || w.links || w.switches.size > 0;
    if (topoChanged) {
      this.topoWork = noTopologyWork();
      const topo = this.opts.topology.snapshot();
      if (w.whole) compiler.applyTopology(topo);
      else compiler.applyTopology(topo, w.switches, w.links);
      // A tap port coming and going is a VM's event, not the fabric's: it is not logged as one.
      if (w.whole || w.links || w.switchChanged) this.fabricChanged = true;
    }
    if (!compiler.flushUntil(deadline)) return this.schedule();
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
    const deltas = compiler.takeDeltas();
    if (this.held) {
      for (const d of deltas.keys()) this.bootstrap(d);
      return;
    }
    const generation = this.opts.store.snapshot().generation;
    const snap = this.opts.topology.snapshot();
    const toPublish = new Map(deltas);
    const all = this.publishAll;
    this.publishAll = false;
    if (all) {
      // The end of the hold: every switch gets its whole desired state (the sink asks for it), and a count per kind of problem rather than every line.
      for (const d of snap.switches.keys()) if (!toPublish.has(d)) toPublish.set(d, emptyDelta(compiler.flowsOf(d)));
      const counts: Record<string, number> = {};
      for (const d of compiler.diagnosticChanges().appeared) counts[d.code] = (counts[d.code] ?? 0) + 1;
      this.log.info('compiled state at the end of the hold', { diagnostics: counts });
    }
    // A generation that changes no switch is still published: every switch is then realized at it (?wait, realization).
    if (toPublish.size === 0 && generation <= this.published) return;
    const changed = this.opts.sink.publish(generation, toPublish, (d) => compiler.flowsOf(d));
    for (const d of deltas.keys()) if (!snap.switches.has(d)) this.opts.sink.forget(d);
    this.published = generation;
    if (this.fabricChanged && changed.length > 0) this.log.info('fabric changed; flows recompiled', { generation, changedSwitches: changed.length });
    this.fabricChanged = false;
    this.log.debug('compiled', { generation, switches: deltas.size, changed: changed.length, ms: Math.round(performance.now() - started) });
    if (!all) this.logDiagnostics(compiler);
  }

  /** Problems the last changes brought (an interface whose port is not there, a network with no path between its switches...) and those they solved, as they happen. */
  private logDiagnostics(compiler: FlowCompiler): void {
    const { appeared, resolved } = compiler.diagnosticChanges();
    // A change touches a handful of endpoints; a fabric event can touch every network: the first lines, then a count.
    const shown = 20;
    for (const d of appeared.slice(0, shown)) this.log.warn(`compile: ${d.message}`, { ...d });
    for (const d of resolved.slice(0, shown)) this.log.info(`compile: resolved: ${d.message}`, { ...d });
    if (appeared.length > shown || resolved.length > shown) this.log.warn('compile: more problems changed than shown', { appeared: appeared.length, resolved: resolved.length, shown });
  }

  /** The flows discovery needs on a switch (its traps) and the meters they name. */
  private bootstrap(dpid: Dpid): void {
    const sf = this.compilerValue!.flowsOf(dpid);
    const flows = sf.flows.filter((f) => f.stage === 'lldp-trap');
    const meters = new Set<number>();
    for (const f of flows) for (const i of f.instructions) if (i.type === 'meter') meters.add(i.meterId);
    this.opts.sink.bootstrap(dpid, { ...sf, flows, groups: [], meters: sf.meters.filter((m) => meters.has(m.meterId)) });
  }
}

/** A model as the changes that build it from nothing: networks, then VMs, then relations. */
function modelAsChanges(m: ModelSnapshot): ModelChange[] {
  const out: ModelChange[] = [];
  for (const [id, after] of m.networks) out.push({ kind: 'network', id, after });
  for (const [id, after] of m.vms) out.push({ kind: 'vm', id, after });
  for (const [id, after] of m.relations) out.push({ kind: 'relation', id, after });
  return out;
}

/** The changes that undo `changes`, last first. */
function inverseChanges(changes: readonly ModelChange[]): ModelChange[] {
  return [...changes].reverse().map((c) => ({ ...c, before: c.after, after: c.before }) as ModelChange);
}

function emptyDelta(sf: SwitchFlows): SwitchDelta {
  return { dpid: sf.dpid, version: sf.version, removedFlows: [], addedFlows: [], removedGroups: [], addedGroups: [], removedMeters: [], addedMeters: [] };
}

function linkCount(snap: TopologySnapshot): number {
  const l = snap.links as unknown;
  return l instanceof Map ? l.size : (l as readonly unknown[]).length;
}
