// Opening the durable store. Anything short of a readable Spotlight store at
// `dir` (or a new, empty one) is a StoreError that stops the start.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { Logger } from '../log.js';
import { emptySnapshot, relationTable } from '../model/index.js';
import { StoreError } from './errors.js';
import { bindLegacyRelations, loadSnapshot, SYNC_WRITE, type KvDb } from './load.js';
import { KEY_GENERATION, KEY_SCHEMA, PREFIX_RELATION, SCHEMA_VERSION } from './records.js';
import { LevelStore } from './level-store.js';
import type { Store } from './store.js';

export { StoreError, type StoreErrorCode } from './errors.js';
export type { Store, ApplyResult, ModelOp, CommitListener } from './store.js';
export type { KvDb } from './load.js';
export { openEtcdStore, EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export {
  connectEtcd, describeEtcd, parseStoreLocation, DEFAULT_ETCD_PREFIX, DEFAULT_ETCD_CALL_TIMEOUT_MS,
  type EtcdSettings, type StoreLocation,
} from './etcd-connection.js';
export { etcdHealth, type EtcdHealth, type EtcdMemberHealth } from './etcd-health.js';

export interface StoreOptions {
  logger: Logger;
}

/** Opens (or creates) the LevelDB store under `dir` and loads the model. */
export async function openStore(dir: string, opts: StoreOptions): Promise<Store> {
  checkDirectory(dir);
  const db = new Level<string, string>(dir, { valueEncoding: 'utf8' }) as unknown as KvDb;
  try {
    await db.open();
  } catch (cause) {
    throw describeOpenFailure(dir, cause);
  }
  return openStoreOn(db, opts, dir);
}

/** Loads the model from an open (or openable) database: a memory-level one in tests. */
export async function openStoreOn(db: KvDb, opts: StoreOptions, where = 'memory'): Promise<Store> {
  try {
    if (db.status !== 'open') await db.open();
    let snapshot = await loadSnapshot(db);
    if (snapshot === undefined) {
      snapshot = emptySnapshot();
      await db.batch(
        [
          { type: 'put', key: KEY_SCHEMA, value: SCHEMA_VERSION },
          { type: 'put', key: KEY_GENERATION, value: '0' },
        ],
        SYNC_WRITE,
      );
      opts.logger.info('store created', { data: where });
    }
    const bound = bindLegacyRelations(snapshot);
    if (bound.length > 0) {
      // Written back at once: a VM stopped later must not leave its name unbound again.
      await db.batch(bound.map((r) => ({ type: 'put', key: PREFIX_RELATION + r.id, value: JSON.stringify(r) })), SYNC_WRITE);
      let relations = snapshot.relations;
      for (const r of bound) relations = relationTable(relations).with(r.id, r);
      snapshot = { ...snapshot, relations };
      opts.logger.info('relations bound to the tenants of their VMs', { relations: bound.map((r) => r.id) });
    }
    const unbound = [...snapshot.relations.values()].filter((r) => r.tenants.includes(null)).map((r) => r.id);
    if (unbound.length > 0) {
      opts.logger.warn('relations whose stopped VM has no recorded tenant: that VM\'s next start binds them; PUT them again to bind them now', { relations: unbound });
    }
    opts.logger.info('store opened', {
      data: where,
      generation: snapshot.generation,
      networks: snapshot.networks.size,
      vms: snapshot.vms.size,
      relations: snapshot.relations.size,
    });
    return new LevelStore(db, snapshot, opts.logger);
  } catch (cause) {
    await db.close().catch(() => undefined);
    if (cause instanceof StoreError) throw new StoreError(cause.code, `cannot open store ${where}: ${cause.message}`, { cause });
    throw describeOpenFailure(where, cause);
  }
}

/** A directory with files but no LevelDB in it is someone else's: never start a new store over it. */
function checkDirectory(dir: string): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (cause) {
    throw new StoreError('store_unreadable', `cannot open store ${dir}: the directory cannot be read (${(cause as Error).message})`, { cause });
  }
  if (entries.length > 0 && !existsSync(join(dir, 'CURRENT'))) {
    throw new StoreError('store_not_spotlight', `cannot open store ${dir}: the directory is not empty and holds no LevelDB database`);
  }
}

function describeOpenFailure(dir: string, cause: unknown): StoreError {
  const codes = errorCodes(cause);
  const detail = errorMessages(cause);
  if (codes.includes('LEVEL_LOCKED')) {
    return new StoreError('store_locked', `cannot open store ${dir}: another process holds it open (${detail})`, { cause });
  }
  if (codes.includes('LEVEL_CORRUPTION') || /corrupt/i.test(detail)) {
    return new StoreError('store_corrupt', `cannot open store ${dir}: the database is corrupt (${detail})`, { cause });
  }
  return new StoreError('store_unreadable', `cannot open store ${dir}: ${detail}`, { cause });
}

function errorCodes(e: unknown): string[] {
  const out: string[] = [];
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
  }
  return out;
}

function errorMessages(e: unknown): string {
  const out: string[] = [];
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    out.push(cur instanceof Error ? cur.message : String(cur));
  }
  return out.join(': ');
}
