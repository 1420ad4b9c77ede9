import { expect } from 'chai';
import type { TopologyFeed } from '../../../src/runtime/compile-loop.js';
import { StickyTopology } from '../../../src/runtime/sticky-topology.js';
import type { Link, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';

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
});
