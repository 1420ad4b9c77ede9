// Which generation each switch has confirmed, and waiting for a generation to
// be live: `?wait` on a write answers once every connected switch that the
// generation touched has confirmed (barrier) its flows.
import { systemClock, type Clock, type Dpid } from './ports.js';

export type WaitOutcome = 'realized' | 'timeout';

interface Waiter {
  generation: number;
  resolve: (o: WaitOutcome) => void;
  timer: unknown;
}

/** Generations whose touched set is kept for waiters; older ones are forgotten. */
const KEEP_GENERATIONS = 4096;

export class RealizationTracker {
  private readonly clock: Clock;
  private readonly touched = new Map<number, ReadonlySet<Dpid>>();
  /** Published generations, increasing. */
  private readonly order: number[] = [];
  private readonly realized = new Map<Dpid, number>();
  private readonly connected = new Set<Dpid>();
  private waiters: Waiter[] = [];
  private published = -1;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
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
    this.check();
  }

  setConnected(dpid: Dpid, connected: boolean): void {
    if (connected) this.connected.add(dpid);
    else this.connected.delete(dpid);
    this.check();
  }

  setRealized(dpid: Dpid, generation: number): void {
    if (generation <= (this.realized.get(dpid) ?? -1)) return;
    this.realized.set(dpid, generation);
    this.check();
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
    return [...touched].filter((d) => this.connected.has(d) && (this.realized.get(d) ?? -1) < carrier);
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

  private check(): void {
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.isRealized(w.generation)) {
        this.clock.clearTimeout(w.timer);
        w.resolve('realized');
      } else still.push(w);
    }
    this.waiters = still;
  }
}
