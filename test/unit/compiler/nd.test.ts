import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerNd } from '../../../src/compiler/nd.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { ethernet, ipv6, nd, parse } from '../../../src/sim/packets.js';
import { icmpv6ChecksumOk } from '../../support/icmpv6-checksum.js';
import { pcapFile } from '../../support/pcap.js';

const S1 = '0000000000000001';
const model: ModelSnapshot = {
  generation: 1,
  networks: new Map([['pub', { name: 'pub', tenant: 'isp', kind: 'public', cidrs: [], gateways: [{ mac: '02:00:00:00:09:01', ips: ['2001:db8::1'], switch: S1, port: 9 }], segment: 2 }]]),
  vms: new Map([
    ['a', { name: 'a', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:0a', ips: ['2001:db8::a'], network: 'pub', switch: S1, port: 1 }] }],
    ['b', { name: 'b', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:0b', ips: ['2001:db8::b'], network: 'pub', switch: S1, port: 2 }] }],
    ['c', { name: 'c', tenant: 't2', interfaces: [{ mac: '02:00:00:00:00:0c', ips: ['2001:db8::c'], network: 'pub', switch: S1, port: 3 }] }],
  ]),
  relations: new Map(),
};
const ns = (src: string, ip: string, target: string, sll: string | undefined = src): Uint8Array => ethernet('33:33:ff:00:00:0b', src, 0x86dd, ipv6(ip, 'ff02::1:ff00:b', 58, nd(135, target, sll)));

function tsharkFields(frame: Uint8Array): string | null {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-nd-'));
  try {
    const file = join(dir, 'na.pcap');
    writeFileSync(file, pcapFile([frame]));
    return execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'icmpv6.type', '-e', 'icmpv6.checksum.status', '-e', 'icmpv6.nd.na.target_address', '-e', 'icmpv6.opt.linkaddr', '-e', 'icmpv6.nd.na.flag.s', '-e', 'ipv6.dst'], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('compiler: answerNd', () => {
  it('answers a reachable target with a solicited advertisement that tshark decodes as valid', () => {
    const na = answerNd(model, { dpid: S1, portNo: 1 }, ns('02:00:00:00:00:0a', '2001:db8::a', '2001:db8::b'))!;
    expect(na).to.not.equal(null);
    const f = parse(na);
    expect([f.ethDst, f.ethSrc, f.ipv6Src, f.ipv6Dst, f.icmpv6Type, f.ndTarget, f.ndTll]).to.deep.equal(['02:00:00:00:00:0a', '02:00:00:00:00:0b', '2001:db8::b', '2001:db8::a', 136, '2001:db8::b', '02:00:00:00:00:0b']);
    expect(icmpv6ChecksumOk(na)).to.equal(true);
    const t = tsharkFields(na);
    // checksum status 1 is Wireshark's "Good".
    if (t !== null) expect(t.split('\t')).to.deep.equal(['136', '1', '2001:db8::b', '02:00:00:00:00:0b', '1', '2001:db8::a']);
  });

  it('answers for gateways and link-local targets, from a link-local source, without an SLL option', () => {
    expect(answerNd(model, { dpid: S1, portNo: 3 }, ns('02:00:00:00:00:0c', 'fe80::ff:fe00:c', '2001:db8::1', undefined))).to.not.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 9 }, ns('02:00:00:00:09:01', '2001:db8::1', 'fe80::ff:fe00:c'))).to.not.equal(null);
  });

  it('refuses unreachable targets, forged options and sources, DAD and strangers', () => {
    expect(answerNd(model, { dpid: S1, portNo: 3 }, ns('02:00:00:00:00:0c', '2001:db8::c', '2001:db8::a'))).to.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 1 }, ns('02:00:00:00:00:0a', '2001:db8::a', '2001:db8::b', '02:00:00:00:00:0c'))).to.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 1 }, ns('02:00:00:00:00:0a', '2001:db8::c', '2001:db8::b'))).to.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 1 }, ns('02:00:00:00:00:0a', '::', '2001:db8::b', undefined))).to.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 5 }, ns('02:00:00:00:00:0a', '2001:db8::a', '2001:db8::b'))).to.equal(null);
    expect(answerNd(model, { dpid: S1, portNo: 1 }, new Uint8Array(60))).to.equal(null);
  });
});
