import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../../../src/openflow/wire-values.js';
import { type Match } from '../../../src/openflow/flow-model.js';
import { canonicalMatch, canonicalMatchText, flowKey, keyAndNormalize, normalizedMatch } from '../../../src/reconcile/match-key.js';

function text(m: Match, v: OfVersion): string {
  const c = canonicalMatch(m, v);
  if (!c.ok) throw new Error(c.error.message);
  return canonicalMatchText(c.fields);
}

describe('reconcile/match-key: flow identity as the switch reports it', () => {
  for (const v of [OFP10_VERSION, OFP13_VERSION] as OfVersion[]) {
    describe(`OF version ${v}`, () => {
      it('ignores field order and MAC case', () => {
        const a: Match = { inPort: 3, ethSrc: 'AA:BB:CC:00:11:22', ethType: 0x0800 };
        const b: Match = { ethType: 0x0800, ethSrc: 'aa:bb:cc:00:11:22', inPort: 3 };
        expect(text(a, v)).to.equal(text(b, v));
        expect(flowKey(0, 100, a, v)).to.deep.equal(flowKey(0, 100, b, v));
      });
      it('drops an all-ones mask and wildcards a zero mask', () => {
        expect(text({ ethSrc: { value: '00:00:00:00:00:01', mask: 'ff:ff:ff:ff:ff:ff' } }, v)).to.equal(text({ ethSrc: '00:00:00:00:00:01' }, v));
        expect(text({ ethType: 0x0800, ipv4Dst: { value: '10.0.0.1', mask: '0.0.0.0' } }, v)).to.equal(text({ ethType: 0x0800 }, v));
      });
      it('clears value bits outside the mask, and reads a prefix length as a mask', () => {
        const dotted = text({ ethType: 0x0800, ipv4Src: { value: '10.0.0.5', mask: '255.255.255.0' } }, v);
        expect(dotted).to.equal(text({ ethType: 0x0800, ipv4Src: { value: '10.0.0.0', mask: '24' } }, v));
        expect(dotted).to.contain('ipv4Src=10.0.0.0/255.255.255.0');
      });
      it('tells priority and table apart', () => {
        const m: Match = { inPort: 1 };
        const k = (t: number, p: number) => (flowKey(t, p, m, v) as { key: string }).key;
        expect(k(0, 10)).to.not.equal(k(0, 11));
        expect(k(0, 10)).to.not.equal(k(1, 10));
      });
      it('keeps a match already in normal form as it is (one object per flow), and builds the normal form of any other', () => {
        const given: Match[] = [
          { inPort: 3, ethSrc: 'AA:BB:CC:00:11:22', ethType: 0x0800 },
          { ethType: 0x0800, ipv4Src: { value: '10.0.0.5', mask: '255.255.255.0' } },
          { ethSrc: { value: '00:00:00:00:00:01', mask: 'ff:ff:ff:ff:ff:ff' } },
          { inPort: 1, ethDst: { value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' } },
        ];
        for (const m of given) {
          const first = keyAndNormalize(0, 100, m, v);
          if (!first.ok) throw new Error('not keyed');
          const again = keyAndNormalize(0, 100, first.match, v);
          if (!again.ok) throw new Error('not keyed');
          expect(again.match, JSON.stringify(m)).to.equal(first.match);
          expect(again.key).to.equal(first.key);
        }
        const normal = keyAndNormalize(0, 100, given[0]!, v);
        expect(normal.ok && normal.match).to.not.equal(given[0]);
        expect(normal.ok && normal.match).to.deep.equal(normalizedMatch(given[0]!, v));
      });
      it('is a typed error for a malformed value, never a throw', () => {
        const r = canonicalMatch({ ethSrc: 'not-a-mac' }, v);
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(r.error).to.include({ code: 'BAD_MATCH_VALUE', field: 'ethSrc' });
        expect(canonicalMatch({ ethType: 0x800, ipv4Src: '10.0.0.256' }, v).ok).to.equal(false);
      });
    });
  }

  it('OF1.3: one text form for IPv6 (expanded, upper case, IPv4-mapped)', () => {
    const v = OFP13_VERSION;
    expect(text({ ethType: 0x86dd, ipv6Src: '2001:0DB8:0000:0000:0000:0000:0000:0001' }, v)).to.equal(text({ ethType: 0x86dd, ipv6Src: '2001:db8::1' }, v));
    expect(text({ ethType: 0x86dd, ipv6Dst: '::ffff:192.168.0.1' }, v)).to.equal(text({ ethType: 0x86dd, ipv6Dst: '::ffff:c0a8:1' }, v));
    expect(text({ ethType: 0x86dd, ipv6Src: { value: '2001:db8::77', mask: '64' } }, v)).to.equal(
      text({ ethType: 0x86dd, ipv6Src: { value: '2001:db8::', mask: 'ffff:ffff:ffff:ffff::' } }, v),
    );
  });

  it('OF1.3: a full 13-bit VLAN mask is exact, "any tag" stays masked', () => {
    const v = OFP13_VERSION;
    expect(text({ vlanVid: { value: 0x1005, mask: 0x1fff } }, v)).to.equal(text({ vlanVid: 0x1005 }, v));
    expect(text({ vlanVid: { value: 0x1000, mask: 0x1000 } }, v)).to.equal('vlanVid=0x1000/0x1000');
  });

  it('OF1.0: fields whose prerequisite is missing are wildcarded, as OVS does', () => {
    const v = OFP10_VERSION;
    expect(text({ ethSrc: 'aa:bb:cc:dd:ee:ff', ipv4Src: '10.0.0.1', tcpDst: 80 }, v)).to.equal('ethSrc=aa:bb:cc:dd:ee:ff');
    expect(text({ ethType: 0x0800, ipProto: 17, tcpDst: 80 }, v)).to.equal('ethType=0x800,ipProto=0x11');
    expect(text({ ethType: 0x0806, arpOp: 1, ipv4Dst: '10.0.0.1' }, v)).to.equal('arpOp=0x1,ethType=0x806');
    expect(text({ vlanVid: 0xffff, vlanPcp: 3 }, v)).to.equal('vlanVid=0xffff');
  });

  it('OF1.0: a flow without any wildcard keys at priority 65535, as OVS stores it', () => {
    // Seen on Open vSwitch 3.1: an OF1.0 add-flow at priority=5 with all twelve
    // fields exact is dumped back with priority=65535.
    const exact: Match = { inPort: 1, ethSrc: '02:00:00:00:00:01', ethDst: '02:00:00:00:00:02', vlanVid: 3, vlanPcp: 1, ethType: 0x0800, ipDscp: 0, ipProto: 6, ipv4Src: '10.0.0.1', ipv4Dst: '10.0.0.2', tcpSrc: 1, tcpDst: 2 };
    const k = (p: number, m: Match, v: OfVersion) => (flowKey(0, p, m, v) as { key: string }).key;
    expect(k(5, exact, OFP10_VERSION)).to.equal(k(65535, exact, OFP10_VERSION));
    expect(k(5, exact, OFP13_VERSION)).to.not.equal(k(65535, exact, OFP13_VERSION));
    const { tcpDst: _drop, ...oneWildcard } = exact;
    expect(k(5, oneWildcard, OFP10_VERSION)).to.not.equal(k(65535, oneWildcard, OFP10_VERSION));
  });

  it('OF1.3: prerequisites are the sender\'s business, nothing is dropped', () => {
    expect(text({ ipv4Src: '10.0.0.1' }, OFP13_VERSION)).to.equal('ipv4Src=10.0.0.1');
  });

  it('normalizedMatch gives the form that keys the same', () => {
    const m: Match = { ethType: 0x0800, ipv4Src: { value: '10.0.0.9', mask: '255.255.0.0' }, ethDst: 'AA:00:00:00:00:01', metadata: { value: 0x1ffn, mask: 0xffn } };
    const n = normalizedMatch(m, OFP13_VERSION)!;
    expect(n).to.deep.equal({ ethDst: 'aa:00:00:00:00:01', ethType: 0x800, ipv4Src: { value: '10.0.0.0', mask: '255.255.0.0' }, metadata: { value: 0xffn, mask: 0xffn } });
    expect(text(n, OFP13_VERSION)).to.equal(text(m, OFP13_VERSION));
  });
});

// Open vSwitch's own match normalisation (ovs-ofctl parse-flow) as the oracle:
// each case is a flow in OVS syntax and the same flow as Spotlight would write
// it; OVS's printed (normalised) match must key the same as ours.
function ovsParse(flow: string, v: OfVersion): string | undefined {
  try {
    const out = execFileSync('ovs-ofctl', ['-O', v === OFP10_VERSION ? 'OpenFlow10' : 'OpenFlow13', 'parse-flow', `${flow},actions=drop`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = out.split('\n').find((l) => l.includes('FLOW_MOD'));
    const m = line?.match(/ADD (?:priority=\d+,?)?(.*?) ?actions=/);
    return m ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

const SHORTHAND: Record<string, Match> = {
  ip: { ethType: 0x0800 },
  arp: { ethType: 0x0806 },
  ipv6: { ethType: 0x86dd },
  tcp: { ethType: 0x0800, ipProto: 6 },
  udp: { ethType: 0x0800, ipProto: 17 },
  icmp: { ethType: 0x0800, ipProto: 1 },
  icmp6: { ethType: 0x86dd, ipProto: 58 },
};

function masked(val: string, conv: (s: string) => unknown = (s) => s): unknown {
  const [value, mask] = val.split('/');
  return mask === undefined ? conv(value!) : { value: conv(value!), mask: conv(mask) };
}

/** OVS's printed match -> Match (test-side translation of the oracle's output). */
function fromOvs(printed: string, v: OfVersion): Match {
  const m: Record<string, unknown> = {};
  for (const tok of printed.split(',').filter((t) => t.length > 0)) {
    const [k, val] = tok.split('=') as [string, string | undefined];
    if (val === undefined) {
      Object.assign(m, SHORTHAND[k]);
      continue;
    }
    const num = (s: string) => Number(s);
    const proto = m.ipProto;
    switch (k) {
      case 'in_port': m.inPort = num(val); break;
      case 'dl_src': m.ethSrc = masked(val); break;
      case 'dl_dst': m.ethDst = masked(val); break;
      case 'dl_type': m.ethType = num(val); break;
      case 'dl_vlan': m.vlanVid = v === OFP13_VERSION ? 0x1000 | num(val) : num(val); break;
      case 'dl_vlan_pcp': m.vlanPcp = num(val); break;
      case 'nw_src': if (m.ethType === 0x0806) m.arpSpa = masked(val); else m.ipv4Src = masked(val); break;
      case 'nw_dst': if (m.ethType === 0x0806) m.arpTpa = masked(val); else m.ipv4Dst = masked(val); break;
      case 'arp_spa': m.arpSpa = masked(val); break;
      case 'arp_tpa': m.arpTpa = masked(val); break;
      case 'arp_op': m.arpOp = num(val); break;
      case 'nw_proto': m.ipProto = num(val); break;
      case 'nw_tos': m.ipDscp = num(val) >> 2; break;
      case 'tp_src': m[proto === 17 ? 'udpSrc' : 'tcpSrc'] = num(val); break;
      case 'tp_dst': m[proto === 17 ? 'udpDst' : 'tcpDst'] = num(val); break;
      case 'icmp_type': m[m.ethType === 0x86dd ? 'icmpv6Type' : 'icmpv4Type'] = num(val); break;
      case 'icmp_code': m[m.ethType === 0x86dd ? 'icmpv6Code' : 'icmpv4Code'] = num(val); break;
      case 'ipv6_src': m.ipv6Src = masked(val); break;
      case 'ipv6_dst': m.ipv6Dst = masked(val); break;
      case 'metadata': m.metadata = masked(val, (s) => BigInt(s)); break;
      default: throw new Error(`test translator lacks ${k}`);
    }
  }
  return m as Match;
}

const ORACLE_CASES: { versions: OfVersion[]; ovs: string; ours: Match }[] = [
  { versions: [OFP10_VERSION], ovs: 'priority=5,nw_src=10.0.0.5/24,tp_dst=80,dl_src=AA:BB:CC:DD:EE:FF', ours: { ipv4Src: { value: '10.0.0.5', mask: '24' }, tcpDst: 80, ethSrc: 'AA:BB:CC:DD:EE:FF' } },
  { versions: [OFP10_VERSION], ovs: 'ip,tp_dst=80', ours: { ethType: 0x0800, tcpDst: 80 } },
  { versions: [OFP10_VERSION], ovs: 'arp,nw_proto=1,tp_dst=5', ours: { ethType: 0x0806, arpOp: 1, tcpDst: 5 } },
  { versions: [OFP10_VERSION], ovs: 'nw_proto=6', ours: { ipProto: 6 } },
  { versions: [OFP10_VERSION, OFP13_VERSION], ovs: 'in_port=3,dl_src=00:00:00:00:00:01/ff:ff:ff:ff:ff:ff', ours: { inPort: 3, ethSrc: { value: '00:00:00:00:00:01', mask: 'FF:FF:FF:FF:FF:FF' } } },
  { versions: [OFP10_VERSION, OFP13_VERSION], ovs: 'ip,nw_dst=10.0.0.1/0', ours: { ethType: 0x0800, ipv4Dst: { value: '10.0.0.1', mask: '0' } } },
  { versions: [OFP10_VERSION], ovs: 'dl_vlan=5,dl_vlan_pcp=2,udp,nw_dst=10.9.8.7/255.255.0.0,tp_dst=67', ours: { vlanVid: 5, vlanPcp: 2, ethType: 0x0800, ipProto: 17, ipv4Dst: { value: '10.9.8.7', mask: '255.255.0.0' }, udpDst: 67 } },
  { versions: [OFP13_VERSION], ovs: 'dl_vlan=5,dl_vlan_pcp=2,udp,nw_dst=10.9.8.7/255.255.0.0,tp_dst=67', ours: { vlanVid: 0x1005, vlanPcp: 2, ethType: 0x0800, ipProto: 17, ipv4Dst: { value: '10.9.8.7', mask: '255.255.0.0' }, udpDst: 67 } },
  { versions: [OFP10_VERSION, OFP13_VERSION], ovs: 'arp,arp_op=1,arp_tpa=10.1.2.3/16,arp_spa=10.1.0.9', ours: { ethType: 0x0806, arpOp: 1, arpTpa: { value: '10.1.2.3', mask: '16' }, arpSpa: '10.1.0.9' } },
  { versions: [OFP10_VERSION, OFP13_VERSION], ovs: 'tcp,nw_tos=16,tp_src=22', ours: { ethType: 0x0800, ipProto: 6, ipDscp: 4, tcpSrc: 22 } },
  { versions: [OFP13_VERSION], ovs: 'ipv6,ipv6_src=2001:0db8:0000::0001/64,ipv6_dst=FE80:0:0:0:0:0:0:1', ours: { ethType: 0x86dd, ipv6Src: { value: '2001:db8::1', mask: 'ffff:ffff:ffff:ffff::' }, ipv6Dst: 'fe80::1' } },
  { versions: [OFP13_VERSION], ovs: 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,metadata=0x5/0xff', ours: { ethDst: { value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' }, metadata: { value: 0x105n, mask: 0xffn } } },
  { versions: [OFP13_VERSION], ovs: 'icmp6,icmp_type=134', ours: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 134 } },
];

describe('reconcile/match-key against ovs-ofctl parse-flow', function () {
  before(function () {
    if (ovsParse('ip', OFP13_VERSION) === undefined) this.skip();
  });
  for (const c of ORACLE_CASES) {
    for (const v of c.versions) {
      it(`${v === OFP10_VERSION ? 'OF1.0' : 'OF1.3'}: ${c.ovs}`, () => {
        const printed = ovsParse(c.ovs, v);
        expect(printed, 'ovs-ofctl parsed the flow').to.not.equal(undefined);
        expect(text(c.ours, v)).to.equal(text(fromOvs(printed!, v), v));
      });
    }
  }
});
