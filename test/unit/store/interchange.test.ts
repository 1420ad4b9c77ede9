// The export file: a round trip gives the same model (segments with gaps,
// migrations, generation), every record is held to the API's rules on the
// way in, and a store takes an import only while empty, in one write.
import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { deleteNetwork, migrationActivated, migrationStart, putNetwork, putRelation, vmStart } from '../../../src/model/index.js';
import type { ModelCommit } from '../../../src/model/types.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import { exportModel, importModel } from '../../../src/store/interchange.js';
import { silentLogger } from '../../support/logs.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';

async function memStore(db = new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb): Promise<Store> {
  return openStoreOn(db, { logger: silentLogger() });
}

function plain(s: ReturnType<Store['snapshot']>): unknown {
  return { generation: s.generation, networks: [...s.networks.entries()].sort(), vms: [...s.vms.entries()].sort(), relations: [...s.relations.entries()].sort() };
}

async function populated(): Promise<Store> {
  const store = await memStore();
  await store.apply((s) => putNetwork(s, 'gone', { tenant: 't1', kind: 'private' }));
  await store.apply((s) => putNetwork(s, 'n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], dhcp: { mac: '02:00:00:00:00:02', ip: '10.1.0.2' } }));
  await store.apply((s) => putNetwork(s, 'pub', { tenant: 'isp', kind: 'public', cidrs: ['192.0.2.0/24'], gateways: [{ mac: '02:00:00:00:00:fe', ips: ['192.0.2.1'], switch: S2, port: 'eth9' }] }));
  await store.apply((s) => deleteNetwork(s, 'gone'));
  await store.apply((s) => vmStart(s, { vm: 'a', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.10'], network: 'n1', switch: S1, port: 'vnet0' }] }));
  await store.apply((s) => vmStart(s, { vm: 'b', tenant: 't2', interfaces: [{ mac: '52:54:00:00:00:02', ips: ['192.0.2.20'], network: 'pub', switch: S1, port: 7 }] }));
  await store.apply((s) => vmStart(s, { vm: 'c', tenant: 't3', interfaces: [{ mac: '52:54:00:00:00:03', ips: ['192.0.2.30'], network: 'pub', switch: S2, port: 'vnet3' }] }));
  await store.apply((s) => migrationStart(s, { vm: 'c', interfaces: [{ mac: '52:54:00:00:00:03', switch: S1, port: 'vnet4' }] }));
  await store.apply((s) => migrationActivated(s, 'c'));
  await store.apply((s) => putRelation(s, 'bc', { vms: ['b', 'c'] }));
  return store;
}

describe('store/interchange: the export file', () => {
  it('round-trips the model: segments (with a gap) kept, migrations, relations and the generation', async () => {
    const store = await populated();
    const doc = exportModel(store.snapshot());
    expect(doc.networks.map((n) => [n.name, n.segment])).to.deep.equal([['n1', 2], ['pub', 3]]);
    // Through JSON, as the file carries it.
    const r = importModel(JSON.parse(JSON.stringify(doc)));
    if (!r.ok) throw new Error(r.error.message);
    expect(plain(r.snapshot)).to.deep.equal(plain(store.snapshot()));
    const into = await memStore();
    const commits: ModelCommit[] = [];
    into.onCommit((c) => commits.push(c));
    await into.restore(r.snapshot);
    expect(plain(into.snapshot())).to.deep.equal(plain(store.snapshot()));
    expect(commits.map((c) => [c.generation, c.changes.length])).to.deep.equal([[store.generation, 6]]);
  });

  it('holds every record to the API\'s rules and names the record at fault', async () => {
    const doc = exportModel((await populated()).snapshot());
    const cases: [(d: typeof doc) => void, string, string][] = [
      [(d) => (d.vms[2]!.interfaces[0]!.mac = d.vms[1]!.interfaces[0]!.mac), 'vms[2].interfaces[0].mac', 'mac_in_use'],
      [(d) => (d.networks[1]!.segment = d.networks[0]!.segment), 'networks[1].segment', 'invalid_export'],
      [(d) => (d.vms[0]!.interfaces[0]!.network = 'nowhere'), 'vms[0].interfaces[0].network', 'network_not_found'],
      // A relation may name a stopped VM only with the tenants it binds; a running VM must belong to them.
      [(d) => (d.relations[0] = { id: d.relations[0]!.id, vms: ['b', 'ghost'] } as (typeof d.relations)[0]), 'relations[0].vms[1]', 'vm_not_found'],
      [(d) => (d.relations[0]!.tenants = ['somebody-else', d.relations[0]!.tenants[1]]), 'relations[0].tenants[0]', 'tenant_mismatch'],
      [(d) => (d.networks[0]!.cidrs = ['banana']), 'networks[0].cidrs[0]', 'invalid_cidr'],
      [(d) => ((d as { format: string }).format = 'something-else'), 'format', 'invalid_export'],
    ];
    for (const [spoil, field, code] of cases) {
      const d = JSON.parse(JSON.stringify(doc)) as typeof doc;
      spoil(d);
      const r = importModel(d);
      expect(r.ok, field).to.equal(false);
      if (!r.ok) {
        expect(r.error.field, field).to.equal(field);
        expect(r.error.code, field).to.match(new RegExp(`^(${code})$`));
      }
    }
  });

  it('a store takes an import only while empty, and keeps it across a reopen', async () => {
    const doc = exportModel((await populated()).snapshot());
    const r = importModel(doc);
    if (!r.ok) throw new Error(r.error.message);
    const db = new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;
    const store = await memStore(db);
    await store.apply((s) => putNetwork(s, 'x', { tenant: 't', kind: 'private' }));
    let refused: unknown;
    await store.restore(r.snapshot).catch((e: unknown) => (refused = e));
    expect((refused as { code?: string }).code).to.equal('store_not_empty');
    expect(store.snapshot().networks.has('n1')).to.equal(false);

    const db2 = new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;
    const fresh = await memStore(db2);
    await fresh.restore(r.snapshot);
    // A write after the import continues from the imported generation.
    expect((await fresh.apply((s) => putNetwork(s, 'later', { tenant: 't', kind: 'private' }))).ok).to.equal(true);
    expect(fresh.generation).to.equal(doc.generation + 1);
    expect(fresh.snapshot().networks.get('later')!.segment).to.equal(1);
    await fresh.close();
    const reopened = await memStore(db2);
    expect(reopened.generation).to.equal(doc.generation + 1);
    expect(reopened.snapshot().vms.get('c')!.migration).to.deep.equal({ destinations: [{ mac: '52:54:00:00:00:03', switch: S1, port: 'vnet4' }], activated: true });
  });
});
