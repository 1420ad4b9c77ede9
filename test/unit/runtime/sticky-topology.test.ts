import { expect } from 'chai';
import { StickyTopology } from '../../../src/runtime/sticky-topology.js';
import { Discovery } from '../../../src/topo/discovery.js';
import { type ProbeToSend } from '../../../src/topo/discovery-types.js';
import type { Link, TopologyEvent, TopologyFeed, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const S3 = '0000000000000003';

function sw(dpid: string, connected: boolean, up = connected): TopoSwitch {
  return {
    dpid,
    version: 4,
    connected,
    ports: new Map([1, 2, 3].map((n) => [n, { portNo: n, name: `p${n}`, up, kind: n === 3 ? ('access' as const) : ('fabric' as const) }])),
  };
}

// A line s1:1 - s2:2, s2:1 - s3:2.
const L12: Link = { a: { dpid: S1, portNo: 1 }, b: { dpid: S2, portNo: 2 } };
const L23: Link = { a: { dpid: S2, portNo: 1 }, b: { dpid: S3, portNo: 2 } };

class Live implements TopologyFeed {
  private listeners: ((s: TopologySnapshot) => void)[] = [];
  snap: TopologySnapshot = { version: 1, switches: new Map(), links: [] };
  snapshot(): TopologySnapshot {
    return this.snap;
  }
  onChange(l: (s: TopologySnapshot) => void): () => void {
    this.listeners.push(l);
    return () => undefined;
  }
  set(switches: TopoSwitch[], links: Link[]): void {
    this.snap = { version: this.snap.version + 1, switches: new Map(switches.map((s) => [s.dpid, s])), links };
    for (const l of this.listeners) l(this.snap);
  }
}

const keys = (s: TopologySnapshot) => s.links.map((l) => `${l.a.dpid.slice(-1)}:${l.a.portNo}-${l.b.dpid.slice(-1)}:${l.b.portNo}`).sort();

describe('runtime: sticky topology (a switch whose session drops keeps its view for a while)', () => {
  let now = 0;
  const setup = () => {
    now = 1000;
    const live = new Live();
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12, L23]);
    const sticky = new StickyTopology(live, { graceMs: 5000, now: () => now });
    return { live, sticky };
  };

  it('passes the live view through while every switch is connected', () => {
    const { live, sticky } = setup();
    expect(sticky.snapshot()).to.equal(live.snapshot());
    sticky.stop();
  });

  it('keeps the links and ports of a switch whose session ended while its neighbours still see the ports up', () => {
    const { live, sticky } = setup();
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    const snap = sticky.snapshot();
    expect(keys(snap)).to.deep.equal(['1:1-2:2', '2:1-3:2']);
    expect(snap.switches.get(S2)!.ports.get(3)!.up).to.equal(true);
    expect(sticky.remembered).to.deep.equal([S2]);
    // Back, but not probed yet: still the remembered links.
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], []);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2', '2:1-3:2']);
    // Probed again: the live view takes over.
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12, L23]);
    expect(sticky.snapshot()).to.equal(live.snapshot());
    expect(sticky.remembered).to.deep.equal([]);
    sticky.stop();
  });

  it('drops a remembered link at once when the neighbour port goes down (a real fabric failure)', () => {
    const { live, sticky } = setup();
    const s3 = sw(S3, true);
    const s3portDown: TopoSwitch = { ...s3, ports: new Map([...s3.ports].map(([n, p]) => [n, n === 2 ? { ...p, up: false } : p])) };
    live.set([sw(S1, true), sw(S2, false), s3portDown], []);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2']);
    sticky.stop();
  });

  it('forgets after the grace time, and does not start a new grace while the switch stays away', async () => {
    const { live, sticky } = setup();
    let changes = 0;
    sticky.onChange(() => changes++);
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    expect(keys(sticky.snapshot())).to.have.length(2);
    now += 5001;
    expect(keys(sticky.snapshot())).to.deep.equal([]);
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    now += 10;
    expect(keys(sticky.snapshot())).to.deep.equal([]);
    expect(changes).to.be.greaterThan(0);
    sticky.stop();
  });

  it('holds a link that aged out between two connected switches with both ports up, and shows the live view once it is proven again', () => {
    const { live, sticky } = setup();
    const seen: string[][] = [];
    sticky.onChange((snap) => seen.push(keys(snap)));
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L23]);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2', '2:1-3:2']);
    now += 20;
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12, L23]);
    expect(sticky.snapshot()).to.equal(live.snapshot());
    expect(seen.every((k) => k.includes('1:1-2:2'))).to.equal(true);
    sticky.stop();
  });

  it('drops a held link when its hold ends unproven (the compiler is told), and at once when one of its ports goes down', async () => {
    now = 1000;
    const live = new Live();
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12, L23]);
    const sticky = new StickyTopology(live, { graceMs: 5000, linkHoldMs: 20, now: () => now });
    const seen: string[][] = [];
    sticky.onChange((snap) => seen.push(keys(snap)));
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12]);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2', '2:1-3:2']);
    now += 25;
    await new Promise((r) => setTimeout(r, 40));
    expect(seen.at(-1)).to.deep.equal(['1:1-2:2']);
    // Aged out, then its port on s3 goes down while the hold still runs: gone at once.
    now += 10;
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L23]);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2', '2:1-3:2']);
    const s1 = sw(S1, true);
    const s1portDown: TopoSwitch = { ...s1, ports: new Map([...s1.ports].map(([n, p]) => [n, n === 1 ? { ...p, up: false } : p])) };
    live.set([s1portDown, sw(S2, true), sw(S3, true)], [L23]);
    expect(keys(sticky.snapshot())).to.deep.equal(['2:1-3:2']);
    sticky.stop();
  });

  it('tells its own changes: a session loss it hides tells nothing, the end of the grace tells the links and ports that go', () => {
    const { live, sticky } = setup();
    const told: TopologyEvent[][] = [];
    sticky.onChange((_s, events) => told.push([...events]));
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    expect(told).to.deep.equal([]);
    now += 5001;
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    expect(told).to.have.length(1);
    const text = told[0]!.map((e) => (e.kind === 'link' ? `link ${e.present} ${e.link.a.dpid.slice(-1)}-${e.link.b.dpid.slice(-1)}` : `${e.kind} ${e.dpid.slice(-1)}${e.kind === 'port' ? `/${e.portNo}` : ''}`)).sort();
    expect(text).to.deep.equal(['link false 1-2', 'link false 2-3', 'port 2/1', 'port 2/2', 'port 2/3', 'switch 2']);
    sticky.stop();
  });

  it('a switch back short of its links when its grace ran out gets a new grace when it leaves again', () => {
    const { live, sticky } = setup();
    live.set([sw(S1, true), sw(S2, false), sw(S3, true)], []);
    // Back, one link found again; the grace runs out before the other is.
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12]);
    now += 5001;
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2']);
    // Another change in the fabric, then s2 leaves again: what it had then is kept.
    const s3 = sw(S3, true);
    const s3portDown: TopoSwitch = { ...s3, ports: new Map([...s3.ports].map(([n, p]) => [n, n === 3 ? { ...p, up: false } : p])) };
    live.set([sw(S1, true), sw(S2, true), s3portDown], [L12]);
    live.set([sw(S1, true), sw(S2, false), s3portDown], []);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2']);
    expect(sticky.remembered).to.deep.equal([S2]);
    sticky.stop();
  });

  it('a switch whose probe trap is lost and restored: discovery ages the link out and finds it again, the compiler never sees it gone', () => {
    // Discovery as the controller runs it (probe every 500 ms, tick every 50 ms), s1:1 - s2:2
    // cabled, probes taking 3 ms. While s2 lacks its trap, probes into s2 are dropped.
    let t = 0;
    const secret = Buffer.from('sticky-test');
    const disc = new Discovery({ secret, now: () => t, random: () => 0, intervalMs: 500 });
    const sticky = new StickyTopology(disc, { now: () => t });
    const liveSeen: number[] = [];
    const stickySeen: number[] = [];
    disc.onChange((snap) => liveSeen.push(snap.links.length));
    sticky.onChange((snap) => stickySeen.push(snap.links.length));
    const ports = (n: number) => [{ portNo: n, name: `p${n}`, up: true }];
    disc.switchConnected(S1, ports(1), 4);
    disc.switchConnected(S2, ports(2), 4);
    const wire: Record<string, [string, number]> = { [`${S1}/1`]: [S2, 2], [`${S2}/2`]: [S1, 1] };
    let inFlight: { at: number; p: ProbeToSend }[] = [];
    let s2Trap = true;
    const run = (until: number) => {
      for (; t <= until; t++) {
        for (const f of inFlight.filter((x) => x.at <= t)) {
          const [dpid, inPort] = wire[`${f.p.dpid}/${f.p.portNo}`]!;
          if (dpid === S2 && !s2Trap) continue;
          disc.receive({ dpid, inPort, frame: f.p.frame });
        }
        inFlight = inFlight.filter((x) => x.at > t);
        if (t % 50 === 0) inFlight.push(...disc.tick().map((p) => ({ at: t + 3, p })));
      }
    };
    run(400);
    expect(disc.snapshot().links).to.have.length(1);
    const mark = liveSeen.length;
    const stickyMark = stickySeen.length;
    s2Trap = false;
    run(2000);
    s2Trap = true;
    run(3000);
    // The live view really lost the link and found it again...
    expect(liveSeen.slice(mark)).to.include(0);
    expect(disc.snapshot().links).to.have.length(1);
    // ...while the view the compiler gets never lacked it.
    expect(stickySeen.slice(stickyMark)).to.not.include(0);
    expect(sticky.snapshot()).to.equal(disc.snapshot());
    sticky.stop();
  });
  it('does not hold an aged-out link, nor show a remembered one, whose live end is now an access port (a VM bound there)', () => {
    const { live, sticky } = setup();
    const accessAt = (s: TopoSwitch, portNo: number): TopoSwitch => ({
      ...s,
      ports: new Map([...s.ports].map(([n, p]) => [n, n === portNo ? { ...p, kind: 'access' as const } : p])),
    });
    // s2:2 gets a VM: discovery drops the link and calls the port access; nothing holds it.
    live.set([sw(S1, true), accessAt(sw(S2, true), 2), sw(S3, true)], [L23]);
    expect(keys(sticky.snapshot())).to.deep.equal(['2:1-3:2']);
    // s2's session drops; s3:2 is bound meanwhile: the remembered s2-s3 link is not shown.
    live.set([sw(S1, true), sw(S2, true), sw(S3, true)], [L12, L23]);
    live.set([sw(S1, true), sw(S2, false), accessAt(sw(S3, true), 2)], []);
    expect(keys(sticky.snapshot())).to.deep.equal(['1:1-2:2']);
    sticky.stop();
  });

  it('forgets a switch that discovery forgot, once its grace is over', () => {
    const { live, sticky } = setup();
    expect(sticky.memorySize).to.equal(3);
    live.set([sw(S1, true), sw(S2, true), sw(S3, false)], [L12]);
    live.set([sw(S1, true), sw(S2, true)], [L12]);
    expect(sticky.memorySize).to.equal(3);
    now += 5001;
    live.set([sw(S1, true), sw(S2, true)], [L12]);
    expect(sticky.memorySize).to.equal(2);
    sticky.stop();
  });
});
