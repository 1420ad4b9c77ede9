import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { compile } from '../../../src/compiler/compile.js';
import type { DesiredFlow } from '../../../src/compiler/types.js';
import { silentLogger } from '../../../src/log.js';
import { putNetwork, vmStart } from '../../../src/model/index.js';
import { CompileLoop, type TopologyFeed } from '../../../src/runtime/compile-loop.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import type { Link, TopoPort, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';

function sw(dpid: string): TopoSwitch {
  const ports = new Map<number, TopoPort>([
    [1, { portNo: 1, name: `p${dpid.slice(-1)}-1`, up: true, kind: 'access' }],
    [2, { portNo: 2, name: `p${dpid.slice(-1)}-2`, up: true, kind: 'fabric' }],
  ]);
  return { dpid, version: 4, connected: true, ports };
}

class FakeTopology implements TopologyFeed {
  private listeners: ((s: TopologySnapshot) => void)[] = [];
  snap: TopologySnapshot = { version: 1, switches: new Map([[SW1, sw(SW1)], [SW2, sw(SW2)]]), links: [] };
  snapshot(): TopologySnapshot {
    return this.snap;
  }
  onChange(l: (s: TopologySnapshot) => void): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  setLinks(links: Link[]): void {
    this.snap = { ...this.snap, version: this.snap.version + 1, links };
    for (const l of this.listeners) l(this.snap);
  }
}

const LINK: Link = { a: { dpid: SW1, portNo: 2 }, b: { dpid: SW2, portNo: 2 } };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(opts: { expectedLinks?: number; maxHoldMs?: number } = {}) {
  const store: Store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  const topo = new FakeTopology();
  const published: { generation: number; perSwitch: Map<string, readonly DesiredFlow[]> }[] = [];
  const loop = new CompileLoop({
    store,
    topology: topo,
    sink: { publish: (generation, perSwitch) => (published.push({ generation, perSwitch: new Map(perSwitch) }), [...perSwitch.keys()]) },
    logger: silentLogger(),
    ...opts,
  });
  loop.start();
  return { store, topo, published, loop };
}

async function addVm(store: Store, name: string, mac: string, ip: string, dpid: string): Promise<number> {
  const r = await store.apply((s) => vmStart(s, { vm: name, tenant: 't', interfaces: [{ mac, ips: [ip], network: 'n', switch: dpid, port: 1 }] }));
  if (!r.ok) throw new Error(r.error.message);
  return r.generation;
}

describe('runtime: compile loop', () => {
  it('publishes nothing until the described links are discovered, then every switch at the store generation', async () => {
    const { store, topo, published, loop } = await setup({ expectedLinks: 1, maxHoldMs: 60_000 });
    try {
      await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] }));
      await addVm(store, 'v1', '02:00:00:00:00:01', '10.0.0.1', SW1);
      const gen = await addVm(store, 'v2', '02:00:00:00:00:02', '10.0.0.2', SW2);
      await tick(250);
      expect(published, 'held while the fabric is partial').to.deep.equal([]);
      expect(loop.holding).to.equal(true);
      topo.setLinks([LINK]);
      await tick(250);
      expect(loop.holding).to.equal(false);
      expect(published).to.have.length(1);
      expect(published[0]!.generation).to.equal(gen);
      expect([...published[0]!.perSwitch.keys()].sort()).to.deep.equal([SW1, SW2]);
      // Incremental result equals a full compile of the same model and fabric.
      const full = compile(store.snapshot(), topo.snapshot());
      for (const dpid of [SW1, SW2]) expect(published[0]!.perSwitch.get(dpid)).to.deep.equal(full.switches.get(dpid)!.flows);
    } finally {
      loop.stop();
    }
  });

  it('after the hold, a write publishes the switches it touched with its generation', async () => {
    const { store, topo, published, loop } = await setup({ expectedLinks: 1 });
    try {
      await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] }));
      topo.setLinks([LINK]);
      await tick(250);
      published.length = 0;
      const gen = await addVm(store, 'v1', '02:00:00:00:00:01', '10.0.0.1', SW1);
      await tick(20);
      expect(published).to.have.length(1);
      expect(published[0]!.generation).to.equal(gen);
      expect(published[0]!.perSwitch.has(SW1)).to.equal(true);
      const full = compile(store.snapshot(), topo.snapshot());
      for (const [dpid, flows] of published[0]!.perSwitch) expect(flows).to.deep.equal(full.switches.get(dpid)!.flows);
    } finally {
      loop.stop();
    }
  });

  it('publishes at the latest after maxHoldMs when the described links never all come', async () => {
    const { published, loop } = await setup({ expectedLinks: 3, maxHoldMs: 200 });
    try {
      await tick(100);
      expect(published).to.deep.equal([]);
      await tick(250);
      expect(published).to.have.length(1);
    } finally {
      loop.stop();
    }
  });
});
