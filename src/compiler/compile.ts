// The compiler's entry points. compile() is the full, pure function from a
// model and a topology to every switch's desired flows, groups and meters;
// FlowCompiler keeps its state between changes so that a model change or a
// topology event re-lowers only what it touches (flows/PIPELINE.md,
// "Incremental compilation"), and hands over per-switch deltas.
//
// Inputs and what they invalidate, in one place:
//   a VM's interfaces or migration -> its endpoints on each of its networks ->
//       the switches they are bound or delivered on, and those whose sources
//       reach them (private: the whole network; public: its reach);
//   a relation -> the reach of its two VMs on public networks;
//   a network's settings -> that network everywhere it is;
//   a port (added, removed, renamed, up/down) -> the bindings that name it;
//   a link -> the bindings on its ports, the two switches' own flows, and the
//       routes of the destinations whose shortest paths it touches;
//   a switch (joining, leaving, its version, its groups) -> its bindings and
//       its flows;
//   a destination's routes -> the switches whose next hops, or whether they
//       send back, changed (their transit flows and groups; without groups,
//       also their entries towards it);
//   a switch's fabric or access ports -> its groups (failover groups watch
//       fabric ports; frames sent back go up its other fabric ports);
//   the group types a switch may use (what it holds, and whether the groups
//       its routes need fit) -> every scope of that switch, no other.
import type { ModelChange, ModelSnapshot, Network, Relation, Vm } from '../model/types.js';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../openflow/wire-values.js';
import type { Dpid } from '../openflow/dpid.js';
import type { GroupSupport, TopologySnapshot } from '../topo/types.js';
import { deliveredMacs, deliverPieces, deliverPiecesFor, macConflicts } from './deliver.js';
import { cmp, gatewayEndpoints, vmEndpoints, type Endpoint } from './endpoints.js';
import { assignLabels } from './fabric.js';
import { NetworkState } from './network-state.js';
import { forwardKey, NET_KEY, networkPieces, networkPiecesFor, reachKey, sourceKey } from './network-pieces.js';
import { PieceStore, type FlowsChanged } from './piece-store.js';
import { PortIndex } from './port-index.js';
import { FabricRoutes, type RouteChanges } from './routes.js';
import { DEFAULT_METER_RATES, switchPieces, type MeterRates, type SwitchInputs } from './switch-lowering.js';
import { BucketLists, switchGroups, type SwitchGroups } from './switch-groups.js';
import { pickHop, type Remote, type SwitchCtx } from './targets.js';
import type { CompileResult, Diagnostic, SwitchDelta, SwitchFlows } from './types.js';
import { checkFlow } from './pipeline.js';

export interface CompilerOptions {
  /** Packet-in meters (OF1.3): the switch's own and each access port's. */
  rates?: MeterRates;
  /** Told of every change to a switch's desired flows as it is lowered. */
  flowsChanged?: FlowsChanged;
}

export function compile(model: ModelSnapshot, topo: TopologySnapshot, opts: CompilerOptions = {}): CompileResult {
  return new FlowCompiler(model, topo, opts).result();
}

const SWITCH = 'switch';
/** What a switch the topology says nothing of holds: Open vSwitch's groups (OFPG_MAX of each type). */
const OVS_GROUPS: GroupSupport = { select: 0xffffff00, fastFailover: 0xffffff00 };
const DELIVER = 'deliver';
const netScope = (name: string): string => `n:${name}`;
const vmOwner = (vm: string): string => `v:${vm}`;
const gwOwner = (net: string): string => `g:${net}`;

export class FlowCompiler {
  private model: ModelSnapshot;
  private topo: TopologySnapshot;
  private readonly rates: MeterRates;
  private readonly ports = new PortIndex();
  private readonly routes = new FabricRoutes();
  private labels = new Map<Dpid, number>();
  private unlabelled: Dpid[] = [];
  private readonly nets = new Map<string, NetworkState>();
  /** Network -> the VMs with an interface on it. */
  private readonly netVms = new Map<string, Set<string>>();
  /** VM -> relation partners, counted (two relations may name one pair). */
  private readonly partners = new Map<string, Map<string, number>>();
  /** Where bindings point: switch -> port reference as text -> owners ("v:VM" or "g:NETWORK"). */
  private readonly bindings = new Map<Dpid, Map<string, Set<string>>>();
  private readonly ownerRefs = new Map<string, { dpid: Dpid; ref: string }[]>();
  /** Delivered endpoints per switch: the switches routes are kept towards. */
  private readonly delivered = new Map<Dpid, number>();
  /** Networks with a source or a delivered endpoint per switch. */
  private readonly netsOn = new Map<Dpid, Set<string>>();
  /** Networks with a delivered endpoint per switch. */
  private readonly memberNetsOn = new Map<Dpid, Set<string>>();
  private readonly store: PieceStore;
  /** Per switch, per scope: the pieces to refresh, or null for the whole scope. */
  private readonly dirty = new Map<Dpid, Map<string, Set<string> | null>>();
  private readonly versions = new Map<Dpid, OfVersion>();
  private destinationsDirty = false;
  private building = true;
  private readonly buckets = new BucketLists();
  /** Networks whose diagnostics may have changed since diagnosticChanges() last looked, and what it saw then. */
  private readonly touchedNets = new Set<string>();
  private readonly diagnosed = new Map<string, Map<string, Diagnostic>>();
  /** Switches came or went: labels and presence change every network's reachability, so all are diagnosed again. */
  private switchesMoved = false;
  /** Per switch, its groups and their ids. */
  private readonly groupAssignments = new Map<Dpid, SwitchGroups>();
  /** Per switch, how it sends towards each other switch (remote()): kept as long as its groups, and its routes and labels. */
  private readonly remotes = new Map<Dpid, Map<Dpid, Remote | undefined>>();
  /** Per switch, the group types its flows were last lowered with ("select,failover"). */
  private readonly loweredGroupTypes = new Map<Dpid, string>();

  constructor(model: ModelSnapshot, topo: TopologySnapshot, opts: CompilerOptions = {}) {
    this.model = model;
    this.topo = topo;
    this.rates = opts.rates ?? DEFAULT_METER_RATES;
    this.store = new PieceStore(opts.flowsChanged);
    this.ports.update(topo);
    this.relabel();
    for (const r of model.relations.values()) this.link(r, +1);
    for (const vm of model.vms.values()) {
      for (const i of vm.interfaces) setOf(this.netVms, i.network).add(vm.name);
      this.setRefs(vmOwner(vm.name), vmRefs(vm));
    }
    for (const n of [...model.networks.values()].sort((a, b) => cmp(a.name, b.name))) this.buildNetwork(n);
    this.routes.setTopology(topo);
    this.routes.setDestinations(this.delivered.keys());
    this.building = false;
    for (const d of topo.switches.keys()) {
      this.versions.set(d, this.versionOf(d));
      this.markAll(d);
    }
    this.flushDirty();
    this.store.recordDeltas();
  }

  /** Applies the changes of one commit; `model` is the snapshot after them. Returns the switches whose flows changed. */
  apply(changes: readonly ModelChange[], model: ModelSnapshot): Set<Dpid> {
    this.applyModel(changes, model);
    return new Set(this.flush().keys());
  }

  /** A new topology: re-reads it and recompiles what it changed. Returns the switches whose flows changed. */
  setTopology(topo: TopologySnapshot): Set<Dpid> {
    this.applyTopology(topo);
    return new Set(this.flush().keys());
  }

  /** Takes a commit's changes into account (re-lowered at the next flush). */
  applyModel(changes: readonly ModelChange[], model: ModelSnapshot): void {
    this.model = model;
    for (const ch of changes) {
      if (ch.kind === 'vm') this.vmChanged(ch.id, ch.before, ch.after);
      else if (ch.kind === 'relation') this.relationChanged(ch.before, ch.after);
      else this.networkChanged(ch.id, ch.before, ch.after);
    }
  }

  /**
   * Takes a topology change into account. `only`, when given, names the
   * switches whose ports or state changed and `links` whether a link did;
   * without it the whole topology is compared with the last one.
   */
  applyTopology(topo: TopologySnapshot, only?: ReadonlySet<Dpid>, links = true): void {
    this.topo = topo;
    const ch = this.ports.update(topo, only, links);
    if (ch.switches.size) {
      for (const d of ch.switches) this.markAll(d);
      this.relabel();
      this.switchesMoved = true;
    }
    for (const d of ch.versions) this.markAll(d);
    for (const d of ch.groups) this.markAll(d);
    for (const d of ch.fabricPorts) this.markAll(d);
    // An access port coming or going changes the switch's own flows (its guard and meter); the endpoints bound
    // there follow from ch.refs below. Whether it has access ports at all decides its groups (switchInputs, sentUpAgain).
    for (const d of ch.accessPorts) this.mark(d, SWITCH);
    for (const d of ch.accessPresence) this.markAll(d);
    // Group keys name fabric ports (failover watches, send-up-again sets) and depend on the version and the group types.
    for (const d of [...ch.switches, ...ch.versions, ...ch.groups, ...ch.fabricPorts, ...ch.accessPresence]) this.forgetWays(d);
    const owners = new Set<string>();
    for (const d of ch.switches) for (const s of this.bindings.get(d)?.values() ?? []) for (const o of s) owners.add(o);
    for (const [d, refs] of ch.refs) {
      const b = this.bindings.get(d);
      if (!b) continue;
      for (const r of refs) for (const o of b.get(r) ?? []) owners.add(o);
    }
    for (const o of [...owners].sort()) this.rederive(o);
    // Routes are recomputed in flush(), which a caller with a deadline can spread over several turns.
    if (ch.links || ch.switches.size) this.routes.markTopology(topo);
  }

  /** Lowers what changed; returns the deltas per switch since the last flush. */
  flush(): Map<Dpid, SwitchDelta> {
    this.flushUntil(Infinity);
    return this.store.takeDeltas();
  }

  /**
   * Lowers what changed until `deadline` (performance.now() time): routes
   * first, then the marked pieces switch by switch. Returns true when nothing
   * is left; the deltas wait in takeDeltas() either way.
   */
  flushUntil(deadline: number): boolean {
    if (this.destinationsDirty) {
      this.destinationsDirty = false;
      this.routeChanges(this.routes.setDestinations(this.delivered.keys()));
    }
    while (this.routes.pending > 0) {
      this.routeChanges(this.routes.process(deadline));
      if (performance.now() >= deadline) return this.routes.pending === 0 && this.dirty.size === 0;
    }
    this.flushDirty(deadline);
    return this.dirty.size === 0;
  }

  /** What changed on each switch since the last call. */
  takeDeltas(): Map<Dpid, SwitchDelta> {
    return this.store.takeDeltas();
  }

  /** True when marked work waits for flushUntil(). */
  get busy(): boolean {
    return this.dirty.size > 0 || this.routes.pending > 0 || this.destinationsDirty;
  }

  result(): CompileResult {
    const switches = new Map<Dpid, SwitchFlows>();
    for (const dpid of [...this.topo.switches.keys()].sort()) switches.set(dpid, this.flowsOf(dpid));
    return { switches, diagnostics: this.diagnostics() };
  }

  flowsOf(dpid: Dpid): SwitchFlows {
    return { dpid, version: this.versionOf(dpid), flows: this.store.flows(dpid), groups: this.store.groups(dpid), meters: this.store.meters(dpid) };
  }

  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const n of [...this.nets.keys()].sort(cmp)) out.push(...this.networkDiagnostics(this.nets.get(n)!));
    for (const d of [...this.memberNetsOn.keys()].sort()) out.push(...macConflicts(d, deliveredMacs(d, this.netsAt(d, this.memberNetsOn))));
    for (const d of this.unlabelled) out.push({ code: 'NO_LABEL', message: `switch ${d} has no fabric label (more than 4094 switches); traffic from other switches does not reach it`, dpid: d });
    return out;
  }

  /**
   * What changed among the diagnostics of the networks the changes since the
   * last call touched: problems that appeared (an interface whose port is not
   * there, a network without a path between its switches...) and those that
   * went. Cheap: only touched networks are looked at.
   */
  diagnosticChanges(): { appeared: Diagnostic[]; resolved: Diagnostic[] } {
    const appeared: Diagnostic[] = [];
    const resolved: Diagnostic[] = [];
    const names = this.switchesMoved ? [...new Set([...this.diagnosed.keys(), ...this.nets.keys()])] : [...this.touchedNets];
    this.switchesMoved = false;
    this.touchedNets.clear();
    for (const n of names.sort(cmp)) {
      const state = this.nets.get(n);
      const now = new Map((state ? this.networkDiagnostics(state) : []).map((d) => [`${d.code}|${d.message}`, d]));
      const before = this.diagnosed.get(n) ?? new Map<string, Diagnostic>();
      for (const [k, d] of now) if (!before.has(k)) appeared.push(d);
      for (const [k, d] of before) if (!now.has(k)) resolved.push(d);
      if (now.size) this.diagnosed.set(n, now);
      else this.diagnosed.delete(n);
    }
    return { appeared, resolved };
  }

  private networkDiagnostics(s: NetworkState): Diagnostic[] {
    const out = s.diagnostics();
    const members = [...s.memberSwitches()].sort();
    for (const from of [...s.sourceSwitches()].sort()) {
      for (const to of members) {
        if (from === to || (this.routes.reachable(from, to) && this.labels.has(to))) continue;
        if (!this.ports.has(from) || !this.ports.has(to)) continue;
        out.push({ code: 'UNREACHABLE_SWITCH', message: `no fabric path from ${from} to ${to} for network ${s.name}`, dpid: from, network: s.name });
      }
    }
    return out;
  }

  private versionOf(dpid: Dpid): OfVersion {
    return this.ports.version(dpid) ?? OFP13_VERSION;
  }

  // --- model -------------------------------------------------------------

  private vmChanged(name: string, before: Vm | undefined, after: Vm | undefined): void {
    const nets = new Set<string>();
    for (const i of before?.interfaces ?? []) {
      nets.add(i.network);
      dropFromSet(this.netVms, i.network, name);
    }
    for (const i of after?.interfaces ?? []) {
      nets.add(i.network);
      setOf(this.netVms, i.network).add(name);
    }
    this.setRefs(vmOwner(name), after ? vmRefs(after) : []);
    for (const n of [...nets].sort()) {
      const state = this.nets.get(n);
      if (state) this.updateOwner(state, () => this.setVmOn(state, name, after));
    }
  }

  private setVmOn(state: NetworkState, name: string, vm: Vm | undefined): Endpoint[] {
    const diags: Diagnostic[] = [];
    const eps = vm ? vmEndpoints(state.network, vm, (d, p, ctx) => this.ports.resolve(d, p, ctx), diags) : [];
    return state.setVm(name, eps, diags);
  }

  private setGatewaysOn(state: NetworkState): Endpoint[] {
    const diags: Diagnostic[] = [];
    const eps = gatewayEndpoints(state.network, (d, p, ctx) => this.ports.resolve(d, p, ctx), diags);
    return state.setGateways(eps, diags);
  }

  /**
   * Runs a change of some endpoints of one network and marks the pieces whose
   * flows may differ: the touched endpoints' own pieces where they are bound,
   * their forwarding entries where sources reach them, the reach lists of
   * those they reach, and the network-wide flows where membership or the
   * DHCP server moved.
   */
  private updateOwner(state: NetworkState, change: () => Endpoint[]): void {
    const scope = netScope(state.name);
    const server = state.dhcpServer();
    const serverAt = server?.active ? `${server.id}@${server.active.dpid}:${server.active.portNo}` : '';
    const touched = change();
    this.touchedNets.add(state.name);
    if (touched.length === 0) return;
    for (const e of touched) {
      const live = state.holder(e.mac) === e;
      this.markEndpoint(state, e);
      if (e.active) {
        this.countDelivered(state, e.active.dpid, live ? +1 : -1);
        this.mark(e.active.dpid, DELIVER, e.mac);
        // Membership changed: the broadcast of those who may broadcast lists the member switches and ports.
        if (!this.building) {
          const b = new Set<Dpid>();
          state.broadcasterSwitches(b);
          for (const d of b) this.mark(d, scope, NET_KEY);
        }
      }
    }
    const nowServer = state.dhcpServer();
    const nowAt = nowServer?.active ? `${nowServer.id}@${nowServer.active.dpid}:${nowServer.active.portNo}` : '';
    if (serverAt !== nowAt) for (const d of state.sourceSwitches()) this.mark(d, scope, NET_KEY);
  }

  /** The pieces that read endpoint `e` (left or came) on its network. */
  private markEndpoint(state: NetworkState, e: Endpoint): void {
    if (this.building) {
      for (const loc of e.bound) this.indexNetOn(state, loc.dpid);
      if (e.active) this.indexNetOn(state, e.active.dpid);
      return;
    }
    const scope = netScope(state.name);
    const pub = state.network.kind === 'public';
    for (const loc of e.bound) {
      const d = loc.dpid;
      this.mark(d, scope, sourceKey(e, loc));
      this.mark(d, scope, forwardKey(e.mac));
      if (pub) this.mark(d, scope, reachKey(e, loc));
      this.mark(d, scope, NET_KEY);
      this.indexNetOn(state, d);
      // A source brings its forwarding entries to its switch: a gateway (or the first source of a private
      // network) all of them, which refreshes the scope; a public member its reach's.
      const others = state.sourcesAt(d).filter((x) => x.ep !== e).length;
      if (e.kind === 'gateway' || (!pub && others === 0)) this.mark(d, scope);
      else if (pub) for (const r of state.reach(e)) this.mark(d, scope, forwardKey(r.mac));
    }
    if (e.active) {
      this.mark(e.active.dpid, scope, NET_KEY);
      this.indexNetOn(state, e.active.dpid);
    }
    const fw = new Set<Dpid>();
    state.forwarders(e, fw);
    for (const d of fw) this.mark(d, scope, forwardKey(e.mac));
    if (pub && e.kind !== 'gateway') {
      for (const r of state.reach(e)) if (r.kind !== 'gateway') for (const loc of r.bound) this.mark(loc.dpid, scope, reachKey(r, loc));
    }
  }

  private relationChanged(before: Relation | undefined, after: Relation | undefined): void {
    const vms = new Set<string>([...(before?.vms ?? []), ...(after?.vms ?? [])]);
    const publics = new Set<string>();
    for (const vm of vms) for (const i of this.model.vms.get(vm)?.interfaces ?? []) if (this.nets.get(i.network)?.network.kind === 'public') publics.add(i.network);
    // What the two VMs' endpoints read, marked before the partners change and after.
    const markAll = (): void => {
      for (const n of publics) {
        const state = this.nets.get(n)!;
        for (const vm of vms) for (const e of this.liveOf(state, vm)) this.markEndpoint(state, e);
      }
    };
    markAll();
    if (before) this.link(before, -1);
    if (after) this.link(after, +1);
    for (const n of publics) this.nets.get(n)!.partnersChanged();
    markAll();
  }

  private liveOf(state: NetworkState, vm: string): Endpoint[] {
    const out: Endpoint[] = [];
    for (const i of this.model.vms.get(vm)?.interfaces ?? []) {
      if (i.network !== state.name) continue;
      const e = state.holder(i.mac.toLowerCase());
      if (e?.vm === vm) out.push(e);
    }
    return out;
  }

  private networkChanged(name: string, before: Network | undefined, after: Network | undefined): void {
    const old = this.nets.get(name);
    if (old) this.dropNetwork(old);
    if (before) this.setRefs(gwOwner(name), []);
    if (after) this.buildNetwork(after);
  }

  private buildNetwork(n: Network): void {
    const state = new NetworkState(n, (vm) => this.partnerSet(vm));
    this.nets.set(n.name, state);
    this.setRefs(gwOwner(n.name), n.gateways.map((g) => ({ dpid: g.switch, ref: String(g.port) })));
    this.updateOwner(state, () => this.setGatewaysOn(state));
    for (const vm of [...(this.netVms.get(n.name) ?? [])].sort()) this.updateOwner(state, () => this.setVmOn(state, vm, this.model.vms.get(vm)));
  }

  private dropNetwork(state: NetworkState): void {
    const scope = netScope(state.name);
    this.touchedNets.add(state.name);
    this.nets.delete(state.name);
    for (const d of state.switches()) {
      this.mark(d, scope);
      this.indexNetOn(state, d);
    }
    for (const d of state.memberSwitches()) {
      for (const e of state.activeAt(d)) {
        this.countDelivered(state, d, -1);
        this.mark(d, DELIVER, e.mac);
      }
    }
  }

  private partnerSet(vm: string): ReadonlySet<string> | undefined {
    const m = this.partners.get(vm);
    return m ? new Set(m.keys()) : undefined;
  }

  private link(r: Relation, dir: 1 | -1): void {
    const [a, b] = r.vms;
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let m = this.partners.get(x);
      if (!m) this.partners.set(x, (m = new Map<string, number>()));
      const n = (m.get(y) ?? 0) + dir;
      if (n > 0) m.set(y, n);
      else m.delete(y);
      if (m.size === 0) this.partners.delete(x);
    }
  }

  // --- topology ----------------------------------------------------------

  /** Re-resolves an owner's bindings (a port or switch it names changed). */
  private rederive(owner: string): void {
    const name = owner.slice(2);
    if (owner.startsWith('g:')) {
      const state = this.nets.get(name);
      if (state) this.updateOwner(state, () => this.setGatewaysOn(state));
      return;
    }
    const vm = this.model.vms.get(name);
    for (const n of new Set(vm?.interfaces.map((i) => i.network) ?? [])) {
      const state = this.nets.get(n);
      if (state) this.updateOwner(state, () => this.setVmOn(state, name, vm));
    }
  }

  private setRefs(owner: string, refs: { dpid: Dpid; ref: string }[]): void {
    for (const { dpid, ref } of this.ownerRefs.get(owner) ?? []) {
      const m = this.bindings.get(dpid);
      const s = m?.get(ref);
      s?.delete(owner);
      if (s && s.size === 0) m!.delete(ref);
      if (m && m.size === 0) this.bindings.delete(dpid);
    }
    if (refs.length) this.ownerRefs.set(owner, refs);
    else this.ownerRefs.delete(owner);
    for (const { dpid, ref } of refs) {
      let m = this.bindings.get(dpid);
      if (!m) this.bindings.set(dpid, (m = new Map<string, Set<string>>()));
      let s = m.get(ref);
      if (!s) m.set(ref, (s = new Set()));
      s.add(owner);
    }
  }

  private relabel(): void {
    const { labels, unlabelled } = assignLabels(this.topo.switches.keys());
    const old = this.labels;
    this.labels = labels;
    this.unlabelled = unlabelled;
    // remote() names the destination's label.
    this.remotes.clear();
    for (const d of new Set([...old.keys(), ...labels.keys()])) {
      if (old.get(d) === labels.get(d)) continue;
      // Everything that names this switch's label: its own flows, and every switch's ways towards it.
      this.markAll(d);
      for (const sw of this.topo.switches.keys()) this.mark(sw, SWITCH);
      for (const n of this.memberNetsOn.get(d) ?? []) for (const sw of this.nets.get(n)?.sourceSwitches() ?? []) this.mark(sw, netScope(n));
    }
  }

  private routeChanges(changes: RouteChanges): void {
    for (const [dest, { changed }] of changes) {
      // Whether the network's switches reach one another: the networks with members at `dest` are diagnosed again.
      for (const n of this.memberNetsOn.get(dest) ?? []) this.touchedNets.add(n);
      for (const s of changed) {
        this.mark(s, SWITCH);
        this.forgetWays(s);
        // Its entries towards `dest` name a next hop or a group of next hops: they follow.
        for (const n of this.memberNetsOn.get(dest) ?? []) if (this.nets.get(n)?.hasSourcesAt(s)) this.mark(s, netScope(n));
      }
    }
  }

  // --- bookkeeping ---------------------------------------------------------

  private countDelivered(state: NetworkState, dpid: Dpid, dir: 1 | -1): void {
    const n = (this.delivered.get(dpid) ?? 0) + dir;
    if (n > 0) this.delivered.set(dpid, n);
    else this.delivered.delete(dpid);
    if ((n > 0) !== (n - dir > 0)) this.destinationsDirty = true;
    if (state.activeAt(dpid).length > 0 && this.nets.get(state.name) === state) setOf(this.memberNetsOn, dpid).add(state.name);
    else dropFromSet(this.memberNetsOn, dpid, state.name);
  }

  private indexNetOn(state: NetworkState, d: Dpid): void {
    const present = this.nets.get(state.name) === state && (state.hasSourcesAt(d) || state.activeAt(d).length > 0);
    if (present) setOf(this.netsOn, d).add(state.name);
    else dropFromSet(this.netsOn, d, state.name);
  }

  private netsAt(d: Dpid, index: Map<Dpid, Set<string>>): NetworkState[] {
    const out: NetworkState[] = [];
    for (const n of [...(index.get(d) ?? [])].sort()) {
      const s = this.nets.get(n);
      if (s) out.push(s);
    }
    return out;
  }

  /** Marks a piece of a scope for refreshing, or the whole scope without `key`. */
  private mark(d: Dpid, scope: string, key?: string): void {
    // A full build refreshes every scope of every switch anyway.
    if (this.building) return;
    let s = this.dirty.get(d);
    if (!s) this.dirty.set(d, (s = new Map<string, Set<string> | null>()));
    if (key === undefined) {
      s.set(scope, null);
      return;
    }
    const cur = s.get(scope);
    if (cur === null) return;
    if (cur) cur.add(key);
    else s.set(scope, new Set([key]));
  }

  private markAll(d: Dpid): void {
    this.mark(d, SWITCH);
    this.mark(d, DELIVER);
    for (const sc of this.store.scopesOf(d)) this.mark(d, sc);
    for (const n of this.netsOn.get(d) ?? []) this.mark(d, netScope(n));
  }

  /** Pieces lowered again since the compiler was made: what changes cost. */
  get piecesLowered(): number {
    return this.store.lowered;
  }

  // --- lowering ------------------------------------------------------------

  private ctxOf(d: Dpid): SwitchCtx {
    const { of13, groups, failover } = this.featuresOf(d);
    return {
      dpid: d,
      of13,
      groups,
      failover,
      meters: of13,
      fabricPorts: this.ports.fabricPorts(d),
      label: this.labels.get(d),
      target: (at) => (at.dpid === d ? { local: at.portNo } : this.remote(d, at.dpid, groups)),
    };
  }

  /** What a switch's version and groups give it: OF1.3, and the group types it holds and has room for (groupIds). */
  private featuresOf(d: Dpid): { of13: boolean; groups: boolean; failover: boolean } {
    if (this.versionOf(d) === OFP10_VERSION) return { of13: false, groups: false, failover: false };
    const g = this.groupIds(d);
    return { of13: true, groups: g.usesSelect, failover: g.usesFailover };
  }

  /** How switch `from` sends towards switch `to`: its label, and one next hop or the group of all of them. */
  private remote(from: Dpid, to: Dpid, groups: boolean): Remote | undefined {
    let known = this.remotes.get(from);
    if (!known) this.remotes.set(from, (known = new Map<Dpid, Remote | undefined>()));
    if (known.has(to)) return known.get(to);
    const r = this.findRemote(from, to, groups);
    known.set(to, r);
    return r;
  }

  private findRemote(from: Dpid, to: Dpid, groups: boolean): Remote | undefined {
    const label = this.labels.get(to);
    if (label === undefined) return undefined;
    const hops = this.routes.hops(from, to);
    if (hops.length === 0) return undefined;
    if (groups && hops.length > 1) return { remote: to, label, group: this.groupIds(from).byHops.get(hops)! };
    return { remote: to, label, hop: pickHop(hops, label)! };
  }

  /**
   * An OF1.3 switch's groups and their ids (switch-groups.ts), kept until its
   * routes, ports or group support change. A type the switch does not hold,
   * or of which it would need more groups than its max_groups (counted over
   * every group its routes could name, a bound), is not used.
   */
  private groupIds(d: Dpid): SwitchGroups {
    let g = this.groupAssignments.get(d);
    if (!g) {
      const room = this.ports.groups(d) ?? OVS_GROUPS;
      const make = (select: boolean, failover: boolean): SwitchGroups =>
        switchGroups(this.routes.towards(d), { of13: true, select, failover, fabricPorts: this.ports.fabricPorts(d), accessPorts: this.ports.accessPorts(d) }, this.buckets);
      g = make(room.select > 0, room.fastFailover > 0);
      const select = g.usesSelect && count(g, 'select') <= room.select;
      const failover = g.usesFailover && count(g, 'ff') <= room.fastFailover;
      if (select !== g.usesSelect || failover !== g.usesFailover) g = make(select, failover);
      this.groupAssignments.set(d, g);
    }
    return g;
  }

  /** Drops what a switch's ways were derived from: its routes, ports, version or group support changed. */
  private forgetWays(d: Dpid): void {
    this.groupAssignments.delete(d);
    this.remotes.delete(d);
  }

  private flushDirty(deadline = Infinity): void {
    for (const [d, scopes] of this.dirty) {
      this.dirty.delete(d);
      const version = this.versionOf(d);
      const had = this.versions.get(d);
      if (!this.ports.has(d)) {
        this.store.dropSwitch(d, had ?? version);
        this.versions.delete(d);
        this.loweredGroupTypes.delete(d);
        continue;
      }
      if (had !== undefined && had !== version) {
        // Lowered for another version: everything is redone.
        this.store.dropSwitch(d, version);
        for (const sc of this.netsOn.get(d) ?? []) scopes.set(netScope(sc), null);
        scopes.set(SWITCH, null);
        scopes.set(DELIVER, null);
      }
      this.versions.set(d, version);
      const ctx = this.ctxOf(d);
      const types = `${ctx.groups},${ctx.failover}`;
      const hadTypes = this.loweredGroupTypes.get(d);
      if (hadTypes !== undefined && hadTypes !== types) {
        // SELECT groups name the next hops of every network's entries, failover groups the transit flows.
        for (const sc of this.netsOn.get(d) ?? []) scopes.set(netScope(sc), null);
        scopes.set(SWITCH, null);
      }
      this.loweredGroupTypes.set(d, types);
      for (const [scope, keys] of scopes) this.refreshScope(ctx, version, scope, keys);
      if (performance.now() >= deadline) return;
    }
  }

  private refreshScope(ctx: SwitchCtx, version: OfVersion, scope: string, keys: Set<string> | null): void {
    const d = ctx.dpid;
    if (scope === SWITCH) {
      this.store.refresh(d, version, scope, switchPieces(ctx, this.switchInputs(ctx)));
      return;
    }
    if (scope === DELIVER) {
      if (keys === null) this.store.refresh(d, version, scope, deliverPieces(ctx, deliveredMacs(d, this.netsAt(d, this.memberNetsOn))));
      else {
        const { present, gone } = deliverPiecesFor(ctx, this.netsAt(d, this.memberNetsOn), keys);
        this.store.patch(d, version, scope, present, gone);
      }
      return;
    }
    const state = this.nets.get(scope.slice(2));
    if (!state) this.store.refresh(d, version, scope, new Map());
    else if (keys === null || !ctx.of13) this.store.refresh(d, version, scope, networkPieces(ctx, state));
    else {
      const { present, gone } = networkPiecesFor(ctx, state, keys);
      this.store.patch(d, version, scope, present, gone);
    }
  }

  private switchInputs(ctx: SwitchCtx): SwitchInputs {
    const d = ctx.dpid;
    const accessPorts = this.ports.accessPorts(d);
    const transit: Remote[] = [];
    const ids = ctx.of13 ? this.groupIds(d) : undefined;
    for (const { dest, transit: through, sendsBack } of this.routes.towards(d)) {
      if (!through) continue;
      const t = this.remote(d, dest, ctx.groups);
      if (!t) continue;
      // A lone next hop that may send back goes through its failover group: the switch itself turns away from a dead hop.
      const ff = ctx.failover && sendsBack && t.hop !== undefined ? ids?.failover.get(t.hop) : undefined;
      transit.push(ff !== undefined ? { remote: t.remote, label: t.label, group: ff } : t);
    }
    const groups: SwitchInputs['groups'][number][] = [];
    // Where the switch forwards only for others it needs only the groups its transit flows name.
    const named = new Set(transit.map((t) => t.group));
    for (const g of ids?.groups ?? []) if (accessPorts.length > 0 || named.has(g.groupId)) groups.push(g);
    return { accessPorts, transit, groups, sentBack: ids?.sentBack ?? [], rates: this.rates };
  }

  /** Checks every flow of a switch against its stage's declaration (run by tests and on demand). */
  check(dpid: Dpid): string[] {
    const lowering = this.versionOf(dpid) === OFP10_VERSION ? 'of10' : 'of13';
    const out: string[] = [];
    for (const f of this.store.flows(dpid)) {
      const why = checkFlow(f, lowering);
      if (why) out.push(why);
    }
    return out;
  }
}

function count(g: SwitchGroups, type: 'select' | 'ff'): number {
  return g.groups.filter((x) => x.groupType === type).length;
}

/** The ports a VM's bindings name: its interfaces' and its migration destinations'. */
function vmRefs(vm: Vm): { dpid: Dpid; ref: string }[] {
  const refs = vm.interfaces.map((i) => ({ dpid: i.switch, ref: String(i.port) }));
  for (const d of vm.migration?.destinations ?? []) refs.push({ dpid: d.switch, ref: String(d.port) });
  return refs;
}

function setOf<K, V>(m: Map<K, Set<V>>, k: K): Set<V> {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  return s;
}

function dropFromSet<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}
