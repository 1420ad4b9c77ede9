// Where an etcd watch resumes after its connection was lost.
//
// The etcd3 client re-creates a lost watch from the header revision of the
// last response it got, plus one. That header names etcd's newest revision,
// which can be past events not delivered yet: the created response carries
// it, and a watch that is catching up gets at most 1,000 revisions per
// response, 100 ms apart, each under the newest revision's header. A lost
// connection in between skipped those events for good. The client emits
// 'connecting' with the create request just before it sends it, so the start
// revision can be set there from what was really taken in.
import type { Watcher } from 'etcd3';

/** The re-created watch starts right after `lastTaken()`, the newest revision whose events were taken in. */
export function resumeAfter(watcher: Watcher, lastTaken: () => bigint): void {
  watcher.on('connecting', (req) => {
    (req as { start_revision?: string }).start_revision = String(lastTaken() + 1n);
  });
}

/** For a watch whose listeners take in every event as it comes: resumes after the newest event delivered (or `readRevision`, the read it follows). */
export function resumeAfterDelivered(watcher: Watcher, readRevision: bigint): void {
  let last = readRevision;
  watcher.on('data', (res) => {
    for (const ev of res.events) {
      const revision = BigInt(ev.kv.mod_revision);
      if (revision > last) last = revision;
    }
  });
  resumeAfter(watcher, () => last);
}
