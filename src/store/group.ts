// Running a group of queued operations on one state, the part both stores
// share: each operation is applied on the state the one before it left and
// gets its own generation; operations that change nothing get the current
// one. Pure: nothing is written here.
import type { OpResult } from '../model/result.js';
import type { ModelCommit, ModelSnapshot } from '../model/types.js';
import { keyOfChange, valueOfChange } from './records.js';
import type { ApplyResult, ModelOp } from './store.js';

export type GroupOutcome = ApplyResult | { thrown: unknown };

export interface GroupLimits {
  /** Stop before an operation that would bring the distinct keys written past this. */
  maxWrites?: number;
  /** Stop before an operation that writes a key an earlier one of the group wrote. */
  disjointKeys?: boolean;
  /**
   * Stop before the next operation once the group has run this long (ms):
   * the operations run on the event loop one after another, and a write's
   * checks (its table-budget trial compile) cost milliseconds at a cloud's
   * scale, so an unbounded group of hundreds would hold keepalives and
   * packet-ins for as long. The rest wait for the next group, after this
   * one's durable write.
   */
  maxMs?: number;
}

/** The run time a group of writes is given before the rest wait for the next group. */
export const GROUP_SLICE_MS = 20;

export interface GroupRun {
  /** How many of the operations were run (the rest wait for the next group). */
  taken: number;
  outcomes: GroupOutcome[];
  /** The state after the taken operations. */
  working: ModelSnapshot;
  commits: ModelCommit[];
  /** Record key -> new value (undefined: deleted), for the whole group. */
  writes: Map<string, string | undefined>;
  /** The record keys each commit wrote, in commit order. */
  commitKeys: string[][];
}

/** Runs operations from the front of `ops` on `base`; always takes at least one. */
export function runGroup(ops: readonly ModelOp[], base: ModelSnapshot, limits: GroupLimits = {}): GroupRun {
  let working = base;
  const outcomes: GroupOutcome[] = [];
  const commits: ModelCommit[] = [];
  const commitKeys: string[][] = [];
  const writes = new Map<string, string | undefined>();
  let taken = 0;
  const started = performance.now();
  for (const op of ops) {
    if (taken > 0 && limits.maxMs !== undefined && performance.now() - started >= limits.maxMs) break;
    let r: OpResult;
    try {
      r = op(working);
    } catch (e) {
      outcomes.push({ thrown: e });
      taken++;
      continue;
    }
    if (!r.ok) {
      outcomes.push({ ok: false, error: r.error });
    } else if (r.changes.length === 0) {
      outcomes.push({ ok: true, generation: working.generation, changed: false });
    } else {
      const keys = r.changes.map(keyOfChange);
      if (taken > 0 && !fits(keys, writes, limits)) break;
      const generation = working.generation + 1;
      working = { ...r.snapshot, generation };
      r.changes.forEach((c, i) => writes.set(keys[i]!, valueOfChange(c)));
      commits.push({ generation, changes: r.changes });
      commitKeys.push(keys);
      outcomes.push({ ok: true, generation, changed: true });
    }
    taken++;
  }
  return { taken, outcomes, working, commits, writes, commitKeys };
}

function fits(keys: string[], writes: Map<string, string | undefined>, limits: GroupLimits): boolean {
  if (limits.disjointKeys && keys.some((k) => writes.has(k))) return false;
  if (limits.maxWrites !== undefined) {
    const added = new Set(keys.filter((k) => !writes.has(k))).size;
    if (writes.size + added > limits.maxWrites) return false;
  }
  return true;
}
