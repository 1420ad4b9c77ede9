import { expect } from 'chai';
import { deleteNetwork, putNetwork, vmStart } from '../../../src/model/index.js';
import { emptySnapshot, err, fullNetworks, ok, SW1 } from './helpers.js';

const base = { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24', '2001:db8:1::/64'] };

describe('model: networks', () => {
  it('creates a network with canonical fields and segment 1', () => {
    const r = putNetwork(emptySnapshot(), 'n1', {
      ...base,
      dhcp: { mac: '02:00:00:00:00:0A', ip: '10.1.0.2' },
      gateways: [{ mac: '02:00:00:00:00:01', ips: ['10.1.0.1', '2001:DB8:1::1'], switch: '00:00:00:00:00:00:00:01', port: 'uplink' }],
    });
    const s = ok(r);
    const n = s.networks.get('n1')!;
    expect(n).to.deep.equal({
      name: 'n1', tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24', '2001:db8:1::/64'],
      gateways: [{ mac: '02:00:00:00:00:01', ips: ['10.1.0.1', '2001:db8:1::1'], switch: SW1, port: 'uplink' }],
      segment: 1, dhcp: { mac: '02:00:00:00:00:0a', ip: '10.1.0.2' },
    });
    expect(r.ok && r.changes).to.deep.equal([{ kind: 'network', id: 'n1', after: n }]);
  });

  it('changes nothing when the same network is put twice', () => {
    const s = ok(putNetwork(emptySnapshot(), 'n1', base));
    const r = putNetwork(s, 'n1', base);
    expect(r.ok && r.changes).to.deep.equal([]);
    expect(r.ok && r.snapshot).to.equal(s);
  });

  it('allocates the lowest free segment, keeps it on replace, frees it on delete', () => {
    let s = emptySnapshot();
    for (const n of ['a', 'b', 'c']) s = ok(putNetwork(s, n, base));
    expect(['a', 'b', 'c'].map((n) => s.networks.get(n)!.segment)).to.deep.equal([1, 2, 3]);
    s = ok(putNetwork(s, 'b', { ...base, kind: 'public' }));
    expect(s.networks.get('b')!.segment).to.equal(2);
    s = ok(deleteNetwork(s, 'b'));
    s = ok(putNetwork(s, 'd', base));
    expect(s.networks.get('d')!.segment).to.equal(2);
    expect(new Set([...s.networks.values()].map((n) => n.segment)).size).to.equal(s.networks.size);
  });

  it('refuses the 1,000,001st network, naming the limit', () => {
    const s = { ...emptySnapshot(), networks: fullNetworks() };
    err(putNetwork(s, 'one-more', base), 'segments_exhausted', 409, 'network');
    const r = putNetwork(s, 'one-more', base);
    expect(!r.ok && r.error.message).to.include('1,000,000');
  });

  it('validates names, kind, cidrs, MACs, IPs, switches and ports', () => {
    const s = emptySnapshot();
    err(putNetwork(s, 'bad name', base), 'invalid_name', 400, 'network');
    err(putNetwork(s, 'n1', { ...base, tenant: '' }), 'invalid_name', 400, 'tenant');
    err(putNetwork(s, 'n1', { ...base, kind: 'shared' }), 'invalid_kind', 400, 'kind');
    err(putNetwork(s, 'n1', { ...base, cidrs: ['10.1.0.1/24'] }), 'invalid_cidr', 400, 'cidrs[0]');
    err(putNetwork(s, 'n1', { ...base, cidrs: ['10.1.0.0/16', '10.1.2.0/24'] }), 'cidr_overlap', 400, 'cidrs[1]');
    err(putNetwork(s, 'n1', { ...base, dhcp: { mac: '01:00:00:00:00:01', ip: '10.1.0.2' } }), 'invalid_mac', 400, 'dhcp.mac');
    err(putNetwork(s, 'n1', { ...base, dhcp: { mac: '02:00:00:00:00:01', ip: 'nope' } }), 'invalid_ip', 400, 'dhcp.ip');
    const gw = { mac: '02:00:00:00:00:01', ips: ['10.1.0.1'], switch: SW1, port: 1 };
    err(putNetwork(s, 'n1', { ...base, gateways: [{ ...gw, switch: 's9' }] }), 'invalid_switch', 400, 'gateways[0].switch');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ ...gw, port: 0 }] }), 'invalid_port', 400, 'gateways[0].port');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ ...gw, mac: 'ff:ff:ff:ff:ff:ff' }] }), 'invalid_mac', 400, 'gateways[0].mac');
  });

  it('resolves switch names through the injected lookup', () => {
    const gw = { mac: '02:00:00:00:00:01', ips: [], switch: 'edge1', port: 'p1' };
    const s = ok(putNetwork(emptySnapshot(), 'n1', { ...base, gateways: [gw] }, { lookupSwitch: (n) => (n === 'edge1' ? '00000000000000E1' : undefined) }));
    expect(s.networks.get('n1')!.gateways[0]!.switch).to.equal('00000000000000e1');
  });

  it('refuses addresses outside the cidrs and MACs or IPs held twice', () => {
    const s = emptySnapshot();
    const gw = { mac: '02:00:00:00:00:01', ips: ['10.1.0.1'], switch: SW1, port: 1 };
    err(putNetwork(s, 'n1', { ...base, dhcp: { mac: '02:00:00:00:00:02', ip: '10.2.0.2' } }), 'ip_outside_cidrs', 409, 'dhcp.ip');
    err(putNetwork(s, 'n1', { ...base, dhcp: { mac: '02:00:00:00:00:02', ip: '10.1.0.255' } }), 'ip_outside_cidrs', 409, 'dhcp.ip');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ ...gw, ips: ['2001:db8:2::1'] }] }), 'ip_outside_cidrs', 409, 'gateways[0].ips[0]');
    err(putNetwork(s, 'n1', { ...base, gateways: [gw, { ...gw, mac: '02:00:00:00:00:03' }] }), 'ip_in_use', 409, 'gateways[1].ips[0]');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ ...gw, ips: ['2001:db8:1::1', '2001:DB8:1:0::1'] }] }), 'ip_in_use', 409, 'gateways[0].ips[1]');
    err(putNetwork(s, 'n1', { ...base, gateways: [gw, { ...gw, ips: ['10.1.0.3'] }] }), 'mac_in_use', 409, 'gateways[1].mac');
  });

  it('takes any address when a network has no cidrs', () => {
    const s = ok(putNetwork(emptySnapshot(), 'n1', { tenant: 't1', kind: 'public', dhcp: { mac: '02:00:00:00:00:02', ip: '192.0.2.7' } }));
    expect(s.networks.get('n1')!.cidrs).to.deep.equal([]);
  });

  it('checks a replaced network against the VMs attached to it', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', base));
    s = ok(vmStart(s, { vm: 'vm1', tenant: 't1', interfaces: [{ mac: '02:00:00:00:01:01', ips: ['10.1.0.10'], network: 'n1', switch: SW1, port: 'vnet0' }] }));
    err(putNetwork(s, 'n1', { ...base, cidrs: ['10.2.0.0/24'] }), 'ip_outside_cidrs', 409, 'cidrs');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ mac: '02:00:00:00:01:01', ips: [], switch: SW1, port: 1 }] }), 'mac_in_use', 409, 'gateways[0].mac');
    err(putNetwork(s, 'n1', { ...base, gateways: [{ mac: '02:00:00:00:00:01', ips: ['10.1.0.10'], switch: SW1, port: 1 }] }), 'ip_in_use', 409, 'gateways[0].ips[0]');
    err(putNetwork(s, 'n1', { ...base, tenant: 't2' }), 'tenant_mismatch', 409, 'tenant');
    ok(putNetwork(s, 'n1', { ...base, tenant: 't2', kind: 'public' }));
  });

  it('deletes a network only while no VM is attached; deleting an absent one changes nothing', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', base));
    s = ok(vmStart(s, { vm: 'vm1', tenant: 't1', interfaces: [{ mac: '02:00:00:00:01:01', ips: [], network: 'n1', switch: SW1, port: 1 }] }));
    err(deleteNetwork(s, 'n1'), 'network_in_use', 409, 'network');
    const r = deleteNetwork(s, 'absent');
    expect(r.ok && r.changes).to.deep.equal([]);
  });
});
