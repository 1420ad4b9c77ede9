// The simulated bridge's answers that the controller reads back, checked
// against the wire limits Open vSwitch keeps: every reply encodes.
import { expect } from 'chai';
import { SimBridge } from '../../../bench/farm/bridge.js';
import { BundleBook } from '../../../bench/farm/bundles.js';
import { tryEncodeMessage } from '../../../src/openflow/index.js';
import { OFP13_VERSION } from '../../../src/openflow/wire-values.js';
import { type OfpMessage } from '../../../src/openflow/message-model.js';

describe('bench/farm: a simulated bridge', () => {
  it('splits a GROUP_DESC reply into parts under 64 KiB, with every group once, as Open vSwitch does', () => {
    const bridge = new SimBridge(1n, 'agg0', OFP13_VERSION);
    const conn = { role: 'equal' as const, bundles: new BundleBook() };
    // 100 fast-failover groups of 100 buckets each: about 320 KB in one reply.
    for (let g = 1; g <= 100; g++) {
      const buckets = Array.from({ length: 100 }, (_, i) => ({ weight: 0, watchPort: i + 1, watchGroup: 0xffffffff, actions: [{ type: 'output' as const, port: i + 1, maxLen: 0 }] }));
      const mod = { version: OFP13_VERSION, xid: g, type: 'groupMod', command: 'add', groupType: 'ff', groupId: g, buckets } as unknown as OfpMessage;
      expect(bridge.answer(mod, new Uint8Array(), conn).replies).to.deep.equal([]);
    }
    const req = { version: OFP13_VERSION, xid: 7, type: 'multipartRequest', flags: 0, body: { kind: 'groupDesc' } } as unknown as OfpMessage;
    const replies = bridge.answer(req, new Uint8Array(), conn).replies as Extract<OfpMessage, { type: 'multipartReply' }>[];
    expect(replies.length).to.be.greaterThan(4);
    const ids: number[] = [];
    replies.forEach((r, i) => {
      const enc = tryEncodeMessage(r);
      expect(enc.ok, `part ${i} encodes`).to.equal(true);
      if (enc.ok) expect(enc.bytes.length).to.be.below(65536);
      expect(r.more, `part ${i} says more follow`).to.equal(i < replies.length - 1);
      if (r.body.kind === 'groupDesc') ids.push(...r.body.groups.map((g) => g.groupId));
    });
    expect(ids).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});
