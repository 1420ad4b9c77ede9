/** Waiting in tests and benches: a pause, and polls bounded by a deadline. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface UntilOptions {
  /** How long to keep asking before giving up (20 s unless told). */
  timeoutMs?: number;
  /** The pause between two asks (100 ms unless told). */
  stepMs?: number;
  /** A probe that throws counts as "not yet" (a controller still starting refuses connections); without this its error ends the wait. */
  retryErrors?: boolean;
}

/**
 * Asks `probe` until it gives something other than undefined or false, and returns that. After the
 * deadline it throws `timed out waiting for <what>`, with the probe's last error when errors were retried.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, options: UntilOptions = {}): Promise<T> {
  const { timeoutMs = 20_000, stepMs = 100, retryErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      if (!retryErrors) throw e;
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError === undefined ? '' : ` (last error: ${String(lastError)})`}`);
    }
    await sleep(stepMs);
  }
}

/** Whether `cond` came to hold within `timeoutMs`, asked every `stepMs` and once more at the deadline; for tests that assert on the answer or measure how long it took. */
export async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}
