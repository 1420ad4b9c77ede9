// The model in etcd, shared by every controller of a cluster.
//
// Writes: queued writes run one group at a time on this instance's state
// (group.ts), and the group goes to etcd as one transaction that compares the
// mod revision of `m/generation` with the one this state was read at. Every
// model write puts `m/generation`, so the comparison holds exactly when no
// write landed since: the group's validation (409s), its segment choice and
// its generation numbers were all made on the latest state. Otherwise the
// transaction changes nothing, this instance waits for its watch to bring the
// writes it missed, and runs the group again. A group that changes nothing
// still goes through the comparison, so its answer (a 409, or "no change") is
// as current as a write's. Callers hear back only after etcd committed.
//
// Reads and the change feed: every instance watches the model's keys and
// applies each transaction, split into its generations by `m/commit`, in
// revision order; its own writes are applied at once when the transaction
// succeeds (nothing can have come between, by the comparison above).
import type { Etcd3, IWatchResponse, Namespace, Watcher } from 'etcd3';
import type { Logger } from '../log.js';
import type { ModelCommit, ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { loadModel, loadOrCreateModel, type Loaded } from './etcd-load.js';
import { encodeCommitRecord, KEY_COMMIT, KEY_RESTORE, MODEL_SUBPREFIX, type CommitRecord } from './etcd-records.js';
import { whenEtcdAnswers } from './etcd-wait.js';
import { resumeAfter } from './etcd-watch-resume.js';
import { GROUP_SLICE_MS, runGroup, type GroupRun } from './group.js';
import { KEY_GENERATION, keyOfChange, valueOfChange } from './records.js';
import { diffSnapshots, restoredCommit } from './replay.js';
import { RevisionWaiters } from './revision-waiters.js';
import type { ApplyResult, CommitListener, ModelOp, Store } from './store.js';
import { readWatchedRevision, type RevisionRecords } from './watched-revision.js';
import { CommitFeed, settle, WriteQueue, type PendingWrite } from './write-queue.js';

/** etcd refuses a transaction of more than 128 operations (--max-txn-ops); two go to m/generation and m/commit. */
const MAX_TXN_RECORDS = 126;
/** A group that keeps losing to other writers gives up after this many tries (503). */
const MAX_ATTEMPTS = 64;

export interface EtcdStoreOptions {
  client: Etcd3;
  /** Ends with "/"; the model lies under PREFIX + "model/". */
  prefix: string;
  logger: Logger;
  /** Unique per running instance: marks its transactions. */
  instanceId: string;
  /** How long a write waits for the watch to bring what it missed (default 5 s). */
  catchUpTimeoutMs?: number;
  /** Where the store is, for logs and errors. */
  where: string;
  /** Ends the wait for an etcd that does not answer yet (the controller stops). */
  signal?: AbortSignal;
}

/** Reads (or creates) the model under the prefix, waiting for etcd while it does not answer, and starts following it. */
export async function openEtcdStore(opts: EtcdStoreOptions): Promise<EtcdStore> {
  const ns = opts.client.namespace(opts.prefix + MODEL_SUBPREFIX);
  let loaded: Loaded;
  try {
    loaded = await whenEtcdAnswers(`reading the model at ${opts.where}`, () => loadOrCreateModel(ns, opts.logger, opts.where), { logger: opts.logger, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (cause) {
    if (cause instanceof StoreError) throw new StoreError(cause.code, `cannot open store ${opts.where}: ${cause.message}`, { cause });
    throw new StoreError('store_unreadable', `cannot open store ${opts.where}: ${(cause as Error).message}`, { cause });
  }
  const s = loaded.snapshot;
  opts.logger.info('store opened', { data: opts.where, generation: s.generation, networks: s.networks.size, vms: s.vms.size, relations: s.relations.size, revision: loaded.modelRevision });
  const store = new EtcdStore(ns, loaded, opts);
  await store.follow(loaded.readRevision);
  return store;
}

export class EtcdStore implements Store {
  private current: ModelSnapshot;
  /** Mod revision of the last model write applied to `current`. */
  private modelRevision: number;
  /** The newest revision whose events the watch delivered and this instance took in: a re-created watch resumes after it. */
  private watchedRevision: number;
  private readonly queue = new WriteQueue((group) => this.write(group));
  private readonly feed: CommitFeed;
  private readonly log: Logger;
  private watcher: Watcher | undefined;
  private closed = false;
  /** Set when the watch brought something this instance cannot apply: writes stop, reads keep the last good state. */
  private fault: StoreError | undefined;
  private readonly waiters = new RevisionWaiters();
  private writeSeq = 0;
  /** While another instance's import is being written: its records, held back until its last transaction. */
  private restoring: RevisionRecords | undefined;
  /** Writer tokens of this instance's transactions in flight -> the revision the watch saw them land at. */
  private readonly inFlight = new Map<string, number | undefined>();

  constructor(
    private readonly ns: Namespace,
    loaded: Loaded,
    private readonly opts: EtcdStoreOptions,
  ) {
    this.current = loaded.snapshot;
    this.modelRevision = loaded.modelRevision;
    this.watchedRevision = loaded.readRevision;
    this.log = opts.logger.child({ component: 'store' });
    this.feed = new CommitFeed(opts.logger);
  }

  snapshot(): ModelSnapshot {
    return this.current;
  }

  get generation(): number {
    return this.current.generation;
  }

  /** The etcd revision of the last model write this instance has applied. */
  get revision(): number {
    return this.modelRevision;
  }

  apply(op: ModelOp): Promise<ApplyResult> {
    if (this.fault) return Promise.reject(this.fault);
    return this.queue.push(op);
  }

  onCommit(listener: CommitListener): () => void {
    return this.feed.subscribe(listener);
  }

  /** An import into an empty store: claim it, write the records in transactions of etcd's size, then commit them as one generation. */
  restore(model: ModelSnapshot): Promise<void> {
    return this.queue.exclusive(async () => {
      const restored = restoredCommit(this.current, model);
      const ns = this.ns;
      const token = `${this.opts.instanceId}/${++this.writeSeq}`;
      const claim = await ns
        .if(KEY_GENERATION, 'Mod', '==', this.modelRevision)
        .and(KEY_RESTORE, 'Create', '==', 0)
        .then(ns.put(KEY_RESTORE).value(JSON.stringify({ writer: token, generation: restored.generation, records: restored.changes.length })))
        .commit();
      if (!claim.succeeded) throw new StoreError('store_not_empty', 'the store was written (or an import began) meanwhile: import goes into an empty store only');
      const claimed = Number(claim.header.revision);
      const keys = restored.changes.map(keyOfChange);
      try {
        for (let i = 0; i < keys.length; i += MAX_TXN_RECORDS) {
          const puts = restored.changes.slice(i, i + MAX_TXN_RECORDS).map((c, j) => ns.put(keys[i + j]!).value(valueOfChange(c)!));
          const r = await ns.if(KEY_RESTORE, 'Mod', '==', claimed).then(...puts).commit();
          if (!r.succeeded) throw new StoreError('store_write_failed', 'the import lost its claim on the store');
        }
        const record: CommitRecord = { writer: token, commits: [{ generation: restored.generation, keys }], restore: true };
        const done = await ns
          .if(KEY_RESTORE, 'Mod', '==', claimed)
          .then(ns.put(KEY_GENERATION).value(String(restored.generation)), ns.put(KEY_COMMIT).value(encodeCommitRecord(record)), ns.delete().key(KEY_RESTORE))
          .commit();
        if (!done.succeeded) throw new StoreError('store_write_failed', 'the import lost its claim on the store');
        const revision = Number(done.header.revision);
        if (revision > this.modelRevision) {
          this.restoring = undefined;
          this.applyCommits({ ...model, generation: restored.generation }, restored.changes.length > 0 ? [restored] : [], revision);
        }
        this.log.info('store restored', { generation: restored.generation, networks: model.networks.size, vms: model.vms.size, relations: model.relations.size, transactions: Math.ceil(keys.length / MAX_TXN_RECORDS) + 2 });
      } catch (e) {
        this.log.error('store restore failed; the prefix holds a partial import', { error: (e as Error).message });
        throw e instanceof StoreError ? e : new StoreError('store_unavailable', `the import was not confirmed: ${(e as Error).message}`, { cause: e });
      }
    });
  }

  gateGroups(gate: () => Promise<void>, settled?: () => void): void {
    this.queue.gate = gate;
    this.queue.settled = settled;
  }

  /** A linearizable read of the generation record: it needs the quorum a write needs. */
  async checkWritable(): Promise<boolean> {
    try {
      await this.ns.get(KEY_GENERATION).string();
      return true;
    } catch (e) {
      this.log.error('store cannot reach an etcd quorum', { error: (e as Error).message });
      return false;
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.closed = true;
    this.waiters.failAll();
    await this.watcher?.cancel().catch(() => undefined);
  }

  /** Starts the watch after `readRevision` (the revision the state was read at). */
  async follow(readRevision: number): Promise<void> {
    this.watchedRevision = readRevision;
    const watcher = await this.ns.watch().prefix('').startRevision(String(readRevision + 1)).create();
    if (this.closed) {
      await watcher.cancel();
      return;
    }
    this.watcher = watcher;
    resumeAfter(watcher, () => BigInt(this.watchedRevision));
    watcher.on('data', (res: IWatchResponse) => this.onWatch(res));
    watcher.on('disconnected', (err) => this.log.warn('etcd watch disconnected; it resumes where it stopped', { error: err.message }));
    watcher.on('connected', () => this.log.debug('etcd watch connected', { revision: this.modelRevision }));
    watcher.on('error', (err) => {
      // Cancelled by etcd (the revision it should resume from was compacted): read everything again.
      this.log.warn('etcd watch cancelled; reloading the model', { error: err.message });
      void this.reload();
    });
  }

  // ---- writes ----

  private async write(group: PendingWrite[]): Promise<number> {
    const ops = group.map((p) => p.op);
    for (let attempt = 1; ; attempt++) {
      if (this.fault) {
        for (const p of group) p.reject(this.fault);
        return group.length;
      }
      const baseRevision = this.modelRevision;
      const run = runGroup(ops, this.current, { maxWrites: MAX_TXN_RECORDS, disjointKeys: true, maxMs: GROUP_SLICE_MS });
      const taken = group.slice(0, run.taken);
      const token = `${this.opts.instanceId}/${++this.writeSeq}`;
      this.inFlight.set(token, undefined);
      try {
        const outcome = await this.commit(run, baseRevision, token);
        if (outcome === 'committed') {
          settle(taken, run.outcomes);
          return run.taken;
        }
        if (outcome === 'unavailable') {
          const err = new StoreError('store_unavailable', 'etcd did not confirm the change in time; it may or may not be stored');
          for (const p of taken) p.reject(err);
          return run.taken;
        }
      } finally {
        this.inFlight.delete(token);
      }
      if (attempt >= MAX_ATTEMPTS) {
        this.log.error('write gave up: other instances kept writing first', { attempts: attempt });
        const err = new StoreError('store_write_failed', `the change lost ${attempt} times to concurrent writers; nothing changed`);
        for (const p of taken) p.reject(err);
        return run.taken;
      }
    }
  }

  /** One transaction for a computed group: 'committed', 'conflict' (run again on the newer state) or 'unavailable'. */
  private async commit(run: GroupRun, baseRevision: number, token: string): Promise<'committed' | 'conflict' | 'unavailable'> {
    const ns = this.ns;
    const puts = [];
    if (run.commits.length > 0) {
      for (const [key, value] of run.writes) puts.push(value === undefined ? ns.delete().key(key) : ns.put(key).value(value));
      const record: CommitRecord = { writer: token, commits: run.commits.map((c, i) => ({ generation: c.generation, keys: run.commitKeys[i]! })) };
      puts.push(ns.put(KEY_GENERATION).value(String(run.working.generation)), ns.put(KEY_COMMIT).value(encodeCommitRecord(record)));
    }
    let res;
    try {
      res = await ns
        .if(KEY_GENERATION, 'Mod', '==', baseRevision)
        .and(KEY_RESTORE, 'Create', '==', 0)
        .then(...puts)
        .else(ns.get(KEY_GENERATION), ns.get(KEY_RESTORE))
        .commit();
    } catch (err) {
      // The outcome is unknown; the watch tells whether it landed (it cannot while etcd is unreachable).
      this.log.warn('etcd write not confirmed', { generation: run.working.generation, error: (err as Error).message });
      if (run.commits.length > 0 && (await this.landed(token))) return 'committed';
      return 'unavailable';
    }
    if (res.succeeded) {
      const revision = Number(res.header.revision);
      if (run.commits.length > 0 && revision > this.modelRevision) this.applyCommits(run.working, run.commits, revision);
      return 'committed';
    }
    if ((res.responses[1]?.response_range?.kvs.length ?? 0) > 0) return 'unavailable'; // an import is being written
    // Someone wrote first (or a retried call of ours did): catch up to that write.
    const kv = res.responses[0]?.response_range?.kvs[0];
    const latest = kv ? Number(kv.mod_revision) : Number(res.header.revision);
    if (!(await this.waitForRevision(latest))) return 'unavailable';
    return this.inFlight.get(token) !== undefined ? 'committed' : 'conflict';
  }

  private async landed(token: string): Promise<boolean> {
    const deadline = Date.now() + (this.opts.catchUpTimeoutMs ?? 5000);
    while (Date.now() < deadline && !this.closed) {
      if (this.inFlight.get(token) !== undefined) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.inFlight.get(token) !== undefined;
  }

  private waitForRevision(revision: number): Promise<boolean> {
    if (this.modelRevision >= revision) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return this.waiters.wait(revision, this.opts.catchUpTimeoutMs ?? 5000, () =>
      this.log.warn('watch did not bring a newer write in time', { revision, at: this.modelRevision }),
    );
  }

  // ---- following the watch ----

  private onWatch(res: IWatchResponse): void {
    const byRevision = new Map<number, RevisionRecords>();
    for (const ev of res.events) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= this.modelRevision || revision <= this.watchedRevision) continue;
      let records = byRevision.get(revision);
      if (!records) byRevision.set(revision, (records = new Map<string, string | undefined>()));
      records.set(ev.kv.key.toString(), ev.type === 'Delete' ? undefined : ev.kv.value.toString());
    }
    for (const revision of [...byRevision.keys()].sort((a, b) => a - b)) {
      if (this.fault) return;
      try {
        this.applyRevision(revision, byRevision.get(revision)!);
        this.watchedRevision = revision;
      } catch (e) {
        this.fault = e instanceof StoreError ? e : new StoreError('store_corrupt', String(e));
        this.log.error('cannot apply a write seen in etcd; this instance stops writing', { revision, error: this.fault.message });
        this.waiters.failAll();
      }
    }
  }

  private applyRevision(revision: number, records: RevisionRecords): void {
    const read = readWatchedRevision(this.current, revision, records, this.restoring);
    switch (read.kind) {
      case 'importPart':
        // An import being written: its records wait for its last transaction.
        this.restoring ??= new Map();
        for (const [k, v] of records) if (k !== KEY_RESTORE) this.restoring.set(k, v);
        return;
      case 'creation':
        this.advance(revision);
        return;
      case 'commits':
        if (this.inFlight.has(read.writer)) this.inFlight.set(read.writer, revision);
        this.restoring = undefined;
        this.applyCommits(read.working, read.commits, revision);
    }
  }

  private applyCommits(working: ModelSnapshot, commits: ModelCommit[], revision: number): void {
    this.current = working;
    this.advance(revision);
    for (const c of commits) this.feed.emit(c);
  }

  private advance(revision: number): void {
    this.modelRevision = revision;
    this.waiters.reached(revision);
  }

  /** Reads the whole model again (the watch could not resume) and feeds the difference as one commit. */
  private async reload(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 2000)) {
      try {
        const loaded = await loadModel(this.ns);
        if (!loaded) throw new StoreError('store_corrupt', 'the model is gone from etcd');
        const changes = diffSnapshots(this.current, loaded.snapshot);
        this.current = loaded.snapshot;
        this.advance(loaded.modelRevision);
        if (changes.length > 0) this.feed.emit({ generation: loaded.snapshot.generation, changes });
        await this.follow(loaded.readRevision);
        this.log.info('model reloaded from etcd', { generation: loaded.snapshot.generation, changes: changes.length });
        return;
      } catch (e) {
        this.log.warn('model reload failed; retrying', { error: (e as Error).message, inMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
