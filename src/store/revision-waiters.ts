// Writes waiting for the etcd watch to bring a revision: each is told true once
// the model has been applied up to its revision, false when its time runs out
// or the store stops following etcd.

interface Waiter {
  revision: number;
  resolve: (reached: boolean) => void;
}

export class RevisionWaiters {
  private waiters: Waiter[] = [];

  /** Resolves true once `reached(revision or later)` is called, false after `timeoutMs` (then `onTimeout` runs) or `failAll`. */
  wait(revision: number, timeoutMs: number, onTimeout: () => void): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = { revision, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        onTimeout();
        resolve(false);
      }, timeoutMs);
      waiter.resolve = (reached: boolean) => {
        clearTimeout(timer);
        resolve(reached);
      };
      this.waiters.push(waiter);
    });
  }

  /** The model is applied up to `revision`: every waiter at or below it is told true. */
  reached(revision: number): void {
    if (this.waiters.length === 0) return;
    const still = [];
    for (const w of this.waiters) {
      if (w.revision <= revision) w.resolve(true);
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Every waiter is told false (the store closed, or stopped following etcd). */
  failAll(): void {
    for (const w of this.waiters.splice(0)) w.resolve(false);
  }
}
