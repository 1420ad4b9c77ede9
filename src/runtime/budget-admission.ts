// Admission of writes against the switches' table budgets: before a change
// is stored, it is compiled as a trial on the live compiler (what it adds or
// removes on each switch, counted by the switch's profile); a change that
// would push a switch past its budget is taken back out, refused, and
// nothing is stored.
//
// The store runs writes in groups: a write is checked against the state the
// writes before it in its group left, which the store has not committed yet.
// An admitted write's trial stays in the compiler until its group is stored,
// so the next write of the group is compiled on top of it (a group of n
// writes costs n trials, not n squared). Every write to the store goes
// through journaled(), which remembers each change by the generation it
// starts from, so that a write of the group made without a trial is
// compiled before the next one is checked.
import type { BudgetExcess, TableBudgets } from '../budget/table-budgets.js';
import type { Logger } from '../log.js';
import type { ModelChange, ModelSnapshot } from '../model/types.js';
import type { Store } from '../store/index.js';

export interface TrialCompiler {
  /** Resolves once the compiler has no pending work (done in slices meanwhile). */
  whenCaughtUp(): Promise<void>;
  /** Brings the compiler's trials to the state `s` a write starts from (false: a write before it is unknown). */
  trialsUpTo(s: ModelSnapshot, written: (generation: number) => readonly ModelChange[] | undefined): boolean;
  /** Compiles the write ahead of the store and keeps it there while `keep` says so. */
  tryAhead(s: ModelSnapshot, changes: readonly ModelChange[], after: ModelSnapshot, keep: () => boolean): boolean;
  /** The store group whose writes were tried is over: trials its commits did not take are taken out. */
  groupSettled(): void;
}

/** The longest a store group waits for the compile loop to catch up before its checks. */
const READY_WAIT_MS = 250;

export class BudgetAdmission {
  /** Changes written or being written, by the generation they start from; dropped once the compiler has them. */
  private readonly journal = new Map<number, readonly ModelChange[]>();
  private readonly log: Logger;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly budgets: TableBudgets,
    private readonly compiler: TrialCompiler,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'budget' });
    this.unsubscribe = store.onCommit((c) => {
      for (const g of this.journal.keys()) if (g < c.generation) this.journal.delete(g);
    });
    store.gateGroups?.(
      () => this.ready(),
      () => this.compiler.groupSettled(),
    );
  }

  stop(): void {
    this.unsubscribe();
  }

  /**
   * Resolves once the writes of a store group can be checked without first
   * finishing pending compile work on the event loop (a fabric change, the
   * model loaded at start): the compile loop does it in its slices meanwhile.
   * After READY_WAIT_MS the group goes ahead all the same (its checks then
   * finish what is left), so a fabric that keeps changing cannot hold writes.
   */
  ready(): Promise<void> {
    if (!this.budgets.active) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, READY_WAIT_MS);
      void this.compiler.whenCaughtUp().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * The switches a change would push past their budget (none: admitted).
   * `s` is the state the change applies to, `after` the state it makes.
   */
  check(s: ModelSnapshot, changes: readonly ModelChange[], after: ModelSnapshot): BudgetExcess[] {
    if (!this.budgets.active || changes.length === 0) return [];
    if (!this.compiler.trialsUpTo(s, (g) => this.journal.get(g))) {
      // Cannot happen while every writer goes through journaled(); admitted rather than guessed.
      this.log.warn('table budgets not checked: a write before this one in its group is unknown', { from: this.store.snapshot().generation, at: s.generation });
      return [];
    }
    let excess: BudgetExcess[] = [];
    this.budgets.startTrial();
    try {
      this.compiler.tryAhead(s, changes, after, () => {
        excess = this.budgets.overBudget(this.budgets.endTrial());
        return excess.length === 0;
      });
    } finally {
      this.budgets.endTrial();
    }
    return excess;
  }

  /** The store as every writer must use it: each change is remembered until the compiler has it. */
  journaled(): Store {
    const inner = this.store;
    const journal = this.journal;
    return {
      snapshot: () => inner.snapshot(),
      get generation() {
        return inner.generation;
      },
      apply: (op) =>
        inner.apply((s) => {
          const r = op(s);
          if (r.ok && r.changes.length > 0) journal.set(s.generation, r.changes);
          return r;
        }),
      onCommit: (l) => inner.onCommit(l),
      restore: (m) => inner.restore(m),
      checkWritable: () => inner.checkWritable(),
      gateGroups: (gate, settled) => inner.gateGroups?.(gate, settled),
      close: () => inner.close(),
    };
  }
}
