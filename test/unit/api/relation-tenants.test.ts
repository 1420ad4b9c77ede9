// Through the API: a running VM keeps its tenant, a related VM's name keeps
// its tenant while it is stopped, GET /v1/relations says which relations
// apply, and a dormant relation survives export and import.
import { expect } from 'chai';
import { makeApi, SW1 } from './helpers.js';

const pub = { tenant: 'isp', kind: 'public', cidrs: ['198.51.100.0/24'] };
const vm = (name: string, tenant: string, n: number) => ({
  vm: name,
  tenant,
  interfaces: [{ mac: `52:54:00:00:00:0${n}`, ips: [`198.51.100.${n}`], network: 'pub', switch: SW1, port: `vnet${n}` }],
});

describe('api: relations bind tenants', () => {
  it('409 tenant_mismatch for a running VM under another tenant and for a related name; relation state active or dormant', async () => {
    const { app } = await makeApi();
    const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/pub', payload: pub })).statusCode).to.equal(200);
    expect((await post('/v1/hooks/vm-start', vm('web1', 'alice', 1))).statusCode).to.equal(200);
    expect((await post('/v1/hooks/vm-start', vm('db1', 'alice', 2))).statusCode).to.equal(200);
    expect((await app.inject({ method: 'PUT', url: '/v1/relations/r1', payload: { vms: ['web1', 'db1'] } })).statusCode).to.equal(200);

    const moved = await post('/v1/hooks/vm-start', vm('db1', 'mallory', 2));
    expect(moved.statusCode).to.equal(409);
    expect(moved.json().error).to.include({ code: 'tenant_mismatch', field: 'tenant' });

    expect((await post('/v1/hooks/vm-stop', { vm: 'web1' })).statusCode).to.equal(200);
    const taken = await post('/v1/hooks/vm-start', vm('web1', 'mallory', 3));
    expect(taken.statusCode).to.equal(409);
    expect(taken.json().error.message).to.contain('relation r1 binds the name web1 to tenant alice');

    const list = (await app.inject({ method: 'GET', url: '/v1/relations' })).json();
    expect(list.relations).to.deep.equal([{ id: 'r1', vms: ['web1', 'db1'], tenants: ['alice', 'alice'], state: 'dormant', stopped: ['web1'] }]);
    expect((await post('/v1/hooks/vm-start', vm('web1', 'alice', 1))).statusCode).to.equal(200);
    expect((await app.inject({ method: 'GET', url: '/v1/relations' })).json().relations[0]).to.include({ state: 'active' });

    // A dormant relation goes through export and import with its tenants.
    expect((await post('/v1/hooks/vm-stop', { vm: 'web1' })).statusCode).to.equal(200);
    const exported = (await app.inject({ method: 'GET', url: '/v1/export' })).json();
    const other = await makeApi();
    const imported = await other.app.inject({ method: 'POST', url: '/v1/import', payload: exported });
    expect(imported.statusCode, imported.body).to.equal(200);
    expect(other.store.snapshot().relations.get('r1')).to.deep.equal({ id: 'r1', vms: ['web1', 'db1'], tenants: ['alice', 'alice'] });
    expect((await other.app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: vm('web1', 'mallory', 3) })).statusCode).to.equal(409);
    await app.close();
    await other.app.close();
  });
});
