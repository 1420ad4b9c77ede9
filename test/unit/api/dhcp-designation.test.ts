import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { makeApi, network1, SW1, vm1 } from './helpers.js';

// A network's dhcp names the endpoint that serves DHCP; that endpoint is a VM interface or gateway of the network.
describe('api: a VM or gateway as the network DHCP server', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    ({ app } = await makeApi());
  });
  afterEach(async () => {
    await app.close();
  });

  const put = (url: string, payload: unknown) => app.inject({ method: 'PUT', url, payload: payload as object });
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
  const get = (url: string) => app.inject({ method: 'GET', url });
  const itf = vm1.interfaces[0]!;

  it('answers 200 to a network PUT whose dhcp names an attached VM interface', async () => {
    expect((await put('/v1/networks/n1', { ...network1, dhcp: undefined })).statusCode).to.equal(200);
    expect((await post('/v1/hooks/vm-start', vm1)).statusCode).to.equal(200);
    const r = await put('/v1/networks/n1', { ...network1, dhcp: { mac: itf.mac.toUpperCase(), ip: itf.ips[0] } });
    expect(r.statusCode, r.body).to.equal(200);
    expect(r.json()).to.deep.equal({ generation: 3 });
    expect((await get('/v1/networks/n1')).json().dhcp).to.deep.equal({ mac: itf.mac, ip: itf.ips[0] });
  });

  it('starts a VM whose MAC is the network dhcp.mac', async () => {
    expect((await put('/v1/networks/n1', network1)).statusCode).to.equal(200);
    const server = { vm: 'dnsmasq', tenant: 't1', interfaces: [{ ...itf, mac: network1.dhcp.mac, ips: [network1.dhcp.ip] }] };
    const r = await post('/v1/hooks/vm-start', server);
    expect(r.statusCode, r.body).to.equal(200);
    expect((await get('/v1/vms/dnsmasq')).json().interfaces[0].mac).to.equal(network1.dhcp.mac);
    // A second interface with that MAC is still a conflict between two holders.
    const twin = await post('/v1/hooks/vm-start', { ...server, vm: 'twin', interfaces: [{ ...server.interfaces[0]!, ips: ['10.1.0.3'], port: 'vnet9' }] });
    expect(twin.statusCode).to.equal(409);
    expect(twin.json().error.code).to.equal('mac_in_use');
  });

  it('answers 200 to a network whose dhcp names one of its gateways', async () => {
    const gw = { mac: '02:00:00:00:00:01', ips: ['10.1.0.1'], switch: SW1, port: 'up' };
    const r = await put('/v1/networks/n1', { ...network1, dhcp: { mac: gw.mac, ip: '10.1.0.1' }, gateways: [gw] });
    expect(r.statusCode, r.body).to.equal(200);
  });
});
