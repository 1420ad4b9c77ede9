// PACKET_IN admission for one switch, fair across input ports, in fixed
// one-second windows on the injected clock.
//
// The switch budget (perSecond) is split in two halves. One half is reserved:
// each input port with a bucket may always take `share` packet-ins per window,
// share = floor(perSecond / 2 / maxBuckets). The other half is a pool that any
// port may use first come, first served. A port flooding far above the budget
// thus gets its share plus at most the pool, and every other port still gets
// its share in the same window: discovery probes on fabric ports survive a
// flooding VM on OpenFlow 1.0, where no meter stands in front of us.
//
// No port takes more than `perPort` a window, pool or not: every PACKET_IN
// admitted costs the controller work (an ARP answer, a probe check), and a
// port flooding at the whole switch budget would turn the channel's fairness
// into a flood the controller still has to serve. Access ports need a few a
// second (ARP, neighbour discovery, a migration's announcement), fabric ports
// one probe per neighbour port and interval.
//
// Bounds: admitted per window <= perSecond; buckets per window <= maxBuckets
// (the switch's port count plus a slack, read when a window opens). Buckets
// live for one window only, so idle ports are forgotten at each roll. A port
// that finds the bucket table full draws on the pool alone. Drop counters per
// port are bounded the same way; the least recently dropping port is folded
// into `otherPortsDropped` when room is needed.
import type { Clock } from '../clock.js';

/** Reserved part of the budget, split evenly across port buckets. */
const RESERVED_FRACTION = 0.5;

interface Bucket {
  admitted: number;
  dropped: number;
}

export interface WindowDrops {
  /** Dropped in the closed window. */
  dropped: number;
  /** The port that lost the most in it (undefined: only ports without a bucket lost). */
  topPort: number | undefined;
  topPortDropped: number;
}

export interface PortFairLimiterOptions {
  clock: Clock;
  /** PACKET_INs admitted per second from the whole switch. */
  perSecond: number;
  /** PACKET_INs admitted per second from one input port (default: no ceiling below perSecond). */
  perPort?: number;
  /** Ports the switch reports now (read when a window opens). */
  portCount: () => number;
  /** Buckets allowed beyond the port count (ports not reported yet, LOCAL). */
  slack: number;
  /** Called when a window closes having dropped some (a log line a second at most). */
  onWindowDropped?: (drops: WindowDrops) => void;
}

export class PortFairLimiter {
  private start = -Infinity;
  private admitted = 0;
  private pooled = 0;
  private share = 0;
  private pool = 0;
  private cap = 1;
  private unbucketedDropped = 0;
  private readonly buckets = new Map<number, Bucket>();
  /** Map order is recency of the last drop (oldest first). */
  private readonly droppedPerPort = new Map<number, number>();
  /** Rejected since creation. */
  dropped = 0;
  /** Drops of ports whose counter was folded away to keep the table bounded. */
  otherPortsDropped = 0;

  constructor(private readonly opts: PortFairLimiterOptions) {}

  /** Port buckets in the current window. */
  get bucketCount(): number {
    return this.buckets.size;
  }

  /** Most buckets (and per-port drop counters) allowed now. */
  get maxBuckets(): number {
    return this.cap;
  }

  /** Drops since creation per input port (bounded; see otherPortsDropped). */
  get droppedByPort(): ReadonlyMap<number, number> {
    return this.droppedPerPort;
  }

  admit(inPort: number): boolean {
    const now = this.opts.clock.now();
    if (now - this.start >= 1000) this.roll(now);
    let bucket = this.buckets.get(inPort);
    if (bucket === undefined && this.buckets.size < this.cap) {
      bucket = { admitted: 0, dropped: 0 };
      this.buckets.set(inPort, bucket);
    }
    if (this.admitted < this.opts.perSecond && (bucket?.admitted ?? 0) < (this.opts.perPort ?? Infinity)) {
      if (bucket !== undefined && bucket.admitted < this.share) {
        bucket.admitted++;
        this.admitted++;
        return true;
      }
      if (this.pooled < this.pool) {
        if (bucket !== undefined) bucket.admitted++;
        this.pooled++;
        this.admitted++;
        return true;
      }
    }
    this.dropped++;
    if (bucket !== undefined) bucket.dropped++;
    else this.unbucketedDropped++;
    this.countDrop(inPort);
    return false;
  }

  private roll(now: number): void {
    this.report();
    this.start = now;
    this.admitted = 0;
    this.pooled = 0;
    this.unbucketedDropped = 0;
    this.buckets.clear();
    this.cap = Math.max(1, this.opts.portCount() + this.opts.slack);
    const perSecond = Math.max(0, this.opts.perSecond);
    this.share = Math.floor((perSecond * RESERVED_FRACTION) / this.cap);
    this.pool = perSecond - this.share * this.cap;
  }

  private report(): void {
    const cb = this.opts.onWindowDropped;
    if (cb === undefined) return;
    let dropped = this.unbucketedDropped;
    let topPort: number | undefined;
    let topPortDropped = 0;
    for (const [port, b] of this.buckets) {
      dropped += b.dropped;
      if (b.dropped > topPortDropped) {
        topPort = port;
        topPortDropped = b.dropped;
      }
    }
    if (dropped > 0) cb({ dropped, topPort, topPortDropped });
  }

  private countDrop(inPort: number): void {
    const prev = this.droppedPerPort.get(inPort);
    if (prev !== undefined) {
      this.droppedPerPort.delete(inPort);
      this.droppedPerPort.set(inPort, prev + 1);
      return;
    }
    while (this.droppedPerPort.size >= this.cap) {
      const [oldPort, oldCount] = this.droppedPerPort.entries().next().value as [number, number];
      this.droppedPerPort.delete(oldPort);
      this.otherPortsDropped += oldCount;
    }
    this.droppedPerPort.set(inPort, 1);
  }
}
