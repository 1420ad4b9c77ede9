// One network as the compiler keeps it between changes: its endpoints with
// their resolved attachments, indexed per switch, and who may reach whom.
// Updated per VM (or for the gateways as a whole), so a change costs the
// endpoints it touches. Nothing here depends on paths: where a destination
// sits is a switch and a port; how frames get there is the fabric's business.
import type { Network } from '../model/types.js';
import type { Dpid } from '../openflow/dpid.js';
import { cmp, type Endpoint, type Location } from './endpoints.js';
import type { Diagnostic } from './types.js';

/** Relation partners of a VM (names), as the compiler's relation index knows them. */
export type Partners = (vm: string) => ReadonlySet<string> | undefined;

const GATEWAYS = '\0gateways';

export class NetworkState {
  network: Network;
  /** Per owner (a VM name, or the gateways): its endpoints on this network and what went wrong resolving them. */
  private readonly owners = new Map<string, { eps: Endpoint[]; diagnostics: Diagnostic[] }>();
  /** Every endpoint claiming a MAC; the one that counts is chosen by `holderOf`. */
  private readonly claims = new Map<string, Map<string, Endpoint>>();
  /**
   * What diagnostics() reads, kept as owners change so that it costs the
   * problems, not the network (the public segment has thousands of owners and
   * is diagnosed again on each of their events): owners with diagnostics of
   * their own, and MACs claimed more than once.
   */
  private readonly troubledOwners = new Set<string>();
  private readonly contested = new Set<string>();
  /** The endpoints that count (one per MAC), by id. */
  private readonly live = new Map<string, Endpoint>();
  private readonly sources = new Map<Dpid, Map<string, { ep: Endpoint; loc: Location }>>();
  private readonly sortedSources = new Map<Dpid, { ep: Endpoint; loc: Location }[]>();
  private readonly actives = new Map<Dpid, Map<string, Endpoint>>();
  private readonly byTenant = new Map<string, Set<string>>();
  private readonly byVm = new Map<string, Set<string>>();
  private readonly gateways = new Set<string>();
  private reachCache = new Map<Endpoint | string, Endpoint[]>();

  constructor(
    network: Network,
    private readonly partners: Partners,
  ) {
    this.network = network;
  }

  get name(): string {
    return this.network.name;
  }

  /** Replaces one VM's endpoints on this network; returns the live endpoints that left or came (before and after). */
  setVm(vm: string, eps: Endpoint[], diagnostics: Diagnostic[]): Endpoint[] {
    return this.setOwner(vm, eps, diagnostics);
  }

  setGateways(eps: Endpoint[], diagnostics: Diagnostic[]): Endpoint[] {
    return this.setOwner(GATEWAYS, eps, diagnostics);
  }

  /** Owners that have endpoints or diagnostics here. */
  ownerNames(): string[] {
    return [...this.owners.keys()].filter((o) => o !== GATEWAYS);
  }

  /** The relation partners of `vm` changed: its reach, and its partners', are recomputed. */
  partnersChanged(): void {
    this.reachCache.clear();
  }

  private setOwner(owner: string, fresh: Endpoint[], diagnostics: Diagnostic[]): Endpoint[] {
    const old = this.owners.get(owner)?.eps ?? [];
    // An endpoint derived again unchanged keeps its object: nothing lowered from it changes.
    const eps = fresh.map((e) => old.find((o) => o.id === e.id && sameEndpoint(o, e)) ?? e);
    if (eps.length === 0 && diagnostics.length === 0) this.owners.delete(owner);
    else this.owners.set(owner, { eps, diagnostics });
    if (diagnostics.length > 0) this.troubledOwners.add(owner);
    else this.troubledOwners.delete(owner);
    const macs = new Set<string>();
    for (const e of old) {
      this.claims.get(e.mac)?.delete(e.id);
      macs.add(e.mac);
    }
    for (const e of eps) {
      let c = this.claims.get(e.mac);
      if (!c) this.claims.set(e.mac, (c = new Map<string, Endpoint>()));
      c.set(e.id, e);
      macs.add(e.mac);
    }
    const touched: Endpoint[] = [];
    for (const mac of macs) {
      const c = this.claims.get(mac);
      if (c && c.size === 0) this.claims.delete(mac);
      if (c && c.size > 1) this.contested.add(mac);
      else this.contested.delete(mac);
      const holder = c && c.size ? holderOf(c) : undefined;
      for (const b of [...(this.liveByMac.get(mac) ?? [])]) {
        if (b === holder) continue;
        this.unindex(b);
        touched.push(b);
      }
      if (holder && this.live.get(holder.id) !== holder) {
        this.index(holder);
        touched.push(holder);
      }
    }
    if (touched.length) this.reachCache.clear();
    return touched;
  }

  private readonly liveByMac = new Map<string, Set<Endpoint>>();

  private index(e: Endpoint): void {
    this.live.set(e.id, e);
    let m = this.liveByMac.get(e.mac);
    if (!m) this.liveByMac.set(e.mac, (m = new Set()));
    m.add(e);
    for (const loc of e.bound) {
      mapOf(this.sources, loc.dpid).set(`${e.id}@${loc.portNo}`, { ep: e, loc });
      this.sortedSources.delete(loc.dpid);
    }
    if (e.active) mapOf(this.actives, e.active.dpid).set(e.id, e);
    if (e.kind === 'gateway') this.gateways.add(e.id);
    else {
      setOf(this.byTenant, e.tenant).add(e.id);
      setOf(this.byVm, e.vm!).add(e.id);
    }
  }

  private unindex(e: Endpoint): void {
    if (this.live.get(e.id) === e) this.live.delete(e.id);
    const m = this.liveByMac.get(e.mac);
    m?.delete(e);
    if (m && m.size === 0) this.liveByMac.delete(e.mac);
    for (const loc of e.bound) {
      dropFrom(this.sources, loc.dpid, `${e.id}@${loc.portNo}`);
      this.sortedSources.delete(loc.dpid);
    }
    if (e.active) dropFrom(this.actives, e.active.dpid, e.id);
    if (e.kind === 'gateway') this.gateways.delete(e.id);
    else {
      dropFromSet(this.byTenant, e.tenant, e.id);
      dropFromSet(this.byVm, e.vm!, e.id);
    }
  }

  /** Bound attachments on a switch (the endpoints that may send there), by id then port. */
  sourcesAt(dpid: Dpid): readonly { ep: Endpoint; loc: Location }[] {
    let l = this.sortedSources.get(dpid);
    if (l) return l;
    const m = this.sources.get(dpid);
    if (!m) return [];
    l = [...m.entries()].sort((a, b) => cmp(a[0], b[0])).map(([, v]) => v);
    this.sortedSources.set(dpid, l);
    return l;
  }

  /** One bound attachment, by its key "id@port". */
  source(dpid: Dpid, key: string): { ep: Endpoint; loc: Location } | undefined {
    return this.sources.get(dpid)?.get(key);
  }

  /** Does a source on `dpid` reach `d` (then the switch holds a forwarding entry for it)? */
  forwards(dpid: Dpid, d: Endpoint): boolean {
    const srcs = this.sources.get(dpid);
    if (!srcs || srcs.size === 0) return false;
    if (this.network.kind === 'private' || d.kind === 'gateway') return true;
    for (const { ep } of srcs.values()) if (ep.kind === 'gateway') return true;
    for (const r of this.reach(d)) for (const l of r.bound) if (l.dpid === dpid) return true;
    return false;
  }

  /**
   * Switches that hold a forwarding entry for `d`: where a source that may
   * reach it is bound (private: every source switch; public: its reach's, and
   * the gateways', which reach everyone).
   */
  forwarders(d: Endpoint, out: Set<Dpid>): void {
    if (this.network.kind === 'private' || d.kind === 'gateway') {
      for (const s of this.sources.keys()) out.add(s);
      return;
    }
    for (const r of this.reach(d)) for (const l of r.bound) out.add(l.dpid);
    for (const id of this.gateways) for (const l of this.live.get(id)?.bound ?? []) out.add(l.dpid);
  }

  /** Switches where a broadcaster is bound: their broadcast flows list the member switches. */
  broadcasterSwitches(out: Set<Dpid>): void {
    if (this.network.kind === 'private') {
      for (const s of this.sources.keys()) out.add(s);
      return;
    }
    for (const id of this.gateways) for (const l of this.live.get(id)?.bound ?? []) out.add(l.dpid);
  }

  hasSourcesAt(dpid: Dpid): boolean {
    return (this.sources.get(dpid)?.size ?? 0) > 0;
  }

  /** Endpoints whose traffic is delivered on this switch, by id. */
  activeAt(dpid: Dpid): Endpoint[] {
    const m = this.actives.get(dpid);
    if (!m) return [];
    return [...m.values()].sort((a, b) => cmp(a.id, b.id));
  }

  /** Switches where an endpoint may send from. */
  sourceSwitches(): Set<Dpid> {
    return new Set(this.sources.keys());
  }

  /** Switches where an endpoint is delivered. */
  memberSwitches(): Set<Dpid> {
    return new Set(this.actives.keys());
  }

  /** Switches holding any flow of this network (sources or deliveries). */
  switches(): Set<Dpid> {
    return new Set([...this.sources.keys(), ...this.actives.keys()]);
  }

  /** Ports of active members on a switch, ascending, once each. */
  memberPorts(dpid: Dpid): number[] {
    const ports = new Set<number>();
    for (const e of this.actives.get(dpid)?.values() ?? []) ports.add(e.active!.portNo);
    return [...ports].sort((a, b) => a - b);
  }

  /** The endpoint holding a MAC here (the one that counts), if any. */
  holder(mac: string): Endpoint | undefined {
    const m = this.liveByMac.get(mac);
    if (!m) return undefined;
    for (const e of m) return e;
    return undefined;
  }

  /** The DHCP server: the live endpoint whose MAC the network designates, when it is delivered somewhere. */
  dhcpServer(): Endpoint | undefined {
    const mac = this.network.dhcp?.mac.toLowerCase();
    if (mac === undefined) return undefined;
    const e = this.holder(mac);
    return e?.active ? e : undefined;
  }

  /** May this endpoint broadcast to the network? Members of a private network and gateways may. */
  broadcasts(e: Endpoint): boolean {
    return this.network.kind === 'private' || e.kind === 'gateway';
  }

  /**
   * The live endpoints `src` may reach, itself included, by id. Private: all.
   * Public: gateways, its tenant, its relation partners; a gateway reaches all.
   * Symmetric by construction.
   */
  reach(src: Endpoint): Endpoint[] {
    if (this.network.kind === 'private' || src.kind === 'gateway') return this.allLive();
    let r = this.reachCache.get(src);
    if (r) return r;
    const ids = new Set<string>([...this.gateways, ...(this.byTenant.get(src.tenant) ?? [])]);
    for (const p of this.partners(src.vm!) ?? []) for (const id of this.byVm.get(p) ?? []) ids.add(id);
    r = [...ids].sort(cmp).map((id) => this.live.get(id)!);
    this.reachCache.set(src, r);
    return r;
  }

  private allLive(): Endpoint[] {
    let a = this.reachCache.get(GATEWAYS);
    if (!a) {
      a = [...this.live.values()].sort((x, y) => cmp(x.id, y.id));
      this.reachCache.set(GATEWAYS, a);
    }
    return a;
  }

  /** Destinations some source on `dpid` may reach, that are delivered somewhere: the switch's forwarding entries. */
  forwardSet(dpid: Dpid): Endpoint[] {
    const srcs = this.sources.get(dpid);
    if (!srcs || srcs.size === 0) return [];
    if (this.network.kind === 'private') return this.allLive().filter((e) => e.active);
    const seen = new Map<string, Endpoint>();
    for (const { ep } of srcs.values()) {
      if (ep.kind === 'gateway') return this.allLive().filter((e) => e.active);
      for (const d of this.reach(ep)) if (d.active) seen.set(d.id, d);
    }
    return [...seen.values()].sort((a, b) => cmp(a.id, b.id));
  }

  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    const looked = new Set(this.troubledOwners);
    for (const mac of this.contested) for (const e of this.claims.get(mac)!.values()) looked.add(e.kind === 'gateway' ? GATEWAYS : e.vm!);
    for (const owner of [...looked].sort(cmp)) {
      const o = this.owners.get(owner);
      if (!o) continue;
      out.push(...o.diagnostics);
      for (const e of o.eps) {
        if (this.live.get(e.id) === e) continue;
        out.push({ code: 'DUPLICATE_MAC', message: `MAC ${e.mac} appears twice on network ${this.name}`, network: this.name, ...(owner !== GATEWAYS ? { vm: owner } : {}) });
      }
    }
    const dhcp = this.network.dhcp;
    if (dhcp && !this.dhcpServer()) {
      out.push({ code: 'DHCP_SERVER_ABSENT', message: `DHCP server ${dhcp.mac} of network ${this.name} is bound to no port`, network: this.name });
    }
    return out;
  }
}

function sameLocation(a: Location | undefined, b: Location | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.dpid === b.dpid && a.portNo === b.portNo);
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return (
    a.kind === b.kind &&
    a.mac === b.mac &&
    a.tenant === b.tenant &&
    a.vm === b.vm &&
    a.cookie === b.cookie &&
    a.ips.length === b.ips.length &&
    a.ips.every((x, i) => x === b.ips[i]) &&
    a.bound.length === b.bound.length &&
    a.bound.every((x, i) => sameLocation(x, b.bound[i])) &&
    sameLocation(a.active, b.active)
  );
}

/** Among endpoints claiming one MAC, the one that counts: a gateway before an interface, then the smallest id. */
function holderOf(claims: Map<string, Endpoint>): Endpoint {
  let best: Endpoint | undefined;
  for (const e of claims.values()) {
    if (!best || (e.kind === 'gateway') > (best.kind === 'gateway') || ((e.kind === 'gateway') === (best.kind === 'gateway') && e.id < best.id)) best = e;
  }
  return best!;
}

function mapOf<V>(m: Map<Dpid, Map<string, V>>, k: Dpid): Map<string, V> {
  let x = m.get(k);
  if (!x) m.set(k, (x = new Map<string, V>()));
  return x;
}

function dropFrom<V>(m: Map<Dpid, Map<string, V>>, k: Dpid, id: string): void {
  const x = m.get(k);
  if (!x) return;
  x.delete(id);
  if (x.size === 0) m.delete(k);
}

function setOf(m: Map<string, Set<string>>, k: string): Set<string> {
  let x = m.get(k);
  if (!x) m.set(k, (x = new Set()));
  return x;
}

function dropFromSet(m: Map<string, Set<string>>, k: string, id: string): void {
  const x = m.get(k);
  if (!x) return;
  x.delete(id);
  if (x.size === 0) m.delete(k);
}
