// What a switch holds decides which groups its flows use: without SELECT
// groups an edge switch spreads destinations over its uplinks by label, as
// OF1.0 does; without FAST_FAILOVER groups an aggregation switch sends
// straight down its one next hop; a switch that said nothing of its groups
// (no reply) uses none; a type of which the switch would need more groups
// than its max_groups is not used. Only that switch's flows change, and
// every pair of VMs still reaches each other (flow simulator).
import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import type { CompileResult, SwitchFlows } from '../../../src/compiler/types.js';
import type { ModelSnapshot, Vm } from '../../../src/model/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { ethernet, ipv4, udp } from '../../../src/sim/packets.js';
import type { GroupSupport, TopologySnapshot } from '../../../src/topo/types.js';
import { dpid, fatTree } from '../../support/flowsim-topologies.js';

const AGGS = 2;
const EDGES = 4;
const MANY = 0xffffff00;

/** One private network with a VM on every edge switch. */
function cloud(): ModelSnapshot {
  const vms: Vm[] = [];
  for (let e = 0; e < EDGES; e++) {
    vms.push({ name: `vm${e}`, tenant: 't', interfaces: [{ mac: `02:00:00:00:00:0${e + 1}`, ips: [`10.0.0.${e + 1}`], network: 'net', switch: dpid(AGGS + e), port: 1 }] });
  }
  return {
    generation: 1,
    networks: new Map([['net', { name: 'net', tenant: 't', kind: 'private', cidrs: ['10.0.0.0/16'], gateways: [], segment: 1 }]]),
    vms: new Map(vms.map((v) => [v.name, v])),
    relations: new Map(),
  };
}

function withGroups(topo: TopologySnapshot, groups: ReadonlyMap<string, GroupSupport>): TopologySnapshot {
  const switches = new Map(topo.switches);
  for (const [d, g] of groups) switches.set(d, { ...switches.get(d)!, groups: g });
  return { ...topo, switches };
}

const outputs = (sf: SwitchFlows, stage: string): unknown[] =>
  sf.flows.filter((f) => f.stage === stage && f.priority > 0).flatMap((f) => f.instructions.flatMap((i) => (i.type === 'applyActions' ? i.actions.filter((a) => a.type === 'group' || a.type === 'output') : [])));

/** Every VM sends to every other; each datagram must arrive at its destination only. */
function everyPairArrives(res: CompileResult, topo: TopologySnapshot): void {
  const sim = new FlowSim([...res.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows, groups: sf.groups })), topo.links);
  for (let a = 0; a < EDGES; a++) {
    for (let b = 0; b < EDGES; b++) {
      if (a === b) continue;
      const frame = ethernet(`02:00:00:00:00:0${b + 1}`, `02:00:00:00:00:0${a + 1}`, 0x0800, ipv4(`10.0.0.${a + 1}`, `10.0.0.${b + 1}`, 17, udp(1000 + b, 9)));
      const got = sim.run(dpid(AGGS + a), 1, frame);
      expect(got.delivered.map((d) => `${d.dpid}:${d.port}`), `vm${a} -> vm${b}`).to.deep.equal([`${dpid(AGGS + b)}:1`]);
    }
  }
}

describe('compiler: the groups a switch holds', () => {
  const model = cloud();
  const topo = fatTree(AGGS, EDGES, 4);
  const plain = compile(model, topo);
  const edge = dpid(AGGS);
  const agg = dpid(0);

  /** Compiles with these switches' groups and checks that no other switch's flows or groups changed. */
  function compileWith(groups: ReadonlyMap<string, GroupSupport>): { res: CompileResult; topo: TopologySnapshot } {
    const t = withGroups(topo, groups);
    const res = compile(model, t);
    for (const [d, sf] of res.switches) if (!groups.has(d)) expect({ flows: sf.flows, groups: sf.groups }, `${d} untouched`).to.deep.equal({ flows: plain.switches.get(d)!.flows, groups: plain.switches.get(d)!.groups });
    return { res, topo: t };
  }

  it('by default an edge switch sends through the SELECT group of its uplinks and an aggregation switch through FAST_FAILOVER groups', () => {
    expect(plain.switches.get(edge)!.groups.map((g) => g.groupType)).to.deep.equal(['select']);
    expect(new Set(plain.switches.get(agg)!.groups.map((g) => g.groupType))).to.deep.equal(new Set(['ff']));
  });

  it('an edge switch without SELECT groups spreads destinations over its uplinks by label, with no group', () => {
    const { res, topo: t } = compileWith(new Map([[edge, { select: 0, fastFailover: MANY }]]));
    const sf = res.switches.get(edge)!;
    expect(sf.groups).to.deep.equal([]);
    const outs = outputs(sf, 'forward') as { type: string; port?: number }[];
    expect(outs.every((a) => a.type === 'output'), 'no group action').to.equal(true);
    const uplinks = new Set(outs.map((a) => a.port).filter((p) => p! >= 1000));
    expect([...uplinks].sort(), 'destinations spread over both uplinks').to.deep.equal([1000, 1001]);
    // Frames sent back still go up again: that needs no group.
    expect(sf.flows.filter((f) => f.match.vlanPcp === 0)).to.have.length(2);
    everyPairArrives(res, t);
  });

  it('an aggregation switch without FAST_FAILOVER groups sends each label straight down its one next hop', () => {
    const { res, topo: t } = compileWith(new Map([[agg, { select: MANY, fastFailover: 0 }]]));
    const sf = res.switches.get(agg)!;
    expect(sf.groups).to.deep.equal([]);
    const outs = outputs(sf, 'transit') as { type: string }[];
    expect(outs).to.have.length(EDGES);
    expect(outs.every((a) => a.type === 'output')).to.equal(true);
    everyPairArrives(res, t);
  });

  it('a switch that gave no group features (none of either type) uses no group; the fabric still connects every pair', () => {
    const none = new Map([...topo.switches.keys()].map((d) => [d, { select: 0, fastFailover: 0 }]));
    const { res, topo: t } = compileWith(none);
    for (const sf of res.switches.values()) {
      expect(sf.groups, sf.dpid).to.deep.equal([]);
      expect(sf.flows.some((f) => f.instructions.some((i) => i.type === 'applyActions' && i.actions.some((a) => a.type === 'group'))), `${sf.dpid} names a group`).to.equal(false);
    }
    everyPairArrives(res, t);
  });

  it('a type of which the switch would need more groups than its max_groups is not used; exactly enough is', () => {
    // The aggregation switch needs one FAST_FAILOVER group per edge switch, the edge one SELECT group.
    const short = compileWith(new Map([[agg, { select: MANY, fastFailover: EDGES - 1 }]])).res.switches.get(agg)!;
    expect(short.groups).to.deep.equal([]);
    const exact = compileWith(new Map([[agg, { select: 0, fastFailover: EDGES }]])).res.switches.get(agg)!;
    expect(exact.groups.map((g) => g.groupType)).to.deep.equal(Array(EDGES).fill('ff'));
    const edgeExact = compileWith(new Map([[edge, { select: 1, fastFailover: 0 }]])).res.switches.get(edge)!;
    expect(edgeExact.groups.map((g) => g.groupType)).to.deep.equal(['select']);
  });
});
