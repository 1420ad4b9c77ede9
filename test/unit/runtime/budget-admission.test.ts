// Writes against the switches' table budgets, through the API as a client
// sends them: the trial compile on the live compiler is checked against a
// full compile of the same model (the oracle for what each switch would
// need), a refused write stores nothing and leaves the compiled state as it
// was, and writes that share one store group are checked in order.
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { MemoryLevel } from 'memory-level';
import { buildApi } from '../../../src/api/server.js';
import { TableBudgets, type BudgetSettings } from '../../../src/budget/table-budgets.js';
import { compile } from '../../../src/compiler/compile.js';
import { flowText } from '../../../src/compiler/ofctl-text.js';
import { vmStart } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import type { OfVersion } from '../../../src/openflow/wire-values.js';
import { BudgetAdmission } from '../../../src/runtime/budget-admission.js';
import { ReconcileManager } from '../../../src/reconcile/manager.js';
import { CompileLoop } from '../../../src/runtime/compile-loop.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import type { Link, TopologyFeed, TopoPort, TopologySnapshot, TopoSwitch } from '../../../src/topo/types.js';
import { stateOf } from '../api/helpers.js';
import { silentLogger } from '../../support/logs.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';

function sw(dpid: string, version: OfVersion): TopoSwitch {
  const ports = new Map<number, TopoPort>([
    [1, { portNo: 1, name: `s${dpid.slice(-1)}-eth1`, up: true, kind: 'access' }],
    [2, { portNo: 2, name: `s${dpid.slice(-1)}-eth2`, up: true, kind: 'fabric' }],
    [3, { portNo: 3, name: `s${dpid.slice(-1)}-eth3`, up: true, kind: 'access' }],
  ]);
  return { dpid, version, connected: true, ports };
}

const LINK: Link = { a: { dpid: SW1, portNo: 2 }, b: { dpid: SW2, portNo: 2 } };

function topology(version: OfVersion): TopologyFeed {
  const snap: TopologySnapshot = { version: 1, switches: new Map([[SW1, sw(SW1, version)], [SW2, sw(SW2, version)]]), links: [LINK] };
  return { snapshot: () => snap, onChange: () => () => undefined };
}

const vm = (name: string, n: number, dpid: string, port: number) => ({
  vm: name,
  tenant: 't',
  interfaces: [{ mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`, ips: [`10.0.0.${n}`], network: 'n', switch: dpid, port }],
});

/** A controller's write path: store, compile loop, budgets, admission, API. */
async function controller(version: OfVersion, budgets: BudgetSettings) {
  const store: Store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  const topo = topology(version);
  const table = new TableBudgets(budgets);
  // The reconciler's own desired state takes what is published: a trial must leave no trace there.
  const reconcile = new ReconcileManager({ logger: silentLogger(), auditIntervalMs: 3_600_000 });
  const loop = new CompileLoop({
    store,
    topology: topo,
    sink: reconcile,
    logger: silentLogger(),
    quietMs: 0,
    compiler: { flowsChanged: (d, removed, added) => table.flowsChanged(d, removed, added) },
  });
  loop.start();
  const admission = new BudgetAdmission(store, table, loop, silentLogger());
  const app: FastifyInstance = buildApi({ store: admission.journaled(), admission, logger: silentLogger() });
  /** The store's database, to make its durable writes wait or fail. */
  const db = (store as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
  await app.ready();
  const stop = async (): Promise<void> => {
    admission.stop();
    loop.stop();
    reconcile.close();
    await app.close();
  };
  /** Flows the reconciler wants on a switch, once the compile loop has published everything. */
  const desired = async (dpid: string): Promise<number> => {
    await new Promise((r) => setTimeout(r, 30));
    return reconcile.statusAll().find((x) => x.dpid === dpid)?.desiredFlows ?? 0;
  };
  return { store, topo, table, loop, app, admission, desired, stop, db };
}

const post = (app: FastifyInstance, url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
const put = (app: FastifyInstance, url: string, payload: unknown) => app.inject({ method: 'PUT', url, payload: payload as Record<string, unknown> });

/** Flows a full compile of `model` puts on each switch: the oracle for what a write needs. */
function fullCount(model: ModelSnapshot, topo: TopologyFeed, dpid: string): number {
  return compile(model, topo.snapshot()).switches.get(dpid)!.flows.length;
}

/** The model after a vm-start, computed apart from the controller. */
function withVm(model: ModelSnapshot, input: ReturnType<typeof vm>): ModelSnapshot {
  const r = vmStart(model, input);
  if (!r.ok) throw new Error(r.error.message);
  return r.snapshot;
}

const NETWORK = { tenant: 't', kind: 'private', cidrs: ['10.0.0.0/24'] };

describe('runtime: table budget admission', () => {
  for (const version of [1, 4] as const) {
    const of = version === 1 ? 'OF1.0' : 'OF1.3';

    it(`${of}: a write that fills a switch exactly to its budget is stored; one entry less of budget and it is a 409 naming the switch, the flows needed and the budget, with nothing stored`, async () => {
      // The budget that vm "b" on SW1 exactly fills, from a full compile of the model with it.
      const base = await controller(version, {});
      let needed: number;
      try {
        expect((await put(base.app, '/v1/networks/n', NETWORK)).statusCode).to.equal(200);
        expect((await post(base.app, '/v1/hooks/vm-start', vm('a', 10, SW2, 1))).statusCode).to.equal(200);
        needed = fullCount(withVm(base.store.snapshot(), vm('b', 11, SW1, 1)), base.topo, SW1);
        expect(needed).to.be.greaterThan(fullCount(base.store.snapshot(), base.topo, SW1));
      } finally {
        await base.stop();
      }

      for (const budget of [needed, needed - 1]) {
        const c = await controller(version, { switches: new Map([[SW1, { flows: budget }]]) });
        try {
          expect((await put(c.app, '/v1/networks/n', NETWORK)).statusCode).to.equal(200);
          expect((await post(c.app, '/v1/hooks/vm-start', vm('a', 10, SW2, 1))).statusCode).to.equal(200);
          c.loop.catchUp();
          const before = stateOf(c.store);
          const compiledBefore = c.loop.compiler!.flowsOf(SW1).flows.map((f) => flowText(f, version === 1 ? 1 : 4)).sort();
          const r = await post(c.app, '/v1/hooks/vm-start', vm('b', 11, SW1, 1));
          if (budget === needed) {
            expect(r.statusCode, r.body).to.equal(200);
            c.loop.catchUp();
            expect(c.table.use(SW1)).to.include({ used: needed, budget: needed });
            expect(await c.desired(SW1)).to.equal(needed);
            continue;
          }
          expect(r.statusCode, r.body).to.equal(409);
          const body = r.json<{ error: { code: string; message: string }; switch: string; needed: number; budget: number; unit: string }>();
          expect(body.error.code).to.equal('table_budget_exceeded');
          expect(body).to.include({ switch: SW1, needed, budget, unit: 'flows' });
          expect(body.error.message).to.contain(SW1).and.contain(String(needed)).and.contain(String(budget));
          expect(stateOf(c.store), 'nothing stored').to.equal(before);
          // The trial left the compiled state as it was.
          c.loop.catchUp();
          expect(c.loop.compiler!.flowsOf(SW1).flows.map((f) => flowText(f, version === 1 ? 1 : 4)).sort()).to.deep.equal(compiledBefore);
          expect(c.table.use(SW1).used).to.equal(compiledBefore.length);
          expect(await c.desired(SW1), 'the reconciler wants what it wanted before').to.equal(compiledBefore.length);
        } finally {
          await c.stop();
        }
      }
    });
  }

  it('counts TCAM entries with the pica8 profile: 2 per flow, 1 for flows inside an enabled match mode', async () => {
    const c = await controller(4, { profile: 'pica8', switches: new Map([[SW2, { profile: 'pica8', matchModes: ['mac'] }]]) });
    try {
      expect((await put(c.app, '/v1/networks/n', NETWORK)).statusCode).to.equal(200);
      expect((await post(c.app, '/v1/hooks/vm-start', vm('a', 10, SW1, 1))).statusCode).to.equal(200);
      expect((await post(c.app, '/v1/hooks/vm-start', vm('b', 11, SW2, 1))).statusCode).to.equal(200);
      c.loop.catchUp();
      const full = compile(c.store.snapshot(), c.topo.snapshot());
      expect(c.table.use(SW1)).to.deep.equal({ used: 2 * full.switches.get(SW1)!.flows.length, unit: 'tcam entries' });
      // In mac mode a flow matching only in_port, MACs, VLAN and EtherType takes one entry.
      const macOnly = new Set(['inPort', 'ethSrc', 'ethDst', 'vlanVid', 'ethType']);
      const flows = full.switches.get(SW2)!.flows;
      const short = flows.filter((f) => Object.keys(f.match).every((k) => macOnly.has(k))).length;
      expect(short).to.be.greaterThan(0).and.lessThan(flows.length);
      expect(c.table.use(SW2).used).to.equal(short + 2 * (flows.length - short));
    } finally {
      await c.stop();
    }
  });

  it('checks writes that share one store group in order: of two that each fit alone, the second is refused', async () => {
    const base = await controller(4, {});
    let budget: number;
    try {
      await put(base.app, '/v1/networks/n', NETWORK);
      const one = withVm(withVm(base.store.snapshot(), vm('a', 10, SW2, 1)), vm('b', 11, SW1, 1));
      // Room for one more VM on SW1, not two.
      budget = fullCount(one, base.topo, SW1);
      expect(fullCount(withVm(one, vm('c', 12, SW1, 3)), base.topo, SW1)).to.be.greaterThan(budget);
    } finally {
      await base.stop();
    }
    const c = await controller(4, { flows: budget });
    try {
      await put(c.app, '/v1/networks/n', NETWORK);
      // What the API's write path does: the admission inside the operation, on the journaled store.
      const store = c.admission.journaled();
      const admitted = (input: ReturnType<typeof vm>) => (s: ModelSnapshot) => {
        const r = vmStart(s, input);
        if (r.ok && c.admission.check(s, r.changes, r.snapshot).length > 0) return { ok: true as const, snapshot: s, changes: [] };
        return r;
      };
      // "a" is being written while "b" and "c" queue: those two run in one group, "c" on the state "b" left.
      const results = await Promise.all([store.apply(admitted(vm('a', 10, SW2, 1))), store.apply(admitted(vm('b', 11, SW1, 1))), store.apply(admitted(vm('c', 12, SW1, 3)))]);
      const g = results.map((r) => (r.ok ? { generation: r.generation, changed: r.changed } : r.error.code));
      expect(g).to.deep.equal([{ generation: 2, changed: true }, { generation: 3, changed: true }, { generation: 3, changed: false }]);
      expect([...c.store.snapshot().vms.keys()].sort()).to.deep.equal(['a', 'b']);
      c.loop.catchUp();
      expect(c.table.use(SW1).used).to.equal(budget);
      expect(await c.desired(SW1)).to.equal(budget);
    } finally {
      await c.stop();
    }
  });

  it('a write whose group is not stored never reaches the switches: its trial is out of the compiler while the store writes, and after the write failed', async () => {
    const c = await controller(4, { flows: 100_000 });
    try {
      await put(c.app, '/v1/networks/n', NETWORK);
      await post(c.app, '/v1/hooks/vm-start', vm('a', 10, SW2, 1));
      c.loop.catchUp();
      const desiredBefore = await c.desired(SW1);
      const compiledBefore = c.loop.compiler!.flowsOf(SW1).flows.map((f) => flowText(f, 4)).sort();
      // The durable write of the next group waits until released, then fails (a full disk).
      let fail!: () => void;
      const batch = c.db.batch;
      c.db.batch = () => new Promise<void>((_, reject) => (fail = () => reject(new Error('disk full'))));
      const pending = post(c.app, '/v1/hooks/vm-start', vm('b', 11, SW1, 1));
      for (let i = 0; i < 20 && fail === undefined; i++) await new Promise((r) => setTimeout(r, 5));
      expect(fail, 'the write reached the database').to.be.a('function');
      expect(await c.desired(SW1), 'nothing published while the store writes').to.equal(desiredBefore);
      fail();
      expect((await pending).statusCode).to.equal(503);
      expect(await c.desired(SW1), 'nothing published once the write failed').to.equal(desiredBefore);
      c.loop.catchUp();
      expect(c.loop.compiler!.flowsOf(SW1).flows.map((f) => flowText(f, 4)).sort(), 'compiled state as before').to.deep.equal(compiledBefore);
      expect(c.table.use(SW1).used).to.equal(compiledBefore.length);
      // The same write, stored this time, is compiled and published.
      c.db.batch = batch;
      expect((await post(c.app, '/v1/hooks/vm-start', vm('b', 11, SW1, 1))).statusCode).to.equal(200);
      expect(await c.desired(SW1)).to.equal(fullCount(c.store.snapshot(), c.topo, SW1));
    } finally {
      await c.stop();
    }
  });

  it('a group of n writes compiles each change once: its trial, kept until the group is stored, becomes its commit', async () => {
    const c = await controller(4, { flows: 100_000 });
    try {
      await put(c.app, '/v1/networks/n', NETWORK);
      c.loop.catchUp();
      const compiler = c.loop.compiler!;
      let compiled = 0;
      const applyModel = compiler.applyModel.bind(compiler);
      compiler.applyModel = (changes, model) => {
        compiled += changes.length;
        applyModel(changes, model);
      };
      // Each durable write takes 20 ms, so the writes queue up and share groups.
      let groups = 0;
      const batch = c.db.batch.bind(c.db);
      c.db.batch = async (...a: unknown[]) => {
        groups++;
        await new Promise((r) => setTimeout(r, 20));
        return batch(...a);
      };
      const n = 40;
      const replies = await Promise.all(Array.from({ length: n }, (_, i) => post(c.app, '/v1/hooks/vm-start', vm(`v${i}`, 10 + i, i % 2 ? SW1 : SW2, 1))));
      expect(replies.map((r) => r.statusCode)).to.deep.equal(Array(n).fill(200));
      const generations = new Set(replies.map((r) => r.json<{ generation: number }>().generation));
      expect(generations.size, 'each write its own generation').to.equal(n);
      c.loop.catchUp();
      expect(groups, 'store groups: writes shared them').to.be.at.most(n / 4);
      // Each trial became its commit: nothing was taken out and compiled again.
      expect(compiled, 'changes compiled for n writes').to.equal(n);
      expect(await c.desired(SW1)).to.equal(fullCount(c.store.snapshot(), c.topo, SW1));
    } finally {
      await c.stop();
    }
  });

  it('a store group waits for the compile loop to catch up before its writes are checked (no compile work done inside a check), at most a quarter of a second', async () => {
    const store: Store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
    let release!: () => void;
    let caughtUp = new Promise<void>((r) => (release = r));
    let trials = 0;
    const compiler = {
      whenCaughtUp: () => caughtUp,
      trialsUpTo: () => true,
      tryAhead: (_s: unknown, _c: unknown, _a: unknown, keep: () => boolean) => (trials++, keep()),
      groupSettled: () => undefined,
    };
    const admission = new BudgetAdmission(store, new TableBudgets({ flows: 1000 }), compiler, silentLogger());
    const app = buildApi({ store: admission.journaled(), admission, logger: silentLogger() });
    await app.ready();
    try {
      const pending = put(app, '/v1/networks/n', NETWORK);
      await new Promise((r) => setTimeout(r, 100));
      expect(trials, 'checked before the compile loop caught up').to.equal(0);
      expect(store.snapshot().networks.size).to.equal(0);
      release();
      expect((await pending).statusCode).to.equal(200);
      expect(trials).to.equal(1);
      // A compile loop that never catches up holds a group for a quarter of a second, no more.
      caughtUp = new Promise<void>(() => undefined);
      const t0 = performance.now();
      expect((await put(app, '/v1/networks/m', NETWORK)).statusCode).to.equal(200);
      expect(performance.now() - t0).to.be.within(200, 3000);
    } finally {
      admission.stop();
      await app.close();
    }
  });
});
