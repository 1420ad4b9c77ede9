import { expect } from 'chai';
import { ChannelError } from '../../../src/channel/errors.js';
import { RequestTracker, XidAllocator } from '../../../src/channel/requests.js';
import type { ErrorMsg, FlowMod, MultipartReply, OfpMessage } from '../../../src/openflow/message-model.js';
import { FakeClock } from '../../support/fakeclock.js';
import { flowStat } from './support/fake-switch.js';

const flowMod = (xid: number): FlowMod => ({
  type: 'flowMod',
  version: 4,
  xid,
  cookie: 0n,
  cookieMask: 0n,
  tableId: 0,
  command: 'add',
  idleTimeout: 0,
  hardTimeout: 0,
  priority: 100,
  bufferId: 0xffffffff,
  outPort: 0xffffffff,
  outGroup: 0xffffffff,
  flags: {},
  match: {},
  instructions: [],
});
const errorFor = (xid: number, code = 7): ErrorMsg => ({ type: 'error', version: 4, xid, errType: 5, code, data: new Uint8Array(0) });
const barrier = (xid: number): OfpMessage => ({ type: 'barrierRequest', version: 4, xid });
const barrierReply = (xid: number): OfpMessage => ({ type: 'barrierReply', version: 4, xid });

async function rejection(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ChannelError);
    return e as ChannelError;
  }
  throw new Error('expected a rejection');
}

describe('channel: xids and requests', () => {
  it('allocates xids from 1, never 0, wrapping after 2^32-1', () => {
    const a = new XidAllocator(0xfffffffd);
    expect([a.next(), a.next(), a.next(), a.next()]).to.deep.equal([0xfffffffe, 0xffffffff, 1, 2]);
    expect(new XidAllocator().next()).to.equal(1);
  });

  it('skips xids still in use', () => {
    const a = new XidAllocator();
    const busy = new Set([1, 2, 4]);
    expect(a.next((x) => busy.has(x))).to.equal(3);
    expect(a.next((x) => busy.has(x))).to.equal(5);
  });

  it('tracker never hands out an xid that is awaiting a reply', () => {
    const t = new RequestTracker(new FakeClock());
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const xid = t.allocXid();
      expect(seen.has(xid)).to.equal(false);
      expect(xid).to.not.equal(0);
      seen.add(xid);
      void t.track(barrier(xid), 1000).catch(() => undefined);
    }
    expect(t.outstanding).to.equal(1000);
  });

  it('resolves a request with its reply and ignores replies to other xids', async () => {
    const t = new RequestTracker(new FakeClock());
    const p = t.track(barrier(10), 1000);
    expect(t.handleReply(barrierReply(11))).to.equal(false);
    expect(t.handleReply(barrierReply(10))).to.equal(true);
    expect((await p).reply).to.deep.equal(barrierReply(10));
    expect(t.outstanding).to.equal(0);
  });

  it('times a request out after its own timeout, carrying the request', async () => {
    const clock = new FakeClock();
    const t = new RequestTracker(clock);
    const p = t.track(barrier(3), 500);
    const q = t.track(barrier(4), 2000);
    clock.advance(499);
    expect(t.outstanding).to.equal(2);
    clock.advance(1);
    const e = await rejection(p);
    expect(e.code).to.equal('REQUEST_TIMEOUT');
    expect(e.request).to.deep.equal(barrier(3));
    // A late reply finds nothing; the other request is still waiting.
    expect(t.handleReply(barrierReply(3))).to.equal(false);
    expect(t.outstanding).to.equal(1);
    t.handleReply(barrierReply(4));
    await q;
  });

  const flowRequest = (xid: number): OfpMessage => ({
    type: 'multipartRequest',
    version: 4,
    xid,
    more: false,
    body: { kind: 'flow', tableId: 255, outPort: 0xffffffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: {} },
  });
  const part = (xid: number, prios: number[], more: boolean): MultipartReply => ({
    type: 'multipartReply',
    version: 4,
    xid,
    more,
    body: { kind: 'flow', flows: prios.map(flowStat) },
  });

  it('reassembles a multipart reply from REPLY_MORE parts', async () => {
    const clock = new FakeClock();
    const t = new RequestTracker(clock);
    const p = t.track(flowRequest(9), 1000);
    t.handleReply(part(9, [1, 2], true));
    clock.advance(400);
    t.handleReply(part(9, [3], true));
    clock.advance(400);
    t.handleReply(part(9, [4, 5], false));
    const r = (await p).reply as MultipartReply;
    expect(r.more).to.equal(false);
    expect(r.body.kind === 'flow' && r.body.flows.map((f) => f.priority)).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('keeps one deadline per request: parts arriving in time do not move it', async () => {
    const clock = new FakeClock();
    const t = new RequestTracker(clock);
    const p = t.track(flowRequest(9), 1000);
    for (let i = 0; i < 9; i++) {
      expect(t.handleReply(part(9, [i], true))).to.equal(true);
      clock.advance(100);
    }
    t.handleReply(part(9, [9], true));
    clock.advance(100);
    const e = await rejection(p);
    expect(e.code).to.equal('REQUEST_TIMEOUT');
    expect(t.outstanding).to.equal(0);
  });

  for (const [cap, limits, parts] of [
    ['parts', { maxParts: 10, maxEntries: 1000, maxBytes: 1e9 }, Array.from({ length: 20 }, () => [] as number[])],
    ['entries', { maxParts: 1000, maxEntries: 25, maxBytes: 1e9 }, Array.from({ length: 20 }, (_, i) => [i, i])],
    ['bytes', { maxParts: 1000, maxEntries: 1000, maxBytes: 1000 }, Array.from({ length: 20 }, (_, i) => [i])],
  ] as const) {
    it(`fails the request once its reply exceeds the cap on ${cap}, and tells the owner`, async () => {
      const told: string[] = [];
      const t = new RequestTracker(new FakeClock(), { maxRemembered: 10, replyLimits: limits, onReplyTooLarge: (d) => told.push(d) });
      const p = t.track(flowRequest(7), 1000);
      let i = 0;
      for (const prios of parts) {
        if (told.length) break;
        expect(t.handleReply(part(7, [...prios], true), 100)).to.equal(true);
        i++;
      }
      const e = await rejection(p);
      expect(e.code).to.equal('REPLY_TOO_LARGE');
      expect(e.message).to.contain(`exceeds`).and.contain(cap);
      expect(told).to.have.length(1);
      expect(i).to.be.lessThan(parts.length);
      // Later parts find nothing.
      expect(t.handleReply(part(7, [1], false), 100)).to.equal(false);
    });
  }

  it('rejects a request answered by an ERROR, as SWITCH_ERROR carrying the request', async () => {
    const t = new RequestTracker(new FakeClock());
    const req: OfpMessage = { type: 'multipartRequest', version: 4, xid: 21, more: false, body: { kind: 'table' } };
    const p = t.track(req, 1000);
    expect(t.handleReply(errorFor(21, 2))).to.equal(true);
    const e = await rejection(p);
    expect(e.code).to.equal('SWITCH_ERROR');
    expect(e.request).to.equal(req);
    expect(e.switchError).to.include({ errType: 5, code: 2 });
  });

  it('names the fire-and-forget message an ERROR is about, and hands it to the next barrier', async () => {
    const t = new RequestTracker(new FakeClock());
    t.recordSent(flowMod(30));
    t.recordSent(flowMod(31));
    const b = t.track(barrier(32), 1000);
    t.recordSent(flowMod(33));
    const m = t.handleError(errorFor(31));
    expect(m.matched).to.equal(false);
    expect(m.info.request).to.deep.equal(flowMod(31));
    const late = t.handleError(errorFor(33));
    expect(late.info.request).to.deep.equal(flowMod(33));
    t.handleReply(barrierReply(32));
    const r = await b;
    // Only the error of a message sent before the barrier belongs to it.
    expect(r.errors.map((e) => e.request?.xid)).to.deep.equal([31]);
    // An xid never sent has no request.
    expect(t.handleError(errorFor(999)).info.request).to.equal(undefined);
  });

  it('settles a reply-less request at the following barrier, or rejects it on its ERROR', async () => {
    const t = new RequestTracker(new FakeClock());
    const ok = t.track(flowMod(40), 1000, true);
    const bad = t.track(flowMod(41), 1000, true);
    const b = t.track(barrier(42), 1000);
    // The barrier's xid settles neither by itself; the ERROR for 41 comes first (switch order).
    t.handleReply(errorFor(41));
    t.handleReply(barrierReply(42));
    expect((await ok).reply.type).to.equal('barrierReply');
    expect((await rejection(bad)).request).to.deep.equal(flowMod(41));
    await b;
  });

  it('rejects everything outstanding with CLOSED when the connection goes', async () => {
    const t = new RequestTracker(new FakeClock());
    const p = t.track(barrier(50), 1000);
    t.failAll('PEER_CLOSED');
    expect((await rejection(p)).code).to.equal('CLOSED');
    expect(t.outstanding).to.equal(0);
  });

  it('forgets the oldest fire-and-forget messages beyond its bound', () => {
    const t = new RequestTracker(new FakeClock(), { maxRemembered: 3 });
    for (let x = 1; x <= 5; x++) t.recordSent(flowMod(x));
    expect(t.handleError(errorFor(1)).info.request).to.equal(undefined);
    expect(t.handleError(errorFor(5)).info.request?.xid).to.equal(5);
  });
});
