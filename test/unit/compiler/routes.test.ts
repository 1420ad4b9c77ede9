import { expect } from 'chai';
import fc from 'fast-check';
import { FabricRoutes } from '../../../src/compiler/routes.js';
import type { TopologySnapshot } from '../../../src/topo/types.js';
import { dpid, fatTree, ring, TopoBuilder } from '../../support/flowsim-topologies.js';

const up = (topo: TopologySnapshot, d: string, p: number): boolean => topo.switches.get(d)!.ports.get(p)!.up;

/** Hop distances from `from`, by a plain BFS over up links (the test's own). */
function distances(topo: TopologySnapshot, from: string): Map<string, number> {
  const dist = new Map([[from, 0]]);
  let frontier = [from];
  while (frontier.length) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const l of topo.links) {
        if (!up(topo, l.a.dpid, l.a.portNo) || !up(topo, l.b.dpid, l.b.portNo)) continue;
        const v = l.a.dpid === u ? l.b.dpid : l.b.dpid === u ? l.a.dpid : undefined;
        if (v !== undefined && !dist.has(v)) {
          dist.set(v, dist.get(u)! + 1);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return dist;
}

function routesOver(topo: TopologySnapshot): FabricRoutes {
  const routes = new FabricRoutes();
  routes.setTopology(topo);
  routes.setDestinations(topo.switches.keys());
  return routes;
}

/**
 * Every switch's next hops towards every destination are exactly its up ports
 * whose link leads one step closer (by the test's BFS), ascending; a switch
 * that cannot reach the destination has none.
 */
function checkShortest(topo: TopologySnapshot): void {
  const routes = routesOver(topo);
  const ids = [...topo.switches.keys()];
  for (const to of ids) {
    const dist = distances(topo, to);
    for (const from of ids) {
      if (from === to) continue;
      expect(routes.reachable(from, to), `${from}->${to} reachable`).to.equal(dist.has(from));
      const closer: number[] = [];
      if (dist.has(from)) {
        for (const l of topo.links) {
          if (!up(topo, l.a.dpid, l.a.portNo) || !up(topo, l.b.dpid, l.b.portNo)) continue;
          const [mine, peer] = l.a.dpid === from ? [l.a, l.b] : l.b.dpid === from ? [l.b, l.a] : [undefined, undefined];
          if (mine && dist.get(peer.dpid) === dist.get(from)! - 1) closer.push(mine.portNo);
        }
      }
      expect([...routes.hops(from, to)], `${from}->${to} hops`).to.deep.equal(closer.sort((x, y) => x - y));
    }
  }
  checkSendsBack(topo, routes);
}

/** The up neighbours of a switch (one entry per link). */
function neighbours(topo: TopologySnapshot, of: string): string[] {
  const out: string[] = [];
  for (const l of topo.links) {
    if (!up(topo, l.a.dpid, l.a.portNo) || !up(topo, l.b.dpid, l.b.portNo)) continue;
    if (l.a.dpid === of && l.b.dpid !== of) out.push(l.b.dpid);
    else if (l.b.dpid === of && l.a.dpid !== of) out.push(l.a.dpid);
  }
  return out;
}

/**
 * A switch sends back towards a destination exactly when, by the test's own
 * distances, it has one next hop, some neighbour one step farther (it
 * carries the label), and none of those neighbours has a neighbour farther
 * still (none of them carries it).
 */
function checkSendsBack(topo: TopologySnapshot, routes: FabricRoutes): void {
  const ids = [...topo.switches.keys()];
  for (const to of ids) {
    const dist = distances(topo, to);
    const carries = (x: string): boolean => dist.has(x) && neighbours(topo, x).some((y) => dist.get(y) === dist.get(x)! + 1);
    for (const from of ids) {
      const way = routes.towards(from).find((w) => w.dest === to);
      if (!way) continue;
      const d = dist.get(from)!;
      const next = neighbours(topo, from).filter((y) => dist.get(y) === d - 1);
      const senders = neighbours(topo, from).filter((y) => dist.get(y) === d + 1);
      const want = next.length === 1 && senders.length > 0 && !senders.some(carries);
      expect(way.sendsBack, `${from}->${to} sends back`).to.equal(want);
    }
  }
}

describe('compiler/routes', () => {
  it('gives every shortest next hop on rings (odd and even) and fat-trees', () => {
    for (const n of [3, 4, 5, 8]) checkShortest(ring(n));
    checkShortest(fatTree(2, 6, 2));
    checkShortest(fatTree(4, 8, 2, 2));
  });

  it('an aggregation switch of a two-level fat-tree sends back towards every edge; edges do not, nor ring switches whose senders carry the label', () => {
    const ft = routesOver(fatTree(2, 4, 2));
    for (const agg of [dpid(0), dpid(1)]) {
      const edges = [2, 3, 4, 5].map(dpid);
      const ways = ft.towards(agg).filter((w) => edges.includes(w.dest));
      expect(ways.map((w) => w.dest)).to.deep.equal(edges);
      expect(ways.every((w) => w.sendsBack && w.transit && w.hops.length === 1)).to.equal(true);
    }
    for (let e = 2; e < 6; e++) expect(ft.towards(dpid(e)).some((w) => w.sendsBack && w.dest > dpid(1)), `edge ${dpid(e)} towards edges`).to.equal(false);
    // On a ring of 6, a switch's farther neighbour carries the label on through it, except next to the far end.
    const r = routesOver(ring(6));
    expect(r.towards(dpid(1)).find((w) => w.dest === dpid(0))!.sendsBack).to.equal(false);
    expect(r.towards(dpid(2)).find((w) => w.dest === dpid(0))!.sendsBack).to.equal(true);
  });

  it('is independent of link order', () => {
    const t = fatTree(3, 5, 2);
    const a = routesOver(t);
    const b = routesOver({ ...t, links: [...t.links].reverse() });
    for (const from of t.switches.keys()) for (const to of t.switches.keys()) expect(a.hops(from, to)).to.deep.equal(b.hops(from, to));
  });

  it('skips down links and reports unreachable switches', () => {
    const b = new TopoBuilder().switch(dpid(0), 1).switch(dpid(1), 1).switch(dpid(2), 1);
    b.link(dpid(0), dpid(1)).link(dpid(1), dpid(2), false);
    const topo = b.build();
    const routes = routesOver(topo);
    expect(routes.reachable(dpid(0), dpid(1))).to.equal(true);
    expect(routes.reachable(dpid(0), dpid(2))).to.equal(false);
    expect(routes.hops(dpid(0), dpid(2))).to.deep.equal([]);
    checkShortest(topo);
  });

  it('holds on random graphs with loops and down links', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.boolean()), { maxLength: 14 }), (n, links) => {
        const b = new TopoBuilder();
        for (let i = 0; i < n; i++) b.switch(dpid(i), 1);
        for (const [x, y, isUp] of links) if (x < n && y < n && x !== y) b.link(dpid(x), dpid(y), isUp || x % 3 !== 0);
        checkShortest(b.build());
      }),
      { numRuns: 200, seed: 9 },
    );
  });
});
