// What every store offers: the durable model, its writes and its change
// feed. Two implement it: LevelDB on one machine (level-store.ts) and etcd
// shared by several controllers (etcd-store.ts).
import type { ModelError } from '../model/errors.js';
import type { OpResult } from '../model/result.js';
import type { ModelCommit, ModelSnapshot } from '../model/types.js';

export type ModelOp = (s: ModelSnapshot) => OpResult;

export type ApplyResult =
  | { ok: true; generation: number; changed: boolean }
  | { ok: false; error: ModelError };

export type CommitListener = (commit: ModelCommit) => void;

export interface Store {
  /** The durable state as this process knows it: every write it answered, and (etcd) every write it has seen from others. */
  snapshot(): ModelSnapshot;
  readonly generation: number;
  /** Applies an operation; resolves once it is durable (or rejected by the model). */
  apply(op: ModelOp): Promise<ApplyResult>;
  /** The change feed: one commit per generation, after it is durable, in order (etcd: writes made anywhere). */
  onCommit(listener: CommitListener): () => void;
  /**
   * Fills an empty store (generation 0, no records) with a whole model at its
   * generation, durably; one commit on the feed creates it all. A store that
   * holds anything refuses with `store_not_empty`.
   */
  restore(model: ModelSnapshot): Promise<void>;
  /**
   * Makes each group of queued writes wait for `gate` before it runs: the
   * group's operations (and their checks) then start from a state where
   * nothing else is pending on the event loop. `settled` is called once
   * each group is over, its commits emitted or its write failed.
   */
  gateGroups?(gate: () => Promise<void>, settled?: () => void): void;
  /** Whether the store can write durably now (health): a synced rewrite of what it holds, or false. */
  checkWritable(): Promise<boolean>;
  close(): Promise<void>;
}
