// A follower compiles over the links the leader shared, and a new leader
// keeps them until its own discovery finds them: the flows it publishes at
// takeover are the old leader's, with nothing taken away between switches.
// Fake topology feeds stand in for discovery; the compiler and the compile
// loop are the real ones, and the oracle is a full compile of the leader's
// own fabric.
import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { InheritedLinks } from '../../../src/cluster/inherited-links.js';
import { compile } from '../../../src/compiler/compile.js';
import { flowText } from '../../../src/compiler/ofctl-text.js';
import type { SwitchFlows } from '../../../src/compiler/types.js';
import { putNetwork, vmStart } from '../../../src/model/index.js';
import { CompileLoop } from '../../../src/runtime/compile-loop.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import type { Link, TopologyFeed, TopoPort, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';
import { silentLogger } from '../../support/logs.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';
const SW3 = '0000000000000003';
const L12: Link = { a: { dpid: SW1, portNo: 2 }, b: { dpid: SW2, portNo: 2 } };
const L23: Link = { a: { dpid: SW2, portNo: 3 }, b: { dpid: SW3, portNo: 2 } };

function sw(dpid: string, down: number[] = []): TopoSwitch {
  const ports = new Map<number, TopoPort>();
  for (const n of [1, 2, 3]) ports.set(n, { portNo: n, name: `s${dpid.slice(-1)}-eth${n}`, up: !down.includes(n) });
  return { dpid, version: 4, connected: true, ports };
}

/** Discovery as the controller's own: switches and ports always, links only where it found them. */
class FakeDiscovery implements TopologyFeed {
  private listeners: ((s: TopologySnapshot) => void)[] = [];
  snap: TopologySnapshot;
  constructor(links: Link[] = []) {
    this.snap = { version: 1, switches: new Map([SW1, SW2, SW3].map((d) => [d, sw(d)])), links };
  }
  snapshot(): TopologySnapshot {
    return this.snap;
  }
  onChange(l: (s: TopologySnapshot) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  set(change: Partial<TopologySnapshot>): void {
    this.snap = { ...this.snap, ...change, version: this.snap.version + 1 };
    for (const l of this.listeners) l(this.snap);
  }
}

const text = (sf: SwitchFlows): string[] => sf.flows.map((f) => flowText(f, sf.version)).sort();
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const linkKeys = (s: TopologySnapshot) => s.links.map((l) => `${l.a.dpid}/${l.a.portNo}-${l.b.dpid}/${l.b.portNo}`);

async function model(): Promise<Store> {
  const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] }));
  for (const [i, d] of [SW1, SW3].entries()) {
    const r = await store.apply((s) => vmStart(s, { vm: `v${i}`, tenant: 't', interfaces: [{ mac: `02:00:00:00:00:0${i + 1}`, ips: [`10.0.0.${i + 1}`], network: 'n', switch: d, port: 1 }] }));
    if (!r.ok) throw new Error(r.error.message);
  }
  return store;
}

/** A compile loop over `feed` that records what it publishes, switch by switch. */
function loopOver(store: Store, feed: TopologyFeed, extra: { mayRelease?: () => boolean; maxHoldMs?: number } = {}) {
  const published: Map<string, SwitchFlows>[] = [];
  const loop = new CompileLoop({
    store,
    topology: feed,
    sink: {
      publish: (_g, deltas, full) => {
        const changed = [...deltas].filter(([, d]) => d.addedFlows.length + d.removedFlows.length + d.addedGroups.length + d.removedGroups.length > 0);
        if (changed.length > 0 || published.length === 0) published.push(new Map([...deltas.keys()].map((d) => [d, full(d)])));
        return changed.map(([d]) => d);
      },
      bootstrap: () => undefined,
      forget: () => undefined,
    },
    logger: silentLogger(),
    expectedLinks: 2,
    maxHoldMs: extra.maxHoldMs ?? 60_000,
    ...(extra.mayRelease ? { mayRelease: extra.mayRelease } : {}),
  });
  loop.start();
  return { loop, published };
}

describe('cluster: the leader\'s links under a follower\'s fabric view', () => {
  it('a follower shows the shared links only between connected switches whose ports are up, and never over a discovered link', () => {
    const live = new FakeDiscovery();
    const view = new InheritedLinks(live, { graceMs: 1000 });
    try {
      expect(view.snapshot().links).to.deep.equal([]);
      view.setShared([L12, L23]);
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000001/2-0000000000000002/2', '0000000000000002/3-0000000000000003/2']);
      // s3's port 2 goes down: that link goes at once.
      live.set({ switches: new Map([...live.snap.switches, [SW3, sw(SW3, [2])]]) });
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000001/2-0000000000000002/2']);
      // s2 disconnected: none of its links is shown.
      live.set({ switches: new Map([...live.snap.switches, [SW2, { ...sw(SW2), connected: false }]]) });
      expect(view.snapshot().links).to.deep.equal([]);
      // A port that discovery found cabled elsewhere is not claimed by a shared link.
      const other: Link = { a: { dpid: SW1, portNo: 2 }, b: { dpid: SW3, portNo: 3 } };
      live.set({ switches: new Map([SW1, SW2, SW3].map((d) => [d, sw(d)])), links: [other] });
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000001/2-0000000000000003/3', '0000000000000002/3-0000000000000003/2']);
    } finally {
      view.stop();
    }
  });

  it('a follower compiles the leader\'s flows; at takeover nothing changes; links discovery never finds go after the grace', async () => {
    const store = await model();
    // The leader discovered both links itself.
    const leaderLive = new FakeDiscovery([L12, L23]);
    const leader = loopOver(store, leaderLive);
    // The follower discovers none; it holds until the leader's view arrives.
    const followerLive = new FakeDiscovery();
    const view = new InheritedLinks(followerLive, { graceMs: 300 });
    let shared = false;
    const follower = loopOver(store, view, { mayRelease: () => shared });
    try {
      await tick(250);
      expect(leader.loop.holding).to.equal(false);
      expect(follower.loop.holding, 'no view yet: held').to.equal(true);
      view.setShared([L12, L23]);
      shared = true;
      await tick(250);
      expect(follower.loop.holding).to.equal(false);
      const oracle = compile(store.snapshot(), leaderLive.snapshot());
      const first = follower.published[0]!;
      for (const d of [SW1, SW2, SW3]) expect(text(first.get(d)!), d).to.deep.equal(text(oracle.switches.get(d)!));
      // Not vacuous: s2 forwards between s1 and s3 only because of the links.
      expect(text(oracle.switches.get(SW2)!)).to.not.deep.equal(text(compile(store.snapshot(), followerLive.snapshot()).switches.get(SW2)!));

      // Takeover: the follower leads and its discovery has found nothing yet.
      const before = follower.published.length;
      view.lead();
      await tick(100);
      expect(follower.published.length, 'no change published at takeover').to.equal(before);
      // Discovery finds L12 only; L23 stays shown until the grace ends, then goes.
      followerLive.set({ links: [L12] });
      await tick(50);
      expect(follower.published.length).to.equal(before);
      expect(linkKeys(view.snapshot())).to.have.length(2);
      await tick(300);
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000001/2-0000000000000002/2']);
      expect(follower.published.length, 'the unfound link is recompiled away').to.equal(before + 1);
      const after = compile(store.snapshot(), followerLive.snapshot());
      const last = follower.published.at(-1)!;
      for (const [d, sf] of last) expect(text(sf), d).to.deep.equal(text(after.switches.get(d)!));
    } finally {
      leader.loop.stop();
      follower.loop.stop();
      view.stop();
    }
  });

  it('a leader ignores views (they are its own); following again shows the current leader\'s view', () => {
    const live = new FakeDiscovery();
    const view = new InheritedLinks(live, { graceMs: 10_000 });
    try {
      view.setShared([L12]);
      view.lead();
      view.setShared([L23]);
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000001/2-0000000000000002/2']);
      view.follow();
      expect(linkKeys(view.snapshot())).to.deep.equal(['0000000000000002/3-0000000000000003/2']);
    } finally {
      view.stop();
    }
  });

  it('a follower that leads before any view was shared starts the hold again and publishes once its own discovery settles', async () => {
    const store = await model();
    const live = new FakeDiscovery();
    const view = new InheritedLinks(live, { graceMs: 10_000 });
    let leading = false;
    const { loop, published } = loopOver(store, view, { mayRelease: () => leading, maxHoldMs: 400 });
    try {
      await tick(500);
      expect(loop.holding, 'a follower without a view holds past maxHoldMs').to.equal(true);
      leading = true;
      view.lead();
      loop.restartHold();
      await tick(200);
      expect(loop.holding, 'the hold clock started again at takeover').to.equal(true);
      expect(published).to.deep.equal([]);
      live.set({ links: [L12, L23] });
      await tick(200);
      expect(loop.holding).to.equal(false);
      const oracle = compile(store.snapshot(), live.snapshot());
      for (const d of [SW1, SW2, SW3]) expect(text(published[0]!.get(d)!), d).to.deep.equal(text(oracle.switches.get(d)!));
    } finally {
      loop.stop();
      view.stop();
    }
  });
});
