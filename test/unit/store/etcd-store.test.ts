// The etcd store against real etcd members (Debian's /usr/bin/etcd on
// loopback): the store contract, then what only a shared store has to show:
// several instances writing at once, each following the others' writes.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { emptySnapshot, putNetwork, vmStart, vmStop } from '../../../src/model/index.js';
import type { ModelCommit } from '../../../src/model/types.js';
import { connectEtcd, openEtcdStore, StoreError, type EtcdStore, type Store } from '../../../src/store/index.js';
import { etcdAvailable, startEtcd, type EtcdCluster } from '../../support/etcd.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';
import { net, storeContract, vm } from './contract.js';
import { until } from '../../support/wait.js';
import { silentLogger } from '../../support/logs.js';

const logger = silentLogger();
const POLL = { timeoutMs: 10_000, stepMs: 20 };

describe('etcd store', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  const clients: Etcd3[] = [];
  const stores: Store[] = [];

  const client = (endpoints = etcd.endpoints, callTimeoutMs = 2000): Etcd3 => {
    const c = connectEtcd({ endpoints: endpoints.split(','), prefix: '/', callTimeoutMs });
    clients.push(c);
    return c;
  };
  const open = async (prefix: string, c = client()): Promise<EtcdStore> => {
    const s = await openEtcdStore({ client: c, prefix, logger, instanceId: randomUUID(), where: prefix, catchUpTimeoutMs: 2000 });
    stores.push(s);
    return s;
  };
  const freshPrefix = () => `/test-${randomUUID()}/`;

  before(async function () {
    if (!etcdAvailable()) throw new Error('/usr/bin/etcd is missing: apt-get install etcd-server (scripts/ensure-test-env.sh does it)');
    etcd = await startEtcd(1);
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await etcd?.close();
  });

  describe('store contract', () => {
    const prefixes = new WeakMap<Store, string>();
    const owners = new WeakMap<Store, Etcd3>();
    storeContract(() => ({
      async fresh() {
        const prefix = freshPrefix();
        const c = client();
        const s = await open(prefix, c);
        prefixes.set(s, prefix);
        owners.set(s, c);
        return s;
      },
      async reopen(store) {
        const s = await open(prefixes.get(store)!);
        prefixes.set(s, prefixes.get(store)!);
        return s;
      },
      async breakWrites(store) {
        // The client goes away under the store: no transaction can be confirmed.
        owners.get(store)!.close();
        return ['store_unavailable'];
      },
    }));
  });

  it('two instances writing at once: every network gets its own segment, every generation is used once, both follow every write', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const fedA: ModelCommit[] = [];
    const fedB: ModelCommit[] = [];
    a.onCommit((c) => fedA.push(c));
    b.onCommit((c) => fedB.push(c));
    const N = 30;
    const writes = [];
    for (let i = 0; i < N; i++) {
      writes.push(a.apply((s) => putNetwork(s, `a${i}`, { ...net, cidrs: [`10.${i}.0.0/16`] })));
      writes.push(b.apply((s) => putNetwork(s, `b${i}`, { ...net, cidrs: [`10.${i + 100}.0.0/16`] })));
    }
    const results = await Promise.all(writes);
    expect(results.every((r) => r.ok && r.changed)).to.equal(true);
    const generations = results.map((r) => (r.ok ? r.generation : -1)).sort((x, y) => x - y);
    expect(generations).to.deep.equal(Array.from({ length: 2 * N }, (_, i) => i + 1));
    // Both reach the last write, in the same order, with the same records.
    await until('both at the last write', () => a.generation === 2 * N && b.generation === 2 * N, POLL);
    expect([...a.snapshot().networks.entries()].sort()).to.deep.equal([...b.snapshot().networks.entries()].sort());
    const segments = [...a.snapshot().networks.values()].map((n) => n.segment);
    expect(new Set(segments).size).to.equal(2 * N);
    for (const fed of [fedA, fedB]) {
      expect(fed.map((c) => c.generation)).to.deep.equal(Array.from({ length: 2 * N }, (_, i) => i + 1));
      for (const c of fed) expect(c.changes).to.have.length(1);
    }
    expect(fedA.map((c) => c.changes[0]!.id)).to.deep.equal(fedB.map((c) => c.changes[0]!.id));
  });

  it('feeds the writes of another instance with their before and after, one commit per generation', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const fedB: ModelCommit[] = [];
    b.onCommit((c) => fedB.push(c));
    await a.apply((s) => putNetwork(s, 'n1', net));
    // One group on A: three VMs in one transaction, then a stop of one of them.
    await Promise.all([0, 1, 2].map((i) => a.apply((s) => vmStart(s, vm(`vm${i}`, i)))));
    await a.apply((s) => vmStop(s, 'vm1'));
    await until('b at generation 5', () => b.generation === 5, POLL);
    expect(fedB.map((c) => c.generation)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(fedB[1]!.changes).to.deep.equal([{ kind: 'vm', id: 'vm0', after: a.snapshot().vms.get('vm0') }]);
    expect(fedB[4]!.changes).to.deep.equal([{ kind: 'vm', id: 'vm1', before: fedB[2]!.changes[0]!.after }]);
    expect(b.snapshot().vms.has('vm1')).to.equal(false);
    // A write on B sees A's state: the MAC of vm0 is taken.
    const clash = await b.apply((s) => vmStart(s, { ...vm('x', 9), interfaces: [{ ...vm('x', 9).interfaces[0]!, mac: vm('vm0', 0).interfaces[0]!.mac }] }));
    expect(clash.ok === false && clash.error.status).to.equal(409);
  });

  it('a watch cut while it catches up resumes after the last write it took in, and misses none', async function () {
    // etcd sends a watch that is behind at most 1,000 revisions per response,
    // 100 ms apart, each under the header of its newest revision: the cut
    // comes between two of those responses.
    this.timeout(120_000);
    const prefix = freshPrefix();
    const a = await open(prefix);
    const proxy = await startTcpProxy(etcd.members[0]!.endpoint);
    try {
      const b = await open(prefix, client(proxy.endpoint));
      await a.apply((s) => putNetwork(s, 'n1', net));
      await until('b at generation 1', () => b.generation === 1, POLL);
      proxy.refuse(true);
      // One revision per write: a VM started and stopped in turn.
      for (let i = 0; i < 1250; i++) await a.apply((s) => (i % 2 === 0 ? vmStart(s, vm('v', 0)) : vmStop(s, 'v')));
      const behind = b.generation;
      proxy.refuse(false);
      await until('b took in the first response of its catch-up', () => b.generation > behind, { timeoutMs: 30_000, stepMs: 1 });
      proxy.cut();
      const atCut = b.generation;
      expect(atCut, 'the cut came before the catch-up ended').to.be.lessThan(a.generation);
      await a.apply((s) => vmStart(s, vm('w', 1)));
      await until('b caught up with a', () => b.generation === a.generation, { timeoutMs: 30_000, stepMs: 20 });
      expect([...b.snapshot().vms.keys()].sort()).to.deep.equal([...a.snapshot().vms.keys()].sort());
      const started = await b.apply((s) => vmStart(s, vm('x', 2)));
      expect(started.ok).to.equal(true);
    } finally {
      await proxy.close();
    }
  });

  it("another instance follows an import, an empty one (generation 0) too, and writes after it", async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const fedB: ModelCommit[] = [];
    b.onCommit((c) => fedB.push(c));
    // An export of a controller that never stored anything, imported: nothing changes, and b keeps following.
    await a.restore(emptySnapshot());
    const networks = new Map([['n7', { name: 'n7', tenant: 't1', kind: 'private' as const, cidrs: ['10.7.0.0/24'], gateways: [], segment: 7 }]]);
    await a.restore({ generation: 3, networks, vms: new Map(), relations: new Map() });
    await until('b at generation 3', () => b.generation === 3, POLL);
    expect(b.snapshot().networks.get('n7')?.segment).to.equal(7);
    expect(fedB.map((c) => c.generation)).to.deep.equal([3]);
    const wrote = await b.apply((s) => putNetwork(s, 'n8', net));
    expect(wrote.ok).to.equal(true);
    await until('a at generation 4', () => a.generation === 4, POLL);
    expect(a.snapshot().networks.get('n8')?.segment).to.not.equal(7);
  });

  it('answers a 409 or a no-change only on the latest state: a stale instance catches up first', async () => {
    const prefix = freshPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    await a.apply((s) => putNetwork(s, 'n1', net));
    await a.apply((s) => vmStart(s, vm('vm0', 0)));
    await until('b at generation 2', () => b.generation === 2, POLL);
    // B's watch is held back: it has not seen A stop vm0.
    const inner = b as unknown as { onWatch(r: unknown): void };
    const onWatch = inner.onWatch.bind(b);
    const held: unknown[] = [];
    inner.onWatch = (r) => held.push(r);
    await a.apply((s) => vmStop(s, 'vm0'));
    const release = setTimeout(() => {
      inner.onWatch = onWatch;
      for (const r of held.splice(0)) onWatch(r);
    }, 300);
    // On B's stale state this start changes nothing; on the latest one it starts vm0 again.
    const again = await b.apply((s) => vmStart(s, vm('vm0', 0)));
    expect(again).to.deep.equal({ ok: true, generation: 4, changed: true });
    clearTimeout(release);
    // Stale again: B has not seen vm0 stop, so its MAC looks taken; on the latest state it is free.
    inner.onWatch = (r) => held.push(r);
    await a.apply((s) => vmStop(s, 'vm0'));
    setTimeout(() => {
      inner.onWatch = onWatch;
      for (const r of held.splice(0)) onWatch(r);
    }, 300);
    const other = await b.apply((s) => vmStart(s, { ...vm('x', 9), interfaces: [{ ...vm('x', 9).interfaces[0]!, mac: vm('vm0', 0).interfaces[0]!.mac }] }));
    expect(other).to.deep.equal({ ok: true, generation: 6, changed: true });
  });

  it('refuses to open a prefix holding records Spotlight did not write', async () => {
    const prefix = freshPrefix();
    const c = client();
    await c.put(`${prefix}model/m/schema`).value('1');
    await c.put(`${prefix}model/m/generation`).value('3');
    await c.put(`${prefix}model/n/n1`).value('{not json');
    try {
      await open(prefix, c);
      expect.fail('opened');
    } catch (e) {
      expect(e).to.be.instanceOf(StoreError);
      expect((e as StoreError).code).to.equal('store_corrupt');
      expect((e as StoreError).message).to.contain(prefix);
    }
    const p2 = freshPrefix();
    await c.put(`${p2}model/m/schema`).value('99');
    await c.put(`${p2}model/m/generation`).value('0');
    try {
      await open(p2, c);
      expect.fail('opened');
    } catch (e) {
      expect((e as StoreError).code).to.equal('store_schema_unknown');
    }
  });

  it('stops writing, with a clear error, when a model key is changed outside Spotlight', async () => {
    const prefix = freshPrefix();
    const c = client();
    const a = await open(prefix, c);
    await a.apply((s) => putNetwork(s, 'n1', net));
    await c.put(`${prefix}model/v/intruder`).value('{"name":"intruder"}');
    await until('a to stop on the fault', () => (a as unknown as { fault?: StoreError }).fault !== undefined, POLL);
    try {
      await a.apply((s) => putNetwork(s, 'n2', net));
      expect.fail('written');
    } catch (e) {
      expect((e as StoreError).code).to.equal('store_corrupt');
      expect((e as StoreError).message).to.match(/outside Spotlight/);
    }
    expect(a.snapshot().vms.size).to.equal(0);
  });

  it('with its only member down: writes fail as unavailable, nothing is answered as stored; after a restart they go on', async function () {
    const own = await startEtcd(1);
    try {
      const c = client(own.endpoints, 1000);
      const a = await open('/spotlight/', c);
      await a.apply((s) => putNetwork(s, 'n1', net));
      await own.stop(0);
      try {
        await a.apply((s) => putNetwork(s, 'n2', { ...net, cidrs: ['10.2.0.0/16'] }));
        expect.fail('answered as stored');
      } catch (e) {
        expect((e as StoreError).code).to.equal('store_unavailable');
      }
      await own.restart(0);
      await until(
        'a write after the restart',
        async () => {
          await a.apply((s) => putNetwork(s, 'n3', { ...net, cidrs: ['10.3.0.0/16'] }));
          return true;
        },
        { stepMs: 200, retryErrors: true },
      );
      const b = await open('/spotlight/', client(own.endpoints));
      expect(b.snapshot().networks.has('n3')).to.equal(true);
      expect(b.snapshot().networks.has('n2')).to.equal(a.snapshot().networks.has('n2'));
    } finally {
      await own.close();
    }
  });
});

