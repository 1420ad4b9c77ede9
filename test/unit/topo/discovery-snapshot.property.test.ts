// Discovery keeps its snapshot incrementally. Over random fabrics and random
// sequences of connects, disconnects (beyond the bound of switches kept away),
// port changes, ports bound and unbound, and probe rounds (with and without a
// described cabling): every published snapshot equals the one built
// from Discovery's whole state, as it was built on every change; its events
// name exactly what differs from the previous snapshot; and a snapshot once
// handed out never changes.
import { expect } from 'chai';
import fc from 'fast-check';
import { parseDescription, type TopologyDescription } from '../../../src/topo/description.js';
import { Discovery } from '../../../src/topo/discovery.js';
import { type PortInfo } from '../../../src/topo/discovery-types.js';
import type { BoundPorts, TopologyEvent, TopologySnapshot } from '../../../src/topo/types.js';
import { differences, eventText, plain, rebuiltSnapshot } from '../../support/topology-reference.js';

const secret = Buffer.from('snapshot-property');
const dpid = (i: number) => (i + 1).toString(16).padStart(16, '0');
const SWITCHES = 4;
const PORTS = 5;

type Op =
  | { k: 'connect'; s: number; ports: [number, boolean, boolean][] }
  | { k: 'disconnect'; s: number }
  | { k: 'port'; s: number; p: number; reason: 'add' | 'modify' | 'delete'; up: boolean; renamed: boolean }
  | { k: 'bind'; s: number; p: number; on: boolean }
  | { k: 'run'; steps: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('connect' as const),
    s: fc.nat(SWITCHES - 1),
    ports: fc.array(fc.tuple(fc.integer({ min: 1, max: PORTS }), fc.boolean(), fc.boolean()), { maxLength: PORTS }),
  }),
  fc.record({ k: fc.constant('disconnect' as const), s: fc.nat(SWITCHES - 1) }),
  fc.record({
    k: fc.constant('port' as const),
    s: fc.nat(SWITCHES - 1),
    p: fc.integer({ min: 1, max: PORTS }),
    reason: fc.constantFrom('add' as const, 'modify' as const, 'delete' as const),
    up: fc.boolean(),
    renamed: fc.boolean(),
  }),
  fc.record({ k: fc.constant('bind' as const), s: fc.nat(SWITCHES - 1), p: fc.integer({ min: 1, max: PORTS }), on: fc.boolean() }),
  fc.record({ k: fc.constant('run' as const), steps: fc.integer({ min: 1, max: 40 }) }),
);

/** Cables between random port pairs, each port in at most one. */
const cablesArb = fc.shuffledSubarray(
  Array.from({ length: SWITCHES * PORTS }, (_, i) => i),
  { minLength: 0, maxLength: SWITCHES * PORTS },
);

function description(): TopologyDescription {
  const d = parseDescription(`
switches:
  - {name: s1, dpid: "${dpid(0)}", role: edge}
  - {name: s2, dpid: "${dpid(1)}", role: aggregation}
links:
  - [s1:1, s2:1]
`);
  if (!d.ok) throw new Error(d.error.message);
  return d.description;
}

describe('topo/discovery: incremental snapshot (property)', function () {
  this.timeout(120_000);
  it('equals the full rebuild after every change, names exactly what changed, and never alters a snapshot handed out', () => {
    fc.assert(
      fc.property(cablesArb, fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }), fc.boolean(), (ends, ops, described) => {
        let t = 50_000_000;
        const bound = new Set<string>();
        const boundPorts: BoundPorts = { isBound: (dp, portNo) => bound.has(`${dp}/${portNo}`), onChange: () => () => undefined };
        const d = new Discovery({
          secret,
          now: () => t,
          random: () => 0.5,
          intervalMs: 1000,
          boundPorts,
          // Two undescribed switches away at once are one too many: the oldest is forgotten.
          maxDisconnectedSwitches: 1,
          ...(described ? { description: description() } : {}),
        });
        const peer = new Map<string, [string, number]>();
        for (let i = 0; i + 1 < ends.length; i += 2) {
          const [a, b] = [ends[i]!, ends[i + 1]!];
          const [x, y] = [[dpid(Math.floor(a / PORTS)), (a % PORTS) + 1], [dpid(Math.floor(b / PORTS)), (b % PORTS) + 1]] as [string, number][];
          peer.set(`${x![0]}/${x![1]}`, y!);
          peer.set(`${y![0]}/${y![1]}`, x!);
        }
        let prev: TopologySnapshot = d.snapshot();
        const handedOut: [TopologySnapshot, string][] = [[prev, JSON.stringify(plain(prev))]];
        let notified = 0;
        d.onChange((snap: TopologySnapshot, events: readonly TopologyEvent[]) => {
          notified++;
          expect(snap).to.equal(d.snapshot());
          expect(snap.version).to.equal(prev.version + 1);
          expect(plain(snap)).to.deep.equal(plain(rebuiltSnapshot(d)));
          // Links stay sorted as before.
          expect(snap.links.map((l) => JSON.stringify(l))).to.deep.equal(rebuiltSnapshot(d).links.map((l) => JSON.stringify(l)));
          expect(eventText(events)).to.deep.equal(differences(prev, snap));
          expect(events.length).to.be.greaterThan(0);
          prev = snap;
          handedOut.push([snap, JSON.stringify(plain(snap))]);
        });
        const step = () => {
          t += 100;
          for (const p of d.tick()) {
            const to = peer.get(`${p.dpid}/${p.portNo}`);
            if (to) d.receive({ dpid: to[0], inPort: to[1], frame: p.frame });
          }
        };
        for (const op of ops) {
          if (op.k === 'connect') {
            const ports = new Map<number, PortInfo>();
            for (const [n, up, renamed] of op.ports) ports.set(n, { portNo: n, name: renamed ? `x${n}` : `p${n}`, up });
            d.switchConnected(dpid(op.s), [...ports.values()], 4);
          } else if (op.k === 'disconnect') {
            d.switchDisconnected(dpid(op.s));
          } else if (op.k === 'bind') {
            if (op.on) bound.add(`${dpid(op.s)}/${op.p}`);
            else bound.delete(`${dpid(op.s)}/${op.p}`);
            d.bindingsChanged([{ dpid: dpid(op.s), port: op.p }]);
          } else if (op.k === 'port') {
            d.portStatus(dpid(op.s), { portNo: op.p, name: op.renamed ? `x${op.p}` : `p${op.p}`, up: op.up }, op.reason);
          } else {
            for (let i = 0; i < op.steps; i++) step();
          }
        }
        // Between notifications the snapshot is the last one published.
        expect(d.snapshot()).to.equal(prev);
        for (const [snap, text] of handedOut) expect(JSON.stringify(plain(snap))).to.equal(text);
        expect(notified).to.equal(handedOut.length - 1);
      }),
      { numRuns: 200 },
    );
  });
});
