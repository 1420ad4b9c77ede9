// Starting while etcd does not answer. A controller may start before its etcd
// (a machine booting), or while a member restarts; an etcd call then fails at
// once or at its deadline. What Spotlight reads from etcd at start is retried
// until etcd answers, as a service manager would retry the whole process, but
// without losing the listeners or the log context. Only "no answer" is worth
// waiting for: a refusal (bad credentials, a corrupt model) stops the start.
import { setTimeout as sleep } from 'node:timers/promises';
import { isBrokenCircuitError } from 'cockatiel';
import { isRecoverableError } from 'etcd3';
import type { Logger } from '../log.js';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 2000;

/** Whether an etcd call failed for want of an answer (no member reachable, a deadline, every member skipped), not for what it asked. */
export function etcdDidNotAnswer(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (isRecoverableError(e) || isBrokenCircuitError(e)) return true;
  }
  return false;
}

export interface EtcdWaitOptions {
  logger: Logger;
  /** Aborted when the controller stops: the wait ends with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Runs `call` until it succeeds or fails with something other than "etcd did not answer";
 * between tries it waits 250 ms, doubling up to 2 s, and logs each failure naming `what`.
 */
export async function whenEtcdAnswers<T>(what: string, call: () => Promise<T>, opts: EtcdWaitOptions): Promise<T> {
  let delay = FIRST_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await call();
    } catch (err) {
      if (!etcdDidNotAnswer(err)) throw err;
      opts.logger.warn('etcd does not answer; trying again', { what, attempt, retryInMs: delay, error: (err as Error).message });
    }
    await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {});
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
