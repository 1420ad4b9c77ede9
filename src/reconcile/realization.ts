// Which generation each switch has confirmed, and waiting for a generation to
// be live: `?wait` on a write answers once every connected switch that the
// generation touched has confirmed (barrier) its flows.
//
// The switches a change touches are those whose compiled flows it changed,
// and the switches its records name (a VM's or gateway's attachment): a
// switch that is not connected has no flows compiled for its ports yet, yet
// the change is waiting for it. Not connected, it cannot confirm: the answer
// lists it as pending instead of waiting for it.
//
// In a cluster only the switches' master writes to them. On the other
// instances (source 'shared') "connected" means driven by the master, and
// the generations come from what the master shares through etcd; their own
// reconcilers stand by and are never waited for.
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import type { Dpid } from '../openflow/dpid.js';

export type WaitOutcome = 'realized' | 'timeout';

/** What `?wait` answers: realized or not, and which switches it could not wait for or waited for in vain. */
export interface WaitReport {
  outcome: WaitOutcome;
  /** Touched switches that are not connected: their flows go out when they connect. */
  pending: Dpid[];
  /** On timeout: the connected touched switches that have not confirmed, with the generation each has confirmed. */
  lagging: { dpid: Dpid; realizedGeneration: number | null }[];
}

export interface ChangeWait {
  generation: number;
  /** Switches the change's records name (attachments before and after). */
  named: Iterable<Dpid>;
  timeoutMs: number;
  /** True while publication is held after a start (the fabric has not settled yet). */
  held?: () => boolean;
}

interface Waiter {
  generation: number;
  resolve: (o: WaitOutcome) => void;
  timer: TimerHandle | undefined;
}

interface ChangeWaiter {
  req: ChangeWait;
  named: ReadonlySet<Dpid>;
  resolve: (r: WaitReport) => void;
  timer: TimerHandle | undefined;
  /**
   * Once its generation is published: the published generation that carries
   * it, and the connected switches it still waits for (indexed in
   * `waitingOn`). Before: undefined, as what it waits for is not known yet.
   */
  lagging: Set<Dpid> | undefined;
  carrier: number;
}

/** Generations whose touched set is kept for waiters; older ones are forgotten. */
const KEEP_GENERATIONS = 4096;
/** Switches that are away whose realized generation is still shown; the one away longest is forgotten first. */
const KEEP_AWAY = 4096;

export class RealizationTracker {
  private readonly clock: Clock;
  private readonly touched = new Map<number, ReadonlySet<Dpid>>();
  /** Published generations, increasing. */
  private readonly order: number[] = [];
  private readonly realized = new Map<Dpid, number>();
  /** Switches with a session to this instance's reconcilers. */
  private readonly connected = new Set<Dpid>();
  /** Switches the cluster's master drives, as it shares them (source 'shared'). */
  private readonly driven = new Set<Dpid>();
  private source: 'local' | 'shared' = 'local';
  private readonly connectedListeners = new Set<(dpid: Dpid, connected: boolean) => void>();
  /** Switches that were connected and are away now, in the order they left. */
  private readonly away = new Set<Dpid>();
  private readonly keepAway: number;
  private waiters: Waiter[] = [];
  /** Published change waiters by the switches they still wait for, so a confirmation looks at its own waiters only. */
  private readonly waitingOn = new Map<Dpid, Set<ChangeWaiter>>();
  /** Every change waiter not answered yet. */
  private readonly changeWaiters = new Set<ChangeWaiter>();
  private published = -1;
  private readonly realizedListeners = new Set<(dpid: Dpid, generation: number) => void>();

  constructor(opts: { clock?: Clock; keepAway?: number } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.keepAway = opts.keepAway ?? KEEP_AWAY;
  }

  /** The compiler's output for `generation` is out; it changed the flows of `dpids`. */
  notePublished(generation: number, dpids: Iterable<Dpid>): void {
    if (generation < this.published) return;
    const prev = this.touched.get(generation);
    const set = new Set([...(prev ?? []), ...dpids]);
    this.touched.set(generation, set);
    if (!prev) this.order.push(generation);
    this.published = generation;
    while (this.order.length > KEEP_GENERATIONS) this.touched.delete(this.order.shift()!);
    // Published again (a topology change compiled at the same generation):
    // the waiters it carries may now touch more switches.
    const grown = prev !== undefined && set.size > prev.size;
    for (const w of this.changeWaiters) {
      if (w.lagging === undefined ? w.req.generation <= generation : grown && w.carrier === generation) this.evaluate(w);
    }
    this.checkGenerationWaiters();
  }

  setConnected(dpid: Dpid, connected: boolean): void {
    this.away.delete(dpid);
    if (connected) this.connected.add(dpid);
    else {
      this.connected.delete(dpid);
      // A peer inventing datapath ids must not grow the table: the switch away longest is forgotten.
      this.away.add(dpid);
      for (const old of this.away) {
        if (this.away.size <= this.keepAway) break;
        this.forget(old);
      }
    }
    this.evaluateAll();
    for (const l of this.connectedListeners) l(dpid, connected);
  }

  /** Tells `listener` each time a switch's session to this instance comes or goes. */
  onConnected(listener: (dpid: Dpid, connected: boolean) => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  /**
   * Who confirms the switches: this instance's reconcilers ('local': a
   * single controller, or the cluster's leader), or the master as it shares
   * them ('shared': an instance whose reconcilers stand by).
   */
  setSource(source: 'local' | 'shared'): void {
    if (source === this.source) return;
    this.source = source;
    this.evaluateAll();
  }

  /** What the master shares about a switch: whether it drives it, and the generation it confirmed (only ever raised). */
  setShared(dpid: Dpid, driven: boolean, realized: number | undefined): void {
    const changed = driven !== this.driven.has(dpid);
    if (driven) this.driven.add(dpid);
    else this.driven.delete(dpid);
    if (changed) this.evaluateAll();
    if (realized !== undefined && realized > (this.realized.get(dpid) ?? -1)) this.setRealized(dpid, realized);
  }

  /** Connected, for `?wait`: to this instance's reconcilers, or driven by the master. */
  private isConnected(dpid: Dpid): boolean {
    return this.source === 'local' ? this.connected.has(dpid) : this.driven.has(dpid);
  }

  private connectedCount(): number {
    return this.source === 'local' ? this.connected.size : this.driven.size;
  }

  /** Switches whose realized generation is known (connected or away). */
  get knownSwitches(): number {
    return this.realized.size;
  }

  setRealized(dpid: Dpid, generation: number): void {
    if (generation <= (this.realized.get(dpid) ?? -1)) return;
    this.realized.set(dpid, generation);
    const waiting = this.waitingOn.get(dpid);
    if (waiting) {
      for (const w of [...waiting]) {
        if (generation < w.carrier) continue;
        waiting.delete(w);
        w.lagging!.delete(dpid);
        if (w.lagging!.size === 0) this.evaluate(w);
      }
      if (waiting.size === 0) this.waitingOn.delete(dpid);
    }
    this.checkGenerationWaiters();
    for (const l of this.realizedListeners) l(dpid, generation);
  }

  /** Tells `listener` each time a switch confirms a newer generation. */
  onRealized(listener: (dpid: Dpid, generation: number) => void): () => void {
    this.realizedListeners.add(listener);
    return () => this.realizedListeners.delete(listener);
  }

  /** A switch left the fabric for good: nothing is kept about it. */
  forget(dpid: Dpid): void {
    this.realized.delete(dpid);
    this.connected.delete(dpid);
    this.away.delete(dpid);
    this.driven.delete(dpid);
    this.evaluateAll();
  }

  /** The highest generation this switch has confirmed, if any. */
  realizedGeneration(dpid: Dpid): number | undefined {
    return this.realized.get(dpid);
  }

  /**
   * Switches that `generation` touched and that are connected but not there
   * yet. A generation that was never published on its own (the compiler ran
   * once for several commits) counts with the first published one after it,
   * which carries its changes.
   */
  pending(generation: number): Dpid[] | undefined {
    if (generation > this.published) return undefined;
    const carrier = this.carrierOf(generation);
    if (carrier === undefined) return [];
    const touched = this.touched.get(carrier)!;
    return [...touched].filter((d) => this.isConnected(d) && (this.realized.get(d) ?? -1) < carrier);
  }

  /** The first published generation at or after `generation` (publications only grow). */
  private carrierOf(generation: number): number | undefined {
    const gens = this.order;
    let lo = 0;
    let hi = gens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gens[mid]! < generation) lo = mid + 1;
      else hi = mid;
    }
    return gens[lo];
  }

  isRealized(generation: number): boolean {
    const p = this.pending(generation);
    return p !== undefined && p.length === 0;
  }

  waitFor(generation: number, timeoutMs: number): Promise<WaitOutcome> {
    if (this.isRealized(generation)) return Promise.resolve('realized');
    return new Promise<WaitOutcome>((resolve) => {
      const waiter: Waiter = { generation, resolve, timer: undefined };
      waiter.timer = this.clock.setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve('timeout');
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * Waits for a written change under `?wait`'s rules: every connected switch
   * that the change touches confirms the generation (barrier), or the time
   * runs out. Touched switches that are not connected are not waited for;
   * with none connected the answer is at once. Until the compiler has
   * published the generation, the connected switches it may touch are
   * unknown and it waits for publication, except when no switch is connected
   * at all, or publication is held at start-up and none of the named
   * switches is connected (nothing reaches any switch before the hold ends).
   */
  waitForChange(req: ChangeWait): Promise<WaitReport> {
    const w: ChangeWaiter = { req, named: new Set(req.named), resolve: () => undefined, timer: undefined, lagging: undefined, carrier: -1 };
    const now = this.changeState(w);
    if (now.outcome === 'realized' || req.timeoutMs <= 0) return Promise.resolve(now);
    return new Promise<WaitReport>((resolve) => {
      w.resolve = resolve;
      w.timer = this.clock.setTimeout(() => {
        this.unindex(w);
        this.changeWaiters.delete(w);
        resolve(this.changeState(w));
      }, req.timeoutMs);
      this.changeWaiters.add(w);
      this.index(w, now);
    });
  }

  /** Answers `w` if its change is realized; otherwise indexes it under the switches it still waits for. */
  private evaluate(w: ChangeWaiter): void {
    const r = this.changeState(w);
    this.unindex(w);
    if (r.outcome === 'realized') {
      this.changeWaiters.delete(w);
      w.timer?.cancel();
      w.resolve(r);
      return;
    }
    this.index(w, r);
  }

  /** Every waiter again: after a change of who is connected, which moves what each one waits for. */
  private evaluateAll(): void {
    for (const w of [...this.changeWaiters]) this.evaluate(w);
    this.checkGenerationWaiters();
  }

  private index(w: ChangeWaiter, r: WaitReport): void {
    if (w.req.generation > this.published) return;
    w.carrier = this.carrierOf(w.req.generation) ?? w.req.generation;
    w.lagging = new Set(r.lagging.map((l) => l.dpid));
    for (const d of w.lagging) {
      let ws = this.waitingOn.get(d);
      if (!ws) this.waitingOn.set(d, (ws = new Set()));
      ws.add(w);
    }
  }

  private unindex(w: ChangeWaiter): void {
    if (w.lagging === undefined) return;
    for (const d of w.lagging) {
      const ws = this.waitingOn.get(d);
      ws?.delete(w);
      if (ws?.size === 0) this.waitingOn.delete(d);
    }
    w.lagging = undefined;
  }

  /** Where a waited-for change stands now: 'realized', or 'timeout' with the switches still lagging. */
  private changeState(w: ChangeWaiter): WaitReport {
    const gen = w.req.generation;
    const notConnected = (d: Dpid): boolean => !this.isConnected(d);
    const behind = (dpids: Iterable<Dpid>, upTo: number): WaitReport['lagging'] =>
      [...dpids].filter((d) => this.isConnected(d) && (this.realized.get(d) ?? -1) < upTo).sort().map((d) => ({ dpid: d, realizedGeneration: this.realized.get(d) ?? null }));
    if (gen > this.published) {
      const pending = [...w.named].filter(notConnected).sort();
      const nothingToWaitFor = this.connectedCount() === 0 || (w.req.held?.() === true && pending.length === w.named.size);
      if (nothingToWaitFor) return { outcome: 'realized', pending, lagging: [] };
      // Not compiled yet: the named switches that are connected are the ones known to lag.
      return { outcome: 'timeout', pending, lagging: behind(w.named, gen) };
    }
    const carrier = this.carrierOf(gen);
    const touched = new Set<Dpid>([...(carrier === undefined ? [] : this.touched.get(carrier)!), ...w.named]);
    const pending = [...touched].filter(notConnected).sort();
    const lagging = carrier === undefined ? [] : behind(this.touched.get(carrier)!, carrier);
    return { outcome: lagging.length === 0 ? 'realized' : 'timeout', pending, lagging };
  }

  /** Waiters on a bare generation (`waitFor`): few, and looked at whenever anything moves. */
  private checkGenerationWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.isRealized(w.generation)) {
        w.timer?.cancel();
        w.resolve('realized');
      } else still.push(w);
    }
    this.waiters = still;
  }
}
