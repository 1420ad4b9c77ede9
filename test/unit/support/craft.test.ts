// The attack tests trust test/support/craft.py to build the frames they name:
// here tshark, which no one here wrote, decodes one frame of every kind with
// checksum validation on, and must read back the same fields and flag nothing.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { linkLocal, type CraftFrame } from '../../support/craft.js';
import { pcapFile } from '../../support/pcap.js';

const CRAFT = fileURLToPath(new URL('../../support/craft.py', import.meta.url));
const A = '02:00:00:00:0a:01';
const B = '02:00:00:00:0a:02';
const TAG = '5370a77ac4000001';

function build(frames: CraftFrame[]): Buffer[] {
  const arg = Buffer.from(JSON.stringify({ frames })).toString('hex');
  const out = execFileSync('/usr/bin/python3', [CRAFT, 'build', arg], { encoding: 'utf8' });
  return (JSON.parse(out) as { frames: string[] }).frames.map((h) => Buffer.from(h, 'hex'));
}


const FIELDS = ['eth.src', 'eth.dst', 'vlan.id', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'dhcp.option.dhcp', 'dhcp.ip.your', 'icmpv6.type', 'icmpv6.nd.na.target_address', 'icmpv6.nd.ns.target_address', 'icmpv6.opt.linkaddr', 'lldp.chassis.id.mac'];

describe('craft.py frames, read back by tshark', function () {
  this.timeout(30_000);
  let dir = '';
  before(function () {
    if (spawnSync('tshark', ['--version']).status !== 0) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'spotlight-craft-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('every kind decodes to the fields asked for, checksums good, nothing flagged', () => {
    const frames: CraftFrame[] = [
      { kind: 'udp4', src: A, dst: B, srcIp: '10.1.0.1', dstIp: '10.1.0.2', sport: 4067, dport: 4068, tag: TAG },
      { kind: 'udp4', src: A, dst: 'ff:ff:ff:ff:ff:ff', srcIp: '10.1.0.1', dstIp: '255.255.255.255', vlan: 3, tag: TAG },
      { kind: 'udp6', src: A, dst: B, srcIp: linkLocal(A), dstIp: linkLocal(B), tag: TAG },
      { kind: 'arp', src: A, op: 2, spa: '10.1.0.9', tha: B, tpa: '10.1.0.2', dst: B, tag: TAG },
      { kind: 'dhcp-offer', src: A, dst: B, srcIp: '10.1.0.1', dstIp: '10.1.0.2', yiaddr: '10.1.0.2', chaddr: B, tag: TAG },
      { kind: 'ra', src: A, tag: TAG },
      { kind: 'na', src: A, dst: B, dstIp: linkLocal(B), target: linkLocal('02:00:00:00:0a:50'), tag: TAG },
      { kind: 'ns', src: A, target: linkLocal(B), lla: '02:00:00:00:0a:50', tag: TAG },
    ];
    const built = build(frames);
    for (const f of built) expect(f.includes(Buffer.from(TAG, 'hex')), 'tag carried').to.equal(true);
    const file = join(dir, 'frames.pcap');
    writeFileSync(file, pcapFile(built));
    const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
    const rows = execFileSync('tshark', ['-r', file, ...checks, '-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .map((l) => Object.fromEntries(l.split('|').map((v, i) => [FIELDS[i]!, v])));
    expect(rows).to.have.length(frames.length);
    expect(rows[0]).to.include({ 'eth.src': A, 'eth.dst': B, 'ip.src': '10.1.0.1', 'ip.dst': '10.1.0.2', 'udp.srcport': '4067', 'udp.dstport': '4068' });
    expect(rows[1]).to.include({ 'vlan.id': '3', 'ip.dst': '255.255.255.255' });
    expect(rows[2]).to.include({ 'ipv6.src': 'fe80::ff:fe00:a01', 'ipv6.dst': 'fe80::ff:fe00:a02' });
    expect(rows[3]).to.include({ 'arp.opcode': '2', 'arp.src.hw_mac': A, 'arp.src.proto_ipv4': '10.1.0.9', 'arp.dst.proto_ipv4': '10.1.0.2' });
    expect(rows[4]).to.include({ 'udp.srcport': '67', 'udp.dstport': '68', 'dhcp.option.dhcp': '2', 'dhcp.ip.your': '10.1.0.2' });
    expect(rows[5]).to.include({ 'icmpv6.type': '134', 'ipv6.dst': 'ff02::1', 'eth.dst': '33:33:00:00:00:01', 'icmpv6.opt.linkaddr': A });
    expect(rows[6]).to.include({ 'icmpv6.type': '136', 'icmpv6.nd.na.target_address': 'fe80::ff:fe00:a50', 'icmpv6.opt.linkaddr': A });
    expect(rows[7]).to.include({ 'icmpv6.type': '135', 'ipv6.dst': 'ff02::1:ff00:a02', 'eth.dst': '33:33:ff:00:0a:02', 'icmpv6.opt.linkaddr': '02:00:00:00:0a:50' });
    const flagged = execFileSync('tshark', ['-r', file, ...checks, '-Y', '_ws.expert.severity >= warning', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.expert.message'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(flagged.trim(), 'tshark expert warnings').to.equal('');
    const icmp6 = execFileSync('tshark', ['-r', file, '-Y', 'icmpv6', '-T', 'fields', '-e', 'icmpv6.checksum.status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(icmp6.trim().split('\n'), 'ICMPv6 checksums').to.deep.equal(['1', '1', '1']);
  });
});
