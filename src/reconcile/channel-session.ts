// The reconciler's view of a switch (SwitchSession) over a channel connection:
// flow-mods sent in order and settled by one barrier, whose result carries the
// ERRORs the switch raised for them; bundles through ONF bundle messages.
import type { BarrierResult, SwitchConnection } from '../channel/index.js';
import { ChannelError, roleErrorOf, type RoleError } from '../channel/index.js';
import { OFP13_VERSION } from '../openflow/wire-values.js';
import { type OfpMessage } from '../openflow/message-model.js';
import type { ApplyResult, CommandError, ReadFlowsResult, ReadObjectsResult, SwitchCommand, SwitchSession } from './ports.js';

/** OFPM_ALL: every meter, in a meter-config request. */
const OFPM_ALL = 0xffffffff;

/** OFPBF_ATOMIC | OFPBF_ORDERED. */
const BUNDLE_FLAGS = 1 | 2;
type Conn = Pick<SwitchConnection, 'dpid' | 'version' | 'send' | 'request' | 'barrier' | 'flowStats' | 'nextXid'>;

export interface ChannelSessionOptions {
  /** Offer bundles on OF1.3 (default true; the reconciler stops if the switch refuses them). */
  bundles?: boolean;
  /**
   * With several controllers: whether this one is the switch's master now.
   * When it is not, no flow-mod is sent (reads still are).
   */
  mayWrite?: () => boolean;
  /** The switch refused a command as from a slave, or a role request as stale. */
  onRoleError?: (kind: RoleError) => void;
}

/**
 * The longest a batch's sending holds the event loop before it lets it turn.
 * Encoding 20,000 flow-mods takes over a second; meanwhile other switches'
 * echoes, packet-ins and hooks wait, so a batch is sent in slices of this.
 */
const SEND_SLICE_MS = 10;

/** Slices of a batch's sending: due() once the current one has run SEND_SLICE_MS; pause() lets the event loop turn. */
class SendSlices {
  private start = performance.now();

  due(): boolean {
    return performance.now() - this.start >= SEND_SLICE_MS;
  }

  async pause(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.start = performance.now();
  }
}

function failureOf(err: unknown): 'disconnected' | 'timeout' {
  return err instanceof ChannelError && err.code === 'REQUEST_TIMEOUT' ? 'timeout' : 'disconnected';
}

export class ChannelSession implements SwitchSession {
  readonly supportsBundles: boolean;
  private bundleSeq = 0;

  constructor(
    private readonly conn: Conn,
    private readonly opts: ChannelSessionOptions = {},
  ) {
    this.supportsBundles = (opts.bundles ?? true) && conn.version === OFP13_VERSION;
  }

  get dpid(): string {
    return this.conn.dpid;
  }

  get version() {
    return this.conn.version;
  }

  async apply(commands: SwitchCommand[], opts: { atomic: boolean }): Promise<ApplyResult> {
    if (this.opts.mayWrite && !this.opts.mayWrite()) return { ok: false, reason: 'notMaster', errors: [] };
    const r = await (opts.atomic ? this.applyBundle(commands) : this.applyOrdered(commands));
    const role = r.errors.map((e) => roleErrorOf(this.conn.version, e.errType, e.code)).find((k) => k !== undefined);
    if (role === undefined) return r;
    this.opts.onRoleError?.(role);
    return { ok: false, reason: 'notMaster', errors: r.errors };
  }

  async readFlows(): Promise<ReadFlowsResult> {
    try {
      return { ok: true, flows: await this.conn.flowStats({}) };
    } catch (err) {
      return { ok: false, reason: failureOf(err) };
    }
  }

  async readObjects(): Promise<ReadObjectsResult> {
    if (this.conn.version !== OFP13_VERSION) return { ok: true, groups: [], meters: [] };
    try {
      const g = await this.conn.request({ type: 'multipartRequest', more: false, body: { kind: 'groupDesc' } });
      const m = await this.conn.request({ type: 'multipartRequest', more: false, body: { kind: 'meterConfig', meterId: OFPM_ALL } });
      const groups = g.type === 'multipartReply' && g.body.kind === 'groupDesc' ? g.body.groups : [];
      const meters = m.type === 'multipartReply' && m.body.kind === 'meterConfig' ? m.body.meters : [];
      return { ok: true, groups, meters };
    } catch (err) {
      // A switch without groups or meters answers with an error: it holds none.
      if (err instanceof ChannelError && err.code === 'SWITCH_ERROR') return { ok: true, groups: [], meters: [] };
      return { ok: false, reason: failureOf(err) };
    }
  }

  private async applyOrdered(commands: SwitchCommand[]): Promise<ApplyResult> {
    const byXid = new Map<number, number>();
    const errors: CommandError[] = [];
    const slices = new SendSlices();
    for (let i = 0; i < commands.length; i++) {
      if (slices.due()) await slices.pause();
      const r = this.conn.send(commands[i]!);
      if (r.ok) byXid.set(r.xid, i);
      else if (r.error.code === 'ENCODE_ERROR') errors.push({ index: i, errType: -1, code: -1 });
      else return { ok: false, reason: 'disconnected', errors };
    }
    let barrier: BarrierResult;
    try {
      barrier = await this.conn.barrier();
    } catch (err) {
      return { ok: false, reason: failureOf(err), errors };
    }
    for (const e of barrier.errors) {
      const index = byXid.get(e.error.xid);
      if (index !== undefined) errors.push({ index, errType: e.errType, code: e.code });
    }
    errors.sort((a, b) => a.index - b.index);
    return { ok: true, errors };
  }

  private async applyBundle(commands: SwitchCommand[]): Promise<ApplyResult> {
    const bundleId = (this.bundleSeq = (this.bundleSeq + 1) >>> 0);
    try {
      await this.conn.request({ type: 'bundleControl', bundleId, ctrlType: 'openRequest', flags: BUNDLE_FLAGS });
    } catch (err) {
      if (err instanceof ChannelError && err.code === 'SWITCH_ERROR') return { ok: false, reason: 'bundleUnsupported', errors: [] };
      return { ok: false, reason: failureOf(err), errors: [] };
    }
    const byXid = new Map<number, number>();
    const errors: CommandError[] = [];
    const slices = new SendSlices();
    for (let i = 0; i < commands.length; i++) {
      if (slices.due()) await slices.pause();
      // A bundle-add and its inner message share one xid (EXT-230).
      const xid = this.conn.nextXid();
      const inner = { ...commands[i]!, version: this.conn.version, xid } as OfpMessage;
      const r = this.conn.send({ type: 'bundleAdd', xid, bundleId, flags: BUNDLE_FLAGS, message: inner });
      if (r.ok) byXid.set(r.xid, i);
      else if (r.error.code === 'ENCODE_ERROR') errors.push({ index: i, errType: -1, code: -1 });
      else return { ok: false, reason: 'disconnected', errors };
    }
    try {
      // Errors in bundle-adds (a message the switch cannot take) come before this reply.
      const b = await this.conn.barrier();
      for (const e of b.errors) {
        const index = byXid.get(e.error.xid);
        if (index !== undefined) errors.push({ index, errType: e.errType, code: e.code });
      }
      if (errors.length > 0) {
        await this.conn.request({ type: 'bundleControl', bundleId, ctrlType: 'discardRequest', flags: BUNDLE_FLAGS }).catch(() => undefined);
        return { ok: false, reason: 'bundleRejected', errors: errors.sort((a, b2) => a.index - b2.index) };
      }
      await this.conn.request({ type: 'bundleControl', bundleId, ctrlType: 'commitRequest', flags: BUNDLE_FLAGS });
      return { ok: true, errors: [] };
    } catch (err) {
      if (err instanceof ChannelError && err.code === 'SWITCH_ERROR') return { ok: false, reason: 'bundleRejected', errors: [] };
      return { ok: false, reason: failureOf(err), errors: [] };
    }
  }
}
