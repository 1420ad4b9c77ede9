import { expect } from 'chai';
import fc from 'fast-check';
import { IndexedMap, type ValueIndex } from '../../../src/model/indexed-map.js';
import { deleteNetwork, emptySnapshot, gatewaysOnPort, putNetwork, snapshotOf, vmStart, vmStop } from '../../../src/model/index.js';
import { vmsOnNetwork, vmsOnPort, vmTable } from '../../../src/model/membership.js';

/** An index of the sum of the values, counting how often it is built from scratch. */
function summing(carry: boolean): ValueIndex<number, number> & { builds: number } {
  const kind = {
    builds: 0,
    build(values: Iterable<number>): number {
      kind.builds++;
      let sum = 0;
      for (const v of values) sum += v;
      return sum;
    },
    update: (sum: number, before: number | undefined, after: number | undefined): number | undefined => (carry ? sum - (before ?? 0) + (after ?? 0) : undefined),
  };
  return kind;
}

describe('model/indexed-map', () => {
  it('builds its index once and carries it through every copy, equal to a rebuild', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(9), fc.option(fc.integer({ min: -50, max: 50 }), { nil: undefined })), { maxLength: 40 }), (steps) => {
        const kind = summing(true);
        let m = IndexedMap.of(kind, new Map<string, number>());
        expect(m.index).to.equal(0);
        for (const [k, v] of steps) {
          m = v === undefined ? m.without(`k${k}`) : m.with(`k${k}`, v);
          expect(m.index).to.equal([...m.values()].reduce((a, b) => a + b, 0));
        }
        expect(kind.builds).to.equal(1);
      }),
      { numRuns: 100 },
    );
  });

  it('builds again on first use after an update that cannot carry it', () => {
    const kind = summing(false);
    const m = IndexedMap.of(kind, new Map([['a', 1]]));
    expect(m.index).to.equal(1);
    const next = m.with('b', 2);
    expect(kind.builds).to.equal(1);
    expect(next.index).to.equal(3);
    expect(kind.builds).to.equal(2);
    expect(m.index).to.equal(1);
  });

  it('takes a map that already has an index of its kind as it is, and leaves a copy without a key unchanged', () => {
    const kind = summing(true);
    const m = IndexedMap.of(kind, new Map([['a', 1]]));
    expect(IndexedMap.of(kind, m)).to.equal(m);
    expect(IndexedMap.of(summing(true), m)).to.not.equal(m);
    expect(m.without('zz')).to.equal(m);
  });

  it('is what snapshots hold: a model write leaves its VMs in an indexed map, index up to date', () => {
    let s = emptySnapshot();
    const net = putNetwork(s, 'n', { tenant: 't', kind: 'public' });
    if (!net.ok) throw new Error(net.error.message);
    s = net.snapshot;
    const before = vmTable(s.vms);
    expect(before).to.equal(s.vms);
    expect(before.index.members.size).to.equal(0);
    expect(before.index.ports.size).to.equal(0);
    const started = vmStart(s, { vm: 'v', tenant: 't', interfaces: [{ mac: '02:00:00:00:00:01', network: 'n', switch: '0000000000000001', port: 1 }] });
    if (!started.ok) throw new Error(started.error.message);
    const after = vmTable(started.snapshot.vms);
    expect(after).to.equal(started.snapshot.vms);
    expect([...after.index.members.get('n')!]).to.deep.equal(['v']);
    expect([...after.index.ports.get('0000000000000001/1')!]).to.deep.equal(['v']);
    expect(snapshotOf(1, new Map(), new Map(), new Map()).vms).to.be.instanceOf(IndexedMap);
  });

  it('keeps a network of hundreds of members and the VMs of a port right through starts and stops, as a rebuild would', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(199), fc.boolean(), fc.nat(2)), { minLength: 50, maxLength: 600 }), (steps) => {
        let s = emptySnapshot();
        const net = putNetwork(s, 'n', { tenant: 't', kind: 'public' });
        if (!net.ok) throw new Error(net.error.message);
        s = net.snapshot;
        for (const [i, start, port] of steps) {
          const hex = i.toString(16).padStart(2, '0');
          const r = start ? vmStart(s, { vm: `v${i}`, tenant: 't', interfaces: [{ mac: `02:00:00:00:01:${hex}`, network: 'n', switch: '0000000000000001', port: port + 1 }] }) : vmStop(s, `v${i}`);
          if (r.ok) s = r.snapshot;
        }
        // A plain Map has no index: the lookups build one from scratch.
        const rebuilt = new Map(s.vms);
        expect([...vmsOnNetwork(s.vms, 'n')].sort()).to.deep.equal([...vmsOnNetwork(rebuilt, 'n')].sort());
        expect(vmsOnNetwork(s.vms, 'n').size).to.equal(s.vms.size);
        for (const port of [1, 2, 3]) {
          const carried = vmsOnPort(s.vms, '0000000000000001', port);
          expect([...carried].sort()).to.deep.equal([...vmsOnPort(rebuilt, '0000000000000001', port)].sort());
          for (const name of carried) expect(carried.has(name)).to.equal(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the gateways of each switch port right through network puts and deletes, as a rebuild would', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(29), fc.option(fc.nat(3), { nil: undefined })), { minLength: 10, maxLength: 200 }), (steps) => {
        let s = emptySnapshot();
        for (const [i, port] of steps) {
          const hex = i.toString(16).padStart(2, '0');
          const r =
            port === undefined
              ? deleteNetwork(s, `n${i}`)
              : putNetwork(s, `n${i}`, { tenant: 't', kind: 'private', cidrs: [`10.${i}.0.0/16`], gateways: [{ mac: `02:00:00:00:0a:${hex}`, ips: [`10.${i}.0.1`], switch: '0000000000000001', port: port + 1 }] });
          if (r.ok) s = r.snapshot;
        }
        const rebuilt = new Map(s.networks);
        for (const port of [1, 2, 3, 4]) {
          expect([...gatewaysOnPort(s.networks, '0000000000000001', port)].sort()).to.deep.equal([...gatewaysOnPort(rebuilt, '0000000000000001', port)].sort());
        }
        const held = [1, 2, 3, 4].reduce((n, port) => n + gatewaysOnPort(s.networks, '0000000000000001', port).size, 0);
        expect(held).to.equal(s.networks.size);
      }),
      { numRuns: 40 },
    );
  });
});
