// Desired against installed tables of one switch -> the smallest ordered list of
// commands that turns the one into the other. Pure: no I/O, no clock.
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
//
// Meters and groups that desired flows name are added (or modified) before
// the flow changes and deleted after them, so no flow ever names one the
// switch lacks.
import { isOurGroup, portMeterOf, SWITCH_METER } from '../compiler/fabric.js';
import { bigintText } from '../json.js';
import { GROUP_ANY, NO_BUFFER, OFP10_VERSION, Port, type OfVersion } from '../openflow/wire-values.js';
import { MeterFlags, type Bucket } from '../openflow/flow-model.js';
import { type FlowStats } from '../openflow/stats-model.js';
import { canonicalAction, canonicalInstructions } from './action-key.js';
import { DesiredTables, noChanges, type DesiredChanges } from './desired.js';
import { flowKey, type MatchKeyError } from './match-key.js';
import { isOurCookie, type CookieSpace, type DesiredFlow, type DesiredGroup, type DesiredMeter, type FlowModBody, type GroupModBody, type MeterModBody } from './ports.js';

/** A flow as the switch holds it (the fields of flow stats that matter here). */
export type InstalledFlow = Pick<FlowStats, 'tableId' | 'priority' | 'match' | 'instructions' | 'cookie'>;

/** What a switch holds, as read (flow stats, group desc, meter config) and kept up to date by what it confirmed. */
export interface InstalledTables {
  flows: Map<string, InstalledFlow>;
  groups: Map<number, DesiredGroup>;
  meters: Map<number, DesiredMeter>;
}

export type ChangeKind = 'add' | 'modify' | 'replace' | 'delete';

export interface PlannedChange {
  kind: ChangeKind;
  key: string;
  /** The desired flow (add, modify, replace) or the installed one (delete). */
  flow: InstalledFlow & { stage?: string };
  command: FlowModBody;
}

export interface PlannedObject {
  kind: 'add' | 'modify' | 'delete';
  /** "group:ID" or "meter:ID". */
  key: string;
  command: GroupModBody | MeterModBody;
}

export interface FlowPlan {
  changes: PlannedChange[];
  /** Meter and group commands: `before` the flow changes (adds and modifies), `after` them (deletes). */
  objects: { before: PlannedObject[]; after: PlannedObject[] };
  /** Desired flows whose slot holds a flow with a foreign cookie: left alone. */
  conflicts: { key: string; desired: DesiredFlow; foreignCookie: bigint }[];
  /** Desired flows that cannot be keyed (malformed match). */
  invalid: { flow: DesiredFlow; error: MatchKeyError }[];
  /** Keys that more than one desired flow claims: the first wins. */
  duplicates: string[];
}

export interface DiffOptions {
  version: OfVersion;
  cookies: CookieSpace;
  /** Keys to leave out of this plan (flows, "group:ID" and "meter:ID" that failed too often). */
  skip?: ReadonlySet<string>;
  /** Meters the switch refused: flows that name them are sent without them, and they are not tried again. */
  refusedMeters?: ReadonlySet<number>;
}

/** What a pass looks at: every key (a full comparison) or only those a delta touched. */
export type PlanScope = 'all' | DesiredChanges;

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

/** Installed flows by key; a flow the switch reports that we cannot key is kept under its raw text. */
export function keyInstalled(installed: readonly InstalledFlow[], version: OfVersion): Map<string, InstalledFlow> {
  const byKey = new Map<string, InstalledFlow>();
  for (const f of installed) {
    const k = flowKey(f.tableId, f.priority, f.match, version);
    byKey.set(k.ok ? k.key : `unkeyable/${f.tableId}/${f.priority}/${JSON.stringify(f.match, bigintText)}`, f);
  }
  return byKey;
}

/**
 * A flow as read, kept without what no comparison reads. A read flow that is
 * the one known in its slot (installed by this reconciler, or desired) is
 * kept as that object, whose match and instructions the desired state holds
 * already; any other keeps only the fields a comparison reads. Kept whole, a
 * table read retained every decoded flow: counters, durations, and a second
 * copy of each match and action list.
 */
export function leanFlow(now: InstalledFlow, known: InstalledFlow | undefined): InstalledFlow {
  // The read flow's text is not cached: its action list is thrown away now, and
  // a weak-map entry per flow read (hundreds of thousands a round) cost more
  // in rehashing and in the collector than building the text.
  if (known !== undefined && known.cookie === now.cookie && known.tableId === now.tableId && known.priority === now.priority && instructionText(known.instructions) === canonicalInstructions(now.instructions)) return known;
  return { tableId: now.tableId, priority: now.priority, match: now.match, instructions: now.instructions, cookie: now.cookie };
}

function flowMod(command: FlowModBody['command'], f: InstalledFlow, cookie: bigint, cookieMask: bigint, version: OfVersion): FlowModBody {
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

/**
 * Desired against installed, over `scope`: the flow changes in make-before-break
 * order, and the group and meter commands around them.
 */
export function planFlows(desired: DesiredTables, installed: InstalledTables, opts: DiffOptions, scope: PlanScope = 'all'): FlowPlan {
  const { version, cookies } = opts;
  const skip = opts.skip ?? new Set<string>();
  const adds: PlannedChange[] = [];
  const mods: PlannedChange[] = [];
  const dels: PlannedChange[] = [];
  const conflicts: FlowPlan['conflicts'] = [];

  const consider = (key: string): void => {
    if (skip.has(key)) return;
    const d = desired.flow(key);
    const have = installed.flows.get(key);
    if (d === undefined) {
      if (have !== undefined && isOurCookie(have.cookie, cookies)) dels.push({ kind: 'delete', key, flow: have, command: flowMod('deleteStrict', have, have.cookie, ALL_ONES_64, version) });
      return;
    }
    // Sent in the switch's own normal form (masks applied, exact masks dropped):
    // the codec refuses value bits outside a mask, and OF1.0 cannot mask a MAC.
    const f = withoutRefusedMeters(d.flow, opts.refusedMeters);
    const flow = { tableId: version === OFP10_VERSION ? 0 : f.tableId, priority: f.priority, match: d.match, instructions: f.instructions, cookie: f.cookie, stage: f.stage };
    if (have === undefined) {
      adds.push({ kind: 'add', key, flow, command: flowMod('add', flow, f.cookie, 0n, version) });
      return;
    }
    if (!isOurCookie(have.cookie, cookies)) {
      conflicts.push({ key, desired: f, foreignCookie: have.cookie });
      return;
    }
    const sameActions = instructionText(have.instructions) === instructionText(f.instructions);
    if (sameActions && have.cookie === f.cookie) return;
    if (have.cookie === f.cookie || version === OFP10_VERSION) {
      // OF1.3 modify never changes a cookie, and filters on it: only our flow is touched.
      // OF1.0 modify-strict sets the cookie it carries.
      mods.push({ kind: 'modify', key, flow, command: flowMod('modifyStrict', flow, version === OFP10_VERSION ? f.cookie : have.cookie, ALL_ONES_64, version) });
    } else {
      // A new cookie on OF1.3 needs an add, which replaces the flow in place.
      mods.push({ kind: 'replace', key, flow, command: flowMod('add', flow, f.cookie, 0n, version) });
    }
  };
  if (scope === 'all') {
    for (const key of desired.keys()) consider(key);
    for (const key of installed.flows.keys()) if (desired.flow(key) === undefined) consider(key);
  } else {
    for (const key of scope.flows) consider(key);
  }

  const byKey = (a: PlannedChange, b: PlannedChange): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  adds.sort((a, b) => b.flow.tableId - a.flow.tableId || b.flow.priority - a.flow.priority || byKey(a, b));
  mods.sort((a, b) => b.flow.tableId - a.flow.tableId || b.flow.priority - a.flow.priority || byKey(a, b));
  dels.sort((a, b) => a.flow.tableId - b.flow.tableId || a.flow.priority - b.flow.priority || byKey(a, b));

  const refused = opts.refusedMeters;
  const meters = planObjects<DesiredMeter>(
    refused?.size ? new Map([...desired.meters].filter(([id]) => !refused.has(id))) : desired.meters,
    installed.meters,
    scope === 'all' ? 'all' : scope.meters,
    skip,
    'meter',
    isOurMeter,
    sameMeter,
    (m, command) => ({ type: 'meterMod', command, flags: m.flags, meterId: m.meterId, bands: command === 'delete' ? [] : m.bands }),
  );
  const groups = planObjects<DesiredGroup>(
    desired.groups,
    installed.groups,
    scope === 'all' ? 'all' : scope.groups,
    skip,
    'group',
    isOurGroup,
    sameGroup,
    (g, command) => ({ type: 'groupMod', command, groupType: g.groupType, groupId: g.groupId, buckets: command === 'delete' ? [] : g.buckets }),
  );
  return {
    changes: [...adds, ...mods, ...dels],
    objects: { before: [...meters.upsert, ...groups.upsert], after: [...groups.remove, ...meters.remove] },
    conflicts,
    invalid: desired.invalid,
    duplicates: scope === 'all' ? desired.duplicates() : [...scope.flows].filter((k) => desired.isDuplicate(k)),
  };
}

function withoutRefusedMeters(f: DesiredFlow, refused: ReadonlySet<number> | undefined): DesiredFlow {
  if (!refused?.size || !f.instructions.some((i) => i.type === 'meter' && refused.has(i.meterId))) return f;
  return { ...f, instructions: f.instructions.filter((i) => !(i.type === 'meter' && refused.has(i.meterId))) };
}

function planObjects<T>(
  desired: ReadonlyMap<number, T>,
  installed: ReadonlyMap<number, T>,
  scope: 'all' | ReadonlySet<number>,
  skip: ReadonlySet<string>,
  kind: 'group' | 'meter',
  ours: (id: number) => boolean,
  same: (a: T, b: T) => boolean,
  command: (o: T, c: 'add' | 'modify' | 'delete') => GroupModBody | MeterModBody,
): { upsert: PlannedObject[]; remove: PlannedObject[] } {
  const upsert: PlannedObject[] = [];
  const remove: PlannedObject[] = [];
  const ids = scope === 'all' ? new Set([...desired.keys(), ...installed.keys()]) : scope;
  for (const id of [...ids].sort((a, b) => a - b)) {
    const want = desired.get(id);
    const have = installed.get(id);
    const key = `${kind}:${id}`;
    if (skip.has(key)) continue;
    if (want === undefined) {
      if (have !== undefined && ours(id)) remove.push({ kind: 'delete', key, command: command(have, 'delete') });
      continue;
    }
    if (have === undefined) upsert.push({ kind: 'add', key, command: command(want, 'add') });
    else if (!same(want, have)) upsert.push({ kind: 'modify', key, command: command(want, 'modify') });
  }
  return { upsert, remove };
}

const bucketText = (b: Bucket): string => `${b.weight}/${b.watchPort}/${b.watchGroup}/${b.actions.map(canonicalAction).join(',')}`;

function sameGroup(a: DesiredGroup, b: DesiredGroup): boolean {
  if (a === b) return true;
  if (a.groupType !== b.groupType || a.buckets.length !== b.buckets.length) return false;
  return a.buckets.every((x, i) => x === b.buckets[i] || bucketText(x) === bucketText(b.buckets[i]!));
}

function sameMeter(a: DesiredMeter, b: DesiredMeter): boolean {
  if (a === b) return true;
  const flags = (m: DesiredMeter): number => m.flags & (MeterFlags.KBPS | MeterFlags.PKTPS | MeterFlags.BURST);
  const band = (m: DesiredMeter): string => m.bands.map((x) => `${x.type}/${x.rate}/${x.burstSize}`).join(',');
  return flags(a) === flags(b) && band(a) === band(b);
}

/** Meters Spotlight owns: the switch's own and the access ports' (src/compiler/fabric.ts). */
function isOurMeter(id: number): boolean {
  return id >= SWITCH_METER && id <= portMeterOf(0xffff);
}

/**
 * Where a switch's tables as read differ from what the reconciler had
 * installed in them: among Spotlight's flows (by cookie), flows gone, flows
 * nobody installed, flows whose cookie or instructions changed; groups and
 * meters that differ. Changes of the desired state are not drift and do not
 * show here.
 */
export interface Drift {
  missing: string[];
  unexpected: string[];
  changed: string[];
  /** Group and meter ids (`group 5`, `meter 3`) held otherwise than installed. */
  objects: string[];
  /** Slots where a flow of another cookie came, went or changed: not drift, but a desired flow there may now fit, or conflict. */
  foreign: string[];
}

export function driftOf(believed: InstalledTables, read: InstalledTables, cookies: CookieSpace): Drift {
  const drift: Drift = { missing: [], unexpected: [], changed: [], objects: [], foreign: [] };
  const sameFlow = (a: InstalledFlow, b: InstalledFlow): boolean => a.cookie === b.cookie && instructionText(a.instructions) === instructionText(b.instructions);
  for (const [key, had] of believed.flows) {
    const now = read.flows.get(key);
    if (now === had) continue;
    if (!isOurCookie(had.cookie, cookies)) {
      if (now === undefined || !sameFlow(now, had)) drift.foreign.push(key);
    } else if (now === undefined) drift.missing.push(key);
    else if (!sameFlow(now, had)) drift.changed.push(key);
  }
  for (const [key, now] of read.flows) {
    if (believed.flows.has(key)) continue;
    if (isOurCookie(now.cookie, cookies)) drift.unexpected.push(key);
    else drift.foreign.push(key);
  }
  const objects = <T>(kind: string, had: ReadonlyMap<number, T>, now: ReadonlyMap<number, T>, same: (a: T, b: T) => boolean): void => {
    for (const [id, h] of had) {
      const n = now.get(id);
      if (n === undefined || !same(h, n)) drift.objects.push(`${kind} ${id}`);
    }
    for (const id of now.keys()) if (!had.has(id)) drift.objects.push(`${kind} ${id}`);
  };
  objects('group', believed.groups, read.groups, sameGroup);
  objects('meter', believed.meters, read.meters, sameMeter);
  return drift;
}

/** Desired against the flows read from a switch (all cookies). */
export function diffFlows(desired: readonly DesiredFlow[], installed: readonly InstalledFlow[], opts: DiffOptions): FlowPlan {
  const d = new DesiredTables(opts.version);
  d.apply([], desired, { removed: [], added: [] }, { removed: [], added: [] }, noChanges());
  return planFlows(d, { flows: keyInstalled(installed, opts.version), groups: new Map(), meters: new Map() }, opts);
}
