// Request/reply bookkeeping for one switch: xid allocation, per-request timers,
// multipart reassembly, and matching switch ERRORs to the message that caused
// them (by xid). Pure bookkeeping: the connection does the I/O.
//
// A multipart reply is held in memory until its last part, so a switch could
// answer one read with endless REPLY_MORE parts. Each request therefore has
// one deadline that no part moves, and a reply is capped in parts, entries
// and bytes; past a cap the request fails and the tracker's owner is told
// (the connection closes that switch).
import type { ErrorMsg, MultipartReply, OfpMessage } from '../openflow/message-model.js';
import type { MultipartReplyBody } from '../openflow/stats-model.js';
import type { Clock, TimerHandle } from '../clock.js';
import { ChannelError, type SwitchErrorInfo } from './errors.js';

/** xids run 1..2^32-1 and wrap; 0 is never used (OVS and others treat it as "unsolicited"). */
export class XidAllocator {
  constructor(private last = 0) {}

  next(inUse?: (xid: number) => boolean): number {
    for (let i = 0; i < 1024; i++) {
      this.last = this.last >= 0xffffffff ? 1 : this.last + 1;
      if (!inUse || !inUse(this.last)) return this.last;
    }
    // 1024 xids in a row busy cannot happen with bounded outstanding requests;
    // fall through to the next one rather than loop forever.
    return this.last;
  }
}

/** What a request resolves to; `errors` is filled for barriers only. */
export interface ReplyResult {
  reply: OfpMessage;
  /** ERRORs for messages sent without awaiting a reply before this barrier. */
  errors: SwitchErrorInfo[];
}

interface Pending {
  request: OfpMessage;
  seq: number;
  timeoutMs: number;
  timer: TimerHandle | undefined;
  /** Request without a reply of its own: settled by the next barrier reply. */
  untilBarrier: boolean;
  parts: MultipartReply[];
  /** Entries and wire bytes of the parts so far. */
  entries: number;
  bytes: number;
  resolve(r: ReplyResult): void;
  reject(e: ChannelError): void;
}

interface SentRecord {
  request: OfpMessage;
  seq: number;
}

/** Caps on one multipart reply, summed over its parts. */
export interface ReplyLimits {
  maxParts: number;
  /** Flows, ports, tables, groups or meters. */
  maxEntries: number;
  /** Wire bytes, headers included. */
  maxBytes: number;
}

export const DEFAULT_REPLY_LIMITS: ReplyLimits = { maxParts: 4096, maxEntries: 50_000, maxBytes: 16 * 1024 * 1024 };

export interface TrackerOptions {
  /** Fire-and-forget messages remembered for error matching (oldest dropped first). */
  maxRemembered: number;
  replyLimits?: ReplyLimits;
  /** A reply broke a cap (its request already rejected with REPLY_TOO_LARGE). */
  onReplyTooLarge?: (detail: string) => void;
}

export class RequestTracker {
  private readonly xids = new XidAllocator();
  private readonly pending = new Map<number, Pending>();
  private readonly sent = new Map<number, SentRecord>();
  private unackedErrors: { info: SwitchErrorInfo; seq: number }[] = [];
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: TrackerOptions = { maxRemembered: 200_000 },
  ) {}

  get outstanding(): number {
    return this.pending.size;
  }

  allocXid(): number {
    return this.xids.next((x) => this.pending.has(x) || this.sent.has(x));
  }

  /** Remember a message sent with no reply awaited, so a later ERROR can name it. */
  recordSent(request: OfpMessage): void {
    this.seq++;
    if (this.sent.size >= this.opts.maxRemembered) {
      const oldest = this.sent.keys().next();
      if (!oldest.done) this.sent.delete(oldest.value);
    }
    this.sent.delete(request.xid);
    this.sent.set(request.xid, { request, seq: this.seq });
  }

  /** Await the reply to `request` (already carrying its xid). */
  track(request: OfpMessage, timeoutMs: number, untilBarrier = false): Promise<ReplyResult> {
    this.seq++;
    return new Promise<ReplyResult>((resolve, reject) => {
      const p: Pending = { request, seq: this.seq, timeoutMs, timer: undefined, untilBarrier, parts: [], entries: 0, bytes: 0, resolve, reject };
      this.pending.set(request.xid, p);
      this.arm(request.xid, p);
    });
  }

  /** Offer a message from the switch (`bytes`: its length on the wire); true when it settled or advanced a request. */
  handleReply(msg: OfpMessage, bytes = 0): boolean {
    if (msg.type === 'error') return this.handleError(msg).matched;
    const p = this.pending.get(msg.xid);
    if (!p || p.untilBarrier) return false;
    if (msg.type === 'multipartReply') {
      const over = this.overLimit(p, msg, bytes);
      if (over !== undefined) {
        this.settle(msg.xid, p);
        p.parts = [];
        const detail = `reply to ${p.request.type} xid ${msg.xid} ${over}`;
        p.reject(new ChannelError('REPLY_TOO_LARGE', detail, { request: p.request }));
        this.opts.onReplyTooLarge?.(detail);
        return true;
      }
      p.parts.push(msg);
      if (msg.more) return true;
      this.settle(msg.xid, p);
      p.resolve({ reply: mergeMultipart(p.parts), errors: [] });
      return true;
    }
    this.settle(msg.xid, p);
    let errors: SwitchErrorInfo[] = [];
    if (msg.type === 'barrierReply') errors = this.barrierPassed(p.seq, msg);
    p.resolve({ reply: msg, errors });
    return true;
  }

  /**
   * Match an ERROR to its request. A pending request is rejected (matched=true);
   * otherwise the info names the fire-and-forget message with that xid, if known.
   */
  handleError(msg: ErrorMsg): { matched: boolean; info: SwitchErrorInfo } {
    const p = this.pending.get(msg.xid);
    if (p) {
      const info: SwitchErrorInfo = { errType: msg.errType, code: msg.code, error: msg, request: p.request };
      this.settle(msg.xid, p);
      p.reject(
        new ChannelError('SWITCH_ERROR', `switch rejected ${p.request.type} xid ${msg.xid}: type ${msg.errType} code ${msg.code}`, {
          request: p.request,
          switchError: info,
        }),
      );
      return { matched: true, info };
    }
    const rec = this.sent.get(msg.xid);
    const info: SwitchErrorInfo = { errType: msg.errType, code: msg.code, error: msg };
    if (rec) {
      info.request = rec.request;
      this.sent.delete(msg.xid);
      this.unackedErrors.push({ info, seq: rec.seq });
    }
    return { matched: false, info };
  }

  /** Reject a pending request whose reply could not be decoded. */
  failRequest(xid: number, err: (request: OfpMessage) => ChannelError): boolean {
    const p = this.pending.get(xid);
    if (!p) return false;
    this.settle(xid, p);
    p.reject(err(p.request));
    return true;
  }

  /** Reject everything outstanding (connection gone). */
  failAll(reason: string): void {
    for (const [xid, p] of [...this.pending]) {
      this.settle(xid, p);
      p.reject(new ChannelError('CLOSED', `connection closed (${reason}) before reply to ${p.request.type} xid ${xid}`, { request: p.request }));
    }
    this.sent.clear();
    this.unackedErrors = [];
  }

  /** Counts the part in; the cap it breaks, if any. */
  private overLimit(p: Pending, part: MultipartReply, bytes: number): string | undefined {
    const lim = this.opts.replyLimits ?? DEFAULT_REPLY_LIMITS;
    p.entries += entryCount(part);
    p.bytes += bytes;
    if (p.parts.length + 1 > lim.maxParts) return `exceeds ${lim.maxParts} parts`;
    if (p.entries > lim.maxEntries) return `exceeds ${lim.maxEntries} entries`;
    if (p.bytes > lim.maxBytes) return `exceeds ${lim.maxBytes} bytes`;
    return undefined;
  }

  /** One deadline per request, set when it is sent; multipart parts do not move it. */
  private arm(xid: number, p: Pending): void {
    if (p.timeoutMs <= 0) return;
    p.timer = this.clock.setTimeout(() => {
      if (this.pending.get(xid) !== p) return;
      this.pending.delete(xid);
      p.reject(
        new ChannelError('REQUEST_TIMEOUT', `no reply to ${p.request.type} xid ${xid} within ${p.timeoutMs} ms`, { request: p.request }),
      );
    }, p.timeoutMs);
  }

  private settle(xid: number, p: Pending): void {
    p.timer?.cancel();
    this.pending.delete(xid);
  }

  /**
   * A barrier reply means the switch processed everything sent before it: no
   * ERROR for those can follow. Settle requests waiting on it and hand back the
   * fire-and-forget errors seen since.
   */
  private barrierPassed(barrierSeq: number, reply: OfpMessage): SwitchErrorInfo[] {
    for (const [xid, p] of [...this.pending]) {
      if (p.untilBarrier && p.seq < barrierSeq) {
        this.settle(xid, p);
        p.resolve({ reply, errors: [] });
      }
    }
    for (const [xid, rec] of this.sent) {
      if (rec.seq >= barrierSeq) break;
      this.sent.delete(xid);
    }
    const before = this.unackedErrors.filter((e) => e.seq < barrierSeq).map((e) => e.info);
    this.unackedErrors = this.unackedErrors.filter((e) => e.seq >= barrierSeq);
    return before;
  }
}

function entryCount(part: MultipartReply): number {
  const b = part.body;
  switch (b.kind) {
    case 'flow':
      return b.flows.length;
    case 'port':
    case 'portDesc':
      return b.ports.length;
    case 'table':
      return b.tables.length;
    case 'groupDesc':
      return b.groups.length;
    case 'meterConfig':
      return b.meters.length;
    default:
      return 1;
  }
}

/** Join the parts of a multipart reply into one message (flag `more` cleared). */
export function mergeMultipart(parts: MultipartReply[]): MultipartReply {
  const last = parts[parts.length - 1]!;
  if (parts.length === 1) return { ...last, more: false };
  const kind = parts[0]!.body.kind;
  const same = parts.filter((p) => p.body.kind === kind).map((p) => p.body);
  let body: MultipartReplyBody;
  switch (kind) {
    case 'flow':
      body = { kind, flows: same.flatMap((b) => (b.kind === 'flow' ? b.flows : [])) };
      break;
    case 'port':
      body = { kind, ports: same.flatMap((b) => (b.kind === 'port' ? b.ports : [])) };
      break;
    case 'portDesc':
      body = { kind, ports: same.flatMap((b) => (b.kind === 'portDesc' ? b.ports : [])) };
      break;
    case 'table':
      body = { kind, tables: same.flatMap((b) => (b.kind === 'table' ? b.tables : [])) };
      break;
    case 'groupDesc':
      body = { kind, groups: same.flatMap((b) => (b.kind === 'groupDesc' ? b.groups : [])) };
      break;
    case 'meterConfig':
      body = { kind, meters: same.flatMap((b) => (b.kind === 'meterConfig' ? b.meters : [])) };
      break;
    case 'tableFeatures':
      body = { kind, tables: same.flatMap((b) => (b.kind === 'tableFeatures' ? b.tables : [])) };
      break;
    default:
      // desc and aggregate come in one part; keep the last.
      body = last.body;
  }
  return { ...last, more: false, body };
}
