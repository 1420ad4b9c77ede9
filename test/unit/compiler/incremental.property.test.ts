// Property: after any random sequence of model changes (VMs started, stopped,
// migrated; relations added and removed; networks changed), the incremental
// compiler holds exactly the flows a full recompute gives.
import { expect } from 'chai';
import fc from 'fast-check';
import { compile, FlowCompiler } from '../../../src/compiler/compile.js';
import { flowText, groupText, meterText } from '../../../src/compiler/ofctl-text.js';
import type { ModelChange, ModelSnapshot, Network, Relation, Vm } from '../../../src/model/types.js';
import type { CompileResult, SwitchFlows } from '../../../src/compiler/types.js';
import type { GroupSupport, Link, TopologySnapshot, TopoPort, TopoSwitch } from '../../../src/topo/types.js';
import { countCalls } from '../../support/count-calls.js';
import { buildScenario, dpidOf, recipeArb, type Recipe } from '../../support/flowsim-scenarios.js';

type Step = { op: string; a: number; b: number; c: number };

const TOPOLOGY_OPS = ['port-add', 'port-remove', 'port-down', 'port-up', 'link-cut', 'link-restore', 'switch-leave', 'switch-join', 'version', 'groups'] as const;

/** What a switch may say of its groups: nothing (every type), none, one type, or room for a single group of each (too few for most switches). */
const GROUP_SUPPORT: readonly (GroupSupport | undefined)[] = [
  undefined,
  { select: 0, fastFailover: 0 },
  { select: 0, fastFailover: 1000 },
  { select: 1000, fastFailover: 0 },
  { select: 1, fastFailover: 1 },
];

const stepArb = fc.record({
  op: fc.constantFrom('start', 'stop', 'migrate', 'activate', 'end', 'abort', 'relate', 'unrelate', 'flip-kind', 'dhcp', 'move', ...TOPOLOGY_OPS),
  a: fc.nat(9),
  b: fc.nat(9),
  c: fc.nat(9),
});

const text = (sf: SwitchFlows): string[] =>
  [
    ...sf.flows.map((f) => `${f.stage} ${flowText(f, sf.version)}`),
    ...sf.groups.map((g) => `group ${groupText(g)}`),
    ...sf.meters.map((m) => `meter ${meterText(m)}`),
  ].sort();

function same(a: CompileResult, b: CompileResult): void {
  expect([...a.switches.keys()]).to.deep.equal([...b.switches.keys()]);
  for (const [d, sf] of a.switches) expect(text(sf), d).to.deep.equal(text(b.switches.get(d)!));
  expect(a.diagnostics.map((x) => x.code + x.message).sort()).to.deep.equal(b.diagnostics.map((x) => x.code + x.message).sort());
}

/**
 * A topology event on an immutable snapshot: the new snapshot, and (when the
 * event is precise) the switches it touched and whether a link changed, as a
 * topology feed reports them.
 */
function topologyStep(topo: TopologySnapshot, all: TopologySnapshot, st: Step): { topo: TopologySnapshot; only: Set<string>; links: boolean } | undefined {
  const switches = new Map(topo.switches);
  let links: Link[] = [...topo.links];
  const ids = [...all.switches.keys()].sort();
  const d = ids[st.a % ids.length]!;
  const sw = switches.get(d);
  const withPorts = (x: TopoSwitch, ports: Map<number, TopoPort>): TopoSwitch => ({ ...x, ports });
  const only = new Set<string>([d]);
  let linkChanged = false;
  switch (st.op) {
    case 'port-add':
    case 'port-remove': {
      if (!sw) return undefined;
      const ports = new Map(sw.ports);
      // Port 4 is where taps appear (bindings name it before it exists); 1..3 are access ports.
      const p = st.op === 'port-add' ? 4 : 1 + (st.b % 4);
      if (st.op === 'port-add') ports.set(p, { portNo: p, name: `s-eth${p}`, up: true });
      else ports.delete(p);
      switches.set(d, withPorts(sw, ports));
      break;
    }
    case 'port-down':
    case 'port-up': {
      if (!sw) return undefined;
      const ports = new Map(sw.ports);
      const nos = [...ports.keys()].sort((x, y) => x - y);
      if (!nos.length) return undefined;
      const p = nos[st.b % nos.length]!;
      ports.set(p, { ...ports.get(p)!, up: st.op === 'port-up' });
      switches.set(d, withPorts(sw, ports));
      linkChanged = links.some((l) => (l.a.dpid === d && l.a.portNo === p) || (l.b.dpid === d && l.b.portNo === p));
      break;
    }
    case 'link-cut': {
      if (!links.length) return undefined;
      const l = links[st.b % links.length]!;
      links = links.filter((x) => x !== l);
      only.clear();
      linkChanged = true;
      break;
    }
    case 'link-restore': {
      const missing = all.links.filter((l) => !links.some((x) => x.a.dpid === l.a.dpid && x.a.portNo === l.a.portNo && x.b.dpid === l.b.dpid && x.b.portNo === l.b.portNo));
      const l = missing[st.b % Math.max(1, missing.length)];
      if (!l || !switches.has(l.a.dpid) || !switches.has(l.b.dpid)) return undefined;
      links.push(l);
      only.clear();
      linkChanged = true;
      break;
    }
    case 'switch-leave':
      if (!sw) return undefined;
      switches.delete(d);
      links = links.filter((l) => l.a.dpid !== d && l.b.dpid !== d);
      linkChanged = true;
      break;
    case 'switch-join': {
      if (sw) return undefined;
      switches.set(d, all.switches.get(d)!);
      for (const l of all.links) if ((l.a.dpid === d && switches.has(l.b.dpid)) || (l.b.dpid === d && switches.has(l.a.dpid))) links.push(l);
      linkChanged = true;
      break;
    }
    case 'version':
      if (!sw) return undefined;
      switches.set(d, { ...sw, version: sw.version === 1 ? 4 : 1 });
      break;
    case 'groups': {
      if (!sw) return undefined;
      const { groups: _had, ...rest } = sw;
      const groups = GROUP_SUPPORT[st.b % GROUP_SUPPORT.length];
      switches.set(d, groups ? { ...rest, groups } : rest);
      break;
    }
    default:
      return undefined;
  }
  return { topo: { version: topo.version + 1, switches, links }, only, links: linkChanged };
}

/** Diagnostics diagnosticChanges() reports: the per-network ones (MAC conflicts and missing labels are per switch). */
const PER_SWITCH = new Set(['MAC_CONFLICT', 'NO_LABEL']);
// Reported per network: the same problem in two networks is two lines.
const diagText = (x: { code: string; message: string; network?: string }): string => `${x.network ?? ""} ${x.code} ${x.message}`;

/** What diagnosticChanges() has said so far, applied to a running set, must be what a full compile finds. */
function followDiagnostics(inc: FlowCompiler, shown: Set<string>, full: CompileResult, after: string): void {
  const { appeared, resolved } = inc.diagnosticChanges();
  for (const x of resolved) shown.delete(diagText(x));
  for (const x of appeared) shown.add(diagText(x));
  const want = full.diagnostics.filter((x) => !PER_SWITCH.has(x.code)).map(diagText);
  expect([...shown].sort().join("\n"), `diagnostics reported as they changed, after ${after}`).to.equal([...new Set(want)].sort().join("\n"));
}

/** Applies the steps one commit at a time and checks the incremental result against a full compile after each. */
function runSteps(recipe: Recipe, steps: Step[]): void {
  const s = buildScenario(recipe);
  let model: ModelSnapshot = s.model;
  let topo = s.topo;
  const inc = new FlowCompiler(model, s.topo);
  let before = compile(model, s.topo).switches;
  const shown = new Set<string>();
  followDiagnostics(inc, shown, compile(model, s.topo), 'the start');
  let seq = 100;
  const n = s.topo.switches.size;
  for (const st of steps) {
    if ((TOPOLOGY_OPS as readonly string[]).includes(st.op)) {
      const t = topologyStep(topo, s.topo, st);
      if (!t) continue;
      topo = t.topo;
      // Half the events come as a feed reports them (the switches touched, whether a link changed), half as a bare new snapshot.
      if (st.c % 2 === 0) inc.applyTopology(topo, t.only, t.links);
      else inc.applyTopology(topo);
      const touched = new Set(inc.flush().keys());
      const full = compile(model, topo);
      same(inc.result(), full);
      followDiagnostics(inc, shown, full, st.op);
      // What a switch holds changes its own flows and groups, no other switch's.
      if (st.op === 'groups') for (const x of touched) expect(t.only.has(x), `${x} recompiled after ${[...t.only][0]} changed its groups`).to.equal(true);
      for (const [d, sf] of full.switches) if (!touched.has(d) && before.has(d)) expect(text(sf), `${d} changed but not reported after ${st.op}`).to.deep.equal(text(before.get(d)!));
      before = full.switches;
      continue;
    }
    const vms = new Map(model.vms);
    const networks = new Map(model.networks);
    const relations = new Map(model.relations);
    const names = [...vms.keys()];
    const pick = names[st.a % Math.max(1, names.length)];
    const changes: ModelChange[] = [];
    const setVm = (id: string, after?: Vm): void => {
      const before = vms.get(id);
      if (after) vms.set(id, after);
      else vms.delete(id);
      changes.push({ kind: 'vm', id, ...(before ? { before } : {}), ...(after ? { after } : {}) });
    };
    const nets = [...networks.keys()];
    // Port 4 (c = 3) is where taps appear later.
    const at = { switch: dpidOf(st.b % n), port: 1 + (st.c % 4) };
    switch (st.op) {
      case 'start': {
        const id = `new${seq++}`;
        const mac = `02:aa:00:00:${(seq >> 8).toString(16).padStart(2, '0')}:${(seq & 0xff).toString(16).padStart(2, '0')}`;
        setVm(id, { name: id, tenant: `t${st.c % 3}`, interfaces: [{ mac, ips: [`10.200.${seq >> 8}.${seq & 0xff}`], network: nets[st.b % nets.length]!, ...at }] });
        break;
      }
      case 'stop':
        if (pick) setVm(pick);
        break;
      case 'migrate':
        if (pick) {
          const vm = vms.get(pick)!;
          setVm(pick, { ...vm, migration: { destinations: [{ mac: vm.interfaces[0]!.mac, ...at }], activated: false } });
        }
        break;
      case 'activate':
        if (pick && vms.get(pick)!.migration) setVm(pick, { ...vms.get(pick)!, migration: { ...vms.get(pick)!.migration!, activated: true } });
        break;
      case 'end':
      case 'abort': {
        const vm = pick ? vms.get(pick)! : undefined;
        if (vm?.migration) {
          const d = vm.migration.destinations[0]!;
          const interfaces = vm.interfaces.map((i) => (st.op === 'end' && i.mac === d.mac ? { ...i, switch: d.switch, port: d.port } : i));
          const { migration: _m, ...rest } = vm;
          setVm(pick!, { ...rest, interfaces });
        }
        break;
      }
      case 'retenant':
        if (pick) setVm(pick, { ...vms.get(pick)!, tenant: `t${st.c % 3}` });
        break;
      case 'move':
        if (pick) {
          const vm = vms.get(pick)!;
          setVm(pick, { ...vm, interfaces: vm.interfaces.map((i, k) => (k === 0 ? { ...i, ...at } : i)) });
        }
        break;
      case 'relate': {
        const other = names[st.b % Math.max(1, names.length)];
        if (pick && other && pick !== other) {
          const id = `rel${seq++}`;
          const after: Relation = { id, vms: [pick, other], tenants: [vms.get(pick)!.tenant, vms.get(other)!.tenant] };
          relations.set(id, after);
          changes.push({ kind: 'relation', id, after });
        }
        break;
      }
      case 'unrelate': {
        const ids = [...relations.keys()];
        const id = ids[st.a % Math.max(1, ids.length)];
        if (id) {
          const before = relations.get(id)!;
          relations.delete(id);
          changes.push({ kind: 'relation', id, before });
        }
        break;
      }
      case 'flip-kind':
      case 'dhcp': {
        const id = nets[st.a % nets.length]!;
        const before = networks.get(id)!;
        const macs = [...vms.values()].flatMap((v) => v.interfaces).filter((i) => i.network === id).map((i) => i.mac);
        const after: Network =
          st.op === 'flip-kind'
            ? { ...before, kind: before.kind === 'private' ? 'public' : 'private' }
            : macs.length
              ? { ...before, dhcp: { mac: macs[st.b % macs.length]!, ip: '10.0.0.254' } }
              : before;
        networks.set(id, after);
        changes.push({ kind: 'network', id, before, after });
        break;
      }
    }
    model = { generation: model.generation + 1, networks, vms, relations };
    const touched = inc.apply(changes, model);
    const full = compile(model, topo);
    same(inc.result(), full);
    followDiagnostics(inc, shown, full, st.op);
    // Every switch whose flows differ from before the commit is among those apply() reports.
    for (const [d, sf] of full.switches) if (!touched.has(d)) expect(text(sf), `${d} changed but not reported`).to.deep.equal(text(before.get(d)!));
    before = full.switches;
  }
}

describe('compiler: incremental == full recompute', function () {
  this.timeout(120_000);
  it('holds over random sequences of model changes and topology events', () => {
    fc.assert(
      fc.property(recipeArb, fc.array(stepArb, { minLength: 1, maxLength: 12 }), runSteps),
      { numRuns: Number(process.env.SPOTLIGHT_PROPERTY_RUNS_INC ?? 150), seed: 77 },
    );
  });

  // Public segments on a connected fabric: the path where a change re-plans only the endpoints it affects.
  const publicRecipe = recipeArb.map((r) => ({ ...r, chain: true, downLinks: [], networks: r.networks.map((n, i) => ({ ...n, isPublic: i < 2 || n.isPublic })) }));
  const publicStep = fc.record({
    op: fc.constantFrom('start', 'start', 'stop', 'migrate', 'activate', 'end', 'abort', 'relate', 'unrelate', 'move', 'retenant', 'dhcp', 'port-add', 'port-remove', 'link-cut', 'link-restore'),
    a: fc.nat(9),
    b: fc.nat(9),
    c: fc.nat(9),
  });
  it('holds over random changes on public segments', () => {
    fc.assert(
      fc.property(publicRecipe, fc.array(publicStep, { minLength: 1, maxLength: 16 }), runSteps),
      { numRuns: Number(process.env.SPOTLIGHT_PROPERTY_RUNS_INC ?? 150), seed: 78 },
    );
  });
});

describe('compiler: apply() touches only the switches a change affects', () => {
  it('a VM started on a private network touches its network switches, not the rest of the fabric (transit switches carry labels, not VMs)', async () => {
    const { fatTree, dpid } = await import('../../support/flowsim-topologies.js');
    const topo = fatTree(1, 4, 4);
    const net = (name: string, segment: number): Network => ({ name, tenant: 't', kind: 'private', cidrs: [], gateways: [], segment });
    const vm = (name: string, network: string, edge: number, port: number, k: number): Vm => ({
      name,
      tenant: 't',
      interfaces: [{ mac: `02:00:00:00:00:${k.toString(16).padStart(2, '0')}`, ips: [`10.0.0.${k}`], network, switch: dpid(1 + edge), port }],
    });
    const base: ModelSnapshot = {
      generation: 1,
      networks: new Map([['a', net('a', 1)], ['b', net('b', 2)]]),
      vms: new Map([['a1', vm('a1', 'a', 0, 1, 1)], ['a2', vm('a2', 'a', 1, 1, 2)], ['b1', vm('b1', 'b', 2, 1, 3)], ['b2', vm('b2', 'b', 3, 1, 4)]]),
      relations: new Map(),
    };
    const inc = new FlowCompiler(base, topo);
    const a3 = vm('a3', 'a', 0, 2, 5);
    const next: ModelSnapshot = { ...base, generation: 2, vms: new Map([...base.vms, ['a3', a3]]) };
    const touched = inc.apply([{ kind: 'vm', id: 'a3', after: a3 }], next);
    // Its own edge (a new source) and the other member's edge (a forwarding entry); the aggregation switch between them forwards on labels only.
    expect([...touched].sort()).to.deep.equal([dpid(1), dpid(2)]);
    same(inc.result(), compile(next, topo));
  });

  // A tap port coming and going: the switch's own flows follow, and the pieces of the VM bound there, whatever else the switch carries.
  const tapCloud = async (networks: number): Promise<{ topo: TopologySnapshot; model: ModelSnapshot; edge: string }> => {
    const { fatTree, dpid } = await import('../../support/flowsim-topologies.js');
    const topo = fatTree(2, 2, networks + 1);
    const nets = new Map<string, Network>();
    const vms = new Map<string, Vm>();
    for (let n = 1; n <= networks; n++) {
      nets.set(`n${n}`, { name: `n${n}`, tenant: 't', kind: 'private', cidrs: [], gateways: [], segment: n });
      for (const edge of [0, 1]) {
        const k = n * 2 + edge;
        const name = `v${n}-${edge}`;
        vms.set(name, { name, tenant: 't', interfaces: [{ mac: `02:00:00:00:${(k >> 8).toString(16).padStart(2, '0')}:${(k & 0xff).toString(16).padStart(2, '0')}`, ips: [], network: `n${n}`, switch: dpid(2 + edge), port: n }] });
      }
    }
    return { topo, model: { generation: 1, networks: nets, vms, relations: new Map() }, edge: dpid(2) };
  };
  const withoutPort = (t: TopologySnapshot, d: string, portNo: number): TopologySnapshot => {
    const sw = t.switches.get(d)!;
    const ports = new Map(sw.ports);
    ports.delete(portNo);
    return { ...t, version: t.version + 1, switches: new Map([...t.switches, [d, { ...sw, ports }]]) };
  };

  it('a tap port going and coming back refreshes as many scopes on a switch carrying 20 networks as on one carrying 2, and ends as a full compile', async () => {
    const scopesRefreshed = async (networks: number): Promise<number[]> => {
      const { topo, model, edge } = await tapCloud(networks);
      const inc = new FlowCompiler(model, topo);
      const refreshed = countCalls(inc, 'refreshScope');
      const counts: number[] = [];
      const gone = withoutPort(topo, edge, 1);
      for (const t of [gone, topo]) {
        const before = refreshed.count;
        inc.applyTopology(t, new Set([edge]), false);
        inc.flush();
        counts.push(refreshed.count - before);
        same(inc.result(), compile(model, t));
      }
      return counts;
    };
    const few = await scopesRefreshed(2);
    const many = await scopesRefreshed(20);
    expect(many).to.deep.equal(few);
    // The switch's own flows, its delivered MACs and the VM's network: not the other networks there.
    for (const c of many) expect(c).to.be.at.most(4);
  });

  it("an edge switch losing its last access port and getting it back ends as a full compile (its groups and send-up-again flows follow)", async () => {
    const { topo, model, edge } = await tapCloud(1);
    const inc = new FlowCompiler(model, topo);
    let t = topo;
    for (const p of [1, 2]) {
      t = withoutPort(t, edge, p);
      inc.applyTopology(t, new Set([edge]), false);
      inc.flush();
      same(inc.result(), compile(model, t));
    }
    inc.applyTopology(topo, new Set([edge]), false);
    inc.flush();
    same(inc.result(), compile(model, topo));
  });
});
