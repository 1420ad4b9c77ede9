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
}

describe('compiler/routes', () => {
  it('gives every shortest next hop on rings (odd and even) and fat-trees', () => {
    for (const n of [3, 4, 5, 8]) checkShortest(ring(n));
    checkShortest(fatTree(2, 6, 2));
    checkShortest(fatTree(4, 8, 2, 2));
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
