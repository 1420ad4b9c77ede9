import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { compile } from '../../../src/compiler/compile.js';
import { flowText } from '../../../src/compiler/ofctl-text.js';
import type { SwitchFlows } from '../../../src/compiler/types.js';
import { putNetwork, vmStart } from '../../../src/model/index.js';
import type { ModelChange } from '../../../src/model/types.js';
import { CompileLoop } from '../../../src/runtime/compile-loop.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import type { Link, TopologyEvent, TopologyFeed, TopologyListener, TopoPort, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';
import { captureLogger, silentLogger } from '../../support/logs.js';

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
  private listeners: TopologyListener[] = [];
  snap: TopologySnapshot = { version: 1, switches: new Map([[SW1, sw(SW1)], [SW2, sw(SW2)]]), links: [] };
  snapshot(): TopologySnapshot {
    return this.snap;
  }
  onChange(l: TopologyListener): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  setLinks(links: Link[], events?: TopologyEvent[]): void {
    this.snap = { ...this.snap, version: this.snap.version + 1, links };
    for (const l of this.listeners) (l as (s: TopologySnapshot, e?: TopologyEvent[]) => void)(this.snap, events);
  }
  /** Port `portNo` of `dpid` leaves the switch, with the event the topology service would send. */
  removePort(dpid: string, portNo: number): void {
    const was = this.snap.switches.get(dpid)!;
    const ports = new Map(was.ports);
    ports.delete(portNo);
    this.snap = { ...this.snap, version: this.snap.version + 1, switches: new Map([...this.snap.switches, [dpid, { ...was, ports }]]) };
    for (const l of this.listeners) l(this.snap, [{ kind: 'port', dpid, portNo }]);
  }
}

/** A switch's flows as ovs-ofctl text, in order: the same state compiled two ways compares equal. */
const text = (sf: SwitchFlows): string[] => sf.flows.map((f) => flowText(f, sf.version)).sort();

const LINK: Link = { a: { dpid: SW1, portNo: 2 }, b: { dpid: SW2, portNo: 2 } };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(opts: { expectedLinks?: number; maxHoldMs?: number; logger?: ReturnType<typeof silentLogger> } = {}) {
  const store: Store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  const topo = new FakeTopology();
  const published: { generation: number; perSwitch: Map<string, SwitchFlows> }[] = [];
  const bootstraps = new Map<string, SwitchFlows>();
  const loop = new CompileLoop({
    store,
    topology: topo,
    sink: {
      // What each published switch holds after the publication, read from the loop's compiler.
      publish: (generation, deltas, full) => (published.push({ generation, perSwitch: new Map([...deltas.keys()].map((d) => [d, full(d)])) }), [...deltas.keys()]),
      bootstrap: (dpid, sf) => bootstraps.set(dpid, sf),
      forget: () => undefined,
    },
    logger: silentLogger(),
    ...opts,
  });
  loop.start();
  return { store, topo, published, bootstraps, loop };
}

async function addVm(store: Store, name: string, mac: string, ip: string, dpid: string): Promise<number> {
  const r = await store.apply((s) => vmStart(s, { vm: name, tenant: 't', interfaces: [{ mac, ips: [ip], network: 'n', switch: dpid, port: 1 }] }));
  if (!r.ok) throw new Error(r.error.message);
  return r.generation;
}

describe('runtime: compile loop', () => {
  it('publishes nothing until the described links are discovered, then every switch at the store generation', async () => {
    const { store, topo, published, bootstraps, loop } = await setup({ expectedLinks: 1, maxHoldMs: 60_000 });
    try {
      await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] }));
      await addVm(store, 'v1', '02:00:00:00:00:01', '10.0.0.1', SW1);
      const gen = await addVm(store, 'v2', '02:00:00:00:00:02', '10.0.0.2', SW2);
      await tick(250);
      expect(published, 'held while the fabric is partial').to.deep.equal([]);
      expect(loop.holding).to.equal(true);
      // Meanwhile each switch gets what discovery needs, and nothing else.
      expect([...bootstraps.keys()].sort()).to.deep.equal([SW1, SW2]);
      for (const b of bootstraps.values()) {
        expect(b.flows.length).to.be.greaterThan(0);
        expect(b.flows.every((f) => f.stage === 'lldp-trap')).to.equal(true);
      }
      topo.setLinks([LINK]);
      await tick(250);
      expect(loop.holding).to.equal(false);
      expect(published).to.have.length(1);
      expect(published[0]!.generation).to.equal(gen);
      expect([...published[0]!.perSwitch.keys()].sort()).to.deep.equal([SW1, SW2]);
      // Incremental result equals a full compile of the same model and fabric.
      const full = compile(store.snapshot(), topo.snapshot());
      for (const dpid of [SW1, SW2]) expect(text(published[0]!.perSwitch.get(dpid)!)).to.deep.equal(text(full.switches.get(dpid)!));
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
      for (const [dpid, sf] of published[0]!.perSwitch) expect(text(sf)).to.deep.equal(text(full.switches.get(dpid)!));
    } finally {
      loop.stop();
    }
  });

  it("logs a fabric change for a link that went, not for a VM's tap port that went", async () => {
    const { logger, records } = captureLogger();
    const { store, topo, published, loop } = await setup({ expectedLinks: 1, logger });
    try {
      await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] }));
      topo.setLinks([LINK]);
      await tick(250);
      await addVm(store, 'v1', '02:00:00:00:00:01', '10.0.0.1', SW1);
      await addVm(store, 'v2', '02:00:00:00:00:02', '10.0.0.2', SW2);
      await tick(20);
      const fabricLogs = () => records.filter((r) => r.message === 'fabric changed; flows recompiled').length;
      const before = fabricLogs();
      published.length = 0;
      topo.removePort(SW1, 1);
      await tick(20);
      expect(published.flatMap((p) => [...p.perSwitch.keys()]), "the port's flows were recompiled").to.include(SW1);
      expect(fabricLogs()).to.equal(before);
      topo.setLinks([], [{ kind: 'link', link: LINK, present: false }]);
      await tick(20);
      expect(fabricLogs()).to.equal(before + 1);
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

  it('loads a big model into the compiler over several turns of the event loop, serving other work between them; whenCaughtUp resolves once it is all in', async function () {
    this.timeout(120_000);
    const store: Store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    await store.apply((s) => putNetwork(s, 'n', { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/16'] }));
    // 1,500 VMs in one write (one durable batch) rather than 1,500.
    const r = await store.apply((s0) => {
      let s = s0;
      const changes: ModelChange[] = [];
      for (let i = 0; i < 1500; i++) {
        const v = vmStart(s, { vm: `v${i}`, tenant: 't', interfaces: [{ mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`, ips: [`10.0.${(i >> 7) + 1}.${(i & 0x7f) + 1}`], network: 'n', switch: i % 2 ? SW1 : SW2, port: 1 }] });
        if (!v.ok) return v;
        s = v.snapshot;
        changes.push(...v.changes);
      }
      return { ok: true, snapshot: s, changes };
    });
    if (!r.ok) throw new Error(r.error.message);
    const topo = new FakeTopology();
    const loop = new CompileLoop({ store, topology: topo, sink: { publish: () => [], bootstrap: () => undefined, forget: () => undefined }, logger: silentLogger() });
    try {
      loop.start();
      // Work queued behind the loading runs before the loading is over: it was cut into slices.
      const servedWhileLoading = await new Promise<boolean>((r) => setImmediate(() => setImmediate(() => r(!loop.loaded))));
      expect(servedWhileLoading).to.equal(true);
      // A write's admission waits for this, served in turns meanwhile, rather than finishing the work at once.
      let turns = 0;
      let counting = true;
      const count = (): void => {
        if (!counting) return;
        turns++;
        setImmediate(count);
      };
      setImmediate(count);
      await loop.whenCaughtUp();
      counting = false;
      expect(loop.loaded).to.equal(true);
      expect(loop.compiler!.busy, 'nothing left to compile').to.equal(false);
      expect(turns, 'event-loop turns served while catching up').to.be.greaterThan(2);
      const full = compile(store.snapshot(), topo.snapshot());
      for (const dpid of [SW1, SW2]) expect(text(loop.compiler!.flowsOf(dpid))).to.deep.equal(text(full.switches.get(dpid)!));
    } finally {
      loop.stop();
    }
  });
});
