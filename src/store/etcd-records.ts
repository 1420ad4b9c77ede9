// The model's layout in etcd: the LevelDB records (records.ts) under
// PREFIX + "model/", plus one record only etcd has, `m/commit`: written by
// every transaction beside `m/generation`, it says which generations the
// transaction carries and which records each changed, so that every other
// instance's watch can split it back into one commit per generation.
import { StoreError } from './errors.js';

export const MODEL_SUBPREFIX = 'model/';
export const KEY_COMMIT = 'm/commit';
/**
 * Set while an import is written into an empty store (it may take several
 * transactions): other writes wait, and watchers hold the records back until
 * the last transaction, which deletes it and commits the whole model as one
 * generation. Found at open, it means an import was cut short.
 */
export const KEY_RESTORE = 'm/restore';

export interface CommitRecord {
  /** Who wrote it: instance id and a sequence number, unique per transaction. */
  writer: string;
  commits: { generation: number; keys: string[] }[];
  /** An import's last transaction: its one commit may jump from 0 to the imported generation. */
  restore?: true;
}

export function encodeCommitRecord(r: CommitRecord): string {
  return JSON.stringify(r);
}

export function decodeCommitRecord(value: string): CommitRecord {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new StoreError('store_corrupt', 'store record m/commit is corrupt: not JSON');
  }
  const r = v as Partial<CommitRecord>;
  const ok =
    typeof r === 'object' && r !== null && typeof r.writer === 'string' && Array.isArray(r.commits) &&
    r.commits.every((c) => typeof c === 'object' && c !== null && Number.isSafeInteger(c.generation) && Array.isArray(c.keys) && c.keys.every((k) => typeof k === 'string'));
  if (!ok) throw new StoreError('store_corrupt', 'store record m/commit is corrupt: bad writer or commits');
  return r as CommitRecord;
}
