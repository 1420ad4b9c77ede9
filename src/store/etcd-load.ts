// Reading the model out of etcd: every record under the model's prefix, as one
// consistent read, into a snapshot; creating the empty model when there is none.
import type { Namespace } from 'etcd3';
import type { Logger } from '../log.js';
import type { ModelSnapshot } from '../model/types.js';
import { StoreError } from './errors.js';
import { KEY_COMMIT, KEY_RESTORE } from './etcd-records.js';
import { SnapshotReader } from './load.js';
import { KEY_GENERATION, KEY_SCHEMA, SCHEMA_VERSION } from './records.js';

export interface Loaded {
  snapshot: ModelSnapshot;
  /** Mod revision of m/generation: the last model write. */
  modelRevision: number;
  /** The store revision the read was made at. */
  readRevision: number;
}

/** The model under the prefix, or undefined when there is none (no schema record). */
export async function loadModel(ns: Namespace): Promise<Loaded | undefined> {
  const res = await ns.getAll().exec();
  const reader = new SnapshotReader();
  let modelRevision = 0;
  for (const kv of res.kvs) {
    const key = kv.key.toString();
    if (key === KEY_COMMIT) continue;
    if (key === KEY_RESTORE) throw new StoreError('store_corrupt', 'an import into this prefix was cut short (m/restore is set): delete the prefix and import again');
    if (key === KEY_GENERATION) modelRevision = Number(kv.mod_revision);
    reader.add(key, kv.value.toString());
  }
  const snapshot = reader.finish();
  if (snapshot === undefined) return undefined;
  return { snapshot, modelRevision, readRevision: Number(res.header.revision) };
}

/** The model under the prefix, created empty (schema and generation 0) when there is none. */
export async function loadOrCreateModel(ns: Namespace, logger: Logger, where: string): Promise<Loaded> {
  const loaded = await loadModel(ns);
  if (loaded !== undefined) return loaded;
  const created = await ns
    .if(KEY_SCHEMA, 'Create', '==', 0)
    .then(ns.put(KEY_SCHEMA).value(SCHEMA_VERSION), ns.put(KEY_GENERATION).value('0'))
    .commit();
  if (created.succeeded) logger.info('store created', { data: where });
  const reread = await loadModel(ns);
  if (reread === undefined) throw new StoreError('store_unreadable', 'the model vanished while it was being created');
  return reread;
}
