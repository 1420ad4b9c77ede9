// Admission of writes against the switches' table budgets: before a change
// is stored, it is compiled as a trial on the live compiler (what it adds or
// removes on each switch, counted by the switch's profile), then taken back
// out; a change that would push a switch past its budget is refused and
// nothing is stored.
//
// The store runs writes in groups: a write is checked against the state the
// writes before it in its group left, which the compiler has not seen yet
// (it follows the store's commits). So every write to the store goes through
// journaled(), which remembers each change by the generation it starts
// from, and a trial compiles those of the group first.
import type { BudgetExcess, TableBudgets } from '../budget/table-budgets.js';
import type { Logger } from '../log.js';
import type { ModelChange, ModelSnapshot } from '../model/types.js';
import type { Dpid } from '../openflow/dpid.js';
import type { Store } from '../store/index.js';

export interface TrialCompiler {
  /** Finishes the compiler's pending work (its deltas still go out). */
  catchUp(): void;
  /** Compiles `changes` on top of the live state, calls `measure`, takes them back out. */
  tryChanges<T>(changes: readonly ModelChange[], after: ModelSnapshot, measure: () => T): T;
}

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
  }

  stop(): void {
    this.unsubscribe();
  }

  /**
   * The switches a change would push past their budget (none: admitted).
   * `s` is the state the change applies to, `after` the state it makes.
   */
  check(s: ModelSnapshot, changes: readonly ModelChange[], after: ModelSnapshot): BudgetExcess[] {
    if (!this.budgets.active || changes.length === 0) return [];
    const base = this.store.snapshot();
    const earlier: ModelChange[] = [];
    for (let g = base.generation; g < s.generation; g++) {
      const c = this.journal.get(g);
      if (!c) {
        // Cannot happen while every writer goes through journaled(); admitted rather than guessed.
        this.log.warn('table budgets not checked: a write before this one in its group is unknown', { from: base.generation, at: s.generation });
        return [];
      }
      earlier.push(...c);
    }
    this.compiler.catchUp();
    this.budgets.startTrial();
    let added: Map<Dpid, number>;
    try {
      added = this.compiler.tryChanges([...earlier, ...changes], after, () => this.budgets.endTrial());
    } finally {
      this.budgets.endTrial();
    }
    return this.budgets.overBudget(added);
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
      close: () => inner.close(),
    };
  }
}
