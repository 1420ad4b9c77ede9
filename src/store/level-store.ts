// The model in LevelDB, for one controller. Queued writes run one group at a
// time (group.ts); the whole group is written as one LevelDB batch with sync,
// and only after that does anyone hear of it (answers and the change feed).
// Many concurrent hooks so share one fsync.
import type { Logger } from '../log.js';
import type { ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { GROUP_SLICE_MS, runGroup } from './group.js';
import { SYNC_WRITE, type KvDb } from './load.js';
import { KEY_GENERATION, keyOfChange, valueOfChange } from './records.js';
import { restoredCommit } from './replay.js';
import type { ApplyResult, CommitListener, ModelOp, Store } from './store.js';
import { CommitFeed, settle, WriteQueue, type PendingWrite } from './write-queue.js';

export class LevelStore implements Store {
  private current: ModelSnapshot;
  private readonly queue = new WriteQueue((group) => this.write(group));
  private readonly feed: CommitFeed;

  constructor(
    private readonly db: KvDb,
    initial: ModelSnapshot,
    private readonly logger: Logger,
  ) {
    this.current = initial;
    this.feed = new CommitFeed(logger);
  }

  snapshot(): ModelSnapshot {
    return this.current;
  }

  get generation(): number {
    return this.current.generation;
  }

  apply(op: ModelOp): Promise<ApplyResult> {
    return this.queue.push(op);
  }

  onCommit(listener: CommitListener): () => void {
    return this.feed.subscribe(listener);
  }

  restore(model: ModelSnapshot): Promise<void> {
    return this.queue.exclusive(async () => {
      const restored = restoredCommit(this.current, model);
      const ops = restored.changes.map((ch) => ({ type: 'put' as const, key: keyOfChange(ch), value: valueOfChange(ch)! }));
      try {
        await this.db.batch([...ops, { type: 'put', key: KEY_GENERATION, value: String(restored.generation) }], SYNC_WRITE);
      } catch (cause) {
        this.logger.error('store restore failed', { generation: restored.generation, error: String(cause) });
        throw new StoreError('store_write_failed', 'the store could not write the imported model', { cause });
      }
      this.current = { ...model, generation: restored.generation };
      this.logger.info('store restored', { generation: restored.generation, networks: model.networks.size, vms: model.vms.size, relations: model.relations.size });
      if (restored.changes.length > 0) this.feed.emit(restored);
    });
  }

  gateGroups(gate: () => Promise<void>, settled?: () => void): void {
    this.queue.gate = gate;
    this.queue.settled = settled;
  }

  /** A synced rewrite of the generation record, in turn with the writes. */
  checkWritable(): Promise<boolean> {
    return this.queue.exclusive(async () => {
      try {
        await this.db.batch([{ type: 'put', key: KEY_GENERATION, value: String(this.current.generation) }], SYNC_WRITE);
        return true;
      } catch (cause) {
        this.logger.error('store cannot write', { generation: this.current.generation, error: String(cause) });
        return false;
      }
    }).catch(() => false);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.db.close();
  }

  private async write(group: PendingWrite[]): Promise<number> {
    const run = runGroup(
      group.map((p) => p.op),
      this.current,
      { maxMs: GROUP_SLICE_MS },
    );
    if (run.commits.length > 0) {
      const ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[] = [];
      for (const [key, value] of run.writes) ops.push(value === undefined ? { type: 'del', key } : { type: 'put', key, value });
      ops.push({ type: 'put', key: KEY_GENERATION, value: String(run.working.generation) });
      try {
        await this.db.batch(ops, SYNC_WRITE);
      } catch (cause) {
        // Nothing of this group is durable: the state stays, every caller hears of it.
        this.logger.error('store write failed', { generation: run.working.generation, error: String(cause) });
        const err = new StoreError('store_write_failed', 'the store could not write the change', { cause });
        for (const p of group.slice(0, run.taken)) p.reject(err);
        return run.taken;
      }
      this.current = run.working;
    }
    settle(group, run.outcomes);
    for (const c of run.commits) this.feed.emit(c);
    return run.taken;
  }
}
