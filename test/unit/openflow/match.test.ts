// Every OpenFlow-basic OXM field, exact and masked where the spec allows a
// mask, with its prerequisites: round trip, and ovs-ofctl reads it cleanly.
import { expect } from 'chai';
import { decodeMessage, encodeMessage, tryEncodeMessage, type Match, type OfpMessage } from '../../../src/openflow/index.js';
import { OXM_FIELDS } from '../../../src/openflow/of13/oxm-fields.js';
import { haveOvsOfctl, ofpPrintChecked } from './helpers.js';

type Val = string | number | bigint;
/** A value and a valid mask per field, plus the prerequisites it needs. */
const CASES: Record<string, { v: Val; m?: Val; pre?: Match; ovs?: string }> = {
  inPort: { v: 3, ovs: 'in_port=3' },
  inPhyPort: { v: 3, pre: { inPort: 3 } },
  metadata: { v: 0x1200n, m: 0xff00n, ovs: 'metadata=0x1200' },
  ethDst: { v: '02:00:00:00:00:00', m: 'ff:ff:ff:00:00:00', ovs: 'dl_dst=02:00:00:00:00:00' },
  ethSrc: { v: '02:00:00:00:00:02', m: '02:00:00:00:00:02', ovs: 'dl_src=02:00:00:00:00:02' },
  ethType: { v: 0x0800, ovs: 'ip' },
  vlanVid: { v: 0x1000 | 10, m: 0x1fff, ovs: 'dl_vlan=10' },
  vlanPcp: { v: 5, pre: { vlanVid: 0x1000 | 10 }, ovs: 'dl_vlan_pcp=5' },
  ipDscp: { v: 46, pre: { ethType: 0x0800 }, ovs: 'nw_tos=184' },
  ipEcn: { v: 3, pre: { ethType: 0x86dd }, ovs: 'nw_ecn=3' },
  ipProto: { v: 47, pre: { ethType: 0x0800 }, ovs: 'nw_proto=47' },
  ipv4Src: { v: '10.1.0.0', m: '255.255.0.0', pre: { ethType: 0x0800 }, ovs: 'nw_src=10.1.0.0' },
  ipv4Dst: { v: '10.2.0.1', m: '255.255.255.255', pre: { ethType: 0x0800 }, ovs: 'nw_dst=10.2.0.1' },
  tcpSrc: { v: 1000, pre: { ethType: 0x0800, ipProto: 6 }, ovs: 'tp_src=1000' },
  tcpDst: { v: 80, pre: { ethType: 0x86dd, ipProto: 6 }, ovs: 'tp_dst=80' },
  udpSrc: { v: 68, pre: { ethType: 0x0800, ipProto: 17 }, ovs: 'tp_src=68' },
  udpDst: { v: 67, pre: { ethType: 0x0800, ipProto: 17 }, ovs: 'tp_dst=67' },
  sctpSrc: { v: 5, pre: { ethType: 0x0800, ipProto: 132 }, ovs: 'tp_src=5' },
  sctpDst: { v: 6, pre: { ethType: 0x0800, ipProto: 132 }, ovs: 'tp_dst=6' },
  icmpv4Type: { v: 8, pre: { ethType: 0x0800, ipProto: 1 }, ovs: 'icmp_type=8' },
  icmpv4Code: { v: 0, pre: { ethType: 0x0800, ipProto: 1 }, ovs: 'icmp_code=0' },
  arpOp: { v: 2, pre: { ethType: 0x0806 }, ovs: 'arp_op=2' },
  arpSpa: { v: '10.0.0.0', m: '255.0.0.0', pre: { ethType: 0x0806 }, ovs: 'arp_spa=10.0.0.0' },
  arpTpa: { v: '10.0.0.7', m: '255.255.255.255', pre: { ethType: 0x0806 }, ovs: 'arp_tpa=10.0.0.7' },
  arpSha: { v: '02:00:00:00:00:03', m: 'ff:ff:ff:ff:ff:ff', pre: { ethType: 0x0806 }, ovs: 'arp_sha=02:00:00:00:00:03' },
  arpTha: { v: '02:00:00:00:00:00', m: 'ff:00:00:00:00:00', pre: { ethType: 0x0806 }, ovs: 'arp_tha=02:00:00:00:00:00' },
  ipv6Src: { v: '2001:db8::', m: 'ffff:ffff::', pre: { ethType: 0x86dd }, ovs: 'ipv6_src=2001:db8::' },
  ipv6Dst: { v: 'fe80::1', m: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', pre: { ethType: 0x86dd }, ovs: 'ipv6_dst=fe80::1' },
  ipv6Flabel: { v: 0x12300, m: 0xfff00, pre: { ethType: 0x86dd }, ovs: 'ipv6_label=0x12300' },
  icmpv6Type: { v: 135, pre: { ethType: 0x86dd, ipProto: 58 }, ovs: 'icmp_type=135' },
  icmpv6Code: { v: 0, pre: { ethType: 0x86dd, ipProto: 58 }, ovs: 'icmp_code=0' },
  ipv6NdTarget: { v: '2001:db8::9', pre: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 136 }, ovs: 'nd_target=2001:db8::9' },
  ipv6NdSll: { v: '02:00:00:00:00:04', pre: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 135 }, ovs: 'nd_sll=02:00:00:00:00:04' },
  ipv6NdTll: { v: '02:00:00:00:00:05', pre: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 136 }, ovs: 'nd_tll=02:00:00:00:00:05' },
  mplsLabel: { v: 0xfffff, pre: { ethType: 0x8847 }, ovs: 'mpls_label=1048575' },
  mplsTc: { v: 7, pre: { ethType: 0x8848 }, ovs: 'mpls_tc=7' },
  mplsBos: { v: 1, pre: { ethType: 0x8847 }, ovs: 'mpls_bos=1' },
  pbbIsid: { v: 0xabcdef, m: 0xffffff, pre: { ethType: 0x88e7 } },
  tunnelId: { v: 0xffn, m: 0xffffn, ovs: 'tun_id=0xff' },
  ipv6Exthdr: { v: 0x100, m: 0x100, pre: { ethType: 0x86dd } },
};

function flowMod(match: Match): OfpMessage {
  return {
    version: 4, xid: 1, type: 'flowMod', cookie: 0n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0, priority: 1,
    bufferId: 0xffffffff, outPort: 0xffffffff, outGroup: 0xffffffff, flags: {}, match, instructions: [],
  };
}

describe('openflow OXM fields', () => {
  it('has a case for every OpenFlow-basic field', () => {
    expect(Object.keys(CASES).sort()).to.deep.equal(OXM_FIELDS.map((f) => f.name).sort());
  });

  for (const f of OXM_FIELDS) {
    const c = CASES[f.name]!;
    const variants: [string, Match][] = [['exact', { ...c.pre, [f.name]: c.v }]];
    if (f.maskable) variants.push(['masked', { ...c.pre, [f.name]: { value: c.v, mask: c.m } }]);
    for (const [label, match] of variants) {
      it(`${f.name} ${label}: round trip${c.ovs ? ' and ovs-ofctl' : ''}`, function () {
        const bytes = encodeMessage(flowMod(match));
        const r = decodeMessage(bytes);
        if (!r.ok) throw new Error(r.error.message);
        expect(r.message.type === 'flowMod' && r.message.match).to.deep.equal(match);
        if (!c.ovs || !haveOvsOfctl()) return;
        const { text, warnings } = ofpPrintChecked(bytes);
        expect(warnings).to.equal('');
        expect(text).to.include(c.ovs);
      });
    }
    if (!f.maskable) {
      it(`${f.name} refuses a mask`, () => {
        const r = tryEncodeMessage(flowMod({ ...c.pre, [f.name]: { value: c.v, mask: c.v } } as Match));
        expect(r.ok || r.error.code).to.equal('BAD_OXM_MASK');
      });
    }
    if (f.prereq) {
      it(`${f.name} without its prerequisite: BAD_OXM_PREREQ`, () => {
        const r = tryEncodeMessage(flowMod({ [f.name]: c.v } as Match));
        expect(r.ok || r.error.code).to.equal('BAD_OXM_PREREQ');
      });
    }
  }

  it('OF1.3 "no tag" (vlanVid 0) forbids vlanPcp; "any tag" (masked VID_PRESENT) allows it', () => {
    expect(tryEncodeMessage(flowMod({ vlanVid: 0, vlanPcp: 1 })).ok).to.equal(false);
    expect(tryEncodeMessage(flowMod({ vlanVid: { value: 0x1000, mask: 0x1000 }, vlanPcp: 1 })).ok).to.equal(true);
  });
});
