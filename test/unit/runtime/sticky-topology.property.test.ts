// The sticky view kept incrementally equals the view computed in full from
// the live snapshot on every read (test/support/topology-reference.ts), over
// random sequences of switches leaving, being forgotten and coming back, ports
// going down and up or being bound (an access port then), links found and
// aged out, and time passing through graces and holds;
// with a live feed that says what changed and with one that does not. Its
// listeners hear exactly what changed in the view since they last heard.
import { expect } from 'chai';
import fc from 'fast-check';
import { StickyTopology } from '../../../src/runtime/sticky-topology.js';
import { orderLink, linkKey } from '../../../src/topo/link.js';
import { SnapshotWriter } from '../../../src/topo/snapshot-writer.js';
import type { Link, TopologyEvent, TopologySnapshot } from '../../../src/topo/types.js';
import { differences, eventText, plain, ReferenceSticky } from '../../support/topology-reference.js';

const SWITCHES = 3;
const PORTS = 2;
const GRACE = 2000;
const HOLD = 500;
const dpid = (i: number) => (i + 1).toString(16).padStart(16, '0');

/** A live topology driven by hand, publishing through a SnapshotWriter (as discovery does). */
class Live {
  private readonly w = new SnapshotWriter();
  private readonly links = new Map<string, Link>();
  private readonly up = new Map<string, boolean>();
  private readonly connected = new Set<number>();
  /** Ports with a VM or gateway bound: access ports, never a link end (as discovery shows them). */
  private readonly bound = new Set<string>();
  private listeners: ((s: TopologySnapshot, e?: readonly TopologyEvent[]) => void)[] = [];

  constructor(private readonly withEvents: boolean) {
    for (let s = 0; s < SWITCHES; s++) {
      this.w.setHead(dpid(s), { connected: false, version: 4 });
      for (let p = 1; p <= PORTS; p++) this.w.setPort(dpid(s), { portNo: p, name: `p${p}`, up: false, kind: 'fabric' });
    }
    this.w.publish();
  }
  snapshot(): TopologySnapshot {
    return this.w.snapshot;
  }
  onChange(l: (s: TopologySnapshot, e?: readonly TopologyEvent[]) => void): () => void {
    this.listeners.push(l);
    return () => undefined;
  }
  connect(s: number, ups: boolean[]): void {
    this.dropLinks((l) => l.a.dpid === dpid(s) || l.b.dpid === dpid(s));
    this.connected.add(s);
    this.w.setHead(dpid(s), { connected: true, version: 4 });
    ups.forEach((u, i) => this.setUp(s, i + 1, u));
  }
  disconnect(s: number): void {
    this.dropLinks((l) => l.a.dpid === dpid(s) || l.b.dpid === dpid(s));
    this.connected.delete(s);
    this.w.setHead(dpid(s), { connected: false, version: 4 });
    for (let p = 1; p <= PORTS; p++) this.setUp(s, p, false);
  }
  /** Discovery forgets a switch that is away (too many away). */
  forget(s: number): void {
    if (this.connected.has(s)) return;
    this.w.deleteSwitch(dpid(s));
  }
  bind(s: number, p: number, on: boolean): void {
    if (on) this.dropLinks((l) => (l.a.dpid === dpid(s) && l.a.portNo === p) || (l.b.dpid === dpid(s) && l.b.portNo === p));
    if (on) this.bound.add(`${s}/${p}`);
    else this.bound.delete(`${s}/${p}`);
    if (this.w.snapshot.switches.has(dpid(s))) this.setUp(s, p, this.up.get(`${s}/${p}`) ?? false);
  }
  port(s: number, p: number, up: boolean): void {
    if (!this.connected.has(s)) return;
    if (!up) this.dropLinks((l) => (l.a.dpid === dpid(s) && l.a.portNo === p) || (l.b.dpid === dpid(s) && l.b.portNo === p));
    this.setUp(s, p, up);
  }
  link(s1: number, p1: number, s2: number, p2: number): void {
    const ends = [`${s1}/${p1}`, `${s2}/${p2}`];
    if (s1 === s2 || !ends.every((e) => this.up.get(e) && !this.bound.has(e))) return;
    const link = orderLink({ dpid: dpid(s1), portNo: p1 }, { dpid: dpid(s2), portNo: p2 });
    // A port has one cable: the new link replaces any other at either end.
    this.dropLinks((l) => [l.a, l.b].some((e) => [link.a, link.b].some((f) => e.dpid === f.dpid && e.portNo === f.portNo)));
    this.links.set(linkKey(link), link);
    this.w.setLink(link, true);
  }
  age(n: number): void {
    const all = [...this.links.values()];
    if (all.length > 0) this.dropLinks((l) => l === all[n % all.length]);
  }
  publish(): void {
    const events = this.w.publish();
    if (events.length === 0) return;
    for (const l of this.listeners) {
      if (this.withEvents) l(this.w.snapshot, events);
      else l(this.w.snapshot);
    }
  }
  private setUp(s: number, p: number, up: boolean): void {
    this.up.set(`${s}/${p}`, up);
    this.w.setPort(dpid(s), { portNo: p, name: `p${p}`, up, kind: this.bound.has(`${s}/${p}`) ? 'access' : 'fabric' });
  }
  private dropLinks(which: (l: Link) => boolean): void {
    for (const [k, l] of this.links) {
      if (!which(l)) continue;
      this.links.delete(k);
      this.w.setLink(l, false);
    }
  }
}

type Op =
  | { k: 'connect'; s: number; ups: boolean[] }
  | { k: 'disconnect'; s: number }
  | { k: 'port'; s: number; p: number; up: boolean }
  | { k: 'link'; s1: number; p1: number; s2: number; p2: number }
  | { k: 'age'; n: number }
  | { k: 'forget'; s: number }
  | { k: 'bind'; s: number; p: number; on: boolean }
  | { k: 'wait'; ms: number };

const sw = fc.nat(SWITCHES - 1);
const port = fc.integer({ min: 1, max: PORTS });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('connect' as const), s: sw, ups: fc.array(fc.boolean(), { minLength: PORTS, maxLength: PORTS }) }),
  fc.record({ k: fc.constant('disconnect' as const), s: sw }),
  fc.record({ k: fc.constant('port' as const), s: sw, p: port, up: fc.boolean() }),
  fc.record({ k: fc.constant('link' as const), s1: sw, p1: port, s2: sw, p2: port }),
  fc.record({ k: fc.constant('age' as const), n: fc.nat(10) }),
  fc.record({ k: fc.constant('forget' as const), s: sw }),
  fc.record({ k: fc.constant('bind' as const), s: sw, p: port, on: fc.boolean() }),
  fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(0, 1, 100, 499, 500, 1000, 1999, 2000, 2500) }),
);

describe('runtime: sticky topology kept incrementally (property)', function () {
  this.timeout(120_000);
  for (const withEvents of [true, false]) {
    it(`equals the view computed in full after every change and read, and tells exactly what changed (live feed ${withEvents ? 'with' : 'without'} events)`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 10, maxLength: 60, size: 'max' }), (ops) => {
          let t = 1_000_000;
          const live = new Live(withEvents);
          const ref = new ReferenceSticky(GRACE, HOLD);
          ref.observe(live.snapshot(), t);
          const sticky = new StickyTopology(live, { graceMs: GRACE, linkHoldMs: HOLD, now: () => t });
          let told: TopologySnapshot = sticky.snapshot();
          live.onChange((snap) => {
            ref.expire(t, snap);
            ref.observe(snap, t);
          });
          sticky.onChange((snap, events) => {
            expect(eventText(events)).to.deep.equal(differences(told, snap));
            told = snap;
          });
          const check = () => {
            ref.expire(t, live.snapshot());
            const want = ref.view(live.snapshot(), t);
            const got = sticky.snapshot();
            expect(plain(got)).to.deep.equal(plain(want));
            if (want === live.snapshot()) expect(got).to.equal(live.snapshot());
          };
          try {
            for (const op of ops) {
              if (op.k === 'connect') live.connect(op.s, op.ups);
              else if (op.k === 'disconnect') live.disconnect(op.s);
              else if (op.k === 'port') live.port(op.s, op.p, op.up);
              else if (op.k === 'link') live.link(op.s1, op.p1, op.s2, op.p2);
              else if (op.k === 'age') live.age(op.n);
              else if (op.k === 'forget') live.forget(op.s);
              else if (op.k === 'bind') live.bind(op.s, op.p, op.on);
              else t += op.ms;
              if (op.k !== 'wait') live.publish();
              check();
            }
          } finally {
            sticky.stop();
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});
