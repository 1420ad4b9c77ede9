// ONF bundles (EXT-230) on one connection, with Open vSwitch's rules
// (ofproto.c, do_bundle_commit): a bundle-add opens the bundle when it is not
// open; the inner message must carry the add's xid and be a flow-mod or a
// group-mod; a commit applies every message in order or, when one fails,
// answers that message's error, then fails the commit with MSG_FAILED and
// changes nothing. Committing or discarding forgets the bundle.
import type { OfpMessage } from '../../src/openflow/message-model.js';
import { OFPBFC, bundleError, errorFor } from './errors.js';

interface OpenBundle {
  flags: number;
  closed: boolean;
  /** The inner messages with their bytes (an error quotes them). */
  messages: { msg: OfpMessage; raw: Uint8Array }[];
}

/** What the bundle's owner checks and applies. */
export interface BundleTarget {
  bundleError(msg: OfpMessage, groupsThen: Set<number>): { errType: number; code: number } | undefined;
  applyBundled(msg: OfpMessage): void;
  readonly groups: Map<number, unknown>;
}

export interface BundleOutcome {
  replies: OfpMessage[];
  /** The replies are errors. */
  error: boolean;
  committed: boolean;
}

/** ONF bundle-add: the inner message starts 16 bytes into the experimenter message. */
const INNER_OFFSET = 16;

export class BundleBook {
  private readonly open = new Map<number, OpenBundle>();

  handle(msg: Extract<OfpMessage, { type: 'bundleControl' | 'bundleAdd' }>, raw: Uint8Array, target: BundleTarget): BundleOutcome {
    const fail = (code: number): BundleOutcome => ({ replies: [bundleError(msg.xid, code, raw)], error: true, committed: false });
    const ok = (replies: OfpMessage[], committed = false): BundleOutcome => ({ replies, error: false, committed });
    const reply = (ctrlType: 'openReply' | 'closeReply' | 'commitReply' | 'discardReply', flags: number): OfpMessage => ({
      version: 4,
      xid: msg.xid,
      type: 'bundleControl',
      bundleId: msg.bundleId,
      ctrlType,
      flags,
    });
    const b = this.open.get(msg.bundleId);
    if (msg.type === 'bundleAdd') {
      if (msg.message.xid !== msg.xid) return fail(OFPBFC.MSG_BAD_XID);
      if (msg.message.type !== 'flowMod' && msg.message.type !== 'groupMod') return fail(OFPBFC.MSG_UNSUP);
      if (b?.closed) return fail(OFPBFC.BUNDLE_CLOSED);
      if (b && b.flags !== msg.flags) return fail(OFPBFC.BAD_FLAGS);
      const bundle = b ?? { flags: msg.flags, closed: false, messages: [] };
      this.open.set(msg.bundleId, bundle);
      bundle.messages.push({ msg: msg.message, raw: raw.subarray(INNER_OFFSET) });
      return ok([]);
    }
    switch (msg.ctrlType) {
      case 'openRequest':
        if (b) return fail(OFPBFC.BUNDLE_EXIST);
        this.open.set(msg.bundleId, { flags: msg.flags, closed: false, messages: [] });
        return ok([reply('openReply', msg.flags)]);
      case 'closeRequest':
        if (!b) return fail(OFPBFC.BAD_ID);
        if (b.closed) return fail(OFPBFC.BUNDLE_CLOSED);
        b.closed = true;
        return ok([reply('closeReply', msg.flags)]);
      case 'discardRequest':
        if (!b) return fail(OFPBFC.BAD_ID);
        this.open.delete(msg.bundleId);
        return ok([reply('discardReply', msg.flags)]);
      case 'commitRequest': {
        if (!b) return fail(OFPBFC.BAD_ID);
        this.open.delete(msg.bundleId);
        if (b.flags !== msg.flags) return fail(OFPBFC.BAD_FLAGS);
        const groupsThen = new Set(target.groups.keys());
        for (const m of b.messages) {
          const err = target.bundleError(m.msg, groupsThen);
          if (err) {
            return {
              replies: [errorFor(4, m.msg.xid, err.errType, err.code, m.raw), bundleError(msg.xid, OFPBFC.MSG_FAILED, raw)],
              error: true,
              committed: false,
            };
          }
        }
        for (const m of b.messages) target.applyBundled(m.msg);
        return ok([reply('commitReply', msg.flags)], true);
      }
      default:
        // A reply type sent to a switch.
        return fail(OFPBFC.MSG_UNSUP);
    }
  }
}
