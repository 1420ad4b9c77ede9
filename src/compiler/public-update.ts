// Incremental update of a public segment's plan. On a segment of thousands
// of members a change to a few VMs can alter only the reachability of the
// VMs themselves, of their tenants, of their relation partners and of the
// gateways: those endpoints are planned again (their routes, what they may
// reach), the others are left as they are, and the switches where a decision
// changed are reported piece by piece (sources, destinations, network-wide
// flows). Anything unusual (a duplicate MAC, a fabric with unreachable
// switches) is left to the full re-plan: the function then returns undefined
// before changing anything.
import type { ModelSnapshot } from '../model/types.js';
import type { Paths } from '../topo/paths.js';
import type { Dpid, TopologySnapshot } from '../topo/types.js';
import { vmEndpoints, type Endpoint } from './endpoints.js';
import { dhcpServerAbsent, routesTowards, type NetworkPlan, type Target } from './plan.js';
import { sameNums, sameTarget } from './unit-inputs.js';
import type { Diagnostic } from './types.js';

/** What changed on one switch. */
export interface SwitchDirt {
  /** Ids of the endpoints whose source flows there are to be lowered again. */
  src: Set<string>;
  /** Ids of the endpoints whose reachability (only) may have changed. */
  reach: Set<string>;
  /** Destination MACs whose forwarding flow there changed. */
  fwd: Set<string>;
  /** Network-wide inputs changed there: DHCP route, broadcast ports or tree, whether it has sources, whether it is served. */
  net: boolean;
}

interface PublicIndex {
  byVm: Map<string, Endpoint[]>;
  byTenant: Map<string, Set<Endpoint>>;
  gateways: Endpoint[];
  /** Per destination MAC, the switches forwarding to it and how. */
  routes: Map<string, Map<Dpid, Target>>;
  reach: Map<Endpoint, Endpoint[]>;
  activeAt: Map<Dpid, Set<Endpoint>>;
  vmDiags: Map<string, Diagnostic[]>;
  /** Diagnostics that name no VM (gateways). */
  netDiags: Diagnostic[];
}

type Partners = (vm: string) => ReadonlySet<string> | undefined;

// Keyed by the plan object: a full re-plan makes a new plan and so drops its index.
const indexes = new WeakMap<NetworkPlan, PublicIndex>();

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

/**
 * Builds the index of a public plan made by planNetwork (the endpoints by VM
 * and tenant, the routes by destination) and takes over its `reachable`.
 * Done once per full plan, so that the first change after it is as quick as
 * the next.
 */
export function indexPublicPlan(plan: NetworkPlan, partners: Partners): void {
  indexOf(plan, partners);
}

function indexOf(plan: NetworkPlan, partners: Partners): PublicIndex {
  let idx = indexes.get(plan);
  if (idx) return idx;
  const x: PublicIndex = { byVm: new Map(), byTenant: new Map(), gateways: [], routes: new Map(), reach: new Map(), activeAt: new Map(), vmDiags: new Map(), netDiags: [] };
  for (const ep of plan.ne.endpoints) {
    if (ep.kind === 'gateway') x.gateways.push(ep);
    else {
      const l = x.byVm.get(ep.vm!);
      if (l) l.push(ep);
      else x.byVm.set(ep.vm!, [ep]);
      addTo(x.byTenant, ep.tenant, ep);
    }
    if (ep.active) addTo(x.activeAt, ep.active.dpid, ep);
  }
  for (const [sw, m] of plan.forward) {
    for (const [mac, t] of m) {
      let r = x.routes.get(mac);
      if (!r) x.routes.set(mac, (r = new Map()));
      r.set(sw, t);
    }
  }
  for (const d of plan.ne.diagnostics) {
    if (d.vm === undefined) x.netDiags.push(d);
    else x.vmDiags.set(d.vm, [...(x.vmDiags.get(d.vm) ?? []), d]);
  }
  plan.reachable = (src: Endpoint): Endpoint[] => {
    if (src.kind === 'gateway') return plan.ne.endpoints;
    let r = x.reach.get(src);
    if (r) return r;
    const out = new Set<Endpoint>([...x.gateways, ...(x.byTenant.get(src.tenant) ?? [])]);
    for (const p of partners(src.vm!) ?? []) for (const ep of x.byVm.get(p) ?? []) out.add(ep);
    x.reach.set(src, (r = [...out]));
    return r;
  };
  indexes.set(plan, x);
  return x;
}

/**
 * Applies the new state of `vms` (as in `model`) to a public segment's plan,
 * in place. Returns what changed per switch, or undefined (plan untouched)
 * when only a full re-plan can say.
 */
export function updatePublicPlan(
  plan: NetworkPlan,
  vms: ReadonlySet<string>,
  model: ModelSnapshot,
  topo: TopologySnapshot,
  paths: Paths,
  partners: Partners,
): Map<Dpid, SwitchDirt> | undefined {
  if (plan.diagnostics.some((d) => d.code === 'DUPLICATE_MAC' || d.code === 'UNREACHABLE_SWITCH')) return undefined;
  const net = plan.ne.network;
  const idx = indexOf(plan, partners);
  const oldEps: Endpoint[] = [];
  for (const v of vms) oldEps.push(...(idx.byVm.get(v) ?? []));
  const newEps: Endpoint[] = [];
  const newDiags = new Map<string, Diagnostic[]>();
  for (const v of vms) {
    const vm = model.vms.get(v);
    if (!vm) continue;
    const d: Diagnostic[] = [];
    newEps.push(...vmEndpoints(net, vm, topo, paths, d));
    if (d.length) newDiags.set(v, d);
  }
  const seen = new Set<string>();
  for (const e of newEps) {
    const holder = plan.ne.byMac.get(e.mac);
    if (seen.has(e.mac) || (holder && !oldEps.includes(holder))) return undefined;
    seen.add(e.mac);
  }

  const dirt = new Map<Dpid, SwitchDirt>();
  const mark = (sw: Dpid): SwitchDirt => {
    let d = dirt.get(sw);
    if (!d) dirt.set(sw, (d = { src: new Set(), reach: new Set(), fwd: new Set(), net: false }));
    return d;
  };
  // Whether each switch whose sources change had any before: the sender set changes only through them.
  const hadSources = new Map<Dpid, boolean>();
  const noteSources = (sw: Dpid): void => {
    if (!hadSources.has(sw)) hadSources.set(sw, plan.sources.has(sw));
  };
  const activeMoved = new Set<Dpid>();

  for (const e of oldEps) {
    const i = plan.ne.endpoints.indexOf(e);
    if (i >= 0) plan.ne.endpoints.splice(i, 1);
    plan.ne.byMac.delete(e.mac);
    idx.byTenant.get(e.tenant)?.delete(e);
    for (const loc of e.bound) {
      noteSources(loc.dpid);
      const l = (plan.sources.get(loc.dpid) ?? []).filter((s) => s.ep !== e);
      if (l.length) plan.sources.set(loc.dpid, l);
      else plan.sources.delete(loc.dpid);
      mark(loc.dpid).src.add(e.id);
    }
    if (e.active) {
      idx.activeAt.get(e.active.dpid)?.delete(e);
      activeMoved.add(e.active.dpid);
    }
  }
  for (const v of vms) {
    idx.byVm.delete(v);
    idx.vmDiags.delete(v);
    const d = newDiags.get(v);
    if (d) idx.vmDiags.set(v, d);
  }
  for (const e of newEps) {
    plan.ne.endpoints.push(e);
    plan.ne.byMac.set(e.mac, e);
    const l = idx.byVm.get(e.vm!);
    if (l) l.push(e);
    else idx.byVm.set(e.vm!, [e]);
    addTo(idx.byTenant, e.tenant, e);
    for (const loc of e.bound) {
      noteSources(loc.dpid);
      const s = plan.sources.get(loc.dpid);
      if (s) s.push({ ep: e, loc });
      else plan.sources.set(loc.dpid, [{ ep: e, loc }]);
      mark(loc.dpid).src.add(e.id);
    }
    if (e.active) {
      addTo(idx.activeAt, e.active.dpid, e);
      activeMoved.add(e.active.dpid);
    }
  }

  // Whose reachability may have changed: the changed endpoints, their tenants, their partners, the gateways.
  const changedMacs = new Set([...oldEps, ...newEps].map((e) => e.mac));
  const affected = new Set<Endpoint>([...newEps, ...idx.gateways]);
  for (const t of new Set([...oldEps, ...newEps].map((e) => e.tenant))) for (const e of idx.byTenant.get(t) ?? []) affected.add(e);
  for (const v of vms) for (const p of partners(v) ?? []) for (const e of idx.byVm.get(p) ?? []) affected.add(e);
  for (const e of affected) {
    idx.reach.delete(e);
    if (e.kind === 'iface') for (const loc of e.bound) mark(loc.dpid).reach.add(e.id);
  }

  let sendersChanged = false;
  for (const [sw, had] of hadSources) {
    if (plan.sources.has(sw) === had) continue;
    sendersChanged = true;
    mark(sw).net = true;
  }
  let sorted: Dpid[] | undefined;
  const senders = (): Dpid[] => (sorted ??= [...plan.sources.keys()].sort());

  // Routes of every affected destination (and of the MACs that left), compared switch by switch.
  const macs = new Set([...changedMacs, ...[...affected].map((e) => e.mac)]);
  for (const mac of macs) {
    const d = plan.ne.byMac.get(mac);
    // A gateway reaches every member: its routes come from every sender switch and change only with that set.
    if (d?.kind === 'gateway' && !changedMacs.has(mac) && !sendersChanged) continue;
    const before = idx.routes.get(mac) ?? new Map<Dpid, Target>();
    const after = new Map<Dpid, Target>();
    if (d?.active) {
      let from: Iterable<Dpid> = d.kind === 'gateway' ? senders() : [];
      if (d.kind === 'iface') {
        const f = new Set<Dpid>();
        for (const r of plan.reachable(d)) for (const loc of r.bound) f.add(loc.dpid);
        from = f;
      }
      for (const [sw, t] of routesTowards(paths, d.active.dpid, from)) after.set(sw, t === 'here' ? { local: d.active.portNo } : t);
    }
    const replaced = changedMacs.has(mac);
    for (const sw of new Set([...before.keys(), ...after.keys()])) {
      const b = after.get(sw);
      if (!replaced && sameTarget(before.get(sw), b)) continue;
      mark(sw).fwd.add(mac);
      let m = plan.forward.get(sw);
      if (b) {
        if (!m) plan.forward.set(sw, (m = new Map()));
        m.set(mac, b);
      } else if (m) {
        m.delete(mac);
        if (!m.size) plan.forward.delete(sw);
      }
    }
    if (after.size) idx.routes.set(mac, after);
    else idx.routes.delete(mac);
  }

  for (const sw of activeMoved) {
    const ports = [...new Set([...(idx.activeAt.get(sw) ?? [])].map((e) => e.active!.portNo))].sort((a, b) => a - b);
    if (sameNums(ports, plan.bcastLocal.get(sw))) continue;
    if (ports.length) plan.bcastLocal.set(sw, ports);
    else plan.bcastLocal.delete(sw);
    mark(sw).net = true;
  }

  if (sendersChanged) {
    const tree = paths.treeFor(senders());
    for (const sw of new Set([...tree.keys(), ...plan.bcastTree.keys()])) if (!sameNums(tree.get(sw), plan.bcastTree.get(sw))) mark(sw).net = true;
    plan.bcastTree = tree;
  }
  const serverMac = net.dhcp?.mac.toLowerCase();
  if (serverMac !== undefined && (sendersChanged || changedMacs.has(serverMac))) {
    const server = plan.ne.byMac.get(serverMac);
    const dhcp = new Map<Dpid, Target>();
    if (server?.active) for (const [sw, t] of routesTowards(paths, server.active.dpid, senders())) dhcp.set(sw, t === 'here' ? { local: server.active.portNo } : t);
    for (const sw of new Set([...dhcp.keys(), ...plan.dhcp.keys()])) if (!sameTarget(dhcp.get(sw), plan.dhcp.get(sw))) mark(sw).net = true;
    plan.dhcp = dhcp;
    if (server?.active) plan.dhcpServer = server;
    else delete plan.dhcpServer;
  }

  for (const [sw, d] of dirt) {
    const served = plan.sources.has(sw) || plan.forward.has(sw) || plan.dhcp.has(sw) || plan.bcastTree.has(sw);
    if (served === plan.served.has(sw)) continue;
    d.net = true;
    if (served) plan.served.add(sw);
    else plan.served.delete(sw);
  }
  const vmDiags = [...idx.vmDiags.values()].flat();
  plan.ne.diagnostics = [...idx.netDiags, ...vmDiags];
  plan.diagnostics = [...plan.ne.diagnostics, ...(net.dhcp && !plan.dhcpServer ? [dhcpServerAbsent(net)] : [])];
  return dirt;
}
