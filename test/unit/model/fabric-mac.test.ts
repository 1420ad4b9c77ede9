// The fabric's reserved MACs (0e:53:00:00:00:00/16) carry a network's
// broadcast and DHCP requests between switches. A VM interface, gateway or
// DHCP designation in that range is refused with its field named, and nothing
// is stored; the API answers the same 400.
import { expect } from 'chai';
import { putNetwork, vmStart } from '../../../src/model/index.js';
import { fabricMac } from '../../../src/compiler/fabric.js';
import { makeApi } from '../api/helpers.js';
import { emptySnapshot, err, ok, SW1 } from './helpers.js';

describe('model: the fabric MAC range is refused', () => {
  const base = () => ok(putNetwork(emptySnapshot(), 'n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] }));
  // The exact address the fabric uses for network 1's broadcast, and another in the range.
  const reserved = [fabricMac('broadcast', base().networks.get('n1')!.segment), '0E:53:00:00:00:01'];

  it('for a VM interface', () => {
    for (const mac of reserved) {
      const r = vmStart(base(), { vm: 'v', tenant: 't1', interfaces: [{ mac, ips: ['10.1.0.5'], network: 'n1', switch: SW1, port: 3 }] });
      err(r, 'invalid_mac', 400, 'interfaces[0].mac');
      if (!r.ok) expect(r.error.message).to.contain('0e:53:00:00:00:00/16');
    }
  });

  it('for a gateway and a DHCP server', () => {
    for (const mac of reserved) {
      err(putNetwork(emptySnapshot(), 'n2', { tenant: 't1', kind: 'private', cidrs: ['10.2.0.0/24'], gateways: [{ mac, ips: ['10.2.0.1'], switch: SW1, port: 1 }] }), 'invalid_mac', 400, 'gateways[0].mac');
      err(putNetwork(emptySnapshot(), 'n2', { tenant: 't1', kind: 'private', cidrs: ['10.2.0.0/24'], dhcp: { mac, ip: '10.2.0.2' } }), 'invalid_mac', 400, 'dhcp.mac');
    }
  });

  it('through the API: 400 naming the field, nothing stored', async () => {
    const { app } = await makeApi({});
    expect((await app.inject({ method: 'PUT', url: '/v1/networks/n1', payload: { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] } })).statusCode).to.equal(200);
    const r = await app.inject({ method: 'POST', url: '/v1/hooks/vm-start', payload: { vm: 'v', tenant: 't1', interfaces: [{ mac: '0e:53:42:00:00:01', network: 'n1', switch: SW1, port: 3 }] } });
    expect(r.statusCode, r.body).to.equal(400);
    expect(r.json().error.code).to.equal('invalid_mac');
    expect(r.json().error.field).to.equal('interfaces[0].mac');
    expect((await app.inject({ method: 'GET', url: '/v1/vms/v' })).statusCode).to.equal(404);
    await app.close();
  });
});
