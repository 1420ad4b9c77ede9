// Messages that Open vSwitch and python3-openflow encoded decode to what
// ovs-ofctl says they are, and re-encode to the same bytes (or, where OVS
// orders OXM fields differently from our canonical order, to bytes that
// ovs-ofctl prints identically).
import { expect } from 'chai';
import { decodeMessage, encodeMessage, formatDpid, type OfpMessage } from '../../../src/openflow/index.js';
import { firstLine, haveOvsOfctl, hex, loadFixtures, ofpPrint } from './helpers.js';

const captured = loadFixtures('captured.json');
const pyof = loadFixtures('pyof.json');

function decodeOk(h: string): OfpMessage {
  const r = decodeMessage(hex(h));
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} @${r.error.offset}`);
  return r.message;
}

function find(list: typeof captured, prefix: RegExp): OfpMessage {
  const f = list.find((m) => prefix.test(firstLine(m.ofpPrint)));
  if (!f) throw new Error(`no fixture matching ${prefix}`);
  return decodeOk(f.hex);
}

describe('openflow fixtures from independent encoders', () => {
  it('holds enough captured messages of both versions', () => {
    expect(captured.filter((m) => m.hex.startsWith('01')).length).to.be.greaterThan(25);
    expect(captured.filter((m) => m.hex.startsWith('04')).length).to.be.greaterThan(40);
  });

  for (const [set, list] of [['captured', captured], ['pyof', pyof]] as const) {
    for (const fx of list) {
      const title = `${set}: ${fx.name ?? firstLine(fx.ofpPrint).slice(0, 90)}`;
      it(`${title} decodes and re-encodes`, function () {
        const bytes = hex(fx.hex);
        const r = decodeMessage(bytes);
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} @${r.error.offset}`);
        const again = encodeMessage(r.message);
        // decode(encode(decode(x))) equals decode(x) in every case.
        const r2 = decodeMessage(again);
        expect(r2.ok).to.equal(true);
        if (r2.ok) expect(r2.message).to.deep.equal(r.message);
        if (Buffer.from(again).equals(Buffer.from(bytes))) return;
        // Only OXM field order may differ; ovs-ofctl must print both the same.
        expect(again.length).to.equal(bytes.length);
        if (!haveOvsOfctl()) this.skip();
        expect(ofpPrint(again)).to.equal(fx.ofpPrint);
      });
    }
  }

  describe('decoded values match what ovs-ofctl reads', () => {
    it('OF1.0 features reply: datapath id and ports', () => {
      const fx = captured.find((m) => m.hex.startsWith('0106'))!;
      const m = decodeOk(fx.hex);
      if (m.type !== 'featuresReply') throw new Error(m.type);
      expect(fx.ofpPrint).to.include(`dpid:${formatDpid(m.datapathId)}`);
      expect(m.ports.length).to.be.greaterThan(0);
      for (const p of m.ports) {
        const label = p.portNo === 0xfffffffe ? 'LOCAL' : String(p.portNo);
        expect(fx.ofpPrint).to.include(`${label}(${p.name}): addr:${p.hwAddr}`);
      }
    });

    it('OF1.3 features reply and port-desc reply', () => {
      const fx = captured.find((m) => m.hex.startsWith('0406'))!;
      const m = decodeOk(fx.hex);
      if (m.type !== 'featuresReply') throw new Error(m.type);
      expect(fx.ofpPrint).to.include(`dpid:${formatDpid(m.datapathId)}`);
      expect(m.ports).to.deep.equal([]);
      const pd = captured.filter((x) => firstLine(x.ofpPrint).startsWith('OFPST_PORT_DESC reply (OF1.3)'));
      expect(pd.length).to.be.greaterThan(0);
      for (const f of pd) {
        const r = decodeOk(f.hex);
        if (r.type !== 'multipartReply' || r.body.kind !== 'portDesc') throw new Error('not port desc');
        for (const p of r.body.ports) {
          const label = p.portNo === 0xfffffffe ? 'LOCAL' : String(p.portNo);
          expect(f.ofpPrint).to.include(`${label}(${p.name}): addr:${p.hwAddr}`);
        }
      }
    });

    it('OF1.3 flow-mod with match, set-field, output and goto-table', () => {
      const m = find(captured, /^OFPT_FLOW_MOD \(OF1\.3\).*ADD priority=200,ip,in_port=1/);
      expect(m).to.deep.include({ type: 'flowMod', version: 4, command: 'add', priority: 200, tableId: 0 });
      if (m.type !== 'flowMod') return;
      expect(m.match).to.deep.equal({ inPort: 1, ethSrc: 'aa:bb:cc:dd:ee:ff', ethType: 0x0800, ipv4Src: { value: '10.0.0.0', mask: '255.255.255.0' } });
      expect(m.instructions).to.deep.equal([
        { type: 'applyActions', actions: [{ type: 'setField', field: 'ethDst', value: '00:11:22:33:44:55' }, { type: 'output', port: 2 }] },
        { type: 'gotoTable', tableId: 1 },
      ]);
    });

    it('OF1.3 flow-mod with meter, clear/write actions, write-metadata', () => {
      const m = find(captured, /^OFPT_FLOW_MOD \(OF1\.3\).*table:1 priority=10,metadata=0x5\/0xff/);
      if (m.type !== 'flowMod') throw new Error(m.type);
      expect(m.match).to.deep.equal({ metadata: { value: 5n, mask: 0xffn } });
      expect(m.instructions).to.deep.equal([
        { type: 'meter', meterId: 1 },
        { type: 'clearActions' },
        { type: 'writeActions', actions: [{ type: 'output', port: 2 }] },
        { type: 'writeMetadata', metadata: 0x10n, mask: 0xffn },
        { type: 'gotoTable', tableId: 2 },
      ]);
    });

    it('OF1.3 IPv6, ND, MPLS, tunnel and ARP matches', () => {
      const v6 = find(captured, /ipv6_src=2001:db8::\/32/);
      if (v6.type !== 'flowMod') throw new Error(v6.type);
      expect(v6.match).to.deep.equal({
        ethType: 0x86dd,
        ipv6Src: { value: '2001:db8::', mask: 'ffff:ffff::' },
        ipv6Dst: 'fe80::1',
        ipv6Flabel: 0x12345,
      });
      expect(v6.instructions).to.deep.equal([{ type: 'applyActions', actions: [{ type: 'decNwTtl' }, { type: 'group', groupId: 1 }] }]);
      const nd = find(captured, /nd_target=fe80::1/);
      if (nd.type !== 'flowMod') throw new Error(nd.type);
      expect(nd.match).to.deep.equal({ ethType: 0x86dd, ipProto: 58, icmpv6Type: 135, ipv6NdTarget: 'fe80::1', ipv6NdSll: '00:11:22:33:44:55' });
      const mpls = find(captured, /mpls_label=100/);
      if (mpls.type !== 'flowMod') throw new Error(mpls.type);
      expect(mpls.match).to.deep.equal({ ethType: 0x8847, mplsLabel: 100, mplsTc: 3, mplsBos: 1 });
      const tun = find(captured, /tun_id=0x5\/0xff/);
      if (tun.type !== 'flowMod') throw new Error(tun.type);
      expect(tun.match).to.deep.equal({
        tunnelId: { value: 5n, mask: 0xffn },
        vlanVid: { value: 0x1000, mask: 0x1000 },
        ethDst: { value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' },
      });
      const arp = find(captured, /arp_sha=00:11:22:33:44:55/);
      if (arp.type !== 'flowMod') throw new Error(arp.type);
      expect(arp.match).to.deep.equal({ ethType: 0x0806, arpSha: '00:11:22:33:44:55', arpTha: { value: '00:00:00:00:00:00', mask: 'ff:ff:ff:00:00:00' } });
    });

    it('OF1.0 flow-mods: prefix wildcards, ARP fields, rewrites, reserved ports', () => {
      const a = find(captured, /^OFPT_FLOW_MOD \(xid=0x[0-9a-f]+\): ADD priority=100,ip,in_port=1/);
      if (a.type !== 'flowMod') throw new Error(a.type);
      expect(a.match).to.deep.equal({ inPort: 1, ethSrc: 'aa:bb:cc:dd:ee:ff', ethType: 0x800, ipv4Src: { value: '10.0.0.0', mask: '255.255.255.0' } });
      expect(a.instructions).to.deep.equal([{ type: 'applyActions', actions: [{ type: 'setDlDst', mac: '00:11:22:33:44:55' }, { type: 'output', port: 2 }] }]);
      const arp = find(captured, /^OFPT_FLOW_MOD \(xid=0x[0-9a-f]+\): ADD priority=90,arp/);
      if (arp.type !== 'flowMod') throw new Error(arp.type);
      expect(arp.match).to.deep.equal({ ethType: 0x806, arpOp: 1, arpSpa: '10.0.0.1', arpTpa: { value: '10.0.0.0', mask: '255.0.0.0' } });
      expect(arp.instructions).to.deep.equal([{ type: 'applyActions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 128 }] }]);
      const res = find(captured, /^OFPT_FLOW_MOD \(xid=0x[0-9a-f]+\): ADD priority=60,icmp/);
      if (res.type !== 'flowMod') throw new Error(res.type);
      expect(res.instructions[0]).to.deep.equal({
        type: 'applyActions',
        actions: [0xfffffff8, 0xfffffffb, 0xfffffffc, 0xfffffffe, 0xfffffffa].map((port) => ({ type: 'output', port })),
      });
      const rw = find(captured, /^OFPT_FLOW_MOD \(xid=0x[0-9a-f]+\): ADD priority=70,udp/);
      if (rw.type !== 'flowMod') throw new Error(rw.type);
      expect(rw.instructions[0]).to.deep.equal({
        type: 'applyActions',
        actions: [
          { type: 'setNwSrc', ip: '10.0.0.254' },
          { type: 'setVlanVid', vid: 20 },
          { type: 'setVlanPcp', pcp: 3 },
          { type: 'enqueue', port: 1, queueId: 7 },
        ],
      });
    });

    it('packet-ins of both versions carry the 60-byte ARP and the in-port', () => {
      for (const v of ['01', '04']) {
        const fx = captured.find((m) => m.hex.startsWith(`${v}0a`))!;
        const m = decodeOk(fx.hex);
        if (m.type !== 'packetIn') throw new Error(m.type);
        expect(m.inPort).to.equal(0xfffffffe);
        expect(m.totalLen).to.equal(60);
        expect(m.data.length).to.equal(60);
        expect(Buffer.from(m.data.subarray(12, 14)).toString('hex')).to.equal('0806');
        if (v === '04') expect(m.match).to.deep.equal({ inPort: 0xfffffffe });
      }
    });

    it('group-desc and meter-config replies', () => {
      const g = find(captured, /^OFPST_GROUP_DESC reply/);
      if (g.type !== 'multipartReply' || g.body.kind !== 'groupDesc') throw new Error('not group desc');
      const sel = g.body.groups.find((x) => x.groupId === 2)!;
      expect(sel.groupType).to.equal('select');
      expect(sel.buckets.map((b) => b.weight)).to.deep.equal([10, 20]);
      expect(sel.buckets[1]!.actions).to.deep.equal([
        { type: 'pushVlan', ethertype: 0x8100 },
        { type: 'setField', field: 'vlanVid', value: 4196 },
        { type: 'output', port: 2 },
      ]);
      const mc = find(captured, /^OFPST_METER_CONFIG reply/);
      if (mc.type !== 'multipartReply' || mc.body.kind !== 'meterConfig') throw new Error('not meter config');
      expect(mc.body.meters).to.deep.equal([{ flags: 1 | 4, meterId: 1, bands: [{ type: 'drop', rate: 1000, burstSize: 100 }] }]);
    });

    it('ONF bundle control and bundle add around a flow-mod', () => {
      const ctl = find(captured, /^ONFT_BUNDLE_CONTROL/);
      expect(ctl).to.deep.include({ type: 'bundleControl', ctrlType: 'openRequest' });
      const add = find(captured, /^ONFT_BUNDLE_ADD_MESSAGE/);
      if (add.type !== 'bundleAdd') throw new Error(add.type);
      expect(add.message.type).to.equal('flowMod');
      expect(add.message.xid).to.equal(add.xid);
    });

    it('errors carry the failed request', () => {
      const e = find(captured, /^OFPT_ERROR \(OF1\.3\).*OFPMMFC_INVALID_METER/);
      if (e.type !== 'error') throw new Error(e.type);
      expect(e.errType).to.equal(12); // OFPET_METER_MOD_FAILED
      const inner = decodeMessage(e.data);
      expect(inner.ok && inner.message.type).to.equal('flowMod');
    });

    it('python3-openflow role messages and OF1.0 flow-mod', () => {
      const role = decodeOk(pyof.find((m) => m.name === 'of13 role reply slave')!.hex);
      expect(role).to.deep.equal({ version: 4, xid: 12, type: 'roleReply', role: 'slave', generationId: 0x0102030405060708n });
      const fm = decodeOk(pyof.find((m) => m.name === 'of10 flow mod add')!.hex);
      if (fm.type !== 'flowMod') throw new Error(fm.type);
      expect(fm.match).to.deep.equal({ inPort: 2, vlanVid: 100, ethType: 0x800, ipProto: 17, udpDst: 67 });
      expect(fm.cookie).to.equal(0xabcdefn);
      expect(fm.instructions).to.deep.equal([{ type: 'applyActions', actions: [{ type: 'setVlanVid', vid: 5 }, { type: 'output', port: 1 }] }]);
    });
  });
});
