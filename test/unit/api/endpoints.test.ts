import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../../src/store/index.js';
import { makeApi, network1, stateOf, SW1, vm1 } from './helpers.js';

describe('api endpoints', () => {
  let app: FastifyInstance;
  let store: Store;
  beforeEach(async () => {
    ({ app, store } = await makeApi());
  });
  afterEach(async () => {
    await app.close();
  });

  const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, payload: payload as object });
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
  const get = (url: string) => app.inject({ method: 'GET', url });
  const del = (url: string) => app.inject({ method: 'DELETE', url });

  function expectError(res: { statusCode: number; json(): unknown }, status: number, code: string, field?: string): void {
    expect(res.statusCode, JSON.stringify(res.json())).to.equal(status);
    const body = res.json() as { error: { code: string; message: string; field?: string } };
    expect(Object.keys(body)).to.deep.equal(['error']);
    expect(body.error.code).to.equal(code);
    expect(body.error.message).to.be.a('string').and.not.equal('');
    if (field !== undefined) {
      expect(body.error.field).to.equal(field);
      expect(body.error.message).to.contain(field);
    }
  }

  it('PUT, GET and DELETE a network', async () => {
    const r = await put('/v1/networks/n1', network1);
    expect(r.statusCode).to.equal(200);
    // network1 designates a DHCP server no interface holds yet: accepted, with a warning.
    expect(r.json()).to.deep.equal({
      generation: 1,
      warnings: [{ code: 'dhcp_server_absent', field: 'dhcp.mac', message: 'dhcp.mac 02:00:00:00:00:02 is held by no interface or gateway of network n1 yet: DHCP requests are dropped until one with that MAC is bound' }],
    });
    expect((await put('/v1/networks/n1', network1)).json()).to.deep.equal({ generation: 1 });
    const one = (await get('/v1/networks/n1')).json();
    expect(one).to.include({ name: 'n1', tenant: 't1', kind: 'private', segment: 1 });
    expect(one.vms).to.deep.equal([]);
    const all = (await get('/v1/networks')).json();
    expect(all.networks.map((n: { name: string }) => n.name)).to.deep.equal(['n1']);
    expect((await del('/v1/networks/n1')).json()).to.deep.equal({ generation: 2 });
    expectError(await get('/v1/networks/n1'), 404, 'network_not_found');
    expect((await del('/v1/networks/n1')).json()).to.deep.equal({ generation: 2 });
  });

  it('answers 409 on DELETE of a network with VMs attached', async () => {
    await put('/v1/networks/n1', network1);
    await post('/v1/hooks/vm-start', vm1);
    expectError(await del('/v1/networks/n1'), 409, 'network_in_use', 'network');
    expect((await get('/v1/networks/n1')).json().vms).to.deep.equal(['vm1']);
  });

  it('runs the VM hooks and reads', async () => {
    await put('/v1/networks/n1', network1);
    expect((await post('/v1/hooks/vm-start', vm1)).json()).to.deep.equal({ generation: 2 });
    expect((await post('/v1/hooks/vm-start', vm1)).json()).to.deep.equal({ generation: 2 });
    expect((await get('/v1/vms/vm1')).json()).to.deep.equal({ name: 'vm1', tenant: 't1', interfaces: vm1.interfaces });
    expect((await get('/v1/vms')).json().vms).to.have.length(1);
    const dest = { vm: 'vm1', interfaces: [{ mac: '52:54:00:00:00:01', switch: '00:00:00:00:00:00:00:02', port: 5 }] };
    expect((await post('/v1/hooks/migration-start', dest)).json()).to.deep.equal({ generation: 3 });
    expect((await get('/v1/vms/vm1')).json().migration.destinations[0]).to.deep.equal({ mac: '52:54:00:00:00:01', switch: '0000000000000002', port: 5 });
    expect((await post('/v1/hooks/migration-abort', { vm: 'vm1' })).json()).to.deep.equal({ generation: 4 });
    expect((await get('/v1/vms/vm1')).json().migration).to.equal(undefined);
    await post('/v1/hooks/migration-start', dest);
    expect((await post('/v1/hooks/migration-end', { vm: 'vm1' })).json()).to.deep.equal({ generation: 6 });
    expect((await post('/v1/hooks/migration-end', { vm: 'vm1' })).json()).to.deep.equal({ generation: 6 });
    expect((await get('/v1/vms/vm1')).json().interfaces[0]).to.include({ switch: '0000000000000002', port: 5 });
    expect((await post('/v1/hooks/vm-stop', { vm: 'vm1' })).json()).to.deep.equal({ generation: 7 });
    expect((await post('/v1/hooks/vm-stop', { vm: 'vm1' })).json()).to.deep.equal({ generation: 7 });
    expectError(await get('/v1/vms/vm1'), 404, 'vm_not_found');
    expectError(await post('/v1/hooks/migration-end', { vm: 'vm1' }), 404, 'vm_not_found', 'vm');
    expectError(await post('/v1/hooks/migration-abort', { vm: 'vm1' }), 404, 'vm_not_found', 'vm');
    expectError(await post('/v1/hooks/migration-start', dest), 404, 'vm_not_found', 'vm');
  });

  it('replaces the interfaces of a running VM atomically', async () => {
    await put('/v1/networks/n1', network1);
    await post('/v1/hooks/vm-start', vm1);
    const other = { ...vm1, interfaces: [{ ...vm1.interfaces[0], ips: ['10.1.0.11'], port: 9 }] };
    expect((await post('/v1/hooks/vm-start', other)).json()).to.deep.equal({ generation: 3 });
    expect((await get('/v1/vms/vm1')).json().interfaces).to.deep.equal(other.interfaces);
  });

  it('accepts a port the switch does not have yet, by name or number', async () => {
    await put('/v1/networks/n1', network1);
    const r = await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], port: 'vnet-not-there-yet' }] });
    expect(r.statusCode).to.equal(200);
  });

  it('PUTs and DELETEs relations', async () => {
    await put('/v1/networks/pub', { tenant: 'isp', kind: 'public' });
    await post('/v1/hooks/vm-start', { vm: 'a', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:0a', network: 'pub', switch: SW1, port: 1 }] });
    await post('/v1/hooks/vm-start', { vm: 'b', tenant: 't2', interfaces: [{ mac: '02:00:00:00:00:0b', network: 'pub', switch: SW1, port: 2 }] });
    expect((await put('/v1/relations/r1', { vms: ['a', 'b'] })).json()).to.deep.equal({ generation: 4 });
    expect((await put('/v1/relations/r1', { vms: ['a', 'b'] })).json()).to.deep.equal({ generation: 4 });
    expect((await get('/v1/relations')).json().relations).to.deep.equal([{ id: 'r1', vms: ['a', 'b'], tenants: ['t1', 't2'], state: 'active' }]);
    expectError(await put('/v1/relations/r2', { vms: ['a', 'zz'] }), 404, 'vm_not_found', 'vms[1]');
    expectError(await put('/v1/relations/r2', { vms: ['a'] }), 400, 'invalid_field', 'vms');
    expectError(await put('/v1/relations/r2', { vms: ['a', 'a'] }), 400, 'invalid_relation', 'vms[1]');
    expect((await del('/v1/relations/r1')).json()).to.deep.equal({ generation: 5 });
  });

  it('maps model errors to 400, 404 and 409 naming the field, storing nothing', async () => {
    await put('/v1/networks/n1', network1);
    await post('/v1/hooks/vm-start', vm1);
    const before = stateOf(store);
    const itf = vm1.interfaces[0]!;
    expectError(await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...itf, ips: ['10.1.0.20'] }] }), 409, 'mac_in_use', 'interfaces[0].mac');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...itf, mac: '52:54:00:00:00:02' }] }), 409, 'ip_in_use', 'interfaces[0].ips[0]');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...itf, mac: '52:54:00:00:00:02', ips: ['10.9.0.1'] }] }), 409, 'ip_outside_cidrs', 'interfaces[0].ips[0]');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...itf, network: 'nx' }] }), 404, 'network_not_found', 'interfaces[0].network');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, vm: 'vm2', interfaces: [{ ...itf, mac: 'ff:ff:ff:ff:ff:ff' }] }), 400, 'invalid_mac', 'interfaces[0].mac');
    expectError(await put('/v1/networks/n2', { ...network1, cidrs: ['10.0.0.1/8'] }), 400, 'invalid_cidr', 'cidrs[0]');
    expectError(await put('/v1/networks/bad%20name', network1), 400, 'invalid_name', 'network');
    expect(stateOf(store)).to.equal(before);
  });

  it('rejects unknown, missing and mistyped fields with 400 naming them', async () => {
    expectError(await put('/v1/networks/n1', { ...network1, colour: 'red' }), 400, 'unknown_field', 'colour');
    expectError(await put('/v1/networks/n1', { ...network1, dhcp: { ...network1.dhcp, lease: 5 } }), 400, 'unknown_field', 'dhcp.lease');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], vlan: 5 }] }), 400, 'unknown_field', 'interfaces[0].vlan');
    expectError(await post('/v1/hooks/vm-start', { vm: 'vm1', tenant: 't1' }), 400, 'missing_field', 'interfaces');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ mac: '52:54:00:00:00:01', network: 'n1', switch: SW1 }] }), 400, 'missing_field', 'interfaces[0].port');
    expectError(await post('/v1/hooks/vm-stop', { vm: 7 }), 400, 'invalid_field', 'vm');
    expectError(await post('/v1/hooks/vm-stop', { vm: 'x', extra: true }), 400, 'unknown_field', 'extra');
    expectError(await post('/v1/hooks/vm-start', { ...vm1, interfaces: [{ ...vm1.interfaces[0], port: true }] }), 400, 'invalid_field', 'interfaces[0].port');
    expectError(await put('/v1/networks/n1', { ...network1, kind: 'shared' }), 400, 'invalid_kind', 'kind');
    expectError(await app.inject({ method: 'POST', url: '/v1/hooks/vm-stop?verbose=1', payload: { vm: 'x' } }), 400, 'unknown_field', 'query.verbose');
    expectError(await app.inject({ method: 'POST', url: '/v1/hooks/vm-stop?wait=soon', payload: { vm: 'x' } }), 400, 'invalid_field', 'query.wait');
  });

  it('answers bad bodies in the same error shape', async () => {
    const raw = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/v1/hooks/vm-stop', payload, headers: { 'content-type': type } });
    expectError(await raw('{"vm":'), 400, 'invalid_json');
    expectError(await raw(''), 400, 'invalid_json');
    expectError(await raw('[1,2]'), 400, 'invalid_field', 'body');
    expectError(await raw('null'), 400, 'invalid_field');
    expectError(await raw('vm=x', 'text/plain'), 415, 'unsupported_media_type');
    expectError(await raw('vm=x', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    expectError(await raw(JSON.stringify({ vm: 'x'.repeat(2 * 1024 * 1024) })), 413, 'body_too_large');
    expectError(await get('/v1/nothing'), 404, 'route_not_found');
    expectError(await app.inject({ method: 'PATCH', url: '/v1/networks/n1', payload: {} }), 404, 'route_not_found');
  });

  it('reads switches, topology and health', async () => {
    expect((await get('/v1/switches')).json()).to.deep.equal({ switches: [] });
    expect((await get('/v1/topology')).json()).to.deep.equal({ links: [] });
    expect((await get('/v1/health')).json()).to.deep.equal({ status: 'ok', generation: 0 });
  });
});
