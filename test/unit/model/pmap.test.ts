import { expect } from 'chai';
import fc from 'fast-check';
import { PersistentMap } from '../../../src/model/pmap.js';
import { vmsOnNetwork } from '../../../src/model/membership.js';
import { emptySnapshot, putNetwork, vmStart, vmStop } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';

describe('model: PersistentMap', () => {
  it('behaves like a Map under any sequence of sets and deletes, and leaves older copies untouched', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.string({ maxLength: 6 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('del' as const), key: fc.string({ maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        let p = PersistentMap.empty<number>();
        const oracle = new Map<string, number>();
        const history: [PersistentMap<number>, string][] = [];
        for (const o of ops) {
          history.push([p, JSON.stringify([...oracle].sort())]);
          if (o.kind === 'set') {
            p = p.with(o.key, o.value);
            oracle.set(o.key, o.value);
          } else {
            p = p.without(o.key);
            oracle.delete(o.key);
          }
          expect(p.size).to.equal(oracle.size);
        }
        expect([...p.entries()].sort()).to.deep.equal([...oracle.entries()].sort());
        for (const [k, v] of oracle) {
          expect(p.get(k)).to.equal(v);
          expect(p.has(k)).to.equal(true);
        }
        expect([...p.keys()].sort()).to.deep.equal([...oracle.keys()].sort());
        expect([...p.values()].length).to.equal(oracle.size);
        for (const [old, seen] of history) expect(JSON.stringify([...old].sort())).to.equal(seen);
      }),
      { numRuns: 200 },
    );
  });

  it('takes numbers as keys (port numbers) and leaves older copies untouched', () => {
    let p = PersistentMap.empty<string, number>();
    const oracle = new Map<number, string>();
    for (let n = 0; n < 2000; n += 7) {
      p = p.with(n, `port ${n}`);
      oracle.set(n, `port ${n}`);
    }
    const older = p;
    p = p.without(259).with(65534, 'local');
    oracle.delete(259);
    oracle.set(65534, 'local');
    expect(p.size).to.equal(oracle.size);
    expect([...p.entries()].sort((x, y) => x[0] - y[0])).to.deep.equal([...oracle.entries()].sort((x, y) => x[0] - y[0]));
    expect(older.get(259)).to.equal('port 259');
    expect(older.has(65534)).to.equal(false);
    expect(p.get(7)).to.equal('port 7');
  });

  it('keeps the VMs-by-network index equal to a recomputation', () => {
    let s: ModelSnapshot = emptySnapshot();
    for (const n of ['a', 'b', 'c']) {
      const r = putNetwork(s, n, { tenant: 't', kind: 'public' });
      if (r.ok) s = r.snapshot;
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.subarray(['a', 'b', 'c']), fc.boolean()), { maxLength: 60 }), (steps) => {
        let cur = s;
        vmsOnNetwork(cur.vms, 'a'); // build the index first, so later ones are carried
        for (const [i, nets, stop] of steps) {
          const r = stop
            ? vmStop(cur, `vm${i}`)
            : vmStart(cur, { vm: `vm${i}`, tenant: 't', interfaces: nets.map((n, j) => ({ mac: `02:00:00:00:0${j}:0${i}`, network: n, switch: '0000000000000001', port: i + 1 })) });
          if (r.ok) cur = r.snapshot;
          for (const n of ['a', 'b', 'c']) {
            const expected = [...cur.vms.values()].filter((v) => v.interfaces.some((x) => x.network === n)).map((v) => v.name).sort();
            expect([...vmsOnNetwork(cur.vms, n)].sort()).to.deep.equal(expected);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
