// A store written before relations recorded their tenants loads after: each
// relation takes the tenants of its running VMs, is written back so, and a
// side whose VM is stopped waits for that VM's next start.
import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { vmStart, vmStop } from '../../../src/model/index.js';
import { openStoreOn, type KvDb } from '../../../src/store/index.js';
import { captureLogger } from '../../support/logs.js';

const SW1 = '0000000000000001';
const vmRecord = (name: string, tenant: string, n: number) =>
  JSON.stringify({ name, tenant, interfaces: [{ mac: `02:00:00:00:00:0${n}`, ips: [`198.51.100.${n}`], network: 'pub', switch: SW1, port: n }] });

/** The records an earlier Spotlight wrote: relations as {id, vms}. */
async function oldStore(): Promise<KvDb> {
  const db = new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb;
  await db.batch([
    { type: 'put', key: 'm/schema', value: '1' },
    { type: 'put', key: 'm/generation', value: '6' },
    { type: 'put', key: 'n/pub', value: JSON.stringify({ name: 'pub', tenant: 'isp', kind: 'public', cidrs: ['198.51.100.0/24'], gateways: [], segment: 1 }) },
    { type: 'put', key: 'v/web1', value: vmRecord('web1', 'alice', 1) },
    { type: 'put', key: 'v/db1', value: vmRecord('db1', 'bob', 2) },
    { type: 'put', key: 'r/r1', value: JSON.stringify({ id: 'r1', vms: ['web1', 'db1'] }) },
    { type: 'put', key: 'r/r2', value: JSON.stringify({ id: 'r2', vms: ['web1', 'gone1'] }) },
  ]);
  return db;
}

describe('store: relation records written before tenants were recorded', () => {
  it('load, bound to the tenants of their running VMs and written back; a stopped side waits for its VM', async () => {
    const db = await oldStore();
    const { logger, records } = captureLogger();
    const store = await openStoreOn(db, { logger });
    const s = store.snapshot();
    expect(s.generation).to.equal(6);
    expect(s.relations.get('r1')!.tenants).to.deep.equal(['alice', 'bob']);
    expect(s.relations.get('r2')!.tenants).to.deep.equal(['alice', null]);
    expect(JSON.parse(await db.get('r/r1') as string)).to.deep.equal({ id: 'r1', vms: ['web1', 'db1'], tenants: ['alice', 'bob'] });
    expect(records.find((r) => r.level === 'warn')).to.deep.include({ message: "relations whose stopped VM has no recorded tenant: that VM's next start binds them; PUT them again to bind them now", relations: ['r2'] });

    // Stopping web1 now leaves r1 bound: after a restart mallory still cannot take the name.
    expect((await store.apply((m) => vmStop(m, 'web1'))).ok).to.equal(true);
    await store.close();
    await db.open();
    const again = await openStoreOn(db, { logger });
    const r = await again.apply((m) => vmStart(m, { vm: 'web1', tenant: 'mallory', interfaces: [] }));
    expect(r.ok === false && r.error.code).to.equal('tenant_mismatch');
    // gone1's first start binds r2 durably.
    expect((await again.apply((m) => vmStart(m, { vm: 'gone1', tenant: 'carol', interfaces: [] }))).ok).to.equal(true);
    expect(JSON.parse(await db.get('r/r2') as string).tenants).to.deep.equal(['alice', 'carol']);
    await again.close();
  });
});
