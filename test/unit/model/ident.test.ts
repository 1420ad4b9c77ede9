import { expect } from 'chai';
import { switchDpid, canonicalMac, canonicalPort, isHostOf, isValidName, parseCidr, parseHostIp } from '../../../src/model/ident.js';

describe('model identifiers', () => {
  it('canonicalises unicast MACs to lower case and refuses the rest', () => {
    expect(canonicalMac('AA:BB:CC:DD:EE:FF')).to.equal('aa:bb:cc:dd:ee:ff');
    expect(canonicalMac('52:54:00:12:34:56')).to.equal('52:54:00:12:34:56');
    for (const bad of ['01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '33:33:00:00:00:01', '00:00:00:00:00:00', 'aa-bb-cc-dd-ee-ff', 'aabbccddeeff', 'aa:bb:cc:dd:ee', 'gg:bb:cc:dd:ee:ff', 42, null]) {
      expect(canonicalMac(bad), String(bad)).to.equal(undefined);
    }
  });

  it('accepts datapath ids in hex, colon form or as configured names', () => {
    expect(switchDpid('0000000000000001')).to.equal('0000000000000001');
    expect(switchDpid('00:00:00:00:00:00:00:0A')).to.equal('000000000000000a');
    expect(switchDpid('00000000000000AB')).to.equal('00000000000000ab');
    expect(switchDpid('s1')).to.equal(undefined);
    expect(switchDpid('s1', (n) => (n === 's1' ? '0000000000000001' : undefined))).to.equal('0000000000000001');
    expect(switchDpid('s2', (n) => (n === 's1' ? '0000000000000001' : undefined))).to.equal(undefined);
    expect(switchDpid('1')).to.equal(undefined);
    expect(switchDpid('000000000000000001')).to.equal(undefined);
  });

  it('takes ports as names or numbers 1..OFPP_MAX', () => {
    expect(canonicalPort('vnet3')).to.equal('vnet3');
    expect(canonicalPort(7)).to.equal(7);
    expect(canonicalPort(0xffffff00)).to.equal(0xffffff00);
    for (const bad of [0, -1, 1.5, 0xffffff01, '', 'has space', 'x'.repeat(65), true]) expect(canonicalPort(bad), String(bad)).to.equal(undefined);
  });

  it('parses host IPs in canonical form and refuses special ones', () => {
    expect(parseHostIp('10.1.0.5')?.text).to.equal('10.1.0.5');
    expect(parseHostIp('2001:DB8:0:0::0001')?.text).to.equal('2001:db8::1');
    for (const bad of ['10.1.0.5/24', '0.0.0.0', '127.0.0.1', '224.0.0.1', '255.255.255.255', '::', '::1', 'ff02::1', '10.1.0.256', 'fe80::1%eth0', 'x']) {
      expect(parseHostIp(bad), bad).to.equal(undefined);
    }
  });

  it('parses cidrs only with zero host bits', () => {
    expect(parseCidr('10.1.0.0/24')?.text).to.equal('10.1.0.0/24');
    expect(parseCidr('2001:DB8::/64')?.text).to.equal('2001:db8::/64');
    for (const bad of ['10.1.0.1/24', '10.1.0.0', '10.1.0.0/33', '2001:db8::1/64', '10.1.0.0/0', 'x/8']) expect(parseCidr(bad), bad).to.equal(undefined);
  });

  it('treats network and broadcast addresses of IPv4 prefixes as non-hosts', () => {
    const c = parseCidr('10.1.0.0/24')!;
    expect(isHostOf(parseHostIp('10.1.0.1')!, c)).to.equal(true);
    expect(isHostOf(parseHostIp('10.1.0.254')!, c)).to.equal(true);
    expect(isHostOf(parseHostIp('10.1.0.255')!, c)).to.equal(false);
    expect(isHostOf(parseHostIp('10.1.1.1')!, c)).to.equal(false);
    expect(isHostOf(parseHostIp('2001:db8::1')!, c)).to.equal(false);
    const p2p = parseCidr('10.9.0.0/31')!;
    expect(isHostOf(parseHostIp('10.9.0.0')!, p2p)).to.equal(true);
  });

  it('accepts names of letters, digits and ._:@+- only', () => {
    expect(isValidName('vm-1.example:a@b+c_d')).to.equal(true);
    for (const bad of ['', 'a b', 'a/b', '-x', 'x'.repeat(129), 'é']) expect(isValidName(bad), bad).to.equal(false);
  });
});
