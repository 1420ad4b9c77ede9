// Shortest paths and a broadcast spanning tree over a TopologySnapshot.
// Pure and deterministic: neighbours are visited in (dpid, port) order, so two
// runs over the same snapshot pick the same next hops and the same tree.
// Links whose either end is missing or down are skipped.
import type { Dpid, TopologySnapshot } from './types.js';

interface Adj {
  /** Local port on this switch. */
  port: number;
  peer: Dpid;
  peerPort: number;
}

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

export function computePaths(topo: TopologySnapshot): Paths {
  const adj = new Map<Dpid, Adj[]>();
  const fabric = new Map<Dpid, Set<number>>();
  const linkEnds = new Map<Dpid, Set<number>>();
  for (const dpid of topo.switches.keys()) {
    adj.set(dpid, []);
    fabric.set(dpid, new Set());
    linkEnds.set(dpid, new Set());
  }
  const portUp = (dpid: Dpid, portNo: number): boolean => {
    const sw = topo.switches.get(dpid);
    const p = sw?.ports.get(portNo);
    return p !== undefined && p.up;
  };
  for (const l of topo.links) {
    linkEnds.get(l.a.dpid)?.add(l.a.portNo);
    linkEnds.get(l.b.dpid)?.add(l.b.portNo);
    if (l.a.dpid === l.b.dpid) continue;
    if (!portUp(l.a.dpid, l.a.portNo) || !portUp(l.b.dpid, l.b.portNo)) continue;
    adj.get(l.a.dpid)!.push({ port: l.a.portNo, peer: l.b.dpid, peerPort: l.b.portNo });
    adj.get(l.b.dpid)!.push({ port: l.b.portNo, peer: l.a.dpid, peerPort: l.a.portNo });
    fabric.get(l.a.dpid)!.add(l.a.portNo);
    fabric.get(l.b.dpid)!.add(l.b.portNo);
  }
  for (const list of adj.values()) {
    list.sort((x, y) => (x.peer < y.peer ? -1 : x.peer > y.peer ? 1 : x.port - y.port));
  }

  // Per destination: for every switch that can reach it, the port and switch of the next hop.
  const towards = new Map<Dpid, Map<Dpid, Adj>>();
  const treeTowards = (to: Dpid): Map<Dpid, Adj> => {
    let t = towards.get(to);
    if (t) return t;
    t = new Map();
    towards.set(to, t);
    if (!adj.has(to)) return t;
    const seen = new Set<Dpid>([to]);
    const queue: Dpid[] = [to];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i]!;
      for (const e of adj.get(u)!) {
        if (seen.has(e.peer)) continue;
        seen.add(e.peer);
        // The peer reaches `to` through its port facing u.
        t.set(e.peer, { port: e.peerPort, peer: u, peerPort: e.port });
        queue.push(e.peer);
      }
    }
    return t;
  };

  // One spanning tree per component, rooted at its smallest dpid: parent links.
  const parent = new Map<Dpid, Adj>();
  const depth = new Map<Dpid, number>();
  for (const root of [...adj.keys()].sort()) {
    if (depth.has(root)) continue;
    depth.set(root, 0);
    const queue: Dpid[] = [root];
    for (let i = 0; i < queue.length; i++) {
      const u = queue[i]!;
      for (const e of adj.get(u)!) {
        if (depth.has(e.peer)) continue;
        depth.set(e.peer, depth.get(u)! + 1);
        parent.set(e.peer, { port: e.peerPort, peer: u, peerPort: e.port });
        queue.push(e.peer);
      }
    }
  }

  const empty = new Set<number>();
  const paths: Paths = {
    nextHop(from, to) {
      if (from === to) return undefined;
      return treeTowards(to).get(from)?.port;
    },
    nextSwitch(from, to) {
      if (from === to) return undefined;
      return treeTowards(to).get(from)?.peer;
    },
    reachable(from, to) {
      if (from === to) return adj.has(from);
      return treeTowards(to).has(from);
    },
    fabricPorts(dpid) {
      return fabric.get(dpid) ?? empty;
    },
    linkPorts(dpid) {
      return linkEnds.get(dpid) ?? empty;
    },
    path(from, to) {
      if (!paths.reachable(from, to)) return [];
      const out: Dpid[] = [from];
      const t = treeTowards(to);
      let cur = from;
      while (cur !== to) {
        cur = t.get(cur)!.peer;
        out.push(cur);
      }
      return out;
    },
    treeFor(members) {
      // Count members below each tree edge by walking up from every member;
      // an edge is kept when members lie on both of its sides.
      const below = new Map<Dpid, number>();
      const uniq = [...new Set(members)].filter((d) => depth.has(d));
      const rootOf = (d: Dpid): Dpid => {
        let cur = d;
        for (let p = parent.get(cur); p; p = parent.get(cur)) cur = p.peer;
        return cur;
      };
      const totals = new Map<Dpid, number>();
      for (const m of uniq) {
        const r = rootOf(m);
        totals.set(r, (totals.get(r) ?? 0) + 1);
        let cur = m;
        below.set(cur, (below.get(cur) ?? 0) + 1);
        for (let p = parent.get(cur); p; p = parent.get(cur)) {
          cur = p.peer;
          below.set(cur, (below.get(cur) ?? 0) + 1);
        }
      }
      const out = new Map<Dpid, number[]>();
      const add = (d: Dpid, port: number): void => {
        let l = out.get(d);
        if (!l) out.set(d, (l = []));
        l.push(port);
      };
      for (const [d, n] of below) {
        const p = parent.get(d);
        if (!p) continue;
        const total = totals.get(rootOf(d)) ?? 0;
        if (n > 0 && total - n > 0) {
          add(d, p.port);
          add(p.peer, p.peerPort);
        }
      }
      for (const l of out.values()) l.sort((a, b) => a - b);
      return out;
    },
  };
  return paths;
}
