// The compiler's entry points. compile() is the full, pure function from a
// model and a topology to per-switch desired flows; FlowCompiler keeps the
// per-network plans and per (switch, network) flow units so that a model
// change recomputes only the networks it touches and the switches they serve.
import type { ModelChange, ModelSnapshot, Network, Vm } from '../model/types.js';
import { OFP13_VERSION, type OfVersion } from '../openflow/types.js';
import { computePaths, type Paths } from '../topo/paths.js';
import type { Dpid, TopologySnapshot } from '../topo/types.js';
import { cmp, collectEndpoints } from './endpoints.js';
import { lowerNetwork10, lowerSwitch10 } from './lower10.js';
import { lowerNetwork13, lowerSwitch13 } from './lower13.js';
import { planNetwork, type NetworkPlan } from './plan.js';
import { indexPublicPlan, updatePublicPlan } from './public-update.js';
import { buildPieces, patchPieces, pushUnit, unitSize, type Unit } from './units.js';
import { sameUnitInputs } from './unit-inputs.js';
import type { CompileResult, DesiredFlow, Diagnostic, SwitchFlows } from './types.js';

export function compile(model: ModelSnapshot, topo: TopologySnapshot): CompileResult {
  return new FlowCompiler(model, topo).result();
}

export class FlowCompiler {
  private model: ModelSnapshot;
  private topo: TopologySnapshot;
  private paths!: Paths;
  private readonly netVms = new Map<string, Set<string>>();
  private readonly partners = new Map<string, Map<string, number>>();
  private readonly plans = new Map<string, NetworkPlan>();
  private readonly units = new Map<Dpid, Map<string, Unit>>();
  /** Per switch, its unit names sorted: an aggregation switch carries thousands of networks, and a change rarely adds or removes one. */
  private readonly unitOrder = new Map<Dpid, string[]>();
  /** Every switch can reach every other: the condition for updating a public segment in place. */
  private connected = false;
  private readonly infra = new Map<Dpid, DesiredFlow[]>();
  private readonly flat = new Map<Dpid, SwitchFlows>();

  constructor(model: ModelSnapshot, topo: TopologySnapshot) {
    this.model = model;
    this.topo = topo;
    for (const vm of model.vms.values()) this.indexVm(vm, +1);
    for (const r of model.relations.values()) this.link(r.vms[0], r.vms[1], +1);
    this.rebuildAll();
  }

  /** A new topology: everything is recomputed (paths change globally). */
  setTopology(topo: TopologySnapshot): void {
    this.topo = topo;
    this.rebuildAll();
  }

  /**
   * Applies the changes of one commit; `model` is the snapshot after them.
   * Returns the switches whose flows changed (or may have).
   */
  apply(changes: readonly ModelChange[], model: ModelSnapshot): Set<Dpid> {
    this.model = model;
    // Per touched network, the VMs whose endpoints or reachability changed there; a network change re-plans it whole.
    const nets = new Map<string, Set<string>>();
    const whole = new Set<string>();
    const touch = (n: string, vm?: string): void => {
      let s = nets.get(n);
      if (!s) nets.set(n, (s = new Set()));
      if (vm !== undefined) s.add(vm);
    };
    for (const ch of changes) {
      if (ch.kind === 'vm') {
        if (ch.before) this.indexVm(ch.before, -1);
        if (ch.after) this.indexVm(ch.after, +1);
        for (const v of [ch.before, ch.after]) for (const i of v?.interfaces ?? []) touch(i.network, ch.id);
      } else if (ch.kind === 'relation') {
        for (const r of [ch.before, ch.after]) {
          if (!r) continue;
          this.link(r.vms[0], r.vms[1], r === ch.before ? -1 : +1);
          const a = new Set(model.vms.get(r.vms[0])?.interfaces.map((i) => i.network));
          for (const i of model.vms.get(r.vms[1])?.interfaces ?? []) if (a.has(i.network)) (touch(i.network, r.vms[0]), touch(i.network, r.vms[1]));
        }
      } else {
        touch(ch.id);
        whole.add(ch.id);
      }
    }
    const touched = new Set<Dpid>();
    for (const n of [...nets.keys()].sort()) {
      if (!whole.has(n) && this.updatePublic(n, nets.get(n)!, touched)) continue;
      this.rebuildNetwork(n, touched);
    }
    for (const d of touched) this.flat.delete(d);
    return touched;
  }

  result(): CompileResult {
    const switches = new Map<Dpid, SwitchFlows>();
    for (const dpid of [...this.topo.switches.keys()].sort()) switches.set(dpid, this.flowsOf(dpid));
    return { switches, diagnostics: this.diagnostics() };
  }

  flowsOf(dpid: Dpid): SwitchFlows {
    let sf = this.flat.get(dpid);
    if (sf) return sf;
    const flows: DesiredFlow[] = [...(this.infra.get(dpid) ?? [])];
    const u = this.units.get(dpid);
    if (u) {
      let names = this.unitOrder.get(dpid);
      if (!names) this.unitOrder.set(dpid, (names = [...u.keys()].sort(cmp)));
      for (const n of names) pushUnit(u.get(n)!, flows);
    }
    sf = { dpid, version: this.versionOf(dpid), flows };
    this.flat.set(dpid, sf);
    return sf;
  }

  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const n of [...this.plans.keys()].sort(cmp)) out.push(...this.plans.get(n)!.diagnostics);
    return out;
  }

  private versionOf(dpid: Dpid): OfVersion {
    return this.topo.switches.get(dpid)?.version ?? OFP13_VERSION;
  }

  private indexVm(vm: Vm, dir: 1 | -1): void {
    for (const i of vm.interfaces) {
      let s = this.netVms.get(i.network);
      if (!s) this.netVms.set(i.network, (s = new Set()));
      if (dir > 0) s.add(vm.name);
      else s.delete(vm.name);
    }
  }

  private link(a: string, b: string, dir: 1 | -1): void {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let m = this.partners.get(x);
      if (!m) this.partners.set(x, (m = new Map()));
      const n = (m.get(y) ?? 0) + dir;
      if (n > 0) m.set(y, n);
      else m.delete(y);
    }
  }

  private partnerSet = (vm: string): ReadonlySet<string> | undefined => {
    const m = this.partners.get(vm);
    return m ? new Set(m.keys()) : undefined;
  };

  private rebuildAll(): void {
    this.paths = computePaths(this.topo);
    const all = [...this.topo.switches.keys()];
    this.connected = all.every((d) => d === all[0] || this.paths.reachable(all[0]!, d));
    this.plans.clear();
    this.units.clear();
    this.unitOrder.clear();
    this.infra.clear();
    this.flat.clear();
    for (const [dpid, sw] of this.topo.switches) {
      this.infra.set(dpid, this.versionOf(dpid) === OFP13_VERSION ? lowerSwitch13(dpid, this.paths) : lowerSwitch10(dpid, sw.ports.keys(), this.paths));
    }
    for (const n of [...this.model.networks.keys()].sort(cmp)) this.rebuildNetwork(n, new Set());
  }

  private rebuildNetwork(name: string, touched: Set<Dpid>): void {
    const old = this.plans.get(name);
    const net: Network | undefined = this.model.networks.get(name);
    let plan: NetworkPlan | undefined;
    if (net) {
      const vms: Vm[] = [];
      for (const v of this.netVms.get(name) ?? []) {
        const vm = this.model.vms.get(v);
        if (vm) vms.push(vm);
      }
      plan = planNetwork(collectEndpoints(net, vms, this.topo, this.paths), this.paths, this.partnerSet);
      this.plans.set(name, plan);
    } else this.plans.delete(name);
    const sws = new Set<Dpid>([...(old?.served ?? []), ...(plan?.served ?? [])]);
    for (const dpid of sws) {
      if (old && plan && sameUnitInputs(old, plan, dpid)) continue;
      touched.add(dpid);
      const u = this.unitsOf(dpid);
      const unit = plan && plan.served.has(dpid) ? this.lower(plan, dpid) : [];
      this.setUnit(dpid, u, name, unit);
    }
    if (plan && plan.ne.network.kind === 'public' && this.connected) indexPublicPlan(plan, this.partnerSet);
  }

  /** A public segment updated in place for a few VMs; false when it needs a full re-plan. */
  private updatePublic(name: string, vms: ReadonlySet<string>, touched: Set<Dpid>): boolean {
    const plan = this.plans.get(name);
    const net = this.model.networks.get(name);
    if (!this.connected || !plan || !net || net.kind !== 'public' || plan.ne.network.kind !== 'public') return false;
    const dirt = updatePublicPlan(plan, vms, this.model, this.topo, this.paths, this.partnerSet);
    if (!dirt) return false;
    for (const [dpid, d] of dirt) {
      touched.add(dpid);
      const u = this.unitsOf(dpid);
      const cur = u.get(name);
      let unit: Unit = [];
      if (plan.served.has(dpid)) {
        const of13 = this.versionOf(dpid) === OFP13_VERSION;
        if (cur && !Array.isArray(cur)) {
          patchPieces(cur, plan, dpid, this.paths, of13, d);
          unit = cur;
        } else unit = buildPieces(plan, dpid, this.paths, of13);
      }
      this.setUnit(dpid, u, name, unit);
    }
    return true;
  }

  private unitsOf(dpid: Dpid): Map<string, Unit> {
    let u = this.units.get(dpid);
    if (!u) this.units.set(dpid, (u = new Map()));
    return u;
  }

  /** Stores a unit (an empty one is dropped); the sorted names are redone when the set of names changes. */
  private setUnit(dpid: Dpid, u: Map<string, Unit>, name: string, unit: Unit): void {
    const had = u.has(name);
    if (unitSize(unit)) u.set(name, unit);
    else u.delete(name);
    if (had !== u.has(name)) this.unitOrder.delete(dpid);
  }

  private lower(plan: NetworkPlan, dpid: Dpid): Unit {
    const of13 = this.versionOf(dpid) === OFP13_VERSION;
    // A public segment is kept in pieces so that its later changes re-lower only what they affect.
    if (plan.ne.network.kind === 'public') return buildPieces(plan, dpid, this.paths, of13);
    return of13 ? lowerNetwork13(plan, dpid, this.paths) : lowerNetwork10(plan, dpid, this.paths);
  }
}
