// An Open vSwitch flow table as the switch keeps it: flows identified by
// table, priority and match (an add replaces the same flow), modify and
// delete, strict and loose, with cookie masks and out_port / out_group
// filters, OF1.0's modify that adds when nothing matched and its exact-match
// flows held at priority 65535, and a packet walk through the tables. The
// reconciler's simulated switch (fakeswitch.ts) and the switch farm
// (bench/farm) both keep their flows here; test/integration checks both
// against real Open vSwitch.
//
// Flows are indexed by identity, so strict commands and adds cost O(1) whatever
// the table's size; loose commands, lookups and stats scan the tables they name.
import { OFP10_VERSION, Port, TABLE_ALL, GROUP_ANY, type OfVersion } from '../../src/openflow/wire-values.js';
import { type Action, type FlowModFlags, type Instruction, type Match, type MatchField } from '../../src/openflow/flow-model.js';
import { keyAndNormalize, matchBits, type FieldBits } from '../../src/reconcile/match-key.js';

export interface TableFlow {
  /** Identity: table, priority and canonical match (src/reconcile/match-key.ts). */
  readonly key: string;
  tableId: number;
  priority: number;
  /** As the switch reports it (normalised). */
  match: Match;
  bits: FieldBits[];
  instructions: Instruction[];
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  flags: FlowModFlags;
  /** Insertion serial: a replaced flow gets a new one (its duration restarts). */
  serial: number;
  /** When it was added (ms since the epoch), for the duration in flow stats. */
  addedAt: number;
}

/** The part of a flow-mod the table acts on (Spotlight's FlowMod without version and xid fits). */
export interface FlowCommand {
  command: 'add' | 'modify' | 'modifyStrict' | 'delete' | 'deleteStrict';
  tableId: number;
  priority: number;
  match: Match;
  instructions: Instruction[];
  cookie: bigint;
  cookieMask: bigint;
  outPort: number;
  outGroup?: number;
  idleTimeout?: number;
  hardTimeout?: number;
  flags?: FlowModFlags;
}

/** Which flows a flow-stats request (or a loose command) selects. */
export interface FlowFilter {
  tableId: number;
  match: Match;
  cookie: bigint;
  cookieMask: bigint;
  outPort: number;
  outGroup?: number;
}

/** OpenFlow error types a flow-mod can meet. */
export const OFPET_BAD_ACTION = 2;
export const OFPET_BAD_MATCH = 4;
export const OFPET_FLOW_MOD_FAILED = 5;
export const OFPET_METER_MOD_FAILED = 12;

/**
 * The error Open vSwitch answers a flow-mod with before touching its table, or
 * undefined: a malformed match value, a table other than 0 on OF1.0, a meter
 * or group that does not exist.
 */
export function flowModError(
  cmd: FlowCommand,
  version: OfVersion,
  have: { meters: { has(id: number): boolean }; groups: { has(id: number): boolean } },
): { errType: number; code: number } | undefined {
  for (const i of cmd.instructions) {
    if (i.type === 'meter' && !have.meters.has(i.meterId)) return { errType: OFPET_METER_MOD_FAILED, code: 2 /* OFPMMFC_INVALID_METER */ };
    if (i.type !== 'applyActions' && i.type !== 'writeActions') continue;
    for (const a of i.actions) {
      if (a.type === 'group' && !have.groups.has(a.groupId)) return { errType: OFPET_BAD_ACTION, code: 9 /* BAD_OUT_GROUP */ };
    }
  }
  if (!matchBits(cmd.match, version).ok) return { errType: OFPET_BAD_MATCH, code: 7 /* OFPBMC_BAD_VALUE */ };
  if (version === OFP10_VERSION && cmd.tableId !== 0 && cmd.tableId !== TABLE_ALL) {
    return { errType: OFPET_FLOW_MOD_FAILED, code: 5 /* BAD_TABLE_ID */ };
  }
  return undefined;
}

/** A packet for the walk: field name -> value as bits (MACs and IPs as bigint). */
export type Packet = Partial<Record<MatchField, bigint>>;

/** The flow-mod flags a switch keeps and reports back. */
function keptFlags(flags: FlowModFlags | undefined): FlowModFlags {
  const out: FlowModFlags = {};
  if (flags?.sendFlowRem) out.sendFlowRem = true;
  if (flags?.noPktCounts) out.noPktCounts = true;
  if (flags?.noBytCounts) out.noBytCounts = true;
  return out;
}

export class FlowTable {
  private readonly byKey = new Map<string, TableFlow>();
  private readonly tables = new Map<number, Map<string, TableFlow>>();
  private serial = 0;
  /** Bumped on every change: caches of lookups compare it. */
  changes = 0;

  constructor(
    readonly version: OfVersion,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Every flow, oldest first (a replaced flow counts as new). */
  all(): TableFlow[] {
    return [...this.byKey.values()];
  }

  /** Whether the match can be held at all (a malformed value cannot). */
  matchOk(match: Match): boolean {
    return matchBits(match, this.version).ok;
  }

  /** Put a flow in (an add): replaces the flow of the same table, priority and match. */
  add(f: { tableId: number; priority: number; match: Match; instructions: Instruction[]; cookie: bigint; idleTimeout?: number; hardTimeout?: number; flags?: FlowModFlags }): void {
    const tableId = this.version === OFP10_VERSION ? 0 : f.tableId;
    const k = keyAndNormalize(tableId, f.priority, f.match, this.version);
    const bits = matchBits(f.match, this.version);
    if (!k.ok || !bits.ok) return;
    this.drop(k.key);
    const flow: TableFlow = {
      key: k.key,
      tableId,
      priority: priorityOfKey(k.key),
      match: k.match,
      bits: bits.fields,
      instructions: f.instructions,
      cookie: f.cookie,
      idleTimeout: f.idleTimeout ?? 0,
      hardTimeout: f.hardTimeout ?? 0,
      flags: keptFlags(f.flags),
      serial: ++this.serial,
      addedAt: this.now(),
    };
    this.byKey.set(k.key, flow);
    let t = this.tables.get(tableId);
    if (!t) this.tables.set(tableId, (t = new Map()));
    t.set(k.key, flow);
    this.changes++;
  }

  /** A flow-mod with Open vSwitch's semantics. The caller has validated it. */
  apply(cmd: FlowCommand): void {
    const of10 = this.version === OFP10_VERSION;
    switch (cmd.command) {
      case 'add':
        return this.add(cmd);
      case 'modify':
      case 'modifyStrict': {
        const hits = cmd.command === 'modifyStrict' ? this.strict(cmd) : this.loose(cmd, false);
        // OF1.0 (and OVS for it): a modify that matches nothing adds the flow.
        if (hits.length === 0 && of10) return this.add(cmd);
        for (const f of hits) {
          f.instructions = cmd.instructions;
          // OF1.3 keeps the cookie on modify; OF1.0 takes the flow-mod's.
          if (of10) f.cookie = cmd.cookie;
        }
        if (hits.length > 0) this.changes++;
        return;
      }
      case 'delete':
      case 'deleteStrict': {
        const hits = cmd.command === 'deleteStrict' ? this.strict(cmd) : this.loose(cmd, true);
        for (const f of hits) this.drop(f.key);
        return;
      }
    }
  }

  /** Remove flows by hand (someone ran ovs-ofctl del-flows). */
  removeWhere(pred: (f: TableFlow) => boolean): number {
    let n = 0;
    for (const f of this.all()) {
      if (!pred(f)) continue;
      this.drop(f.key);
      n++;
    }
    return n;
  }

  /** The flows a flow-stats request selects (loose match, cookie mask, out_port, out_group). */
  select(filter: FlowFilter): TableFlow[] {
    return this.loose({ ...filter }, true);
  }

  /** The highest-priority flow of `tableId` that the packet matches (the first added on a tie). */
  lookup(tableId: number, pkt: Packet): TableFlow | undefined {
    let best: TableFlow | undefined;
    for (const f of this.tables.get(tableId)?.values() ?? []) {
      if (best && best.priority >= f.priority) continue;
      if (f.bits.every((b) => pkt[b.field] !== undefined && (pkt[b.field]! & b.mask) === b.value)) best = f;
    }
    return best;
  }

  /**
   * What a packet meets: the outputs collected through the pipeline, sorted
   * ("port3", "controller", "group7"), or [] when it is dropped. A table miss
   * ends the walk: `miss` says what the switch then does ("drop" on OF1.3,
   * "controller" for OVS's OF1.0 default).
   */
  walk(pkt: Packet, miss: 'drop' | 'controller' = 'drop'): string[] {
    const outputs: string[] = [];
    let table = 0;
    let metadata = 0n;
    for (let hops = 0; hops < 256; hops++) {
      const hit = this.lookup(table, { ...pkt, metadata });
      if (!hit) {
        if (miss === 'controller') outputs.push('controller');
        break;
      }
      let next: number | undefined;
      for (const i of hit.instructions) {
        if (i.type === 'applyActions' || i.type === 'writeActions') outputs.push(...actionOutputs(i.actions));
        if (i.type === 'writeMetadata') metadata = (metadata & ~i.mask) | (i.metadata & i.mask);
        if (i.type === 'gotoTable') next = i.tableId;
      }
      if (next === undefined || next <= table) break;
      table = next;
    }
    return outputs.sort();
  }

  private drop(key: string): void {
    const f = this.byKey.get(key);
    if (!f) return;
    this.byKey.delete(key);
    this.tables.get(f.tableId)?.delete(key);
    this.changes++;
  }

  /** The one flow a strict command names, if its cookie and out_port filters let it through. */
  private strict(cmd: FlowCommand): TableFlow[] {
    const tables = cmd.tableId === TABLE_ALL ? [...this.tables.keys()] : [this.version === OFP10_VERSION ? 0 : cmd.tableId];
    const out: TableFlow[] = [];
    for (const t of tables) {
      const k = keyAndNormalize(t, cmd.priority, cmd.match, this.version);
      const f = k.ok ? this.byKey.get(k.key) : undefined;
      if (f && this.cookieHits(f, cmd) && (!isDelete(cmd) || outputsTo(f, cmd.outPort, cmd.outGroup))) out.push(f);
    }
    return out;
  }

  /** Flows at least as specific as the match (loose), in the named table(s). */
  private loose(cmd: FlowFilter & { command?: FlowCommand['command'] }, withOutFilters: boolean): TableFlow[] {
    const bits = matchBits(cmd.match, this.version);
    if (!bits.ok) return [];
    const tables = cmd.tableId === TABLE_ALL ? [...this.tables.values()] : [this.tables.get(this.version === OFP10_VERSION ? 0 : cmd.tableId)];
    const out: TableFlow[] = [];
    for (const t of tables) {
      for (const f of t?.values() ?? []) {
        if (!this.cookieHits(f, cmd) || !covers(bits.fields, f.bits)) continue;
        if (withOutFilters && !outputsTo(f, cmd.outPort, cmd.outGroup)) continue;
        out.push(f);
      }
    }
    return out;
  }

  private cookieHits(f: TableFlow, cmd: { cookie: bigint; cookieMask: bigint }): boolean {
    // OF1.0 has no cookie mask in flow-mods: every cookie hits.
    return this.version === OFP10_VERSION || (f.cookie & cmd.cookieMask) === (cmd.cookie & cmd.cookieMask);
  }
}

function isDelete(cmd: { command?: string }): boolean {
  return cmd.command === 'delete' || cmd.command === 'deleteStrict';
}

function priorityOfKey(key: string): number {
  return Number(/^t\d+\/p(\d+)\//.exec(key)![1]);
}

function actionOutputs(actions: readonly Action[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    if (a.type === 'output') out.push(a.port === Port.CONTROLLER ? 'controller' : `port${a.port}`);
    if (a.type === 'group') out.push(`group${a.groupId}`);
  }
  return out;
}

/** Loose match: the flow is at least as specific as the command's match. */
function covers(cmd: FieldBits[], flow: FieldBits[]): boolean {
  return cmd.every((c) => {
    const f = flow.find((x) => x.field === c.field);
    return f !== undefined && (f.mask & c.mask) === c.mask && (f.value & c.mask) === c.value;
  });
}

/** out_port / out_group filters: the flow outputs there (ANY lets every flow through). */
function outputsTo(f: TableFlow, port: number, group: number | undefined): boolean {
  const actions = f.instructions.flatMap((i) => (i.type === 'applyActions' || i.type === 'writeActions' ? i.actions : []));
  if (port !== Port.ANY && !actions.some((a) => a.type === 'output' && a.port === port)) return false;
  if (group !== undefined && group !== GROUP_ANY && !actions.some((a) => a.type === 'group' && a.groupId === group)) return false;
  return true;
}

/**
 * Instructions the way the switch reports them: no empty apply-actions, OVS's
 * instruction order, OF1.0 rewrites on OF1.0 and set-fields on OF1.3, the
 * controller output's max_len filled in.
 */
export function reportedInstructions(instrs: readonly Instruction[], version: OfVersion): Instruction[] {
  const order = ['meter', 'applyActions', 'clearActions', 'writeActions', 'writeMetadata', 'gotoTable'];
  const kept = instrs.filter((i) => !(i.type === 'applyActions' && i.actions.length === 0));
  const sorted = [...kept].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  return sorted.map((i) =>
    i.type === 'applyActions' || i.type === 'writeActions' ? { ...i, actions: i.actions.map((a) => reportedAction(a, version)) } : i,
  );
}

function reportedAction(a: Action, version: OfVersion): Action {
  const of10 = version === OFP10_VERSION;
  if (a.type === 'output' && a.port === Port.CONTROLLER && a.maxLen === undefined) return { ...a, maxLen: 0xffff };
  if (a.type === 'output') return { type: 'output', port: a.port, ...(a.port === Port.CONTROLLER ? { maxLen: a.maxLen } : {}) };
  if (of10) {
    if (a.type === 'popVlan') return { type: 'stripVlan' };
    if (a.type === 'setField' && a.field === 'ethSrc') return { type: 'setDlSrc', mac: String(a.value).toLowerCase() };
    if (a.type === 'setField' && a.field === 'ethDst') return { type: 'setDlDst', mac: String(a.value).toLowerCase() };
    if (a.type === 'setField' && a.field === 'vlanVid') return { type: 'setVlanVid', vid: Number(a.value) & 0xfff };
    return a;
  }
  if (a.type === 'stripVlan') return { type: 'popVlan' };
  if (a.type === 'setDlSrc') return { type: 'setField', field: 'ethSrc', value: a.mac.toLowerCase() };
  if (a.type === 'setDlDst') return { type: 'setField', field: 'ethDst', value: a.mac.toLowerCase() };
  if (a.type === 'setVlanVid') return { type: 'setField', field: 'vlanVid', value: a.vid | 0x1000 };
  return a;
}
