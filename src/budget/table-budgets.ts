// Each switch's flow-table budget and what the compiled state uses of it.
//
// The budget of a switch is the smaller of the one the settings give it
// (`budgets`: a default and per-switch overrides) and the capacity the
// switch reported at connect (the max_entries of the tables the pipeline
// writes); either alone when only one is known, none when neither is. What
// is used is the compiler's desired state for the switch, counted by the
// switch's profile (tcam-cost.ts), kept up to date from every change the
// compiler records, so reading it costs nothing.
//
// Admission runs a change through the compiler as a trial: between
// startTrial() and endTrial() the changes recorded are also summed apart, per
// switch, and overBudget() says whether they push a switch past its budget.
import type { DesiredFlow } from '../compiler/types.js';
import type { Dpid } from '../openflow/dpid.js';
import { flowCost, type BudgetProfile, type CostRule } from './tcam-cost.js';

/** One switch's settings, or the default for every switch. */
export interface SwitchBudgetSetting {
  /** Table entries the switch may hold (in flows, or TCAM entries with `pica8`). */
  flows?: number;
  profile?: BudgetProfile;
  /** pica8: the short match modes the switch has enabled. */
  matchModes?: readonly string[];
}

export interface BudgetSettings extends SwitchBudgetSetting {
  /** Per-switch overrides by datapath id; an override's unset fields come from the default. */
  switches?: ReadonlyMap<Dpid, SwitchBudgetSetting>;
}

/** What a switch uses of its table and what it may use. */
export interface TableUse {
  /** Entries the compiled state takes on the switch. */
  used: number;
  /** The effective budget; absent when neither the settings nor the switch give one. */
  budget?: number;
  /** From the settings. */
  configured?: number;
  /** The switch's own report at its last connect. */
  capacity?: number;
  /** What used and budget count: flows, or TCAM entries (pica8). */
  unit: 'flows' | 'tcam entries';
}

/** A switch that a change would push over its budget. */
export interface BudgetExcess {
  dpid: Dpid;
  /** Entries the switch would need with the change. */
  needed: number;
  budget: number;
  unit: TableUse['unit'];
}

export class TableBudgets {
  private readonly used = new Map<Dpid, number>();
  private readonly capacities = new Map<Dpid, number>();
  private readonly rules = new Map<Dpid, CostRule>();
  private trial: Map<Dpid, number> | undefined;

  constructor(private readonly settings: BudgetSettings = {}) {}

  /** True when some switch may have a budget: admission has something to check. */
  get active(): boolean {
    return this.settings.flows !== undefined || (this.settings.switches?.size ?? 0) > 0 || this.capacities.size > 0;
  }

  /** How the switch's flows are counted. */
  ruleOf(dpid: Dpid): CostRule {
    let r = this.rules.get(dpid);
    if (!r) {
      const own = this.settings.switches?.get(dpid);
      r = { profile: own?.profile ?? this.settings.profile ?? 'flows', matchModes: own?.matchModes ?? this.settings.matchModes ?? [] };
      this.rules.set(dpid, r);
    }
    return r;
  }

  /** The compiler's desired flows of a switch changed: `removed` left, `added` came. */
  flowsChanged(dpid: Dpid, removed: readonly DesiredFlow[], added: readonly DesiredFlow[]): void {
    const rule = this.ruleOf(dpid);
    let d = 0;
    for (const f of added) d += flowCost(rule, f.match);
    for (const f of removed) d -= flowCost(rule, f.match);
    if (d === 0) return;
    const n = (this.used.get(dpid) ?? 0) + d;
    if (n !== 0) this.used.set(dpid, n);
    else this.used.delete(dpid);
    if (this.trial) this.trial.set(dpid, (this.trial.get(dpid) ?? 0) + d);
  }

  /** The switch reported its table capacity (undefined: it reported none). */
  setCapacity(dpid: Dpid, entries: number | undefined): void {
    if (entries === undefined) this.capacities.delete(dpid);
    else this.capacities.set(dpid, entries);
  }

  budgetOf(dpid: Dpid): number | undefined {
    const configured = this.configuredOf(dpid);
    const capacity = this.capacities.get(dpid);
    if (configured === undefined) return capacity;
    return capacity === undefined ? configured : Math.min(configured, capacity);
  }

  use(dpid: Dpid): TableUse {
    const configured = this.configuredOf(dpid);
    const capacity = this.capacities.get(dpid);
    const budget = this.budgetOf(dpid);
    return {
      used: this.used.get(dpid) ?? 0,
      ...(budget !== undefined ? { budget } : {}),
      ...(configured !== undefined ? { configured } : {}),
      ...(capacity !== undefined ? { capacity } : {}),
      unit: this.ruleOf(dpid).profile === 'pica8' ? 'tcam entries' : 'flows',
    };
  }

  /** Starts summing the changes recorded from now on, per switch. */
  startTrial(): void {
    this.trial = new Map();
  }

  /** Stops the trial: what it added (or, negative, removed) per switch. */
  endTrial(): Map<Dpid, number> {
    const t = this.trial ?? new Map<Dpid, number>();
    this.trial = undefined;
    return t;
  }

  /**
   * The switches that `added` (entries per switch, counted in what is used
   * now: a trial that holds them) pushes past their budget, by datapath id. A switch the change leaves
   * alone or shrinks passes even when it is over its budget already (the
   * budget was lowered, or the switch reported less than it holds).
   */
  overBudget(added: ReadonlyMap<Dpid, number>): BudgetExcess[] {
    const out: BudgetExcess[] = [];
    for (const [dpid, d] of [...added].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (d <= 0) continue;
      const budget = this.budgetOf(dpid);
      if (budget === undefined) continue;
      const needed = this.used.get(dpid) ?? 0;
      if (needed > budget) out.push({ dpid, needed, budget, unit: this.use(dpid).unit });
    }
    return out;
  }

  private configuredOf(dpid: Dpid): number | undefined {
    return this.settings.switches?.get(dpid)?.flows ?? this.settings.flows;
  }
}
