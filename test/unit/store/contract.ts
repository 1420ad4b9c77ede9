// What every store must do, whatever holds the model: run by level-store.test.ts
// and etcd-store.test.ts against their own store.
import { expect } from 'chai';
import { deleteNetwork, putNetwork, putRelation, vmStart, vmStop } from '../../../src/model/index.js';
import type { ModelCommit, Network } from '../../../src/model/types.js';
import { decodeNetwork } from '../../../src/store/records.js';
import { StoreError, type Store } from '../../../src/store/index.js';

export interface StoreUnderTest {
  /** A store over a fresh, empty model. */
  fresh(): Promise<Store>;
  /** The same durable model opened again, after `store` was closed. */
  reopen(store: Store): Promise<Store>;
  /** Makes the store's next durable writes fail; the codes a failed write may carry. */
  breakWrites(store: Store): Promise<string[]>;
}

export const net = { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/16'] };
export const vm = (name: string, i: number, network = 'n1') => ({
  vm: name,
  tenant: 't1',
  interfaces: [{ mac: `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`, ips: [`10.1.${i >> 7}.${(i & 127) + 1}`], network, switch: '0000000000000001', port: `vnet${i}` }],
});

export function storeContract(sut: () => StoreUnderTest): void {
  const open: Store[] = [];
  const track = (s: Store): Store => (open.push(s), s);
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined);
  });

  it('starts empty at generation 0 and counts one generation per change', async () => {
    const store = track(await sut().fresh());
    expect(store.generation).to.equal(0);
    expect(await store.apply((s) => putNetwork(s, 'n1', net))).to.deep.equal({ ok: true, generation: 1, changed: true });
    expect(await store.apply((s) => putNetwork(s, 'n1', net))).to.deep.equal({ ok: true, generation: 1, changed: false });
    expect(await store.apply((s) => deleteNetwork(s, 'nope'))).to.deep.equal({ ok: true, generation: 1, changed: false });
    const bad = await store.apply((s) => putNetwork(s, 'n2', { ...net, kind: 'x' }));
    expect(bad.ok).to.equal(false);
    expect(store.generation).to.equal(1);
    expect(store.snapshot().generation).to.equal(1);
  });

  it('answers the model errors (409 on a MAC held twice) and stores nothing of them', async () => {
    const store = track(await sut().fresh());
    await store.apply((s) => putNetwork(s, 'n1', net));
    await store.apply((s) => vmStart(s, vm('a', 1)));
    const clash = await store.apply((s) => vmStart(s, { ...vm('b', 2), interfaces: [{ ...vm('b', 2).interfaces[0]!, mac: vm('a', 1).interfaces[0]!.mac }] }));
    expect(clash.ok).to.equal(false);
    if (!clash.ok) expect(clash.error.status).to.equal(409);
    expect(store.snapshot().vms.has('b')).to.equal(false);
    expect(store.generation).to.equal(2);
  });

  it('gives concurrent writes distinct, ordered generations and feeds every commit in order, with before and after', async () => {
    const store = track(await sut().fresh());
    const commits: ModelCommit[] = [];
    store.onCommit((c) => commits.push(c));
    await store.apply((s) => putNetwork(s, 'n1', net));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.apply((s) => vmStart(s, vm(`vm${i}`, i)))));
    expect(results.map((r) => (r.ok ? r.generation : -1))).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(commits.map((c) => c.generation)).to.deep.equal(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(commits[1]!.changes).to.deep.equal([{ kind: 'vm', id: 'vm0', after: store.snapshot().vms.get('vm0') }]);
    // The same VM started, stopped and started again in one burst: three generations, each with its own before/after.
    const burst = await Promise.all([
      store.apply((s) => vmStop(s, 'vm1')),
      store.apply((s) => vmStart(s, vm('vm1', 1))),
      store.apply((s) => vmStop(s, 'vm1')),
    ]);
    expect(burst.map((r) => r.ok && r.generation)).to.deep.equal([52, 53, 54]);
    const last = commits.slice(-3).map((c) => c.changes.map((ch) => [ch.id, ch.before !== undefined, ch.after !== undefined]));
    expect(last).to.deep.equal([[['vm1', true, false]], [['vm1', false, true]], [['vm1', true, false]]]);
  });

  it('allocates distinct segments to networks created concurrently', async () => {
    const store = track(await sut().fresh());
    const names = Array.from({ length: 40 }, (_, i) => `net${i}`);
    const rs = await Promise.all(names.map((n, i) => store.apply((s) => putNetwork(s, n, { ...net, cidrs: [`10.${i + 10}.0.0/16`] }))));
    expect(rs.every((r) => r.ok)).to.equal(true);
    const segments = names.map((n) => store.snapshot().networks.get(n)!.segment);
    expect(new Set(segments).size).to.equal(names.length);
  });

  it('stores networks numbered past 4,094 up to 1,000,000 and reads them back; a segment past that is a corrupt record', async () => {
    const store = await sut().fresh();
    const networks = new Map<string, Network>();
    for (const segment of [4095, 70_000, 1_000_000]) networks.set(`n${segment}`, { name: `n${segment}`, tenant: 't1', kind: 'private', cidrs: [], gateways: [], segment });
    await store.restore({ generation: 3, networks, vms: new Map(), relations: new Map() });
    await store.apply((s) => putNetwork(s, 'low', net));
    await store.apply((s) => vmStart(s, vm('a', 1, 'n1000000')));
    await store.close();
    const again = track(await sut().reopen(store));
    expect([...again.snapshot().networks.values()].map((n) => [n.name, n.segment]).sort()).to.deep.equal([['low', 1], ['n1000000', 1_000_000], ['n4095', 4095], ['n70000', 70_000]]);
    expect(again.snapshot().vms.get('a')!.interfaces[0]!.network).to.equal('n1000000');
    expect(() => decodeNetwork('n/x', JSON.stringify({ name: 'x', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 1_000_001 }))).to.throw(StoreError, /bad segment/);
    expect(decodeNetwork('n/x', JSON.stringify({ name: 'x', tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: 1_000_000 })).segment).to.equal(1_000_000);
  });

  it('reloads every record and the generation from durable storage', async () => {
    const store = await sut().fresh();
    await store.apply((s) => putNetwork(s, 'n1', net));
    await store.apply((s) => putNetwork(s, 'n2', { ...net, kind: 'public', cidrs: ['10.2.0.0/16'] }));
    for (let i = 0; i < 5; i++) await store.apply((s) => vmStart(s, vm(`vm${i}`, i)));
    await store.apply((s) => putRelation(s, 'r1', { vms: ['vm0', 'vm1'] }));
    await store.apply((s) => vmStop(s, 'vm3'));
    await store.apply((s) => deleteNetwork(s, 'n2'));
    const before = store.snapshot();
    await store.close();
    const again = track(await sut().reopen(store));
    const after = again.snapshot();
    expect(after.generation).to.equal(before.generation).and.to.equal(10);
    expect([...after.networks.entries()].sort()).to.deep.equal([...before.networks.entries()].sort());
    expect([...after.vms.entries()].sort()).to.deep.equal([...before.vms.entries()].sort());
    expect([...after.relations.entries()]).to.deep.equal([...before.relations.entries()]);
    expect(after.vms.has('vm3')).to.equal(false);
    expect(after.networks.get('n1')!.segment).to.equal(1);
    // Generations go on from where they were.
    expect(await again.apply((s) => vmStop(s, 'vm4'))).to.deep.equal({ ok: true, generation: 11, changed: true });
  });

  it('restores a whole model into an empty store as one commit, keeping segments and the generation; refuses a store that holds anything', async () => {
    const source = track(await sut().fresh());
    await source.apply((s) => putNetwork(s, 'n1', net));
    await source.apply((s) => putNetwork(s, 'n2', net));
    await source.apply((s) => deleteNetwork(s, 'n1'));
    const started = await Promise.all(Array.from({ length: 300 }, (_, i) => source.apply((s) => vmStart(s, vm(`vm${i}`, i, 'n2')))));
    expect(started.every((r) => r.ok && r.changed)).to.equal(true);
    const model = source.snapshot();
    const target = track(await sut().fresh());
    const fed: ModelCommit[] = [];
    target.onCommit((c) => fed.push(c));
    await target.restore(model);
    expect(target.generation).to.equal(model.generation);
    expect(target.snapshot().networks.get('n2')!.segment).to.equal(2);
    expect(fed).to.have.length(1);
    expect(fed[0]!.generation).to.equal(model.generation);
    expect(fed[0]!.changes).to.have.length(301);
    // Writes go on from the imported generation; a second import is refused.
    expect(await target.apply((s) => vmStop(s, 'vm0'))).to.deep.equal({ ok: true, generation: model.generation + 1, changed: true });
    try {
      await target.restore(model);
      expect.fail('restored twice');
    } catch (e) {
      expect((e as StoreError).code).to.equal('store_not_empty');
    }
    await target.close();
    const again = track(await sut().reopen(target));
    expect(again.snapshot().vms.size).to.equal(299);
    expect(again.generation).to.equal(model.generation + 1);
  });

  it('answers a failed write with an error and keeps the state and the feed as they were', async function () {
    this.timeout(30_000);
    const store = track(await sut().fresh());
    await store.apply((s) => putNetwork(s, 'n1', net));
    const fed: ModelCommit[] = [];
    store.onCommit((c) => fed.push(c));
    const codes = await sut().breakWrites(store);
    try {
      await store.apply((s) => putNetwork(s, 'n2', { ...net, cidrs: ['10.2.0.0/16'] }));
      expect.fail('the write was answered');
    } catch (e) {
      expect(e).to.be.instanceOf(StoreError);
      expect(codes).to.include((e as StoreError).code);
    }
    expect(store.generation).to.equal(1);
    expect(store.snapshot().networks.has('n2')).to.equal(false);
    expect(fed).to.deep.equal([]);
  });
}
