// What the reconciler needs from the rest of Spotlight, kept narrow so it can
// be driven by a simulated switch in tests and adapted to the real channel.
import { COOKIE_TAG_MASK, COOKIE_TAG_VALUE } from '../compiler/cookie.js';
import type { DesiredGroup, DesiredMeter } from '../compiler/types.js';
import type { Dpid } from '../openflow/dpid.js';
import type { FlowMod, GroupMod, MeterMod } from '../openflow/message-model.js';
import type { FlowStats } from '../openflow/stats-model.js';
import type { OfVersion } from '../openflow/wire-values.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

/** One flow the compiler wants on a switch (stage, table, priority, match, instructions, cookie). */
export type { DesiredFlow, DesiredGroup, DesiredMeter, SwitchDelta, SwitchFlows } from '../compiler/types.js';

/** Messages the reconciler sends; the session fills in version and xid. */
export type FlowModBody = Omit<FlowMod, 'version' | 'xid'>;
export type MeterModBody = Omit<MeterMod, 'version' | 'xid'>;
export type GroupModBody = Omit<GroupMod, 'version' | 'xid'>;
export type SwitchCommand = FlowModBody | MeterModBody | GroupModBody;

/** An OpenFlow error the switch returned for one command of a batch. */
export interface CommandError {
  /** Index of the failed command in the batch. */
  index: number;
  errType: number;
  code: number;
}

export type ApplyFailure = 'disconnected' | 'timeout' | 'bundleRejected' | 'bundleUnsupported' | 'notMaster';

/**
 * The outcome of one batch. `ok: true` means the closing barrier (or bundle
 * commit) was confirmed; every command not listed in `errors` took effect.
 * `bundleRejected`: the atomic bundle was refused as a whole, nothing changed.
 * `bundleUnsupported`: the switch refused to open a bundle at all.
 * `notMaster`: this controller is not the switch's master (several
 * controllers): nothing was sent, or the switch refused it as from a slave.
 */
export type ApplyResult =
  | { ok: true; errors: CommandError[] }
  | { ok: false; reason: ApplyFailure; errors: CommandError[] };

export type ReadObjectsResult = { ok: true; groups: DesiredGroup[]; meters: DesiredMeter[] } | { ok: false; reason: 'disconnected' | 'timeout' };

export type ReadFlowsResult = { ok: true; flows: FlowStats[] } | { ok: false; reason: 'disconnected' | 'timeout' };

/** One connected switch, as the reconciler drives it. */
export interface SwitchSession {
  readonly dpid: Dpid;
  readonly version: OfVersion;
  /** OF1.3 ONF bundles (atomic + ordered) are available. */
  readonly supportsBundles: boolean;
  /**
   * Send the commands in order, then a barrier (or, with `atomic`, inside one
   * atomic ordered bundle that is committed). Resolves once the barrier or the
   * commit is answered, or with a failure; never rejects.
   */
  apply(commands: SwitchCommand[], opts: { atomic: boolean }): Promise<ApplyResult>;
  /** Every flow of every table (flow stats, all cookies, reassembled). */
  readFlows(): Promise<ReadFlowsResult>;
  /** Every group and meter the switch holds (OF1.3 group desc and meter config; none on OF1.0). */
  readObjects(): Promise<ReadObjectsResult>;
}

/**
 * A session that hands everything to `inner`, with `apply` or `readFlows`
 * replaced where given: how metrics and the event stream watch what the
 * reconciler sends and reads.
 */
export function wrapSession(inner: SwitchSession, over: Partial<Pick<SwitchSession, 'apply' | 'readFlows'>>): SwitchSession {
  return {
    get dpid() {
      return inner.dpid;
    },
    get version() {
      return inner.version;
    },
    get supportsBundles() {
      return inner.supportsBundles;
    },
    apply: over.apply ?? ((commands, opts) => inner.apply(commands, opts)),
    readFlows: over.readFlows ?? (() => inner.readFlows()),
    readObjects: () => inner.readObjects(),
  };
}

/** Which cookies are Spotlight's: `(cookie & mask) === tag`. */
export interface CookieSpace {
  tag: bigint;
  mask: bigint;
}

/** Spotlight's cookie space: the compiler's tag in the top 16 bits. */
export const DEFAULT_COOKIE_SPACE: CookieSpace = {
  tag: COOKIE_TAG_VALUE,
  mask: COOKIE_TAG_MASK,
};

export function isOurCookie(cookie: bigint, space: CookieSpace): boolean {
  return (cookie & space.mask) === space.tag;
}


/** How every switch is reconciled: given once to the manager, handed to each switch's reconciler. */
export interface ReconcileSettings {
  logger: Logger;
  cookies?: CookieSpace;
  clock?: Clock;
  /** Wait this long after a desired-state change before a pass, to batch bursts. */
  coalesceMs?: number;
  /** Passes in which a failing command is tried before it is reported and left out. */
  maxAttempts?: number;
  /** Use atomic bundles when the switch offers them (default true). */
  useBundles?: boolean;
  /** Wait after a timed-out batch before reading the table again. */
  retryDelayMs?: number;
}
