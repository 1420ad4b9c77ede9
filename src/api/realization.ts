// What `?wait` asks of the rest of the controller: wait until the switches a
// written change touches have confirmed its generation. Without switches (the
// API on its own) a durable generation counts as realized.
import type { WaitReport } from '../reconcile/realization.js';

export type { WaitReport } from '../reconcile/realization.js';

export interface ChangeRealization {
  /**
   * Resolves once every connected switch the change touches confirmed
   * `generation`, or with 'timeout' and the switches that did not.
   * `named`: the switches the change's records name.
   */
  waitForChange(req: { generation: number; named: string[]; timeoutMs: number }): Promise<WaitReport>;
}

export const durableRealization: ChangeRealization = {
  waitForChange: () => Promise.resolve({ outcome: 'realized', pending: [], lagging: [] }),
};
