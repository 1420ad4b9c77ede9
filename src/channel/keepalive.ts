// Echo keepalive: after `intervalMs` with nothing received, send an ECHO_REQUEST;
// every further interval still without input counts a miss, and `maxMisses`
// misses in a row declare the switch dead. Any received byte resets it.
import type { Clock, TimerHandle } from '../clock.js';

export interface KeepaliveOptions {
  intervalMs: number;
  maxMisses: number;
}

export class Keepalive {
  private lastRx: number;
  private outstanding = false;
  private misses = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly opts: KeepaliveOptions,
    private readonly sendEcho: () => void,
    private readonly onDead: (misses: number) => void,
  ) {
    this.lastRx = clock.now();
  }

  start(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.timer = this.clock.setInterval(() => this.tick(), this.opts.intervalMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Call on every chunk received from the switch. */
  touch(): void {
    this.lastRx = this.clock.now();
    this.outstanding = false;
    this.misses = 0;
  }

  private tick(): void {
    if (this.clock.now() - this.lastRx < this.opts.intervalMs) return;
    if (this.outstanding) {
      this.misses++;
      if (this.misses >= this.opts.maxMisses) {
        this.stop();
        this.onDead(this.misses);
        return;
      }
    }
    this.outstanding = true;
    this.sendEcho();
  }
}
