// Questionable input is accepted with a warning in the answer (and the log),
// each naming its field: a VM without interfaces, a port number sent as text,
// two VMs on one switch port, a DHCP server no one holds.
import { expect } from 'chai';
import { makeApi, SW1 } from './helpers.js';

describe('api: questionable input is accepted with warnings', () => {
  it('warns, names the field, and stores the write', async () => {
    const { app, store } = await makeApi();
    const put = (url: string, payload: object) => app.inject({ method: 'PUT', url, payload });
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
    const codes = (r: { json(): { warnings?: { code: string; field: string }[] } }) => (r.json().warnings ?? []).map((w) => `${w.code} ${w.field}`);

    expect(codes(await put('/v1/networks/n1', { tenant: 't1', kind: 'private', dhcp: { mac: '02:00:00:00:00:99', ip: '10.0.0.2' } }))).to.deep.equal(['dhcp_server_absent dhcp.mac']);
    const empty = await post('/v1/hooks/vm-start', { vm: 'idle', tenant: 't1', interfaces: [] });
    expect(empty.statusCode).to.equal(200);
    expect(codes(empty)).to.deep.equal(['no_interfaces interfaces']);
    const itf = (mac: string, port: string | number) => ({ mac, network: 'n1', switch: SW1, port });
    expect(codes(await post('/v1/hooks/vm-start', { vm: 'a', tenant: 't1', interfaces: [itf('52:54:00:00:00:01', '7')] }))).to.deep.equal(['port_is_name interfaces[0].port']);
    const shared = await post('/v1/hooks/vm-start', { vm: 'b', tenant: 't1', interfaces: [itf('52:54:00:00:00:02', '7')] });
    expect(codes(shared)).to.deep.equal(['port_is_name interfaces[0].port', 'port_shared interfaces[0].port']);
    expect(shared.json().warnings[1].message).to.contain('vm a');
    // The DHCP server bound: no warning any more; a port number as a number: none either.
    expect(codes(await post('/v1/hooks/vm-start', { vm: 'dhcp', tenant: 't1', interfaces: [itf('02:00:00:00:00:99', 8)] }))).to.deep.equal([]);
    expect(codes(await put('/v1/networks/n1', { tenant: 't1', kind: 'private', dhcp: { mac: '02:00:00:00:00:99', ip: '10.0.0.3' } }))).to.deep.equal([]);
    expect([...store.snapshot().vms.keys()].sort()).to.deep.equal(['a', 'b', 'dhcp', 'idle']);
    await app.close();
  });
});
