// Discovery against a simulated fabric with random cabling and random port
// failures: once probes have had time to cross, the links are exactly the
// cables whose both ends are up, whatever the order of events.
import { expect } from 'chai';
import fc from 'fast-check';
import { Discovery } from '../../../src/topo/discovery.js';

const secret = Buffer.from('property');
const dpid = (i: number) => (i + 1).toString(16).padStart(16, '0');
const PORTS = 4;

interface Fabric {
  switches: number;
  cables: [number, number, number, number][];
}

/** Random point-to-point cabling: every port in at most one cable. */
const fabricArb: fc.Arbitrary<Fabric> = fc
  .integer({ min: 2, max: 6 })
  .chain((switches) =>
    fc
      .shuffledSubarray(
        Array.from({ length: switches * PORTS }, (_, i) => i),
        { minLength: 0, maxLength: switches * PORTS },
      )
      .map((ends) => {
        const cables: Fabric['cables'] = [];
        for (let i = 0; i + 1 < ends.length; i += 2) {
          const a = ends[i]!;
          const b = ends[i + 1]!;
          cables.push([Math.floor(a / PORTS), (a % PORTS) + 1, Math.floor(b / PORTS), (b % PORTS) + 1]);
        }
        return { switches, cables };
      }),
  );

describe('topo/discovery (property)', () => {
  it('converges to exactly the cables whose ends are up, after random port failures', () => {
    fc.assert(
      fc.property(
        fabricArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: PORTS }), fc.boolean()), { maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 8 }),
        (fabric, flips, randoms) => {
          let t = 10_000_000;
          let r = 0;
          const d = new Discovery({ secret, now: () => t, random: () => randoms[r++ % randoms.length]!, intervalMs: 1000 });
          const peer = new Map<string, [string, number]>();
          for (const [a, ap, b, bp] of fabric.cables) {
            peer.set(`${dpid(a)}/${ap}`, [dpid(b), bp]);
            peer.set(`${dpid(b)}/${bp}`, [dpid(a), ap]);
          }
          const up = new Map<string, boolean>();
          for (let s = 0; s < fabric.switches; s++) {
            const ports = Array.from({ length: PORTS }, (_, i) => ({ portNo: i + 1, name: `s${s}-eth${i + 1}`, up: true }));
            ports.forEach((p) => up.set(`${dpid(s)}/${p.portNo}`, true));
            d.switchConnected(dpid(s), ports);
          }
          const step = () => {
            t += 100;
            for (const p of d.tick()) {
              const to = peer.get(`${p.dpid}/${p.portNo}`);
              // A down port neither sends nor receives.
              if (to && up.get(`${p.dpid}/${p.portNo}`) && up.get(`${to[0]}/${to[1]}`)) {
                d.receive({ dpid: to[0], inPort: to[1], frame: p.frame });
              }
            }
          };
          for (let i = 0; i < 15; i++) step();
          for (const [s, port, isUp] of flips) {
            const sw = dpid(s % fabric.switches);
            up.set(`${sw}/${port}`, isUp);
            d.portStatus(sw, { portNo: port, name: `x${port}`, up: isUp }, 'modify');
            step();
          }
          for (let i = 0; i < 25; i++) step();
          const expected = fabric.cables
            .filter(([a, ap, b, bp]) => up.get(`${dpid(a)}/${ap}`) && up.get(`${dpid(b)}/${bp}`))
            .map(([a, ap, b, bp]) => [`${dpid(a)}/${ap}`, `${dpid(b)}/${bp}`].sort().join('-'))
            .sort();
          const got = d
            .snapshot()
            .links.map((l) => `${l.a.dpid}/${l.a.portNo}-${l.b.dpid}/${l.b.portNo}`)
            .sort();
          expect(got).to.deep.equal(expected);
          expect(d.counters.replayed + d.counters.forged + d.counters.stale + d.counters.reflected).to.equal(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
