// A per-second admission count (fixed one-second windows on the injected clock).
import type { Clock } from './clock.js';

export class RateWindow {
  private start = -Infinity;
  private count = 0;
  /** Rejected since creation. */
  dropped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    /** Called when a window closes having rejected some (for a log line a second at most). */
    private readonly onWindowDropped: (dropped: number) => void = () => undefined,
  ) {}

  admit(): boolean {
    const now = this.clock.now();
    if (now - this.start >= 1000) {
      if (this.count > this.perSecond) this.onWindowDropped(this.count - this.perSecond);
      this.start = now;
      this.count = 0;
    }
    this.count++;
    if (this.count <= this.perSecond) return true;
    this.dropped++;
    return false;
  }
}
