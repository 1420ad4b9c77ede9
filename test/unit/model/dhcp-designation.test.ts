import { expect } from 'chai';
import { putNetwork, vmStart, vmStop, type NetworkInput, type VmStartInput } from '../../../src/model/index.js';
import { emptySnapshot, err, ok, SW1 } from './helpers.js';

// dhcp names which endpoint of the network is its DHCP server (by MAC); it holds no MAC or IP itself.
const SERVER = '52:54:00:00:00:53';
const net = (o: Partial<NetworkInput> = {}): NetworkInput => ({ tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], dhcp: { mac: SERVER, ip: '10.1.0.53' }, ...o });
const dnsmasq = (o: Partial<VmStartInput> = {}): VmStartInput => ({
  vm: 'dnsmasq', tenant: 't1', interfaces: [{ mac: SERVER, ips: ['10.1.0.53'], network: 'n1', switch: SW1, port: 'vnet0' }], ...o,
});

describe('model: the DHCP server designation', () => {
  it('lets a VM interface with the designated MAC start after the network names it', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', net()));
    s = ok(vmStart(s, dnsmasq()));
    expect(s.vms.get('dnsmasq')!.interfaces[0]!.mac).to.equal(SERVER);
    expect(s.networks.get('n1')!.dhcp).to.deep.equal({ mac: SERVER, ip: '10.1.0.53' });
  });

  it('lets a network designate a VM interface that is already attached', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', net({ dhcp: undefined })));
    s = ok(vmStart(s, dnsmasq()));
    s = ok(putNetwork(s, 'n1', net({ dhcp: { mac: SERVER.toUpperCase(), ip: '10.1.0.53' } })));
    expect(s.networks.get('n1')!.dhcp).to.deep.equal({ mac: SERVER, ip: '10.1.0.53' });
  });

  it('ends in the same records whichever of the two writes comes first', () => {
    const a = ok(vmStart(ok(putNetwork(emptySnapshot(), 'n1', net())), dnsmasq()));
    let b = ok(putNetwork(emptySnapshot(), 'n1', net({ dhcp: undefined })));
    b = ok(vmStart(b, dnsmasq()));
    b = ok(putNetwork(b, 'n1', net()));
    expect(b.networks.get('n1')).to.deep.equal(a.networks.get('n1'));
    expect(b.vms.get('dnsmasq')).to.deep.equal(a.vms.get('dnsmasq'));
  });

  it('lets the network designate one of its own gateways, with or without the gateway holding dhcp.ip', () => {
    const gw = { mac: SERVER, ips: ['10.1.0.1'], switch: SW1, port: 'up' };
    const s = ok(putNetwork(emptySnapshot(), 'n1', net({ dhcp: { mac: SERVER, ip: '10.1.0.1' }, gateways: [gw] })));
    expect(s.networks.get('n1')!.gateways[0]!.mac).to.equal(SERVER);
    ok(putNetwork(emptySnapshot(), 'n1', net({ gateways: [gw] })));
  });

  it('keeps the server by MAC when its holder does not hold dhcp.ip; that ip claims nothing', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', net()));
    s = ok(vmStart(s, dnsmasq({ interfaces: [{ mac: SERVER, ips: ['10.1.0.9'], network: 'n1', switch: SW1, port: 'vnet0' }] })));
    // Another VM may hold the designated ip: the designation does not reserve it.
    s = ok(vmStart(s, { vm: 'other', tenant: 't1', interfaces: [{ mac: '52:54:00:00:00:01', ips: ['10.1.0.53'], network: 'n1', switch: SW1, port: 'vnet1' }] }));
    expect(s.networks.get('n1')!.dhcp!.mac).to.equal(SERVER);
  });

  it('still checks the designation itself: a unicast MAC and an ip inside the cidrs', () => {
    const s = emptySnapshot();
    err(putNetwork(s, 'n1', net({ dhcp: { mac: '01:00:5e:00:00:01', ip: '10.1.0.53' } })), 'invalid_mac', 400, 'dhcp.mac');
    err(putNetwork(s, 'n1', net({ dhcp: { mac: SERVER, ip: 'x' } })), 'invalid_ip', 400, 'dhcp.ip');
    err(putNetwork(s, 'n1', net({ dhcp: { mac: SERVER, ip: '10.2.0.53' } })), 'ip_outside_cidrs', 409, 'dhcp.ip');
    err(putNetwork(s, 'n1', net({ dhcp: { mac: SERVER, ip: '10.1.0.0' } })), 'ip_outside_cidrs', 409, 'dhcp.ip');
  });

  it('keeps conflicts between real holders: two interfaces, or an interface and a gateway', () => {
    let s = ok(putNetwork(emptySnapshot(), 'n1', net()));
    s = ok(vmStart(s, dnsmasq()));
    err(vmStart(s, dnsmasq({ vm: 'twin', interfaces: [{ mac: SERVER, ips: ['10.1.0.54'], network: 'n1', switch: SW1, port: 'vnet2' }] })), 'mac_in_use', 409, 'interfaces[0].mac');
    err(vmStart(s, dnsmasq({ vm: 'twin', interfaces: [{ mac: '52:54:00:00:00:54', ips: ['10.1.0.53'], network: 'n1', switch: SW1, port: 'vnet2' }] })), 'ip_in_use', 409, 'interfaces[0].ips[0]');
    err(putNetwork(s, 'n1', net({ gateways: [{ mac: SERVER, ips: [], switch: SW1, port: 'up' }] })), 'mac_in_use', 409, 'gateways[0].mac');
    const withGw = ok(putNetwork(emptySnapshot(), 'n1', net({ gateways: [{ mac: SERVER, ips: ['10.1.0.1'], switch: SW1, port: 'up' }] })));
    err(vmStart(withGw, dnsmasq()), 'mac_in_use', 409, 'interfaces[0].mac');
  });

  it('frees nothing and blocks nothing when the server stops: the next holder of the MAC may start', () => {
    let s = ok(vmStart(ok(putNetwork(emptySnapshot(), 'n1', net())), dnsmasq()));
    s = ok(vmStop(s, 'dnsmasq'));
    s = ok(vmStart(s, dnsmasq({ vm: 'dnsmasq2' })));
    expect([...s.vms.keys()]).to.deep.equal(['dnsmasq2']);
  });
});
