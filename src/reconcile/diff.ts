// Desired against installed flows of one switch -> the smallest ordered list of
// flow-mods that turns the one into the other. Pure: no I/O, no clock.
//
// Ordering rule (make before break). Per table, applying
//   1. adds, highest priority first,
//   2. modifies and replacements,
//   3. deletes, lowest priority first,
// leaves every packet, at every step, with either its old verdict or its new
// one: while adds run, the highest added flow that matches a packet is above
// every old flow that matches it only once it is the new winner; while deletes
// run, the remaining old-only flows are always the highest ones, so one that
// still wins was also the old winner. Hence a packet that both states allow is
// never dropped mid-way, and one that both drop is never let through. It also
// means a new drop (security) flow is in place before the lower-priority flows
// it guards, and a new forwarding flow before the old one it replaces is gone.
// Across tables, adds go downstream first (highest table id) so a new goto
// never lands in a table still lacking its new flows, and deletes upstream
// first so an old goto is gone before the flows it led to. Across several
// tables this is not atomic in general; where the switch offers bundles the
// reconciler sends the whole list as one atomic, ordered bundle.
import { GROUP_ANY, NO_BUFFER, OFP10_VERSION, Port, type FlowStats, type OfVersion } from '../openflow/types.js';
import { canonicalInstructions } from './action-key.js';
import { flowKey, keyAndNormalize, type MatchKeyError } from './match-key.js';
import { isOurCookie, type CookieSpace, type DesiredFlow, type FlowModBody } from './ports.js';

/** A flow as the switch holds it (the fields of flow stats that matter here). */
export type InstalledFlow = Pick<FlowStats, 'tableId' | 'priority' | 'match' | 'instructions' | 'cookie'>;

export type ChangeKind = 'add' | 'modify' | 'replace' | 'delete';

export interface PlannedChange {
  kind: ChangeKind;
  key: string;
  /** The desired flow (add, modify, replace) or the installed one (delete). */
  flow: InstalledFlow & { stage?: string };
  command: FlowModBody;
}

export interface FlowPlan {
  changes: PlannedChange[];
  /** Desired flows whose slot holds a flow with a foreign cookie: left alone. */
  conflicts: { key: string; desired: DesiredFlow; foreignCookie: bigint }[];
  /** Desired flows that cannot be keyed (malformed match). */
  invalid: { desired: DesiredFlow; error: MatchKeyError }[];
  /** Desired flows with the same identity as an earlier one: the first wins. */
  duplicates: DesiredFlow[];
}

export interface DiffOptions {
  version: OfVersion;
  cookies: CookieSpace;
  /** Keys to leave out of this plan (flows that failed too often). */
  skip?: ReadonlySet<string>;
}

const ALL_ONES_64 = 0xffffffffffffffffn;

/** Instruction lists are often shared between generations: remember their text. */
const instructionCache = new WeakMap<readonly unknown[], string>();
export function instructionText(i: InstalledFlow['instructions']): string {
  let t = instructionCache.get(i);
  if (t === undefined) {
    t = canonicalInstructions(i);
    instructionCache.set(i, t);
  }
  return t;
}

export interface KeyedDesired {
  byKey: Map<string, DesiredFlow>;
  /** The match of each keyed flow in the switch's normal form (what is sent). */
  normalized: Map<string, DesiredFlow['match']>;
  invalid: FlowPlan['invalid'];
  duplicates: DesiredFlow[];
}

type Keyed = ReturnType<typeof keyAndNormalize>;
/**
 * The incremental compiler hands over the same flow objects for what did not
 * change, so keying (the costly part on a 20,000-flow switch) is remembered
 * per object and version. Flows are immutable values; the cache also checks
 * the fields it read.
 */
const keyCache = new WeakMap<DesiredFlow, { version: OfVersion; tableId: number; priority: number; match: DesiredFlow['match']; r: Keyed }>();
function keyed(d: DesiredFlow, version: OfVersion): Keyed {
  const c = keyCache.get(d);
  if (c && c.version === version && c.tableId === d.tableId && c.priority === d.priority && c.match === d.match) return c.r;
  const r = keyAndNormalize(version === OFP10_VERSION ? 0 : d.tableId, d.priority, d.match, version);
  keyCache.set(d, { version, tableId: d.tableId, priority: d.priority, match: d.match, r });
  return r;
}

export function keyDesired(desired: readonly DesiredFlow[], version: OfVersion): KeyedDesired {
  const byKey = new Map<string, DesiredFlow>();
  const normalized = new Map<string, DesiredFlow['match']>();
  const invalid: FlowPlan['invalid'] = [];
  const duplicates: DesiredFlow[] = [];
  for (const d of desired) {
    const k = keyed(d, version);
    if (!k.ok) invalid.push({ desired: d, error: k.error });
    else if (byKey.has(k.key)) duplicates.push(d);
    else {
      byKey.set(k.key, d);
      normalized.set(k.key, k.match);
    }
  }
  return { byKey, normalized, invalid, duplicates };
}

/** Installed flows by key; a flow the switch reports that we cannot key is kept under its raw text. */
export function keyInstalled(installed: readonly InstalledFlow[], version: OfVersion): Map<string, InstalledFlow> {
  const byKey = new Map<string, InstalledFlow>();
  for (const f of installed) {
    const k = flowKey(f.tableId, f.priority, f.match, version);
    byKey.set(k.ok ? k.key : `unkeyable/${f.tableId}/${f.priority}/${JSON.stringify(f.match, bigintText)}`, f);
  }
  return byKey;
}

function bigintText(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function flowMod(
  command: FlowModBody['command'],
  f: InstalledFlow,
  cookie: bigint,
  cookieMask: bigint,
  version: OfVersion,
): FlowModBody {
  return {
    type: 'flowMod',
    command,
    cookie,
    cookieMask: version === OFP10_VERSION ? 0n : cookieMask,
    tableId: version === OFP10_VERSION ? 0 : f.tableId,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: f.priority,
    bufferId: NO_BUFFER,
    outPort: Port.ANY,
    outGroup: GROUP_ANY,
    flags: {},
    match: f.match,
    instructions: command === 'delete' || command === 'deleteStrict' ? [] : f.instructions,
  };
}

/** Plan from keyed sets (the reconciler keeps both keyed). */
export function planFlows(
  desired: KeyedDesired,
  installed: ReadonlyMap<string, InstalledFlow>,
  opts: DiffOptions,
): FlowPlan {
  const { version, cookies } = opts;
  const skip = opts.skip ?? new Set<string>();
  const adds: PlannedChange[] = [];
  const mods: PlannedChange[] = [];
  const dels: PlannedChange[] = [];
  const conflicts: FlowPlan['conflicts'] = [];

  for (const [key, d] of desired.byKey) {
    if (skip.has(key)) continue;
    const have = installed.get(key);
    // Sent in the switch's own normal form (masks applied, exact masks dropped):
    // the codec refuses value bits outside a mask, and OF1.0 cannot mask a MAC.
    const match = desired.normalized.get(key) ?? d.match;
    const flow = { tableId: version === OFP10_VERSION ? 0 : d.tableId, priority: d.priority, match, instructions: d.instructions, cookie: d.cookie, stage: d.stage };
    if (have === undefined) {
      adds.push({ kind: 'add', key, flow, command: flowMod('add', flow, d.cookie, 0n, version) });
      continue;
    }
    if (!isOurCookie(have.cookie, cookies)) {
      conflicts.push({ key, desired: d, foreignCookie: have.cookie });
      continue;
    }
    const sameActions = instructionText(have.instructions) === instructionText(d.instructions);
    if (sameActions && have.cookie === d.cookie) continue;
    if (have.cookie === d.cookie || version === OFP10_VERSION) {
      // OF1.3 modify never changes a cookie, and filters on it: only our flow is touched.
      // OF1.0 modify-strict sets the cookie it carries.
      mods.push({ kind: 'modify', key, flow, command: flowMod('modifyStrict', flow, version === OFP10_VERSION ? d.cookie : have.cookie, ALL_ONES_64, version) });
    } else {
      // A new cookie on OF1.3 needs an add, which replaces the flow in place.
      mods.push({ kind: 'replace', key, flow, command: flowMod('add', flow, d.cookie, 0n, version) });
    }
  }
  for (const [key, have] of installed) {
    if (!isOurCookie(have.cookie, cookies) || desired.byKey.has(key) || skip.has(key)) continue;
    dels.push({ kind: 'delete', key, flow: have, command: flowMod('deleteStrict', have, have.cookie, ALL_ONES_64, version) });
  }

  const byKey = (a: PlannedChange, b: PlannedChange) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  adds.sort((a, b) => b.flow.tableId - a.flow.tableId || b.flow.priority - a.flow.priority || byKey(a, b));
  mods.sort((a, b) => b.flow.tableId - a.flow.tableId || b.flow.priority - a.flow.priority || byKey(a, b));
  dels.sort((a, b) => a.flow.tableId - b.flow.tableId || a.flow.priority - b.flow.priority || byKey(a, b));
  return { changes: [...adds, ...mods, ...dels], conflicts, invalid: desired.invalid, duplicates: desired.duplicates };
}

/**
 * Where a switch's table as read differs from what the reconciler had
 * installed in it, among Spotlight's flows (by cookie): flows gone, flows
 * nobody installed, flows whose cookie or instructions changed. Changes of
 * the desired state are not drift and do not show here.
 */
export interface Drift {
  missing: string[];
  unexpected: string[];
  changed: string[];
}

export function driftOf(believed: ReadonlyMap<string, InstalledFlow>, read: ReadonlyMap<string, InstalledFlow>, cookies: CookieSpace): Drift {
  const drift: Drift = { missing: [], unexpected: [], changed: [] };
  for (const [key, had] of believed) {
    if (!isOurCookie(had.cookie, cookies)) continue;
    const now = read.get(key);
    if (now === undefined) drift.missing.push(key);
    else if (now.cookie !== had.cookie || instructionText(now.instructions) !== instructionText(had.instructions)) drift.changed.push(key);
  }
  for (const [key, now] of read) {
    if (isOurCookie(now.cookie, cookies) && !believed.has(key)) drift.unexpected.push(key);
  }
  return drift;
}

/** Desired against the flows read from a switch (all cookies). */
export function diffFlows(desired: readonly DesiredFlow[], installed: readonly InstalledFlow[], opts: DiffOptions): FlowPlan {
  return planFlows(keyDesired(desired, opts.version), keyInstalled(installed, opts.version), opts);
}
