// Sending many messages as one OpenFlow bundle (OF1.3, the ONF EXT-230
// extension that Open vSwitch offers): open, one bundle-add per message, commit,
// all pipelined without waiting between them. The switch applies the whole
// bundle in one transaction, which is much cheaper for it than one
// transaction per flow-mod; with `atomic` it applies all or nothing.
import { OFP13_VERSION } from '../openflow/wire-values.js';
import { type OfpMessage } from '../openflow/message-model.js';
import type { SwitchConnection } from './connection.js';
import { ChannelError, type SwitchErrorInfo } from './errors.js';
import type { Unsent } from './message.js';

export const OFPBF_ATOMIC = 1;
export const OFPBF_ORDERED = 2;

export interface BundleOptions {
  /** All or nothing (default true). */
  atomic?: boolean;
  /** Apply in the order given (default true). */
  ordered?: boolean;
  timeoutMs?: number;
}

export interface BundleResult {
  bundleId: number;
  /** ERRORs raised against single bundle-adds (the commit then fails if atomic). */
  errors: SwitchErrorInfo[];
}

const bundleIds = new WeakMap<SwitchConnection, number>();

/**
 * Resolves once the switch committed the bundle. Rejects with SWITCH_ERROR
 * (request: the commit, or the open) when the switch refuses it, UNSUPPORTED on
 * an OF1.0 switch.
 */
export async function sendBundle(conn: SwitchConnection, messages: readonly Unsent[], opts: BundleOptions = {}): Promise<BundleResult> {
  if (conn.version !== OFP13_VERSION) throw new ChannelError('UNSUPPORTED', `bundles need OpenFlow 1.3; switch ${conn.dpid} speaks 1.0`);
  const flags = (opts.atomic === false ? 0 : OFPBF_ATOMIC) | (opts.ordered === false ? 0 : OFPBF_ORDERED);
  const bundleId = ((bundleIds.get(conn) ?? 0) % 0xffffffff) + 1;
  bundleIds.set(conn, bundleId);

  const open = conn.request({ type: 'bundleControl', bundleId, ctrlType: 'openRequest', flags }, opts.timeoutMs);
  // Waited on below; a rejection here is reported through the commit as well.
  open.catch(() => undefined);
  for (const m of messages) {
    const xid = conn.nextXid();
    // The bundled message carries the bundle-add's xid (EXT-230).
    const inner = Object.assign({}, m) as OfpMessage;
    inner.version = OFP13_VERSION;
    inner.xid = xid;
    const r = conn.send({ type: 'bundleAdd', xid, bundleId, flags, message: inner });
    if (!r.ok) {
      void conn.request({ type: 'bundleControl', bundleId, ctrlType: 'discardRequest', flags }).catch(() => undefined);
      throw r.error;
    }
  }
  const commit = conn.request({ type: 'bundleControl', bundleId, ctrlType: 'commitRequest', flags }, opts.timeoutMs);
  commit.catch(() => undefined);
  await open;
  let commitError: unknown;
  try {
    await commit;
  } catch (e) {
    commitError = e;
  }
  // Errors against single adds come before the commit's reply; a barrier collects them.
  const { errors } = await conn.barrier(opts.timeoutMs);
  if (commitError) {
    if (commitError instanceof ChannelError && errors.length > 0) {
      throw new ChannelError(commitError.code, `${commitError.message}; ${errors.length} bundled message(s) refused`, {
        ...(commitError.request ? { request: commitError.request } : {}),
        ...(commitError.switchError ? { switchError: commitError.switchError } : {}),
      });
    }
    throw commitError;
  }
  return { bundleId, errors };
}
