// The frames `spotlight trace` builds from a description, read back by tshark
// (an independent dissector): every field the description names is on the wire.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { describePacket } from '../../../src/sim/describe.js';
import { pcapFile } from '../../support/pcap.js';


function tsharkFields(frame: Uint8Array, fields: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-describe-'));
  try {
    const file = join(dir, 'f.pcap');
    writeFileSync(file, pcapFile([frame]));
    const r = spawnSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.trim().split('\t');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function frameOf(text: string): Uint8Array {
  const d = describePacket(text);
  if (!d.ok) throw new Error(d.message);
  return d.packet.frame;
}

describe('trace packet descriptions, read by tshark', function () {
  before(function () {
    if (spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status !== 0) this.skip();
  });

  it('arp request with sender and target', () => {
    const f = frameOf('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=ff:ff:ff:ff:ff:ff arp arp_spa=10.0.0.1 arp_tpa=10.0.0.2');
    expect(tsharkFields(f, ['eth.src', 'eth.dst', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4'])).to.deep.equal([
      '02:00:00:00:00:01', 'ff:ff:ff:ff:ff:ff', '1', '02:00:00:00:00:01', '10.0.0.1', '10.0.0.2',
    ]);
  });

  it('udp over ipv4 on a vlan', () => {
    const f = frameOf('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02 vlan=42 udp ip_src=10.0.0.1 ip_dst=10.0.0.2 udp_src=1234 udp_dst=53');
    expect(tsharkFields(f, ['vlan.id', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport'])).to.deep.equal(['42', '10.0.0.1', '10.0.0.2', '1234', '53']);
  });

  it('dhcp defaults: 0.0.0.0:68 to 255.255.255.255:67', () => {
    const f = frameOf('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=ff:ff:ff:ff:ff:ff dhcp');
    expect(tsharkFields(f, ['ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport'])).to.deep.equal(['0.0.0.0', '255.255.255.255', '68', '67']);
  });

  it('neighbour solicitation with its source link-layer option', () => {
    const f = frameOf('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=33:33:ff:00:00:02 nd_ns ip_src=fd00::1 ip_dst=ff02::1:ff00:2 nd_target=fd00::2 nd_sll=02:00:00:00:00:01');
    expect(tsharkFields(f, ['ipv6.src', 'ipv6.dst', 'icmpv6.type', 'icmpv6.nd.ns.target_address', 'icmpv6.opt.linkaddr'])).to.deep.equal([
      'fd00::1', 'ff02::1:ff00:2', '135', 'fd00::2', '02:00:00:00:00:01',
    ]);
  });

  it('router advertisement', () => {
    const f = frameOf('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=33:33:00:00:00:01 ra ip_src=fe80::1 ip_dst=ff02::1');
    expect(tsharkFields(f, ['icmpv6.type'])).to.deep.equal(['134']);
  });
});

describe('trace packet descriptions: refusals name the word', () => {
  const bad = (text: string): string => {
    const d = describePacket(text);
    expect(d.ok).to.equal(false);
    return d.ok ? '' : d.field;
  };
  it('names the missing or malformed field', () => {
    expect(bad('eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02')).to.equal('in');
    expect(bad('in=s1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02')).to.equal('in');
    expect(bad('in=s1:1 eth_src=02:00:00:00:00:01')).to.equal('eth_dst');
    expect(bad('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02 ipv4 ip_src=10.0.0.300 ip_dst=10.0.0.1')).to.equal('ip_src');
    expect(bad('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02 tcp')).to.equal('tcp');
    expect(bad('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02 colour=red')).to.equal('colour');
    expect(bad('in=s1:1 eth_src=02:00:00:00:00:01 eth_dst=02:00:00:00:00:02 vlan=5000')).to.equal('vlan');
  });
});
