// What one revision seen on the etcd watch means for the model: part of an
// import still being written, the store's creation, or commits that make the
// next model state. Pure: it reads the records and the current state only.
import type { ModelCommit, ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { decodeCommitRecord, KEY_COMMIT, KEY_RESTORE } from './etcd-records.js';
import { decodeGeneration } from './load.js';
import { KEY_GENERATION, KEY_SCHEMA } from './records.js';
import { applyChanges, changeOfRecord } from './replay.js';

/** The records one revision wrote: key -> value, undefined for a delete. */
export type RevisionRecords = Map<string, string | undefined>;

export type WatchedRevision =
  /** Records of an import being written: they wait for its last transaction. */
  | { kind: 'importPart' }
  /** The store's creation (schema and generation 0): no model change. */
  | { kind: 'creation' }
  /** The model after the revision's commits, and the writer that made them. */
  | { kind: 'commits'; working: ModelSnapshot; commits: ModelCommit[]; writer: string };

/**
 * Reads one revision against `current`. `held` are the records of an import
 * held back from earlier revisions. Throws StoreError `store_corrupt` for
 * anything Spotlight did not write.
 */
export function readWatchedRevision(current: ModelSnapshot, revision: number, records: RevisionRecords, held: RevisionRecords | undefined): WatchedRevision {
  const commitValue = records.get(KEY_COMMIT);
  if (commitValue === undefined && (records.get(KEY_RESTORE) !== undefined || held)) return { kind: 'importPart' };
  if (commitValue === undefined) {
    // The store's creation carries no commit record; anything else is not ours.
    const keys = [...records.keys()];
    if (keys.every((k) => k === KEY_SCHEMA || k === KEY_GENERATION) && records.get(KEY_GENERATION) === String(current.generation)) return { kind: 'creation' };
    throw new StoreError('store_corrupt', `model keys changed outside Spotlight at revision ${revision}: ${keys.slice(0, 5).join(', ')}`);
  }
  const record = decodeCommitRecord(commitValue);
  let working = current;
  const commits: ModelCommit[] = [];
  for (const c of record.commits) {
    // An import into the empty store sets the generation it carries: any, 0 included (an export of an empty model).
    const jump = record.restore === true && working.generation === 0;
    if (c.generation !== working.generation + 1 && !jump) {
      throw new StoreError('store_corrupt', `revision ${revision} carries generation ${c.generation} after ${working.generation}`);
    }
    const changes = c.keys.map((key) => {
      const from = records.has(key) ? records : held?.has(key) ? held : undefined;
      if (!from) throw new StoreError('store_corrupt', `revision ${revision} names record ${key} but does not write it`);
      return changeOfRecord(working, key, from.get(key));
    });
    working = applyChanges(working, changes, c.generation);
    // As on the importing instance: an import that brings nothing feeds no commit.
    if (!(jump && changes.length === 0)) commits.push({ generation: c.generation, changes });
  }
  const generation = records.get(KEY_GENERATION);
  if (generation === undefined || decodeGeneration(generation) !== working.generation) {
    throw new StoreError('store_corrupt', `revision ${revision}: m/generation does not match its commits`);
  }
  return { kind: 'commits', working, commits, writer: record.writer };
}
