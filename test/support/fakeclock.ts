// Manual time for every timer test: nothing fires until the test moves time on.
import type { Clock, TimerHandle } from '../../src/clock.js';

interface Timer {
  id: number;
  at: number;
  every: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, Timer>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, ms);
  }

  /** Timers armed and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let next = this.due(end); next; next = this.due(end)) this.fire(next);
    this.t = end;
  }

  /** As advance, letting pending promise chains run after each timer and at the end. */
  async advanceSettling(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let next = this.due(end); next; next = this.due(end)) {
      this.fire(next);
      await settle();
    }
    this.t = end;
    await settle();
  }

  /** The earliest timer due by `end` (the first armed among equals). */
  private due(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const tm of this.timers.values()) if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.id < next.id))) next = tm;
    return next;
  }

  private fire(tm: Timer): void {
    this.t = tm.at;
    if (tm.every > 0) tm.at += tm.every;
    else this.timers.delete(tm.id);
    tm.fn();
  }

  private add(fn: () => void, ms: number, every: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), every, fn });
    return { cancel: () => void this.timers.delete(id) };
  }
}

/** Lets pending promise chains run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
