// The model indexed for the controller's answers to packet-ins (ARP, neighbour
// discovery, migration announcements), so that each costs the same whatever
// the size of the cloud:
//  - (switch, port, MAC) -> the gateway or VM interface bound there (a
//    migration's destination included), and the migrating VMs whose
//    destination it is;
//  - (network, address) -> who holds it (IPv4 for ARP; IPv6 for neighbour
//    discovery), and (network, MAC) -> who has it, for the link-local
//    address every MAC implies;
//  - the relations' VM pairs (reach.ts says who may reach whom).
// Kept up to date one model change at a time (apply); LiveAddressIndex follows
// the store's change feed.
import { RelationPairs } from '../model/reach.js';
import type { Gateway, ModelChange, ModelCommit, ModelSnapshot, Network, PortRef, Vm } from '../model/types.js';
import type { Dpid } from '../openflow/dpid.js';
import { canonicalIpv6, formatMacAt, isIpv6, parseIpv6 } from '../openflow/addr.js';

/** A gateway of a network, or an interface of a VM on it. */
export interface Holder {
  network: Network;
  /** Lower case. */
  mac: string;
  ips: string[];
  gateway: boolean;
  vm?: Vm;
}

/** Where something is recorded: a gateway by its place in its network, an interface by its place in its VM. */
type Ref = { gateway: true; network: string; index: number } | { gateway: false; vm: string; index: number };

/** A port as a key: model port numbers and port names never compare equal (the ARP code's rule: 3 is not "3"). */
const portKeyOf = (port: PortRef): string => (typeof port === 'number' ? `#${port}` : `$${port}`);

/** The keys a frame from this port matches: its number, its number as a name, and its name. */
export function ingressPortKeys(portNo: number, portName: string | undefined): string[] {
  const keys = [`#${portNo}`, `$${portNo}`];
  if (portName !== undefined && portName !== String(portNo)) keys.push(`$${portName}`);
  return keys;
}

/** First gateways (network name, then position), then interfaces (VM name, then position). */
function before(a: Ref, b: Ref): boolean {
  if (a.gateway !== b.gateway) return a.gateway;
  const an = a.gateway ? a.network : a.vm;
  const bn = b.gateway ? b.network : b.vm;
  return an !== bn ? an < bn : a.index < b.index;
}

/** A map from a key to the refs recorded there (usually one). */
class Refs {
  private readonly m = new Map<string, Ref[]>();
  add(key: string, ref: Ref): void {
    const list = this.m.get(key);
    if (list) list.push(ref);
    else this.m.set(key, [ref]);
  }
  remove(key: string, ref: Ref): void {
    const list = this.m.get(key);
    if (!list) return;
    const rest = list.filter((r) => !sameRef(r, ref));
    if (rest.length > 0) this.m.set(key, rest);
    else this.m.delete(key);
  }
  get(key: string): readonly Ref[] | undefined {
    return this.m.get(key);
  }
}

const sameRef = (a: Ref, b: Ref): boolean =>
  a.gateway === b.gateway && a.index === b.index && (a.gateway ? a.network === (b as typeof a).network : a.vm === (b as typeof a).vm);

export class AddressIndex {
  private static readonly built = new WeakMap<ModelSnapshot, AddressIndex>();
  generation: number;
  private readonly networks = new Map<string, Network>();
  private readonly vms = new Map<string, Vm>();
  readonly relations = new RelationPairs();
  /** "dpid|port key|mac" -> bound gateways and interfaces. */
  private readonly bound = new Refs();
  /** "dpid|port key|mac" -> VMs migrating there, not activated yet. */
  private readonly arriving = new Map<string, Set<string>>();
  /** "network|IPv4" -> holders. */
  private readonly v4 = new Refs();
  /** "network|canonical IPv6" -> holders. */
  private readonly v6 = new Refs();
  /** "network|MAC" -> holders (of the link-local address the MAC implies). */
  private readonly macs = new Refs();

  private constructor(generation: number) {
    this.generation = generation;
  }

  static build(model: ModelSnapshot): AddressIndex {
    const idx = new AddressIndex(model.generation);
    for (const n of model.networks.values()) idx.change({ kind: 'network', id: n.name, after: n });
    for (const vm of model.vms.values()) idx.change({ kind: 'vm', id: vm.name, after: vm });
    for (const r of model.relations.values()) idx.change({ kind: 'relation', id: r.id, after: r });
    return idx;
  }

  /** The index of a snapshot, built on first use and kept while the snapshot lives. */
  static of(model: ModelSnapshot): AddressIndex {
    let idx = AddressIndex.built.get(model);
    if (!idx) AddressIndex.built.set(model, (idx = AddressIndex.build(model)));
    return idx;
  }

  /** One store commit: the index moves to its generation. */
  apply(commit: ModelCommit): void {
    for (const c of commit.changes) this.change(c);
    this.generation = commit.generation;
  }

  /** The gateway or interface with this MAC bound at one of these port keys of the switch (ingressPortKeys). */
  boundAt(dpid: Dpid, portKeys: readonly string[], mac: string): Holder | undefined {
    let best: Ref | undefined;
    for (const pk of portKeys) {
      for (const r of this.bound.get(`${dpid}|${pk}|${mac}`) ?? []) {
        if (this.networkOf(r) && (!best || before(r, best))) best = r;
      }
    }
    return best && this.holder(best);
  }

  /** Who holds this IPv4 address on the network. */
  holderOfV4(network: string, ip: string): Holder | undefined {
    return this.first(this.v4.get(`${network}|${ip}`));
  }

  /** Who holds this IPv6 address (canonical text) on the network, the link-local address of a MAC included. */
  holderOfV6(network: string, ip: string): Holder | undefined {
    const held = this.v6.get(`${network}|${ip}`);
    const mac = eui64Mac(ip);
    const implied = mac === undefined ? undefined : this.macs.get(`${network}|${mac}`);
    return this.first(implied ? [...(held ?? []), ...implied] : held);
  }

  /** The VM (first by name) migrating to one of these port keys of the switch with this MAC, not activated yet. */
  arrivingAt(dpid: Dpid, portKeys: readonly string[], mac: string): Vm | undefined {
    let best: string | undefined;
    for (const pk of portKeys) {
      for (const name of this.arriving.get(`${dpid}|${pk}|${mac}`) ?? []) if (best === undefined || name < best) best = name;
    }
    return best === undefined ? undefined : this.vms.get(best);
  }

  private first(refs: readonly Ref[] | undefined): Holder | undefined {
    let best: Ref | undefined;
    for (const r of refs ?? []) if (!best || before(r, best)) best = r;
    return best && this.holder(best);
  }

  private networkOf(r: Ref): Network | undefined {
    return this.networks.get(r.gateway ? r.network : this.vms.get(r.vm)!.interfaces[r.index]!.network);
  }

  private holder(r: Ref): Holder | undefined {
    const network = this.networkOf(r);
    if (!network) return undefined;
    if (r.gateway) {
      const g = network.gateways[r.index]!;
      return { network, mac: g.mac.toLowerCase(), ips: g.ips, gateway: true };
    }
    const vm = this.vms.get(r.vm)!;
    const itf = vm.interfaces[r.index]!;
    return { network, mac: itf.mac.toLowerCase(), ips: itf.ips, gateway: false, vm };
  }

  private change(c: ModelChange): void {
    if (c.kind === 'relation') {
      this.relations.change(c.before, c.after);
    } else if (c.kind === 'network') {
      if (c.before) this.gateways(c.before, false);
      if (c.after) this.networks.set(c.id, c.after);
      else this.networks.delete(c.id);
      if (c.after) this.gateways(c.after, true);
    } else {
      if (c.before) this.vm(c.before, false);
      if (c.after) this.vms.set(c.id, c.after);
      else this.vms.delete(c.id);
      if (c.after) this.vm(c.after, true);
    }
  }

  private gateways(net: Network, add: boolean): void {
    net.gateways.forEach((g: Gateway, index) => {
      const ref: Ref = { gateway: true, network: net.name, index };
      const mac = g.mac.toLowerCase();
      this.record(this.bound, `${g.switch}|${portKeyOf(g.port)}|${mac}`, ref, add);
      this.addresses(net.name, mac, g.ips, ref, add);
    });
  }

  private vm(vm: Vm, add: boolean): void {
    vm.interfaces.forEach((itf, index) => {
      const ref: Ref = { gateway: false, vm: vm.name, index };
      const mac = itf.mac.toLowerCase();
      const src = `${itf.switch}|${portKeyOf(itf.port)}|${mac}`;
      this.record(this.bound, src, ref, add);
      const dest = vm.migration?.destinations.find((d) => d.mac.toLowerCase() === mac);
      if (dest) {
        const at = `${dest.switch}|${portKeyOf(dest.port)}|${mac}`;
        if (at !== src) this.record(this.bound, at, ref, add);
      }
      this.addresses(itf.network, mac, itf.ips, ref, add);
    });
    if (vm.migration && !vm.migration.activated) {
      for (const d of vm.migration.destinations) {
        const at = `${d.switch}|${portKeyOf(d.port)}|${d.mac.toLowerCase()}`;
        let set = this.arriving.get(at);
        if (add) {
          if (!set) this.arriving.set(at, (set = new Set()));
          set.add(vm.name);
        } else if (set) {
          set.delete(vm.name);
          if (set.size === 0) this.arriving.delete(at);
        }
      }
    }
  }

  private addresses(network: string, mac: string, ips: readonly string[], ref: Ref, add: boolean): void {
    for (const ip of ips) {
      if (isIpv6(ip)) this.record(this.v6, `${network}|${canonicalIpv6(ip)}`, ref, add);
      else this.record(this.v4, `${network}|${ip}`, ref, add);
    }
    this.record(this.macs, `${network}|${mac}`, ref, add);
  }

  private record(refs: Refs, key: string, ref: Ref, add: boolean): void {
    if (add) refs.add(key, ref);
    else refs.remove(key, ref);
  }
}

/**
 * The MAC whose link-local address (fe80::/64 with the modified EUI-64
 * interface id, RFC 4291 appendix A) this canonical IPv6 text is; undefined
 * for any other address.
 */
function eui64Mac(ip: string): string | undefined {
  if (!ip.startsWith('fe80::')) return undefined;
  const b = parseIpv6(ip);
  if (!b || b.subarray(2, 8).some((x) => x !== 0) || b[11] !== 0xff || b[12] !== 0xfe) return undefined;
  return formatMacAt(Uint8Array.of(b[8]! ^ 0x02, b[9]!, b[10]!, b[13]!, b[14]!, b[15]!), 0);
}

/** What LiveAddressIndex reads: the store's state and its change feed. */
export interface ModelFeed {
  snapshot(): ModelSnapshot;
  onCommit(listener: (commit: ModelCommit) => void): () => void;
}

/**
 * The index kept at the store's generation: each commit is applied as the
 * store announces it, which it does before anyone can act on the new state.
 * A commit that skips generations (a restore, or a model read again from
 * etcd) rebuilds the index from the store's snapshot, and so does current()
 * should the index ever be behind the store: no answer from an old model.
 */
export class LiveAddressIndex {
  private index: AddressIndex;
  private readonly unsubscribe: () => void;
  /** Times the index was rebuilt from the store's snapshot (0 while commits follow one another). */
  rebuilds = 0;

  constructor(private readonly store: ModelFeed) {
    this.index = AddressIndex.build(store.snapshot());
    this.unsubscribe = store.onCommit((c) => this.follow(c));
  }

  current(): AddressIndex {
    const model = this.store.snapshot();
    if (model.generation !== this.index.generation) this.rebuild(model);
    return this.index;
  }

  stop(): void {
    this.unsubscribe();
  }

  private follow(commit: ModelCommit): void {
    if (commit.generation <= this.index.generation) return;
    if (commit.generation === this.index.generation + 1) this.index.apply(commit);
    else this.rebuild(this.store.snapshot());
  }

  private rebuild(model: ModelSnapshot): void {
    this.index = AddressIndex.build(model);
    this.rebuilds++;
  }
}
