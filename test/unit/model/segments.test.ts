// Network segments 1..1,000,000: the lowest free one on create, found
// without a pass over every network on each create, and the same whichever
// way the networks map was built (so controllers sharing a store agree).
import { expect } from 'chai';
import fc from 'fast-check';
import { deleteNetwork, emptySnapshot, networksWith, networksWithout, putNetwork } from '../../../src/model/index.js';
import { lowestFreeSegment } from '../../../src/model/network-index.js';
import { MAX_SEGMENT, SegmentIndex } from '../../../src/model/segments.js';
import { PersistentMap } from '../../../src/model/pmap.js';
import type { Network } from '../../../src/model/types.js';
import { fullNetworks, ok } from './helpers.js';

const base = { tenant: 't', kind: 'private' };
const net = (name: string, segment: number): Network => ({ name, tenant: 't', kind: 'private', cidrs: [], gateways: [], segment });

/** The lowest positive number not in `used`, by counting up (the oracle). */
function lowestByScan(used: Iterable<number>): number | undefined {
  const taken = new Set(used);
  for (let s = 1; s <= MAX_SEGMENT; s++) if (!taken.has(s)) return s;
  return undefined;
}

describe('model: network segments', () => {
  it('numbers networks 1, 2, 3... past 4,094, and reuses the lowest freed one', () => {
    let s = emptySnapshot();
    for (let i = 1; i <= 5000; i++) s = ok(putNetwork(s, `n${i}`, base));
    expect(s.networks.get('n4094')!.segment).to.equal(4094);
    expect(s.networks.get('n4095')!.segment).to.equal(4095);
    expect(s.networks.get('n5000')!.segment).to.equal(5000);
    s = ok(deleteNetwork(s, 'n4500'));
    s = ok(deleteNetwork(s, 'n17'));
    expect(ok(putNetwork(s, 'x', base)).networks.get('x')!.segment).to.equal(17);
    s = ok(putNetwork(ok(putNetwork(s, 'x', base)), 'y', base));
    expect(s.networks.get('y')!.segment).to.equal(4500);
    expect(ok(putNetwork(s, 'z', base)).networks.get('z')!.segment).to.equal(5001);
  });

  it('creates and deletes past the first read no networks map whole (no scan of every network per create)', () => {
    let s = emptySnapshot();
    for (let i = 1; i <= 5000; i++) s = ok(putNetwork(s, `n${i}`, base));
    const proto = PersistentMap.prototype as unknown as Record<'values' | 'entries' | 'keys', (this: PersistentMap<unknown>) => unknown>;
    const saved = { values: proto.values, entries: proto.entries, keys: proto.keys };
    let wholeReads = 0;
    for (const k of ['values', 'entries', 'keys'] as const) {
      proto[k] = function (this: PersistentMap<unknown>) {
        if (this.size > 1000) wholeReads++;
        return saved[k].call(this);
      };
    }
    try {
      for (let i = 0; i < 200; i++) {
        s = ok(deleteNetwork(s, `n${1 + ((i * 37) % 5000)}`));
        s = ok(putNetwork(s, `m${i}`, base));
      }
    } finally {
      Object.assign(proto, saved);
    }
    expect(wholeReads).to.equal(0);
    const segs = [...s.networks.values()].map((n) => n.segment);
    expect(new Set(segs).size).to.equal(5000);
    expect(Math.max(...segs)).to.equal(5000);
  });

  it('refuses the 1,000,001st network; a freed segment near the top is found', () => {
    const full = fullNetworks();
    expect(lowestFreeSegment(full)).to.equal(undefined);
    const idx = SegmentIndex.of(Array.from({ length: MAX_SEGMENT }, (_, i) => i + 1));
    expect(idx.lowestFree()).to.equal(undefined);
    expect(idx.without(MAX_SEGMENT - 3).without(MAX_SEGMENT).lowestFree()).to.equal(MAX_SEGMENT - 3);
    expect(idx.without(MAX_SEGMENT).lowestFree()).to.equal(MAX_SEGMENT);
    expect(idx.without(MAX_SEGMENT).with(MAX_SEGMENT + 1).lowestFree()).to.equal(MAX_SEGMENT, 'no segment past the limit is held');
  });

  it('agrees with a scan after any sequence of creates and deletes, carried or rebuilt', () => {
    const step = fc.oneof(fc.record({ put: fc.nat(40) }), fc.record({ del: fc.nat(40) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        let s = emptySnapshot();
        for (const st of steps) {
          s = 'put' in st ? ok(putNetwork(s, `n${st.put}`, base)) : ok(deleteNetwork(s, `n${st.del}`));
          const segs = [...s.networks.values()].map((n) => n.segment);
          expect(new Set(segs).size).to.equal(segs.length);
          const rebuilt = new Map(s.networks);
          expect(lowestFreeSegment(s.networks)).to.equal(lowestByScan(segs));
          expect(lowestFreeSegment(rebuilt)).to.equal(lowestByScan(segs));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('carries the index through replacement with another segment (an import keeping its numbers)', () => {
    let m: ReadonlyMap<string, Network> = PersistentMap.empty<Network>();
    expect(lowestFreeSegment(m)).to.equal(1);
    m = networksWith(m, 'a', net('a', 1));
    m = networksWith(m, 'a', net('a', 70_000));
    expect(lowestFreeSegment(m)).to.equal(1);
    m = networksWith(m, 'b', net('b', 1));
    expect(lowestFreeSegment(m)).to.equal(2);
    m = networksWithout(m, 'a');
    expect(lowestFreeSegment(m)).to.equal(2);
    expect(SegmentIndex.of([1, 2, 3, 1024, 1025]).lowestFree()).to.equal(4);
    expect(SegmentIndex.of(Array.from({ length: 2047 }, (_, i) => i + 1)).lowestFree()).to.equal(2048);
  });
});
