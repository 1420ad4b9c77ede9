// When is a generation live on the switches? The reconciler answers that
// later; until it does, a generation counts as realized once it is durable.
import type { Store } from '../store/index.js';

export type RealizationOutcome = 'realized' | 'timeout';

export interface RealizationTracker {
  /** Resolves once every switch the generation touches confirmed it, or 'timeout'. */
  waitFor(generation: number, timeoutMs: number): Promise<RealizationOutcome>;
}

export class DurableRealization implements RealizationTracker {
  constructor(private readonly store: Pick<Store, 'generation'>) {}

  async waitFor(generation: number): Promise<RealizationOutcome> {
    return this.store.generation >= generation ? 'realized' : 'timeout';
  }
}
