// The `budgets` section of the settings file: a default flow-table budget for
// every switch and per-switch overrides, each with the profile its flows are
// counted by. Checked field by field; the first fault is returned with its
// path ("budgets.switches[1].matchModes[0]").
import { PICA8_MATCH_MODE_NAMES, type BudgetProfile } from '../budget/tcam-cost.js';
import { normalizeDpid } from '../topo/description.js';

export interface BudgetRuleConfig {
  flows?: number;
  profile?: BudgetProfile;
  matchModes?: string[];
}

export interface BudgetConfig extends BudgetRuleConfig {
  /** `switch` as written (a datapath id or a described name) until the loader resolves it to a datapath id. */
  switches?: (BudgetRuleConfig & { switch: string })[];
}

export type BudgetParse = { ok: true; budgets: BudgetConfig } | { ok: false; field: string; message: string };

const PROFILES: readonly BudgetProfile[] = ['flows', 'pica8'];
const RULE_KEYS = ['flows', 'profile', 'matchModes'];
/** A budget above any switch's table (OpenFlow's max_entries is 32 bits). */
const MAX_FLOWS = 0xffffffff;

class Fault extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseBudgets(v: unknown): BudgetParse {
  try {
    return { ok: true, budgets: budgets(v) };
  } catch (e) {
    if (e instanceof Fault) return { ok: false, field: e.field, message: e.message };
    throw e;
  }
}

function budgets(v: unknown): BudgetConfig {
  const m = mappingOf(v, 'budgets', [...RULE_KEYS, 'switches']);
  const out: BudgetConfig = rule(m, 'budgets');
  if (m.switches !== undefined) {
    if (!Array.isArray(m.switches)) throw new Fault('budgets.switches', 'expected a list of {switch, flows, profile, matchModes}');
    const seen = new Set<string>();
    out.switches = m.switches.map((raw, i) => {
      const at = `budgets.switches[${i}]`;
      const s = mappingOf(raw, at, ['switch', ...RULE_KEYS]);
      const ref = typeof s.switch === 'number' ? normalizeDpid(s.switch) : s.switch;
      if (typeof ref !== 'string' || ref === '') throw new Fault(`${at}.switch`, 'expected a datapath id or a switch name from the topology');
      if (seen.has(ref)) throw new Fault(`${at}.switch`, `${ref} is listed twice`);
      seen.add(ref);
      return { switch: ref, ...rule(s, at) };
    });
  }
  return out;
}

function rule(m: Record<string, unknown>, at: string): BudgetRuleConfig {
  const out: BudgetRuleConfig = {};
  if (m.flows !== undefined) {
    if (typeof m.flows !== 'number' || !Number.isInteger(m.flows) || m.flows < 1 || m.flows > MAX_FLOWS) throw new Fault(`${at}.flows`, `expected an integer from 1 to ${MAX_FLOWS}`);
    out.flows = m.flows;
  }
  if (m.profile !== undefined) {
    if (!PROFILES.includes(m.profile as BudgetProfile)) throw new Fault(`${at}.profile`, `expected one of ${PROFILES.join(', ')}`);
    out.profile = m.profile as BudgetProfile;
  }
  if (m.matchModes !== undefined) {
    if (!Array.isArray(m.matchModes)) throw new Fault(`${at}.matchModes`, `expected a list of PicOS match modes (${PICA8_MATCH_MODE_NAMES.join(', ')})`);
    out.matchModes = m.matchModes.map((x, i) => {
      if (typeof x !== 'string' || !PICA8_MATCH_MODE_NAMES.includes(x)) throw new Fault(`${at}.matchModes[${i}]`, `expected one of ${PICA8_MATCH_MODE_NAMES.join(', ')}`);
      return x;
    });
  }
  return out;
}

function mappingOf(v: unknown, at: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Fault(at, 'expected a mapping');
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new Fault(`${at}.${k}`, `unknown setting (known: ${keys.join(', ')})`);
  return v as Record<string, unknown>;
}
