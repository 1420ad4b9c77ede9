// Shortest paths towards each destination switch, kept up to date as links
// come and go. Per destination E, a breadth-first search from E gives every
// switch its distance; a switch's next hops towards E are all its ports to a
// neighbour one step closer (equal-cost multipath), and it carries transit
// traffic for E when some neighbour is one step farther (that neighbour may
// send through it). Next hops always lead strictly closer to E, so
// forwarding along them cannot loop, rings and fat-trees included.
//
// A switch *sends back* towards E (`towards().sendsBack`) when it carries
// E's label with one next hop and none of the neighbours that send through
// it (one step farther) carries E's label itself: every frame for E it gets
// comes from a switch that does not forward E's label (an ingress edge), so
// when that one next hop goes down the frame may go back where it came
// from, and that switch sends it up another way, marked
// (src/compiler/switch-lowering.ts). Returning it to a switch that carries
// the label could loop: that one would send it straight back.
//
// A link change recomputes only the destinations for which its two ends are
// at different distances: a link between two switches equally far from E is
// on no shortest path towards E and changes nothing there.
import type { Dpid } from '../openflow/dpid.js';
import { linkKey } from '../topo/link.js';
import type { Link, TopologySnapshot } from '../topo/types.js';

interface Edge {
  port: number;
  peer: number;
}

const UNREACHED = -1;
const NO_HOPS: readonly number[] = [];
/** Bits of a packed way (FabricRoutes.ways) besides its hop list id. */
const TRANSIT = 2;
const SENDS_BACK = 1;

/**
 * What changed per destination: the switches whose next hops or transit role
 * differ (`changed`), and among them those that gained or lost any way there
 * (`reach`).
 */
export type RouteChanges = Map<Dpid, { changed: Set<Dpid>; reach: Set<Dpid> }>;

export class FabricRoutes {
  private readonly index = new Map<Dpid, number>();
  private readonly ids: Dpid[] = [];
  private adj: Edge[][] = [];
  private present: boolean[] = [];
  /** Per destination dpid: distance of every switch index (UNREACHED when none). */
  private readonly dist = new Map<Dpid, Int32Array>();
  /**
   * Per destination: each switch's way there, packed as (hop list id << 2 |
   * transit << 1 | sends back), 0 for none. Hop list ids index `hopLists`
   * and are never reused, so equal ways are equal numbers: what changed is a
   * comparison, and towards() reads the ways without searching again.
   */
  private readonly ways = new Map<Dpid, Int32Array>();
  /** The usable links of the last topology, by linkKey. */
  private links = new Map<string, Link>();

  /** Rebuilds the graph from the topology; returns the changes for the current destinations. */
  setTopology(topo: TopologySnapshot): RouteChanges {
    const before = this.links;
    const now = usableLinks(topo);
    for (const d of topo.switches.keys()) this.indexOf(d);
    const presentNow = new Set(topo.switches.keys());
    let switchesChanged = false;
    for (let i = 0; i < this.ids.length; i++) {
      const p = presentNow.has(this.ids[i]!);
      if (p !== this.present[i]) switchesChanged = true;
      this.present[i] = p;
    }
    const added: Link[] = [];
    const removed: Link[] = [];
    for (const [k, l] of now) if (!before.has(k)) added.push(l);
    for (const [k, l] of before) if (!now.has(k)) removed.push(l);
    if (!switchesChanged && added.length === 0 && removed.length === 0) return new Map();
    // Destinations whose shortest paths the changed links touch, judged on the distances before the change.
    const affected = new Set<Dpid>();
    for (const [dest, dist] of this.dist) {
      if (switchesChanged) {
        affected.add(dest);
        continue;
      }
      for (const l of [...added, ...removed]) {
        const a = this.index.get(l.a.dpid);
        const b = this.index.get(l.b.dpid);
        if (a === undefined || b === undefined || dist[a] !== dist[b]) {
          affected.add(dest);
          break;
        }
      }
    }
    this.links = now;
    this.rebuildAdjacency(now.values());
    for (const dest of affected) this.stale.add(dest);
    return this.deferred ? (new Map() as RouteChanges) : this.process(Infinity);
  }

  /** Destinations whose routes wait to be recomputed (a topology change marked them). */
  private readonly stale = new Set<Dpid>();

  get pending(): number {
    return this.stale.size;
  }

  /**
   * Recomputes stale destinations until `deadline` (performance.now() time);
   * returns what changed. One destination is one breadth-first search: a
   * fabric change that touches every destination is spread over several
   * calls so the event loop is served between them.
   */
  process(deadline: number): RouteChanges {
    const out: RouteChanges = new Map();
    for (const dest of this.stale) {
      this.stale.delete(dest);
      if (!this.dist.has(dest)) continue;
      const c = this.recompute(dest);
      if (c.changed.size) out.set(dest, c);
      if (performance.now() >= deadline) break;
    }
    return out;
  }

  /** Like setTopology, but leaves the recomputation to process(). */
  markTopology(topo: TopologySnapshot): void {
    this.deferred = true;
    try {
      this.setTopology(topo);
    } finally {
      this.deferred = false;
    }
  }

  private deferred = false;

  /** The destinations routes are kept for (switches that hold endpoints); returns what changed. */
  setDestinations(dests: Iterable<Dpid>): RouteChanges {
    const want = new Set(dests);
    const out: RouteChanges = new Map();
    for (const d of [...this.dist.keys()]) {
      if (want.has(d)) continue;
      const changed = this.switchesWithRoutes(d);
      this.dist.delete(d);
      this.ways.delete(d);
      this.sortedDests = undefined;
      if (changed.size) out.set(d, { changed, reach: changed });
    }
    for (const d of want) {
      if (this.dist.has(d)) continue;
      this.indexOf(d);
      const c = this.recompute(d);
      if (c.changed.size) out.set(d, c);
    }
    return out;
  }

  destinations(): IterableIterator<Dpid> {
    return this.dist.keys();
  }

  private sortedDests: Dpid[] | undefined;

  /**
   * Every destination `at` can reach (itself left out), in dpid order, with
   * its next hops, whether `at` carries it for others, and whether it sends a
   * frame back when its one next hop is down (see the head of this file).
   */
  towards(at: Dpid): { dest: Dpid; hops: readonly number[]; transit: boolean; sendsBack: boolean }[] {
    const i = this.index.get(at);
    if (i === undefined) return [];
    this.sortedDests ??= [...this.dist.keys()].sort();
    const out: { dest: Dpid; hops: readonly number[]; transit: boolean; sendsBack: boolean }[] = [];
    for (const dest of this.sortedDests) {
      // Every switch a destination reaches has a next hop, so 0 means unreachable (or the destination itself).
      const way = this.ways.get(dest)![i] ?? 0;
      if (way === 0) continue;
      out.push({ dest, hops: this.hopLists[way >>> 2]!, transit: (way & TRANSIT) !== 0, sendsBack: (way & SENDS_BACK) !== 0 });
    }
    return out;
  }

  reachable(from: Dpid, to: Dpid): boolean {
    if (from === to) return this.present[this.index.get(from) ?? -1] === true;
    const dist = this.dist.get(to);
    const i = this.index.get(from);
    return dist !== undefined && i !== undefined && dist[i]! > 0;
  }

  /** Ports of `from` towards `to` on shortest paths, ascending; [] when unreachable or from === to. Equal lists are one array. */
  hops(from: Dpid, to: Dpid): readonly number[] {
    const way = this.ways.get(to)?.[this.index.get(from) ?? -1] ?? 0;
    return this.hopLists[way >>> 2]!;
  }

  /** True when `at` is on a shortest path towards `to` for a neighbour: it must forward `to`'s label. */
  transits(at: Dpid, to: Dpid): boolean {
    const way = this.ways.get(to)?.[this.index.get(at) ?? -1] ?? 0;
    return at !== to && (way & TRANSIT) !== 0;
  }

  /** The destinations `at` forwards for others. */
  transitsOf(at: Dpid): Dpid[] {
    const out: Dpid[] = [];
    for (const d of this.dist.keys()) if (this.transits(at, d)) out.push(d);
    return out;
  }

  private indexOf(d: Dpid): number {
    let i = this.index.get(d);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(d, i);
      this.ids.push(d);
      this.adj.push([]);
      this.present.push(false);
    }
    return i;
  }

  private rebuildAdjacency(links: Iterable<Link>): void {
    this.adj = this.ids.map(() => []);
    for (const l of links) {
      const a = this.indexOf(l.a.dpid);
      const b = this.indexOf(l.b.dpid);
      this.adj[a]!.push({ port: l.a.portNo, peer: b });
      this.adj[b]!.push({ port: l.b.portNo, peer: a });
    }
    for (const list of this.adj) list.sort((x, y) => x.port - y.port);
  }

  /** The id in `hopLists` of switch i's next hops (0: none); a new list is kept only when no equal one exists. */
  private hopListAt(dist: Int32Array, i: number): number {
    const d = dist[i]!;
    if (d <= 0) return 0;
    const ports = this.scratch;
    let count = 0;
    let h = 0x811c9dc5;
    for (const e of this.adj[i]!) {
      if (dist[e.peer] !== d - 1) continue;
      ports[count++] = e.port;
      h = Math.imul(h ^ e.port, 0x01000193);
    }
    if (count === 0) return 0;
    let bucket = this.hopListIds.get(h);
    if (!bucket) this.hopListIds.set(h, (bucket = []));
    for (const id of bucket) if (samePorts(this.hopLists[id]!, ports, count)) return id;
    bucket.push(this.hopLists.length);
    this.hopLists.push(ports.slice(0, count));
    return this.hopLists.length - 1;
  }

  /** Every distinct next-hop list seen, by id (0 is the empty one): equal lists are one array, so callers key on it. */
  private readonly hopLists: (readonly number[])[] = [NO_HOPS];
  /** Hop list ids by a hash of their ports. */
  private readonly hopListIds = new Map<number, number[]>();
  /** The ports hopListAt() is collecting; only its first `count` entries are meaningful. */
  private readonly scratch: number[] = [];

  private transitAt(dist: Int32Array, i: number): boolean {
    const d = dist[i]!;
    if (d < 0) return false;
    for (const e of this.adj[i]!) if (dist[e.peer] === d + 1) return true;
    return false;
  }

  private switchesWithRoutes(dest: Dpid): Set<Dpid> {
    const out = new Set<Dpid>();
    const ways = this.ways.get(dest);
    if (!ways) return out;
    for (let i = 0; i < ways.length; i++) if (ways[i] !== 0) out.add(this.ids[i]!);
    return out;
  }

  /** New distances towards `dest`; returns the switches whose next hops or transit role changed. */
  private recompute(dest: Dpid): { changed: Set<Dpid>; reach: Set<Dpid> } {
    const n = this.ids.length;
    const t = this.index.get(dest)!;
    const dist = new Int32Array(n).fill(UNREACHED);
    if (this.present[t]) {
      const queue = new Int32Array(n);
      let head = 0;
      let tail = 0;
      dist[t] = 0;
      queue[tail++] = t;
      while (head < tail) {
        const u = queue[head++]!;
        for (const e of this.adj[u]!) {
          if (dist[e.peer] !== UNREACHED || !this.present[e.peer]) continue;
          dist[e.peer] = dist[u]! + 1;
          queue[tail++] = e.peer;
        }
      }
    }
    const back = this.sendsBack(dist);
    const ways = new Int32Array(n);
    for (let i = 0; i < n; i++) if (i !== t) ways[i] = (this.hopListAt(dist, i) << 2) | (this.transitAt(dist, i) ? TRANSIT : 0) | (back[i] === 1 ? SENDS_BACK : 0);
    const old = this.ways.get(dest);
    const changed = new Set<Dpid>();
    const reach = new Set<Dpid>();
    for (let i = 0; i < n; i++) {
      const was = old?.[i] ?? 0;
      if (was === ways[i]) continue;
      changed.add(this.ids[i]!);
      if ((was === 0) !== (ways[i] === 0)) reach.add(this.ids[i]!);
    }
    if (!this.dist.has(dest)) this.sortedDests = undefined;
    this.dist.set(dest, dist);
    this.ways.set(dest, ways);
    return { changed, reach };
  }

  /**
   * Per switch, 1 when it carries the destination's label with one next hop
   * and none of the neighbours that send through it (one step farther)
   * carries the label too. Two passes over the links.
   */
  private sendsBack(dist: Int32Array): Uint8Array {
    const n = this.ids.length;
    const carries = new Uint8Array(n);
    const hops = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const d = dist[i]!;
      if (d < 0) continue;
      for (const e of this.adj[i]!) {
        const pd = dist[e.peer]!;
        if (pd === d + 1) carries[i] = 1;
        else if (pd === d - 1 && pd >= 0) hops[i]!++;
      }
    }
    const back = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const d = dist[i]!;
      if (d <= 0 || hops[i] !== 1 || !carries[i]) continue;
      let safe = 1;
      for (const e of this.adj[i]!) {
        if (dist[e.peer] === d + 1 && carries[e.peer]) {
          safe = 0;
          break;
        }
      }
      back[i] = safe;
    }
    return back;
  }
}

function samePorts(list: readonly number[], ports: readonly number[], count: number): boolean {
  if (list.length !== count) return false;
  for (let k = 0; k < count; k++) if (list[k] !== ports[k]) return false;
  return true;
}

/** Links whose two switches are known, distinct, and whose two ports are up. */
export function usableLinks(topo: TopologySnapshot): Map<string, Link> {
  const out = new Map<string, Link>();
  const up = (dpid: Dpid, portNo: number): boolean => topo.switches.get(dpid)?.ports.get(portNo)?.up === true;
  for (const l of linksOf(topo)) {
    if (l.a.dpid === l.b.dpid || !up(l.a.dpid, l.a.portNo) || !up(l.b.dpid, l.b.portNo)) continue;
    out.set(linkKey(l), l);
  }
  return out;
}

/** The snapshot's links, whichever collection holds them. */
export function linksOf(topo: TopologySnapshot): Iterable<Link> {
  const l = topo.links as unknown;
  return l instanceof Map ? (l.values() as Iterable<Link>) : (l as Iterable<Link>);
}
