// The queue both stores put writes through, and their change feed. Writes
// wait in order and are handed out one group at a time, so concurrent callers
// share one durable write (one fsync, or one etcd transaction).
import type { Logger } from '../log.js';
import type { ModelCommit } from '../model/types.js';
import { StoreError } from './errors.js';
import type { GroupOutcome } from './group.js';
import type { ApplyResult, CommitListener, ModelOp } from './store.js';

export interface PendingWrite {
  op: ModelOp;
  resolve: (r: ApplyResult) => void;
  reject: (e: unknown) => void;
}

/** Upper bound on operations that share one write, to bound its size. */
export const MAX_GROUP = 256;

export class WriteQueue {
  private readonly queue: PendingWrite[] = [];
  private draining = false;
  private closed = false;
  /** Awaited before each group runs (Store.gateGroups). */
  gate: (() => Promise<void>) | undefined;
  /** Called once each group is over: its commits emitted, or its callers refused. */
  settled: (() => void) | undefined;

  /**
   * `runGroup` takes writes from the front of the array it is given (at least
   * one), settles them and says how many it took; should it throw, the whole
   * array is rejected with its error.
   */
  constructor(private readonly runGroup: (group: PendingWrite[]) => Promise<number>) {}

  push(op: ModelOp): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new StoreError('store_closed', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Runs `task` alone: after the group being written, before any queued write
   * (which waits, and runs on what the task left).
   */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('store_closed', 'the store is closed');
    while (this.draining) await new Promise((r) => setImmediate(r));
    this.draining = true;
    try {
      return await task();
    } finally {
      this.draining = false;
      if (this.queue.length > 0) void this.drain();
    }
  }

  /** Refuses new writes and resolves once the queued ones are settled. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        if (this.gate) await this.gate();
        const group = this.queue.slice(0, MAX_GROUP);
        let taken: number;
        try {
          taken = Math.max(1, await this.runGroup(group));
        } catch (e) {
          for (const p of group) p.reject(e);
          taken = group.length;
        }
        this.settled?.();
        this.queue.splice(0, taken);
        // Whatever the database's speed, keepalives, packet-ins and timers get a turn between groups.
        if (this.queue.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.draining = false;
    }
  }
}

export class CommitFeed {
  private readonly listeners = new Set<CommitListener>();

  constructor(private readonly logger: Logger) {}

  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(commit: ModelCommit): void {
    for (const l of this.listeners) {
      try {
        l(commit);
      } catch (e) {
        this.logger.error('change feed listener failed', { generation: commit.generation, error: String(e) });
      }
    }
  }
}

/** Answers the callers of a group, in order. */
export function settle(group: readonly PendingWrite[], outcomes: readonly GroupOutcome[]): void {
  outcomes.forEach((r, i) => {
    const p = group[i]!;
    if ('thrown' in r) p.reject(r.thrown);
    else p.resolve(r);
  });
}
