// Keeps the switches' desired flows in step with the model and the fabric:
// the store's change feed and the topology's changes go through the
// incremental compiler, and every switch whose flows changed is published to
// the reconciler with the store generation they carry.
//
// Right after a start the fabric is not known yet (links appear only once
// discovery probes have crossed them), and flows compiled over a partial
// fabric would tear down forwarding that the switches still hold from before
// a restart. So nothing is published until the topology settles: every
// described link discovered, or, without a description, no change for a
// quiet period; at the latest after `maxHoldMs`.
import { FlowCompiler } from '../compiler/compile.js';
import type { DesiredFlow } from '../compiler/types.js';
import type { Logger } from '../log.js';
import type { ModelChange, ModelSnapshot } from '../model/types.js';
import type { Store } from '../store/index.js';
import type { Dpid, TopologySnapshot } from '../topo/types.js';

export interface TopologyFeed {
  snapshot(): TopologySnapshot;
  onChange(listener: (snap: TopologySnapshot) => void): () => void;
}

export interface FlowSink {
  publish(generation: number, perSwitch: ReadonlyMap<Dpid, readonly DesiredFlow[]>): Dpid[];
}

export interface CompileLoopOptions {
  store: Pick<Store, 'snapshot' | 'onCommit'>;
  topology: TopologyFeed;
  sink: FlowSink;
  logger: Logger;
  /** Links the described fabric has; the hold ends once that many are discovered. */
  expectedLinks?: number;
  /** Without a description: the hold ends after this long without a topology change. */
  quietMs?: number;
  /** The hold ends at the latest this long after the first switch connected. */
  maxHoldMs?: number;
  now?: () => number;
}

export class CompileLoop {
  private compiler: FlowCompiler | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  private pendingChanges: ModelChange[] = [];
  private topoDirty = false;
  private scheduled = false;
  private held = true;
  /** When the first switch was seen connected: the hold's clock starts there. */
  private firstSwitchAt: number | undefined;
  private lastTopoChange: number;
  private holdTimer: ReturnType<typeof setInterval> | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private stopped = false;
  private fabricSeen: { switches: number; links: number } = { switches: 0, links: 0 };
  /** Last published generation. */
  published = -1;

  constructor(private readonly opts: CompileLoopOptions) {
    this.log = opts.logger.child({ component: 'compile' });
    this.now = opts.now ?? Date.now;
    this.lastTopoChange = this.now();
  }

  get holding(): boolean {
    return this.held;
  }

  start(): void {
    this.compiler = new FlowCompiler(this.opts.store.snapshot(), this.opts.topology.snapshot());
    this.unsubscribe.push(
      this.opts.store.onCommit((c) => {
        this.pendingChanges.push(...c.changes);
        this.schedule();
      }),
      this.opts.topology.onChange(() => {
        this.topoDirty = true;
        this.lastTopoChange = this.now();
        this.schedule();
      }),
    );
    this.holdTimer = setInterval(() => this.checkHold(), 100);
    this.holdTimer.unref();
    this.checkHold();
  }

  stop(): void {
    this.stopped = true;
    if (this.holdTimer) clearInterval(this.holdTimer);
    for (const u of this.unsubscribe.splice(0)) u();
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
    // With no switch there is nothing to publish to: the hold runs from the first one.
    if (this.firstSwitchAt === undefined) {
      if (![...snap.switches.values()].some((s) => s.connected)) return;
      this.firstSwitchAt = t;
    }
    let reason: string | undefined;
    if (this.opts.expectedLinks !== undefined && this.opts.expectedLinks > 0) {
      if (snap.links.length >= this.opts.expectedLinks) reason = 'described links discovered';
    } else if ([...snap.switches.values()].some((s) => s.connected) && t - this.lastTopoChange >= (this.opts.quietMs ?? 3000)) {
      reason = 'topology quiet';
    }
    if (!reason && t - this.firstSwitchAt >= (this.opts.maxHoldMs ?? 15_000)) reason = 'hold time over';
    if (!reason) return;
    this.held = false;
    if (this.holdTimer) clearInterval(this.holdTimer);
    this.log.info('topology settled; publishing flows', { reason, links: snap.links.length, switches: snap.switches.size });
    this.topoDirty = true;
    this.flush();
  }

  /** Compiles what changed; publishes unless the start-up hold is on. */
  flush(): void {
    const compiler = this.compiler;
    if (!compiler || this.stopped) return;
    const model: ModelSnapshot = this.opts.store.snapshot();
    if (!this.topoDirty && this.pendingChanges.length === 0) return;
    const started = performance.now();
    const changes = this.pendingChanges;
    this.pendingChanges = [];
    let touched = compiler.apply(changes, model);
    const fabricChanged = this.topoDirty;
    if (this.topoDirty) {
      this.topoDirty = false;
      // A new fabric recompiles everything (paths change globally).
      const topo = this.opts.topology.snapshot();
      compiler.setTopology(topo);
      this.fabricSeen = { switches: [...topo.switches.values()].filter((s) => s.connected).length, links: topo.links.length };
      touched = new Set(compiler.result().switches.keys());
    }
    if (this.held) return;
    const perSwitch = new Map<Dpid, DesiredFlow[]>();
    for (const dpid of touched) perSwitch.set(dpid, compiler.flowsOf(dpid).flows);
    const generation = model.generation;
    const changed = this.opts.sink.publish(generation, perSwitch);
    this.published = generation;
    if (fabricChanged && changed.length > 0) this.log.info('fabric changed; flows recompiled', { generation, ...this.fabricSeen, changedSwitches: changed });
    this.log.debug('compiled', { generation, switches: touched.size, changed: changed.length, ms: Math.round(performance.now() - started) });
    if (this.log.isDebugEnabled()) for (const d of compiler.diagnostics()) this.log.debug('compile diagnostic', { ...d });
  }
}
