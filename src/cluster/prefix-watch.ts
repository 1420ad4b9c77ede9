// Every record under a prefix read once, then followed from the revision right
// after that read, so that no put or delete falls between the read and the watch.
import type { Namespace, Watcher } from 'etcd3';
import { resumeAfterDelivered } from '../store/etcd-watch-resume.js';

export interface PrefixRecords {
  /** A record read, or put since. */
  put(key: string, value: string): void;
  /** A record deleted (or its lease ran out). */
  delete(key: string): void;
}

/** Calls `on.put` for each record now under `prefix`, then `on.put`/`on.delete` for each change; cancel the watcher returned to stop. */
export async function readAndWatchPrefix(ns: Namespace, prefix: string, on: PrefixRecords): Promise<Watcher> {
  const res = await ns.getAll().prefix(prefix).exec();
  for (const kv of res.kvs) on.put(kv.key.toString(), kv.value.toString());
  const readRevision = BigInt(res.header.revision);
  const watcher = await ns
    .watch()
    .prefix(prefix)
    .startRevision(String(readRevision + 1n))
    .create();
  resumeAfterDelivered(watcher, readRevision);
  watcher.on('put', (kv) => on.put(kv.key.toString(), kv.value.toString()));
  watcher.on('delete', (kv) => on.delete(kv.key.toString()));
  return watcher;
}
