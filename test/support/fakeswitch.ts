// A simulated Open vSwitch flow table for reconciler tests: flow-mod commands
// with Open vSwitch's semantics (add replaces the same priority+match, modify
// and delete with cookie masks and out_port filters, OF1.0 modify that adds
// when nothing matched, OF1.0 prerequisite wildcarding), barrier, flow stats,
// atomic bundles, and a packet walk through the tables to tell what a frame
// would meet. Errors, delays and a disconnect mid-way can be injected.
import {
  OFP10_VERSION,
  Port,
  TABLE_ALL,
  type Action,
  type FlowStats,
  type Instruction,
  type Match,
  type MatchField,
  type OfVersion,
} from '../../src/openflow/types.js';
import { flowKey, matchBits, normalizedMatch, type FieldBits } from '../../src/reconcile/match-key.js';
import type {
  ApplyResult,
  CommandError,
  FlowModBody,
  ReadFlowsResult,
  SwitchCommand,
  SwitchSession,
} from '../../src/reconcile/ports.js';

export interface FakeFlow {
  tableId: number;
  priority: number;
  match: Match;
  bits: FieldBits[];
  instructions: Instruction[];
  cookie: bigint;
  /** Insertion serial: a replaced flow gets a new one (its duration restarts). */
  serial: number;
}

/** OFPET_FLOW_MOD_FAILED / OFPET_BAD_MATCH codes used by the fake. */
export const OFPET_BAD_MATCH = 4;
export const OFPET_FLOW_MOD_FAILED = 5;

export type ErrorInjector = (cmd: SwitchCommand) => { errType: number; code: number } | undefined;

/** A packet for the walk: field name -> value as bits (MACs and IPs as bigint). */
export type Packet = Partial<Record<MatchField, bigint>>;

export class FakeSwitch implements SwitchSession {
  readonly dpid: string;
  readonly version: OfVersion;
  supportsBundles: boolean;
  connected = true;
  /** Every command received, in order (bundled ones too). */
  readonly received: SwitchCommand[] = [];
  readonly meters = new Map<number, SwitchCommand>();
  injectError: ErrorInjector | undefined;
  /** Delay each apply by this many ms (real timers). */
  delayMs = 0;
  /** Disconnect after this many more commands have been processed. */
  disconnectAfter: number | undefined;
  /** Called after each command that changed the table (to inspect intermediate states). */
  onStep: ((sw: FakeSwitch) => void) | undefined;
  applyCalls = 0;
  readCalls = 0;
  private flows: FakeFlow[] = [];
  private serial = 0;

  constructor(dpid: string, version: OfVersion, opts: { bundles?: boolean } = {}) {
    this.dpid = dpid;
    this.version = version;
    this.supportsBundles = opts.bundles ?? false;
  }

  /** Put a flow in the table directly (another controller, a previous run, ovs-ofctl). */
  install(f: { tableId?: number; priority: number; match: Match; instructions: Instruction[]; cookie: bigint }): void {
    this.addFlow({ tableId: f.tableId ?? 0, priority: f.priority, match: f.match, instructions: f.instructions, cookie: f.cookie });
  }

  /** Remove flows by hand (someone ran ovs-ofctl del-flows). */
  removeWhere(pred: (f: FakeFlow) => boolean): number {
    const before = this.flows.length;
    this.flows = this.flows.filter((f) => !pred(f));
    return before - this.flows.length;
  }

  table(): readonly FakeFlow[] {
    return this.flows;
  }

  flowMods(): FlowModBody[] {
    return this.received.filter((c): c is FlowModBody => c.type === 'flowMod');
  }

  async apply(commands: SwitchCommand[], opts: { atomic: boolean }): Promise<ApplyResult> {
    this.applyCalls++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    else await Promise.resolve();
    if (!this.connected) return { ok: false, reason: 'disconnected', errors: [] };
    if (opts.atomic) return this.applyBundle(commands);
    const errors: CommandError[] = [];
    for (let i = 0; i < commands.length; i++) {
      if (this.disconnectAfter !== undefined) {
        if (this.disconnectAfter <= 0) {
          this.connected = false;
          return { ok: false, reason: 'disconnected', errors };
        }
        this.disconnectAfter--;
      }
      const cmd = commands[i]!;
      this.received.push(cmd);
      const err = this.injectError?.(cmd) ?? this.validate(cmd);
      if (err) {
        errors.push({ index: i, ...err });
        continue;
      }
      this.execute(cmd);
      this.onStep?.(this);
    }
    return { ok: true, errors };
  }

  private applyBundle(commands: SwitchCommand[]): ApplyResult {
    if (!this.supportsBundles) return { ok: false, reason: 'bundleUnsupported', errors: [] };
    const errors: CommandError[] = [];
    commands.forEach((cmd, i) => {
      const err = this.injectError?.(cmd) ?? this.validate(cmd);
      if (err) errors.push({ index: i, ...err });
    });
    if (errors.length > 0) return { ok: false, reason: 'bundleRejected', errors };
    const snapshot = this.flows;
    this.flows = [...snapshot];
    for (const cmd of commands) {
      this.received.push(cmd);
      this.execute(cmd);
    }
    // One step: an atomic commit has no intermediate state.
    this.onStep?.(this);
    return { ok: true, errors: [] };
  }

  async readFlows(): Promise<ReadFlowsResult> {
    this.readCalls++;
    await Promise.resolve();
    if (!this.connected) return { ok: false, reason: 'disconnected' };
    const flows: FlowStats[] = this.flows.map((f) => ({
      tableId: f.tableId,
      durationSec: 0,
      durationNsec: f.serial,
      priority: f.priority,
      idleTimeout: 0,
      hardTimeout: 0,
      flags: {},
      cookie: f.cookie,
      packetCount: 0n,
      byteCount: 0n,
      match: f.match,
      instructions: reportedInstructions(f.instructions, this.version),
    }));
    return { ok: true, flows };
  }

  private validate(cmd: SwitchCommand): { errType: number; code: number } | undefined {
    if (cmd.type === 'meterMod') {
      if (this.version === OFP10_VERSION) return { errType: 1 /* BAD_REQUEST */, code: 1 /* BAD_TYPE */ };
      if (cmd.command === 'add' && this.meters.has(cmd.meterId)) return { errType: 12, code: 1 /* METER_EXISTS */ };
      if (cmd.command === 'modify' && !this.meters.has(cmd.meterId)) return { errType: 12, code: 7 /* UNKNOWN_METER */ };
      return undefined;
    }
    if (cmd.type !== 'flowMod') return undefined;
    for (const i of cmd.instructions) {
      if (i.type === 'meter' && !this.meters.has(i.meterId)) return { errType: 12, code: 7 /* UNKNOWN_METER */ };
    }
    if (!matchBits(cmd.match, this.version).ok) return { errType: OFPET_BAD_MATCH, code: 3 /* BAD_VALUE */ };
    if (this.version === OFP10_VERSION && cmd.tableId !== 0 && cmd.tableId !== TABLE_ALL) {
      return { errType: OFPET_FLOW_MOD_FAILED, code: 5 /* BAD_TABLE_ID */ };
    }
    return undefined;
  }

  private execute(cmd: SwitchCommand): void {
    if (cmd.type === 'meterMod') {
      if (cmd.command === 'delete') this.meters.delete(cmd.meterId);
      else this.meters.set(cmd.meterId, cmd);
      return;
    }
    if (cmd.type !== 'flowMod') return;
    const of10 = this.version === OFP10_VERSION;
    const cookieHits = (f: FakeFlow) => of10 || (f.cookie & cmd.cookieMask) === (cmd.cookie & cmd.cookieMask);
    const tableHits = (f: FakeFlow) => cmd.tableId === TABLE_ALL || f.tableId === cmd.tableId;
    const bits = matchBits(cmd.match, this.version);
    if (!bits.ok) return;
    switch (cmd.command) {
      case 'add':
        this.addFlow(cmd);
        return;
      case 'modify':
      case 'modifyStrict': {
        const strict = cmd.command === 'modifyStrict';
        const hits = this.flows.filter(
          (f) => tableHits(f) && cookieHits(f) && (strict ? sameIdentity(f, this.effectivePriority(cmd.priority, cmd.match), bits.fields) : covers(bits.fields, f.bits)),
        );
        // OF1.0 (and OVS for it): a modify that matches nothing adds the flow.
        if (hits.length === 0 && of10) this.addFlow(cmd);
        for (const f of hits) {
          f.instructions = cmd.instructions;
          if (of10) f.cookie = cmd.cookie;
        }
        return;
      }
      case 'delete':
      case 'deleteStrict': {
        const strict = cmd.command === 'deleteStrict';
        this.flows = this.flows.filter(
          (f) =>
            !(
              tableHits(f) &&
              cookieHits(f) &&
              outputsTo(f, cmd.outPort) &&
              (strict ? sameIdentity(f, this.effectivePriority(cmd.priority, cmd.match), bits.fields) : covers(bits.fields, f.bits))
            ),
        );
        return;
      }
    }
  }

  /** OF1.0: a flow without wildcards is held at priority 65535 (as OVS does). */
  private effectivePriority(priority: number, match: Match): number {
    if (this.version !== OFP10_VERSION) return priority;
    const k = flowKey(0, priority, match, this.version);
    return k.ok && k.key.startsWith('t0/p65535/') ? 0xffff : priority;
  }

  private addFlow(f: { tableId: number; priority: number; match: Match; instructions: Instruction[]; cookie: bigint }): void {
    const bits = matchBits(f.match, this.version);
    if (!bits.ok) return;
    const tableId = this.version === OFP10_VERSION ? 0 : f.tableId;
    const priority = this.effectivePriority(f.priority, f.match);
    this.flows = this.flows.filter((x) => !(x.tableId === tableId && sameIdentity(x, priority, bits.fields)));
    this.flows.push({
      tableId,
      priority,
      match: normalizedMatch(f.match, this.version)!,
      bits: bits.fields,
      instructions: f.instructions,
      cookie: f.cookie,
      serial: ++this.serial,
    });
  }

  /**
   * What a packet meets: the outputs collected through the pipeline, or
   * "drop" (no output, or a table miss, which a fail-secure switch with a
   * table-miss drop flow also does).
   */
  walk(pkt: Packet): string {
    const outputs: string[] = [];
    let table = 0;
    let metadata = 0n;
    for (let hops = 0; hops < 256; hops++) {
      const hit = this.lookup(table, { ...pkt, metadata });
      if (!hit) break;
      let next: number | undefined;
      for (const i of hit.instructions) {
        if (i.type === 'applyActions' || i.type === 'writeActions') outputs.push(...actionOutputs(i.actions));
        if (i.type === 'writeMetadata') metadata = (metadata & ~i.mask) | (i.metadata & i.mask);
        if (i.type === 'gotoTable') next = i.tableId;
      }
      if (next === undefined || next <= table) break;
      table = next;
    }
    return outputs.length === 0 ? 'drop' : outputs.sort().join(',');
  }

  private lookup(tableId: number, pkt: Packet): FakeFlow | undefined {
    let best: FakeFlow | undefined;
    for (const f of this.flows) {
      if (f.tableId !== tableId) continue;
      if (best && best.priority >= f.priority) continue;
      if (f.bits.every((b) => pkt[b.field] !== undefined && (pkt[b.field]! & b.mask) === b.value)) best = f;
    }
    return best;
  }
}

function actionOutputs(actions: readonly Action[]): string[] {
  const out: string[] = [];
  for (const a of actions) {
    if (a.type === 'output') out.push(a.port === Port.CONTROLLER ? 'controller' : `port${a.port}`);
    if (a.type === 'group') out.push(`group${a.groupId}`);
  }
  return out;
}

function sameIdentity(f: FakeFlow, priority: number, bits: FieldBits[]): boolean {
  if (f.priority !== priority || f.bits.length !== bits.length) return false;
  return f.bits.every((b, i) => b.field === bits[i]!.field && b.value === bits[i]!.value && b.mask === bits[i]!.mask);
}

/** Loose match: the flow is at least as specific as the command's match. */
function covers(cmd: FieldBits[], flow: FieldBits[]): boolean {
  return cmd.every((c) => {
    const f = flow.find((x) => x.field === c.field);
    return f !== undefined && (f.mask & c.mask) === c.mask && (f.value & c.mask) === c.value;
  });
}

function outputsTo(f: FakeFlow, port: number): boolean {
  if (port === Port.ANY) return true;
  return f.instructions.some(
    (i) => (i.type === 'applyActions' || i.type === 'writeActions') && i.actions.some((a) => a.type === 'output' && a.port === port),
  );
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
