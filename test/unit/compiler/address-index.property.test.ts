// The address index answers packet-ins exactly as the walk over the whole
// model did (test/support/arp-scan.ts): over random clouds built and changed by
// random sequences of hooks and writes (networks with gateways put and
// deleted, VMs started, stopped and migrated, relations put and deleted), the
// index kept by the change feed gives the same ARP replies, neighbour
// advertisements and migration activations, refusals included, after every
// change. Addresses and ports come from small pools, so the same MAC at one
// port on two networks, ports named and numbered, and link-local targets occur.
import { expect } from 'chai';
import fc from 'fast-check';
import { ingressPortKeys as ingressKeys, LiveAddressIndex } from '../../../src/compiler/address-index.js';
import { answerArp } from '../../../src/compiler/arp.js';
import { answerNd } from '../../../src/compiler/nd.js';
import { linkLocalOf } from '../../../src/openflow/addr.js';
import {
  deleteNetwork,
  deleteRelation,
  emptySnapshot,
  migrationAbort,
  migrationActivated,
  migrationEnd,
  migrationStart,
  putNetwork,
  putRelation,
  vmStart,
  vmStop,
} from '../../../src/model/index.js';
import type { OpResult } from '../../../src/model/result.js';
import type { ModelCommit, ModelSnapshot } from '../../../src/model/types.js';
import { arp, ethernet, ipv6, nd } from '../../../src/sim/packets.js';
import { scanAnswerArp, scanAnswerNd, scanArriving, sortedModel } from '../../support/arp-scan.js';

const SWITCHES = ['0000000000000001', '0000000000000002'];
const MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03', '02:00:00:00:00:04', '02:00:00:00:00:05'];
const V4 = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '0.0.0.0'];
const V6 = ['fd00::1', 'fd00::2', 'fd00::3', ...MACS.slice(0, 3).map(linkLocalOf), '::'];
const PORTS: (string | number)[] = [1, 2, 3, 'vnet1', 'vnet2', '2'];
const NETWORKS = ['n1', 'n2', 'n3'];
const VMS = ['vm1', 'vm2', 'vm3', 'vm4'];
const TENANTS = ['t1', 't2'];

/** The change feed of a store, without the disk. */
class Feed {
  model: ModelSnapshot = emptySnapshot();
  private readonly listeners: ((c: ModelCommit) => void)[] = [];
  snapshot(): ModelSnapshot {
    return this.model;
  }
  onCommit(l: (c: ModelCommit) => void): () => void {
    this.listeners.push(l);
    return () => undefined;
  }
  apply(op: Op): void {
    const r = op(this.model);
    if (!r.ok || r.changes.length === 0) return;
    const generation = this.model.generation + 1;
    this.model = { ...r.snapshot, generation };
    for (const l of this.listeners) l({ generation, changes: r.changes });
  }
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const place = fc.record({ switch: pick(SWITCHES), port: pick(PORTS) });
const ips = fc.subarray([...V4.slice(0, 4), ...V6.slice(0, 3)], { maxLength: 3 });

type Op = (s: ModelSnapshot) => OpResult;
const networkPut: fc.Arbitrary<Op> = fc
  .record({
    name: pick(NETWORKS),
    tenant: pick(TENANTS),
    kind: pick(['private', 'public']),
    gateways: fc.array(fc.record({ mac: pick(MACS), ips, at: place }), { maxLength: 2 }),
  })
  .map((n) => (s) => putNetwork(s, n.name, { tenant: n.tenant, kind: n.kind, gateways: n.gateways.map((g) => ({ mac: g.mac, ips: g.ips, ...g.at })) }));
const networkDelete: fc.Arbitrary<Op> = pick(NETWORKS).map((n) => (s) => deleteNetwork(s, n));
const vmStarted: fc.Arbitrary<Op> = fc
  .record({
    vm: pick(VMS),
    tenant: pick(TENANTS),
    interfaces: fc.array(fc.record({ mac: pick(MACS), ips, network: pick(NETWORKS), at: place }), { minLength: 1, maxLength: 2 }),
  })
  .map((v) => (s) => vmStart(s, { vm: v.vm, tenant: v.tenant, interfaces: v.interfaces.map((i) => ({ mac: i.mac, ips: i.ips, network: i.network, ...i.at })) }));
const vmStopped: fc.Arbitrary<Op> = pick(VMS).map((vm) => (s) => vmStop(s, vm));
const migrated: fc.Arbitrary<Op> = fc
  .record({ vm: pick(VMS), to: fc.array(place, { minLength: 2, maxLength: 2 }) })
  .map((m) => (s) => migrationStart(s, { vm: m.vm, interfaces: (s.vms.get(m.vm)?.interfaces ?? []).map((i, k) => ({ mac: i.mac, ...m.to[k % 2]! })) }));
const migrationDone: fc.Arbitrary<Op> = fc
  .record({ vm: pick(VMS), how: pick(['activated', 'end', 'abort']) })
  .map((m) => (s) => (m.how === 'activated' ? migrationActivated(s, m.vm) : m.how === 'end' ? migrationEnd(s, m.vm) : migrationAbort(s, m.vm)));
const relationPut: fc.Arbitrary<Op> = fc.record({ id: pick(['r1', 'r2']), a: pick(VMS), b: pick(VMS) }).map((r) => (s) => putRelation(s, r.id, { vms: [r.a, r.b] }));
const relationDelete: fc.Arbitrary<Op> = pick(['r1', 'r2']).map((id) => (s) => deleteRelation(s, id));
// VMs and migrations weigh more: most other writes fail or undo them.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: networkPut, weight: 2 },
  { arbitrary: networkDelete, weight: 1 },
  { arbitrary: vmStarted, weight: 4 },
  { arbitrary: vmStopped, weight: 1 },
  { arbitrary: migrated, weight: 3 },
  { arbitrary: migrationDone, weight: 1 },
  { arbitrary: relationPut, weight: 2 },
  { arbitrary: relationDelete, weight: 1 },
);

/**
 * A frame at an ingress (the switch's port number and, when it has one, its
 * name: vnetN for port N, or "2" whatever its number, which the model's port
 * number 2 must not match). Half of them come from a gateway or interface
 * of the model (its MAC at its port or its migration destination, one of its
 * addresses as the source), so that most of those can be answered.
 */
const queryArb = fc.record({
  fromModel: fc.boolean(),
  pick: fc.nat(),
  at: fc.record({ dpid: pick(SWITCHES), portNo: pick([1, 2, 3]), name: pick(['', 'vnet', '2']) }),
  mac: pick(MACS),
  src4: pick(V4),
  dst4: pick(V4),
  src6: pick(V6),
  dst6: pick(V6),
});
type Query = typeof queryArb extends fc.Arbitrary<infer Q> ? Q : never;

interface Frame {
  ingress: { dpid: string; portNo: number; portName?: string };
  mac: string;
  src4: string;
  src6: string;
}

/** Every place a MAC of the model is bound, in name order. */
function boundPlaces(model: ModelSnapshot): { mac: string; switch: string; port: string | number; ips: string[] }[] {
  const out: { mac: string; switch: string; port: string | number; ips: string[] }[] = [];
  for (const n of model.networks.values()) for (const g of n.gateways) out.push({ mac: g.mac, switch: g.switch, port: g.port, ips: g.ips });
  for (const vm of model.vms.values()) {
    for (const i of vm.interfaces) {
      out.push({ mac: i.mac, switch: i.switch, port: i.port, ips: i.ips });
      const d = vm.migration?.destinations.find((x) => x.mac === i.mac);
      if (d) out.push({ mac: i.mac, switch: d.switch, port: d.port, ips: i.ips });
    }
  }
  return out;
}

function frameOf(q: Query, model: ModelSnapshot): Frame {
  const places = boundPlaces(model);
  const random: Frame = {
    ingress: { dpid: q.at.dpid, portNo: q.at.portNo, ...(q.at.name === '' ? {} : { portName: q.at.name === 'vnet' ? `vnet${q.at.portNo}` : q.at.name }) },
    mac: q.mac,
    src4: q.src4,
    src6: q.src6,
  };
  if (!q.fromModel || places.length === 0) return random;
  const p = places[q.pick % places.length]!;
  const portNo = typeof p.port === 'number' ? p.port : Number(p.port.replace('vnet', ''));
  const ingress = { dpid: p.switch, portNo, ...(typeof p.port === 'string' && p.port.startsWith('vnet') ? { portName: p.port } : {}) };
  const v4 = p.ips.filter((ip) => !ip.includes(':'));
  const v6 = p.ips.filter((ip) => ip.includes(':'));
  return { ingress, mac: p.mac, src4: v4[q.pick % Math.max(1, v4.length)] ?? q.src4, src6: v6[q.pick % Math.max(1, v6.length)] ?? linkLocalOf(p.mac) };
}

describe('compiler: address index (property)', function () {
  this.timeout(120_000);
  it('answers ARP, neighbour solicitations and migration announcements exactly as the walk over the whole model, after every change', () => {
    const seen = { arp: 0, nd: 0, arriving: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }), fc.array(queryArb, { minLength: 12, maxLength: 12 }), (ops, queries) => {
        const feed = new Feed();
        const live = new LiveAddressIndex(feed);
        for (const op of ops) {
          feed.apply(op);
          const model = sortedModel(feed.snapshot());
          const index = live.current();
          for (const q of queries) {
            const { ingress, mac, src4, src6 } = frameOf(q, model);
            const arpFrame = ethernet('ff:ff:ff:ff:ff:ff', mac, 0x0806, arp(1, mac, src4, '00:00:00:00:00:00', q.dst4));
            const want = scanAnswerArp(model, ingress, arpFrame);
            expect(answerArp(index, ingress, arpFrame)).to.deep.equal(want);
            const ns = ethernet('33:33:ff:00:00:01', mac, 0x86dd, ipv6(src6, 'ff02::1:ff00:1', 58, nd(135, q.dst6, mac)));
            const wantNa = scanAnswerNd(model, ingress, ns);
            expect(answerNd(index, ingress, ns)).to.deep.equal(wantNa);
            const arriving = index.arrivingAt(ingress.dpid, ingressKeys(ingress.portNo, ingress.portName), mac);
            expect(arriving?.name).to.equal(scanArriving(model, ingress.dpid, ingress.portNo, ingress.portName, mac));
            if (want) seen.arp++;
            if (wantNa) seen.nd++;
            if (arriving) seen.arriving++;
          }
        }
        expect(live.rebuilds).to.equal(0);
      }),
      { numRuns: 60 },
    );
    // The random clouds do give answers and activations, not only refusals.
    expect(seen.arp).to.be.greaterThan(20);
    expect(seen.nd).to.be.greaterThan(20);
    expect(seen.arriving).to.be.greaterThan(0);
  });

  it('follows the change feed: a relation, a migration and its activation change the answers at once', () => {
    // A gateway and two VMs of different tenants on a public network.
    const feed = new Feed();
    const live = new LiveAddressIndex(feed);
    feed.apply((s) => putNetwork(s, 'n1', { tenant: 't1', kind: 'public', gateways: [{ mac: MACS[0]!, ips: ['10.0.0.1'], switch: SWITCHES[0]!, port: 3 }] }));
    feed.apply((s) => vmStart(s, { vm: 'vm1', tenant: 't1', interfaces: [{ mac: MACS[1]!, ips: ['10.0.0.2'], network: 'n1', switch: SWITCHES[0]!, port: 1 }] }));
    feed.apply((s) => vmStart(s, { vm: 'vm2', tenant: 't2', interfaces: [{ mac: MACS[2]!, ips: ['10.0.0.3'], network: 'n1', switch: SWITCHES[1]!, port: 'vnet2' }] }));
    const ask = (from: string, port: number, spa: string, tpa: string, portName?: string) =>
      answerArp(live.current(), { dpid: from === MACS[2] ? SWITCHES[1]! : SWITCHES[0]!, portNo: port, ...(portName ? { portName } : {}) }, ethernet('ff:ff:ff:ff:ff:ff', from, 0x0806, arp(1, from, spa, '00:00:00:00:00:00', tpa)));
    expect(ask(MACS[1]!, 1, '10.0.0.2', '10.0.0.1')).to.not.equal(null);
    expect(ask(MACS[1]!, 1, '10.0.0.2', '10.0.0.3')).to.equal(null);
    feed.apply((s) => putRelation(s, 'r1', { vms: ['vm1', 'vm2'] }));
    expect(ask(MACS[2]!, 2, '10.0.0.3', '10.0.0.2', 'vnet2')).to.not.equal(null);
    expect(ask(MACS[2]!, 2, '10.0.0.3', '10.0.0.2')).to.equal(null);
    feed.apply((s) => migrationStart(s, { vm: 'vm1', interfaces: [{ mac: MACS[1]!, switch: SWITCHES[1]!, port: 1 }] }));
    expect(live.current().arrivingAt(SWITCHES[1]!, ingressKeys(1, undefined), MACS[1]!)?.name).to.equal('vm1');
    feed.apply((s) => migrationActivated(s, 'vm1'));
    expect(live.current().arrivingAt(SWITCHES[1]!, ingressKeys(1, undefined), MACS[1]!)).to.equal(undefined);
  });
});
