import { expect } from 'chai';
import { MemoryLevel } from 'memory-level';
import { migrationStart, putNetwork, putRelation, vmStart } from '../../../src/model/index.js';
import { PacketInHandler } from '../../../src/runtime/packet-in.js';
import { openStoreOn, type KvDb, type Store } from '../../../src/store/index.js';
import { arp, ethernet, ipv6, nd, parse } from '../../../src/sim/packets.js';
import { icmpv6ChecksumOk } from '../../support/icmpv6-checksum.js';
import { silentLogger } from '../../support/logs.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';
const BCAST = 'ff:ff:ff:ff:ff:ff';
const ZERO = '00:00:00:00:00:00';
const MAC1 = '02:00:00:00:00:01';
const MAC2 = '02:00:00:00:00:02';
const MAC3 = '02:00:00:00:00:03';

/** A private network n1 (tenant t1) with vm1 on SW1 port 1 and vm2 on SW2 port vnet2; vm3 of t2 on a public net. */
async function fixture(): Promise<{ store: Store; sent: { dpid: string; port: number; frame: Buffer }[]; handler: PacketInHandler }> {
  const store = await openStoreOn(new MemoryLevel<string, string>({ valueEncoding: 'utf8' }) as unknown as KvDb, { logger: silentLogger() });
  const must = async (op: Parameters<Store['apply']>[0]) => {
    const r = await store.apply(op);
    if (!r.ok) throw new Error(r.error.message);
  };
  await must((s) => putNetwork(s, 'n1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] }));
  await must((s) => putNetwork(s, 'pub', { tenant: 'isp', kind: 'public', cidrs: ['10.9.0.0/24'] }));
  await must((s) => vmStart(s, { vm: 'vm1', tenant: 't1', interfaces: [{ mac: MAC1, ips: ['10.1.0.1'], network: 'n1', switch: SW1, port: 1 }] }));
  await must((s) => vmStart(s, { vm: 'vm2', tenant: 't1', interfaces: [{ mac: MAC2, ips: ['10.1.0.2'], network: 'n1', switch: SW2, port: 'vnet2' }] }));
  await must((s) => vmStart(s, { vm: 'vm3', tenant: 't2', interfaces: [{ mac: MAC3, ips: ['10.9.0.3'], network: 'pub', switch: SW2, port: 3 }] }));
  const sent: { dpid: string; port: number; frame: Buffer }[] = [];
  const handler = new PacketInHandler({
    store,
    sendPacketOut: (dpid, port, frame) => (sent.push({ dpid, port, frame: Buffer.from(frame) }), true),
    portName: (dpid, port) => (dpid === SW2 && port === 2 ? 'vnet2' : dpid === SW2 && port === 9 ? 'vnet9' : undefined),
    logger: silentLogger(),
  });
  return { store, sent, handler };
}

const request = (sha: string, spa: string, tpa: string) => ethernet(BCAST, sha, 0x0806, arp(1, sha, spa, ZERO, tpa));

describe('runtime: packet-in handling', () => {
  it('answers an ARP request between members out of the in-port, with the target MAC', async () => {
    const { sent, handler } = await fixture();
    expect(handler.handle({ dpid: SW1, inPort: 1, data: request(MAC1, '10.1.0.1', '10.1.0.2') })).to.equal('arp-answered');
    expect(sent).to.have.length(1);
    expect(sent[0]!.dpid).to.equal(SW1);
    expect(sent[0]!.port).to.equal(1);
    const f = parse(sent[0]!.frame);
    expect(f).to.include({ ethDst: MAC1, ethSrc: MAC2, ethType: 0x0806, arpOp: 2, arpSha: MAC2, arpSpa: '10.1.0.2', arpTha: MAC1, arpTpa: '10.1.0.1' });
  });

  it('the same works for a member whose port is named (vnet2 is port 2 of SW2)', async () => {
    const { sent, handler } = await fixture();
    expect(handler.handle({ dpid: SW2, inPort: 2, data: request(MAC2, '10.1.0.2', '10.1.0.1') })).to.equal('arp-answered');
    expect(parse(sent[0]!.frame)).to.include({ arpSha: MAC1, arpSpa: '10.1.0.1' });
  });

  it('answers nothing for a forged sender, a wrong port, an unreachable target or an unknown address', async () => {
    const { sent, handler } = await fixture();
    const cases: [string, number, Uint8Array][] = [
      [SW1, 1, request(MAC1, '10.1.0.7', '10.1.0.2')], // not its IP
      [SW1, 5, request(MAC1, '10.1.0.1', '10.1.0.2')], // not its port
      [SW1, 1, ethernet(BCAST, MAC3, 0x0806, arp(1, MAC1, '10.1.0.1', ZERO, '10.1.0.2'))], // Ethernet source differs
      [SW1, 1, request(MAC1, '10.1.0.1', '10.9.0.3')], // another network
      [SW1, 1, request(MAC1, '10.1.0.1', '10.1.0.77')], // nobody
    ];
    for (const [dpid, port, data] of cases) expect(handler.handle({ dpid, inPort: port, data })).to.equal('dropped');
    expect(sent).to.deep.equal([]);
  });

  it('ignores discovery probes and short frames', async () => {
    const { sent, handler } = await fixture();
    expect(handler.handle({ dpid: SW1, inPort: 1, data: ethernet('01:80:c2:00:00:0e', MAC1, 0x88cc, [0, 0]) })).to.equal('ignored');
    expect(handler.handle({ dpid: SW1, inPort: 1, data: new Uint8Array(5) })).to.equal('ignored');
    expect(sent).to.deep.equal([]);
  });

  for (const [how, frame] of [
    ['gratuitous ARP', ethernet(BCAST, MAC1, 0x0806, arp(1, MAC1, '10.1.0.1', ZERO, '10.1.0.1'))],
    ['RARP', ethernet(BCAST, MAC1, 0x8035, arp(3, MAC1, '0.0.0.0', MAC1, '0.0.0.0'))],
  ] as const) {
    it(`a ${how} from a migrating VM at its destination port activates the destination (stored)`, async () => {
      const { store, handler } = await fixture();
      const r = await store.apply((s) => migrationStart(s, { vm: 'vm1', interfaces: [{ mac: MAC1, switch: SW2, port: 'vnet9' }] }));
      expect(r.ok).to.equal(true);
      // At the source port, or at another port: nothing moves.
      expect(handler.handle({ dpid: SW1, inPort: 1, data: frame })).to.equal('dropped');
      expect(handler.handle({ dpid: SW2, inPort: 4, data: frame })).to.equal('dropped');
      expect(store.snapshot().vms.get('vm1')!.migration!.activated).to.equal(false);
      const before = store.generation;
      expect(handler.handle({ dpid: SW2, inPort: 9, data: frame })).to.equal('migration-activated');
      // Announced again while the write is under way: one write only.
      handler.handle({ dpid: SW2, inPort: 9, data: frame });
      await new Promise((res) => setTimeout(res, 20));
      expect(store.snapshot().vms.get('vm1')!.migration!.activated).to.equal(true);
      expect(store.generation).to.equal(before + 1);
    });
  }

  it('a gratuitous ARP from a VM that is not migrating changes nothing', async () => {
    const { store, handler, sent } = await fixture();
    const before = store.generation;
    expect(handler.handle({ dpid: SW1, inPort: 1, data: ethernet(BCAST, MAC1, 0x0806, arp(1, MAC1, '10.1.0.1', ZERO, '10.1.0.1')) })).to.equal('dropped');
    await new Promise((res) => setTimeout(res, 10));
    expect(store.generation).to.equal(before);
    expect(sent).to.deep.equal([]);
  });

  it('answers across tenants on a public network only when a relation names the pair', async () => {
    const { store, sent, handler } = await fixture();
    await store.apply((s) => vmStart(s, { vm: 'vm4', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:04', ips: ['10.9.0.4'], network: 'pub', switch: SW1, port: 4 }] }));
    const ask = () => handler.handle({ dpid: SW1, inPort: 4, data: request('02:00:00:00:00:04', '10.9.0.4', '10.9.0.3') });
    expect(ask()).to.equal('dropped');
    await store.apply((s) => putRelation(s, 'r', { vms: ['vm3', 'vm4'] }));
    expect(ask()).to.equal('arp-answered');
    expect(parse(sent[0]!.frame)).to.include({ arpSha: MAC3, arpSpa: '10.9.0.3' });
  });

  it('answers an IPv6 neighbour solicitation between members with an advertisement out of the in-port', async () => {
    const { store, sent, handler } = await fixture();
    await store.apply((st) => putNetwork(st, 'n6', { tenant: 't1', kind: 'private' }));
    await store.apply((st) => vmStart(st, { vm: 'vm5', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:05', ips: ['fd00::5'], network: 'n6', switch: SW1, port: 5 }] }));
    await store.apply((st) => vmStart(st, { vm: 'vm6', tenant: 't1', interfaces: [{ mac: '02:00:00:00:00:06', ips: ['fd00::6'], network: 'n6', switch: SW2, port: 6 }] }));
    const ns = ethernet('33:33:ff:00:00:06', '02:00:00:00:00:05', 0x86dd, ipv6('fd00::5', 'ff02::1:ff00:6', 58, nd(135, 'fd00::6', '02:00:00:00:00:05')));
    expect(handler.handle({ dpid: SW1, inPort: 5, data: ns })).to.equal('nd-answered');
    expect(sent).to.have.length(1);
    expect(sent[0]!.port).to.equal(5);
    const f = parse(sent[0]!.frame);
    expect(f).to.include({ ethDst: '02:00:00:00:00:05', ethSrc: '02:00:00:00:00:06', icmpv6Type: 136, ndTarget: 'fd00::6', ipv6Dst: 'fd00::5', ndTll: '02:00:00:00:00:06' });
    expect(icmpv6ChecksumOk(sent[0]!.frame)).to.equal(true);
    // From another port: not its own, no answer.
    expect(handler.handle({ dpid: SW1, inPort: 7, data: ns })).to.equal('dropped');
    expect(sent).to.have.length(1);
  });
});
