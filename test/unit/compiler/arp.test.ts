import { expect } from 'chai';
import { answerArp, parseArp } from '../../../src/compiler/arp.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { arp, ethernet } from '../../../src/sim/packets.js';

const S1 = '0000000000000001';
const model: ModelSnapshot = {
  generation: 1,
  networks: new Map([
    ['pub', { name: 'pub', tenant: 'isp', kind: 'public', cidrs: [], gateways: [{ mac: '02:00:00:00:09:01', ips: ['198.51.100.1'], switch: S1, port: 9 }], segment: 2 }],
    ['blue', { name: 'blue', tenant: 't1', kind: 'private', cidrs: [], gateways: [], segment: 1 }],
  ]),
  vms: new Map([
    ['a', { name: 'a', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:0a', ips: ['198.51.100.10'], network: 'pub', switch: S1, port: 'vnet1' }] }],
    ['b', { name: 'b', tenant: 't2', interfaces: [{ mac: '02:00:00:00:00:0b', ips: ['198.51.100.11'], network: 'pub', switch: S1, port: 2 }] }],
    ['c', { name: 'c', tenant: 't2', interfaces: [{ mac: '02:00:00:00:00:0c', ips: ['198.51.100.12'], network: 'pub', switch: S1, port: 3 }] }],
    ['d', { name: 'd', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:0d', ips: ['10.0.0.4'], network: 'blue', switch: S1, port: 4 }], migration: { destinations: [{ mac: '02:00:00:00:00:0d', switch: '0000000000000002', port: 1 }], activated: false } }],
    ['e', { name: 'e', tenant: 't9', interfaces: [{ mac: '02:00:00:00:00:0e', ips: ['10.0.0.5'], network: 'blue', switch: S1, port: 5 }] }],
  ]),
  relations: new Map(),
};

const request = (src: string, spa: string, tpa: string, sha = src): Uint8Array => ethernet('ff:ff:ff:ff:ff:ff', src, 0x0806, arp(1, sha, spa, '00:00:00:00:00:00', tpa));

describe('compiler: answerArp', () => {
  it('answers a reachable target with a reply built from the model', () => {
    const reply = answerArp(model, { dpid: S1, portNo: 3 }, request('02:00:00:00:00:0c', '198.51.100.12', '198.51.100.11'))!;
    // Bytes written out by hand from RFC 826, not by Spotlight's builder.
    const want = ethernet('02:00:00:00:00:0c', '02:00:00:00:00:0b', 0x0806, arp(2, '02:00:00:00:00:0b', '198.51.100.11', '02:00:00:00:00:0c', '198.51.100.12'));
    expect(Buffer.from(reply).toString('hex')).to.equal(Buffer.from(want).toString('hex'));
  });

  it('answers gateways for everyone, and a port named in the model', () => {
    expect(parseArp(answerArp(model, { dpid: S1, portNo: 1, portName: 'vnet1' }, request('02:00:00:00:00:0a', '198.51.100.10', '198.51.100.1'))!)!.sha).to.equal('02:00:00:00:09:01');
    expect(answerArp(model, { dpid: S1, portNo: 1 }, request('02:00:00:00:00:0a', '198.51.100.10', '198.51.100.1'))).to.equal(null);
  });

  it('refuses unreachable targets, forged senders, probes and strangers', () => {
    expect(answerArp(model, { dpid: S1, portNo: 2 }, request('02:00:00:00:00:0b', '198.51.100.11', '198.51.100.10'))).to.equal(null);
    expect(answerArp(model, { dpid: S1, portNo: 3 }, request('02:00:00:00:00:0c', '198.51.100.12', '198.51.100.11', '02:00:00:00:00:0b'))).to.equal(null);
    expect(answerArp(model, { dpid: S1, portNo: 3 }, request('02:00:00:00:00:0c', '198.51.100.11', '198.51.100.11'))).to.equal(null);
    expect(answerArp(model, { dpid: S1, portNo: 3 }, request('02:00:00:00:00:0c', '0.0.0.0', '198.51.100.11'))).to.equal(null);
    expect(answerArp(model, { dpid: S1, portNo: 7 }, request('02:00:00:00:00:0c', '198.51.100.12', '198.51.100.11'))).to.equal(null);
    expect(answerArp(model, { dpid: S1, portNo: 3 }, new Uint8Array(10))).to.equal(null);
  });

  it('answers on a private network whatever the tenants, and at a migration destination', () => {
    expect(answerArp(model, { dpid: S1, portNo: 5 }, request('02:00:00:00:00:0e', '10.0.0.5', '10.0.0.4'))).to.not.equal(null);
    expect(answerArp(model, { dpid: '0000000000000002', portNo: 1 }, request('02:00:00:00:00:0d', '10.0.0.4', '10.0.0.5'))).to.not.equal(null);
  });
});
