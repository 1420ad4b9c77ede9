// Reference implementations of the topology views, each rebuilt from scratch
// on every read: what Discovery and the sticky view showed before they kept
// their snapshots incrementally. Property tests check the incremental views
// against them; bench/topology.ts runs them as the "before" peer.
import { Port } from '../../src/openflow/wire-values.js';
import type { PortClassifier } from '../../src/topo/cabling.js';
import { linkKey } from '../../src/topo/link.js';
import type { Discovery } from '../../src/topo/discovery.js';
import type { Dpid } from '../../src/openflow/dpid.js';
import type { BoundPorts, Link, LinkEnd, TopologyEvent, TopologySnapshot, TopoPort, TopoSwitch } from '../../src/topo/types.js';

/** The parts of Discovery's state the snapshot is made of. */
interface DiscoveryState {
  switches: Map<Dpid, { dpid: Dpid; connected: boolean; name?: string; role?: TopoSwitch['role']; version?: TopoSwitch['version']; ports: Map<number, { portNo: number; name: string; up: boolean }> }>;
  /** Its CableTable: the cables probes crossed. */
  cables: { links: Map<string, { link: Link; confirmed: boolean }> };
  inferredFabric: Set<string>;
  classify: PortClassifier | undefined;
  bound: BoundPorts | undefined;
}

/** Discovery's snapshot built from its whole state, sorted, as it was built on every change. */
export function rebuiltSnapshot(d: Discovery): Omit<TopologySnapshot, 'version'> {
  const st = d as unknown as DiscoveryState;
  const switches = new Map<Dpid, TopoSwitch>();
  for (const sw of [...st.switches.values()].sort((x, y) => (x.dpid < y.dpid ? -1 : 1))) {
    const ports = new Map<number, TopoPort>();
    for (const p of [...sw.ports.values()].sort((x, y) => x.portNo - y.portNo)) {
      const described = st.bound?.isBound(sw.dpid, p.portNo, p.name) ? 'access' : st.classify?.(sw.dpid, p.portNo, p.name);
      const kind = described ?? (st.inferredFabric.has(`${sw.dpid}/${p.portNo}`) ? 'fabric' : p.portNo <= Port.MAX ? 'access' : undefined);
      ports.set(p.portNo, { portNo: p.portNo, name: p.name, up: p.up, ...(kind ? { kind } : {}) });
    }
    const ts: TopoSwitch = { dpid: sw.dpid, connected: sw.connected, ports };
    if (sw.name !== undefined) ts.name = sw.name;
    if (sw.role !== undefined) ts.role = sw.role;
    if (sw.version !== undefined) ts.version = sw.version;
    switches.set(sw.dpid, ts);
  }
  const links = [...st.cables.links.values()].filter((l) => l.confirmed).map((l) => l.link).sort((x, y) => (linkKey(x) < linkKey(y) ? -1 : 1));
  return { switches, links };
}

/** A snapshot as plain sorted data, for deep comparison whatever the maps' iteration order. */
export function plain(s: Omit<TopologySnapshot, 'version'>): { switches: unknown[]; links: string[] } {
  return {
    switches: [...s.switches.values()]
      .sort((x, y) => (x.dpid < y.dpid ? -1 : 1))
      .map((sw) => ({ ...sw, ports: [...sw.ports.values()].sort((x, y) => x.portNo - y.portNo) })),
    links: s.links.map(linkKey).sort(),
  };
}

/** What differs between two snapshots, found by comparing every switch, port and link: the events a listener should get. */
export function differences(before: Omit<TopologySnapshot, 'version'>, after: Omit<TopologySnapshot, 'version'>): string[] {
  const out: string[] = [];
  const head = (s: TopoSwitch | undefined) => (s ? JSON.stringify([s.connected, s.name, s.role, s.version]) : 'none');
  const port = (p: TopoPort | undefined) => (p ? JSON.stringify([p.name, p.up, p.kind]) : 'none');
  for (const dpid of new Set([...before.switches.keys(), ...after.switches.keys()])) {
    const a = before.switches.get(dpid);
    const b = after.switches.get(dpid);
    if (head(a) !== head(b)) out.push(`switch ${dpid}`);
    for (const n of new Set([...(a?.ports.keys() ?? []), ...(b?.ports.keys() ?? [])])) {
      if (port(a?.ports.get(n)) !== port(b?.ports.get(n))) out.push(`port ${dpid}/${n}`);
    }
  }
  const had = new Set(before.links.map(linkKey));
  const has = new Set(after.links.map(linkKey));
  for (const k of has) if (!had.has(k)) out.push(`link+ ${k}`);
  for (const k of had) if (!has.has(k)) out.push(`link- ${k}`);
  return out.sort();
}

/** Events as the strings `differences` gives. */
export function eventText(events: readonly TopologyEvent[]): string[] {
  return events
    .map((e) => (e.kind === 'switch' ? `switch ${e.dpid}` : e.kind === 'port' ? `port ${e.dpid}/${e.portNo}` : `link${e.present ? '+' : '-'} ${linkKey(e.link)}`))
    .sort();
}

interface Remembered {
  sw: TopoSwitch;
  links: Link[];
  graceUntil?: number;
  expired?: boolean;
}

/**
 * The sticky fabric view as it was computed in full on every read and every
 * live change (see src/runtime/sticky-topology.ts for what it keeps and why).
 * Driven by hand: observe() on each live change, expire() when its timer would fire.
 */
export class ReferenceSticky {
  private readonly memory = new Map<Dpid, Remembered>();
  private readonly held = new Map<string, { link: Link; until: number }>();
  private liveLinks: readonly Link[] = [];

  constructor(
    private readonly graceMs: number,
    private readonly linkHoldMs: number,
  ) {}

  view(live: TopologySnapshot, t: number): Omit<TopologySnapshot, 'version'> {
    const graced = [...this.memory].filter(([, r]) => r.graceUntil !== undefined && r.graceUntil > t);
    const holding = [...this.held.values()].filter((h) => h.until > t);
    if (graced.length === 0 && holding.length === 0) return live;
    const switches = new Map(live.switches);
    const links = [...live.links];
    const have = new Set(links.map(linkKey));
    const farUp = (end: LinkEnd): boolean => {
      const p = live.switches.get(end.dpid)?.connected === true ? live.switches.get(end.dpid)?.ports.get(end.portNo) : undefined;
      return p?.up === true && p.kind !== 'access';
    };
    for (const [dpid, r] of graced) {
      const current = live.switches.get(dpid);
      if (!current || !current.connected) switches.set(dpid, r.sw);
      for (const l of r.links) {
        if (have.has(linkKey(l))) continue;
        if (!farUp(l.a.dpid === dpid ? l.b : l.a)) continue;
        links.push(l);
        have.add(linkKey(l));
      }
    }
    const endKey = (e: LinkEnd) => `${e.dpid}/${e.portNo}`;
    const busy = new Set(links.flatMap((l) => [endKey(l.a), endKey(l.b)]));
    for (const { link } of holding) {
      if (have.has(linkKey(link)) || !farUp(link.a) || !farUp(link.b)) continue;
      if (busy.has(endKey(link.a)) || busy.has(endKey(link.b))) continue;
      links.push(link);
      have.add(linkKey(link));
    }
    return { switches, links };
  }

  observe(snap: TopologySnapshot, t: number): void {
    const now = new Set(snap.links.map(linkKey));
    for (const k of now) this.held.delete(k);
    const upAt = (end: LinkEnd): boolean => {
      const p = snap.switches.get(end.dpid)?.connected === true ? snap.switches.get(end.dpid)?.ports.get(end.portNo) : undefined;
      return p?.up === true && p.kind !== 'access';
    };
    for (const l of this.liveLinks) {
      const k = linkKey(l);
      if (!now.has(k) && !this.held.has(k) && upAt(l.a) && upAt(l.b)) this.held.set(k, { link: l, until: t + this.linkHoldMs });
    }
    for (const [k, h] of this.held) if (h.until <= t) this.held.delete(k);
    this.liveLinks = snap.links;
    for (const [dpid, sw] of snap.switches) {
      const mem = this.memory.get(dpid);
      const liveLinks = snap.links.filter((l) => l.a.dpid === dpid || l.b.dpid === dpid);
      if (!sw.connected) {
        if (mem && mem.graceUntil === undefined && !mem.expired) mem.graceUntil = t + this.graceMs;
        continue;
      }
      if (mem?.graceUntil !== undefined && mem.graceUntil > t && liveLinks.length < mem.links.length) continue;
      this.memory.set(dpid, { sw, links: liveLinks });
    }
    this.forgetGone(snap, t);
  }

  /** What the view's timer does when it fires at `t`. */
  expire(t: number, live: TopologySnapshot): void {
    for (const r of this.memory.values()) {
      if (r.graceUntil !== undefined && r.graceUntil <= t) {
        delete r.graceUntil;
        r.expired = true;
      }
    }
    for (const [k, h] of this.held) if (h.until <= t) this.held.delete(k);
    this.forgetGone(live, t);
  }

  /** Switches the live view no longer has, once their grace is over. */
  private forgetGone(snap: TopologySnapshot, t: number): void {
    for (const [dpid, r] of this.memory) {
      if (!snap.switches.has(dpid) && (r.graceUntil === undefined || r.graceUntil <= t)) this.memory.delete(dpid);
    }
  }
}
