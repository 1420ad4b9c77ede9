// Shortest paths and a broadcast spanning tree over a TopologySnapshot.
// Pure and deterministic: neighbours are visited in (dpid, port) order, so two
// runs over the same snapshot pick the same next hops and the same tree.
// Links whose either end is missing or down are skipped. Switches are indexed
// by integers internally: a fabric of 500 switches and 12,000 links needs one
// BFS per destination, computed on first use.
import type { Dpid } from '../openflow/dpid.js';
import type { TopologySnapshot } from './types.js';

export interface Paths {
  /** Port on `from` towards `to`; undefined when from === to or `to` is unreachable. */
  nextHop(from: Dpid, to: Dpid): number | undefined;
  /** True when a path exists (or from === to and the switch is known). */
  reachable(from: Dpid, to: Dpid): boolean;
  /** Ports of `dpid` that are ends of usable links. */
  fabricPorts(dpid: Dpid): ReadonlySet<number>;
  /** Every port of `dpid` that is an end of a link, usable or not. */
  linkPorts(dpid: Dpid): ReadonlySet<number>;
  /** The switches from `from` to `to` inclusive, following next hops; [] when unreachable. */
  path(from: Dpid, to: Dpid): Dpid[];
  /** The next switch after `from` towards `to`. */
  nextSwitch(from: Dpid, to: Dpid): Dpid | undefined;
  /**
   * The spanning tree pruned to the branches that join `members`: per switch,
   * the tree ports that lead to another member switch. Members in different
   * components get disjoint trees.
   */
  treeFor(members: Iterable<Dpid>): Map<Dpid, number[]>;
}

interface Edge {
  port: number;
  peer: number;
  peerPort: number;
}

export function computePaths(topo: TopologySnapshot): Paths {
  const ids = [...topo.switches.keys()].sort();
  const index = new Map<Dpid, number>(ids.map((d, i) => [d, i]));
  const n = ids.length;
  const adj: Edge[][] = ids.map(() => []);
  const fabric = ids.map(() => new Set<number>());
  const linkEnds = ids.map(() => new Set<number>());
  const portUp = (dpid: Dpid, portNo: number): boolean => topo.switches.get(dpid)?.ports.get(portNo)?.up === true;
  for (const l of topo.links) {
    const a = index.get(l.a.dpid);
    const b = index.get(l.b.dpid);
    if (a !== undefined) linkEnds[a]!.add(l.a.portNo);
    if (b !== undefined) linkEnds[b]!.add(l.b.portNo);
    if (a === undefined || b === undefined || a === b) continue;
    if (!portUp(l.a.dpid, l.a.portNo) || !portUp(l.b.dpid, l.b.portNo)) continue;
    adj[a]!.push({ port: l.a.portNo, peer: b, peerPort: l.b.portNo });
    adj[b]!.push({ port: l.b.portNo, peer: a, peerPort: l.a.portNo });
    fabric[a]!.add(l.a.portNo);
    fabric[b]!.add(l.b.portNo);
  }
  // Indices follow dpid order, so sorting by (peer index, port) is (dpid, port) order.
  for (const list of adj) list.sort((x, y) => x.peer - y.peer || x.port - y.port);

  // Per destination: for every switch, the next switch (-1: none) and the port towards it.
  const nextSw = new Map<number, Int32Array>();
  const nextPort = new Map<number, Float64Array>();
  const bfsTo = (to: number): Int32Array => {
    let t = nextSw.get(to);
    if (t) return t;
    t = new Int32Array(n).fill(-1);
    const ports = new Float64Array(n);
    const seen = new Uint8Array(n);
    seen[to] = 1;
    const queue = new Int32Array(n);
    let head = 0;
    let tail = 0;
    queue[tail++] = to;
    while (head < tail) {
      const u = queue[head++]!;
      for (const e of adj[u]!) {
        if (seen[e.peer]) continue;
        seen[e.peer] = 1;
        // The peer reaches `to` through its port facing u.
        t[e.peer] = u;
        ports[e.peer] = e.peerPort;
        queue[tail++] = e.peer;
      }
    }
    nextSw.set(to, t);
    nextPort.set(to, ports);
    return t;
  };

  // One spanning tree per component, rooted at its smallest dpid.
  const parent = new Int32Array(n).fill(-1);
  /** Port on a switch towards its parent, and the parent's port towards it. */
  const upPort = new Float64Array(n);
  const downPort = new Float64Array(n);
  const root = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) {
    if (root[r] !== -1) continue;
    root[r] = r;
    const queue = [r];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i]!;
      for (const e of adj[u]!) {
        if (root[e.peer] !== -1) continue;
        root[e.peer] = r;
        parent[e.peer] = u;
        upPort[e.peer] = e.peerPort;
        downPort[e.peer] = e.port;
        queue.push(e.peer);
      }
    }
  }

  const empty = new Set<number>();
  const hop = (from: Dpid, to: Dpid): { f: number; t: number; next: number } | undefined => {
    const f = index.get(from);
    const t = index.get(to);
    if (f === undefined || t === undefined || f === t) return undefined;
    const next = bfsTo(t)[f]!;
    return next < 0 ? undefined : { f, t, next };
  };
  const paths: Paths = {
    nextHop(from, to) {
      const h = hop(from, to);
      return h ? nextPort.get(h.t)![h.f] : undefined;
    },
    nextSwitch(from, to) {
      const h = hop(from, to);
      return h ? ids[h.next] : undefined;
    },
    reachable(from, to) {
      if (from === to) return index.has(from);
      return hop(from, to) !== undefined;
    },
    fabricPorts(dpid) {
      const i = index.get(dpid);
      return i === undefined ? empty : fabric[i]!;
    },
    linkPorts(dpid) {
      const i = index.get(dpid);
      return i === undefined ? empty : linkEnds[i]!;
    },
    path(from, to) {
      if (!paths.reachable(from, to)) return [];
      const out: Dpid[] = [from];
      if (from === to) return out;
      const t = index.get(to)!;
      const next = bfsTo(t);
      for (let cur = index.get(from)!; cur !== t; ) {
        cur = next[cur]!;
        out.push(ids[cur]!);
      }
      return out;
    },
    treeFor(members) {
      // Count members below each tree edge by walking up from every member;
      // an edge is kept when members lie on both of its sides.
      const below = new Map<number, number>();
      const totals = new Map<number, number>();
      const uniq = new Set<number>();
      for (const m of members) {
        const i = index.get(m);
        if (i !== undefined) uniq.add(i);
      }
      for (const m of uniq) {
        totals.set(root[m]!, (totals.get(root[m]!) ?? 0) + 1);
        for (let cur = m; cur !== -1; cur = parent[cur]!) below.set(cur, (below.get(cur) ?? 0) + 1);
      }
      const out = new Map<Dpid, number[]>();
      const add = (i: number, port: number): void => {
        const d = ids[i]!;
        let l = out.get(d);
        if (!l) out.set(d, (l = []));
        l.push(port);
      };
      for (const [i, count] of below) {
        const p = parent[i]!;
        if (p === -1) continue;
        if (count > 0 && totals.get(root[i]!)! - count > 0) {
          add(i, upPort[i]!);
          add(p, downPort[i]!);
        }
      }
      for (const l of out.values()) l.sort((a, b) => a - b);
      return out;
    },
  };
  return paths;
}
