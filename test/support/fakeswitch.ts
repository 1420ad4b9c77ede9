// A simulated Open vSwitch for reconciler tests: a flow table with Open
// vSwitch's semantics (test/support/flow-table.ts), meters, groups, barrier,
// flow, group and meter stats, atomic bundles, and a packet walk through the tables to tell what a
// frame would meet. Errors, delays and a disconnect mid-way can be injected.
import { OFP10_VERSION, type OfVersion } from '../../src/openflow/wire-values.js';
import { type FlowStats } from '../../src/openflow/stats-model.js';
import { type Instruction, type Match } from '../../src/openflow/flow-model.js';
import type {
  ApplyResult,
  CommandError,
  FlowModBody,
  ReadFlowsResult,
  ReadObjectsResult,
  SwitchCommand,
  SwitchSession,
} from '../../src/reconcile/ports.js';
import { FlowTable, flowModError, reportedInstructions, type Packet, type TableFlow } from './flow-table.js';


export type ErrorInjector = (cmd: SwitchCommand) => { errType: number; code: number } | undefined;

export class FakeSwitch implements SwitchSession {
  readonly dpid: string;
  readonly version: OfVersion;
  supportsBundles: boolean;
  connected = true;
  /** Every command received, in order (bundled ones too). */
  readonly received: SwitchCommand[] = [];
  readonly meters = new Map<number, SwitchCommand>();
  readonly groups = new Map<number, SwitchCommand>();
  injectError: ErrorInjector | undefined;
  /** Delay each apply by this many ms (real timers). */
  delayMs = 0;
  /** Disconnect after this many more commands have been processed. */
  disconnectAfter: number | undefined;
  /** Called after each command that changed the table (to inspect intermediate states). */
  onStep: ((sw: FakeSwitch) => void) | undefined;
  applyCalls = 0;
  readCalls = 0;
  private readonly flows: FlowTable;

  constructor(dpid: string, version: OfVersion, opts: { bundles?: boolean } = {}) {
    this.dpid = dpid;
    this.version = version;
    this.supportsBundles = opts.bundles ?? false;
    this.flows = new FlowTable(version);
  }

  /** Put a flow in the table directly (another controller, a previous run, ovs-ofctl). */
  install(f: { tableId?: number; priority: number; match: Match; instructions: Instruction[]; cookie: bigint }): void {
    this.flows.add({ tableId: f.tableId ?? 0, priority: f.priority, match: f.match, instructions: f.instructions, cookie: f.cookie });
  }

  /** Remove flows by hand (someone ran ovs-ofctl del-flows). */
  removeWhere(pred: (f: TableFlow) => boolean): number {
    return this.flows.removeWhere(pred);
  }

  table(): readonly TableFlow[] {
    return this.flows.all();
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
    const flows: FlowStats[] = this.flows.all().map((f) => ({
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

  async readObjects(): Promise<ReadObjectsResult> {
    await Promise.resolve();
    if (!this.connected) return { ok: false, reason: 'disconnected' };
    const groups = [...this.groups.values()].flatMap((g) => (g.type === 'groupMod' ? [{ groupId: g.groupId, groupType: g.groupType, buckets: g.buckets }] : []));
    const meters = [...this.meters.values()].flatMap((m) => (m.type === 'meterMod' ? [{ meterId: m.meterId, flags: m.flags, bands: m.bands }] : []));
    return { ok: true, groups, meters };
  }

  private validate(cmd: SwitchCommand): { errType: number; code: number } | undefined {
    if (cmd.type === 'groupMod') {
      if (this.version === OFP10_VERSION) return { errType: 1 /* BAD_REQUEST */, code: 1 /* BAD_TYPE */ };
      if (cmd.command === 'add' && this.groups.has(cmd.groupId)) return { errType: 6, code: 0 /* OFPGMFC_GROUP_EXISTS */ };
      if (cmd.command === 'modify' && !this.groups.has(cmd.groupId)) return { errType: 6, code: 8 /* OFPGMFC_UNKNOWN_GROUP */ };
      return undefined;
    }
    if (cmd.type === 'meterMod') {
      if (this.version === OFP10_VERSION) return { errType: 1 /* BAD_REQUEST */, code: 1 /* BAD_TYPE */ };
      if (cmd.command === 'add' && this.meters.has(cmd.meterId)) return { errType: 12, code: 1 /* OFPMMFC_METER_EXISTS */ };
      if (cmd.command === 'modify' && !this.meters.has(cmd.meterId)) return { errType: 12, code: 3 /* OFPMMFC_UNKNOWN_METER */ };
      return undefined;
    }
    if (cmd.type !== 'flowMod') return undefined;
    return flowModError(cmd, this.version, { meters: this.meters, groups: new Set(this.groups.keys()) });
  }

  private execute(cmd: SwitchCommand): void {
    if (cmd.type === 'groupMod') {
      if (cmd.command === 'delete') this.groups.delete(cmd.groupId);
      else this.groups.set(cmd.groupId, cmd);
      return;
    }
    if (cmd.type === 'meterMod') {
      if (cmd.command === 'delete') this.meters.delete(cmd.meterId);
      else this.meters.set(cmd.meterId, cmd);
      return;
    }
    if (cmd.type === 'flowMod') this.flows.apply(cmd);
  }

  /**
   * What a packet meets: the outputs collected through the pipeline, or
   * "drop" (no output, or a table miss, which a fail-secure switch with a
   * table-miss drop flow also does).
   */
  walk(pkt: Packet): string {
    const outputs = this.flows.walk(pkt);
    return outputs.length === 0 ? 'drop' : outputs.join(',');
  }
}
