// The durable model. Writes queue up and run one group at a time: every
// operation in a group is applied in order on the state left by the one
// before it and gets its own generation; the whole group is then written as
// one LevelDB batch with sync, and only after that does anyone hear of it
// (answers and the change feed). Many concurrent hooks so share one fsync.
import type { Logger } from '../log.js';
import type { ModelError } from '../model/errors.js';
import type { OpResult } from '../model/result.js';
import type { ModelChange, ModelCommit, ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { SYNC_WRITE, type KvDb } from './load.js';
import { KEY_GENERATION, keyOfChange, valueOfChange } from './records.js';

export type ModelOp = (s: ModelSnapshot) => OpResult;

export type ApplyResult =
  | { ok: true; generation: number; changed: boolean }
  | { ok: false; error: ModelError };

export type CommitListener = (commit: ModelCommit) => void;

export interface Store {
  /** The durable state: what every answered write has put there. */
  snapshot(): ModelSnapshot;
  readonly generation: number;
  /** Applies an operation; resolves once it is durable (or rejected by the model). */
  apply(op: ModelOp): Promise<ApplyResult>;
  /** The change feed: one commit per generation, after it is durable, in order. */
  onCommit(listener: CommitListener): () => void;
  /**
   * Fills an empty store (generation 0, no records) with a whole model at its
   * generation, durably, in one write; one commit on the feed creates it all.
   * A store that holds anything refuses with `store_not_empty`.
   */
  restore(model: ModelSnapshot): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  op: ModelOp;
  resolve: (r: ApplyResult) => void;
  reject: (e: unknown) => void;
}

/** Upper bound on operations that share one batch, to bound a batch's size. */
const MAX_GROUP = 256;

export class LevelStore implements Store {
  private current: ModelSnapshot;
  private readonly queue: Pending[] = [];
  private draining = false;
  private closed = false;
  private readonly listeners = new Set<CommitListener>();

  constructor(
    private readonly db: KvDb,
    initial: ModelSnapshot,
    private readonly logger: Logger,
  ) {
    this.current = initial;
  }

  snapshot(): ModelSnapshot {
    return this.current;
  }

  get generation(): number {
    return this.current.generation;
  }

  apply(op: ModelOp): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new StoreError('store_closed', 'the store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async restore(model: ModelSnapshot): Promise<void> {
    if (this.closed) throw new StoreError('store_closed', 'the store is closed');
    // Queued writes wait: the restore must see, and be, the whole store.
    while (this.draining) await new Promise((r) => setImmediate(r));
    this.draining = true;
    try {
      const c = this.current;
      if (c.generation !== 0 || c.networks.size + c.vms.size + c.relations.size > 0) {
        throw new StoreError('store_not_empty', `the store is not empty (generation ${c.generation}): import goes into a new store only`);
      }
      const changes: ModelChange[] = [
        ...[...model.networks.values()].map((n) => ({ kind: 'network' as const, id: n.name, after: n })),
        ...[...model.vms.values()].map((v) => ({ kind: 'vm' as const, id: v.name, after: v })),
        ...[...model.relations.values()].map((r) => ({ kind: 'relation' as const, id: r.id, after: r })),
      ];
      const ops = changes.map((ch) => ({ type: 'put' as const, key: keyOfChange(ch), value: valueOfChange(ch)! }));
      const generation = Math.max(model.generation, changes.length > 0 ? 1 : 0);
      try {
        await this.db.batch([...ops, { type: 'put', key: KEY_GENERATION, value: String(generation) }], SYNC_WRITE);
      } catch (cause) {
        this.logger.error('store restore failed', { generation, error: String(cause) });
        throw new StoreError('store_write_failed', 'the store could not write the imported model', { cause });
      }
      this.current = { ...model, generation };
      this.logger.info('store restored', { generation, networks: model.networks.size, vms: model.vms.size, relations: model.relations.size });
      if (changes.length > 0) this.emit({ generation, changes });
    } finally {
      this.draining = false;
    }
    if (this.queue.length > 0) void this.drain();
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await new Promise((r) => setImmediate(r));
    await this.db.close();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.runGroup(this.queue.splice(0, MAX_GROUP));
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: Pending[]): Promise<void> {
    let working = this.current;
    const results: (ApplyResult | { thrown: unknown })[] = [];
    const commits: ModelCommit[] = [];
    const writes = new Map<string, string | undefined>();
    for (const p of group) {
      let r: OpResult;
      try {
        r = p.op(working);
      } catch (e) {
        results.push({ thrown: e });
        continue;
      }
      if (!r.ok) {
        results.push({ ok: false, error: r.error });
      } else if (r.changes.length === 0) {
        results.push({ ok: true, generation: working.generation, changed: false });
      } else {
        const generation = working.generation + 1;
        working = { ...r.snapshot, generation };
        for (const c of r.changes) writes.set(keyOfChange(c), valueOfChange(c));
        commits.push({ generation, changes: r.changes });
        results.push({ ok: true, generation, changed: true });
      }
    }

    if (commits.length > 0) {
      const ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[] = [];
      for (const [key, value] of writes) ops.push(value === undefined ? { type: 'del', key } : { type: 'put', key, value });
      ops.push({ type: 'put', key: KEY_GENERATION, value: String(working.generation) });
      try {
        await this.db.batch(ops, SYNC_WRITE);
      } catch (cause) {
        // Nothing of this group is durable: the state stays, every caller hears of it.
        this.logger.error('store write failed', { generation: working.generation, error: String(cause) });
        const err = new StoreError('store_write_failed', 'the store could not write the change', { cause });
        for (const p of group) p.reject(err);
        return;
      }
      this.current = working;
    }

    group.forEach((p, i) => {
      const r = results[i]!;
      if ('thrown' in r) p.reject(r.thrown);
      else p.resolve(r);
    });
    for (const c of commits) this.emit(c);
  }

  private emit(commit: ModelCommit): void {
    for (const l of this.listeners) {
      try {
        l(commit);
      } catch (e) {
        this.logger.error('change feed listener failed', { generation: commit.generation, error: String(e) });
      }
    }
  }
}
