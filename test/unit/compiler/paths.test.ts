import { expect } from 'chai';
import fc from 'fast-check';
import { computePaths } from '../../../src/topo/paths.js';
import type { TopologySnapshot } from '../../../src/topo/types.js';
import { dpid, fatTree, ring, TopoBuilder } from '../../support/flowsim-topologies.js';

/** Hop distances from `from`, by a plain BFS over up links (the test's own). */
function distances(topo: TopologySnapshot, from: string): Map<string, number> {
  const up = (d: string, p: number): boolean => topo.switches.get(d)!.ports.get(p)!.up;
  const dist = new Map([[from, 0]]);
  let frontier = [from];
  while (frontier.length) {
    const next: string[] = [];
    for (const u of frontier) {
      for (const l of topo.links) {
        if (!up(l.a.dpid, l.a.portNo) || !up(l.b.dpid, l.b.portNo)) continue;
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

function checkShortest(topo: TopologySnapshot): void {
  const paths = computePaths(topo);
  const ids = [...topo.switches.keys()];
  for (const to of ids) {
    const dist = distances(topo, to);
    for (const from of ids) {
      if (from === to) continue;
      if (!dist.has(from)) {
        expect(paths.nextHop(from, to), `${from}->${to}`).to.equal(undefined);
        continue;
      }
      const p = paths.path(from, to);
      expect(p.length - 1, `${from}->${to} length`).to.equal(dist.get(from));
      // Each next hop port is a real, up link end leading to the next switch.
      for (let i = 0; i + 1 < p.length; i++) {
        const port = paths.nextHop(p[i]!, to)!;
        const l = topo.links.find((x) => (x.a.dpid === p[i] && x.a.portNo === port) || (x.b.dpid === p[i] && x.b.portNo === port))!;
        expect(l, `link at ${p[i]}:${port}`).to.not.equal(undefined);
        const peer = l.a.dpid === p[i] ? l.b.dpid : l.a.dpid;
        expect(peer).to.equal(p[i + 1]);
      }
    }
  }
}

/** The pruned tree: edges between members' switches form a tree joining them all. */
function checkTree(topo: TopologySnapshot, members: string[]): void {
  const paths = computePaths(topo);
  const tree = paths.treeFor(members);
  const edges = new Set<string>();
  const adj = new Map<string, string[]>();
  for (const [d, ports] of tree) {
    for (const port of ports) {
      const l = topo.links.find((x) => (x.a.dpid === d && x.a.portNo === port) || (x.b.dpid === d && x.b.portNo === port))!;
      const peer = l.a.dpid === d ? l.b.dpid : l.a.dpid;
      expect(tree.get(peer), `tree edge ${d}-${peer} is one-sided`).to.include(l.a.dpid === d ? l.b.portNo : l.a.portNo);
      edges.add([d, peer].sort().join('|') + `|${l.a.portNo}|${l.b.portNo}`);
      adj.set(d, [...(adj.get(d) ?? []), peer]);
    }
  }
  const nodes = new Set([...tree.keys()]);
  if (nodes.size) expect(edges.size, 'a tree has nodes-1 edges').to.equal(nodes.size - 1);
  const first = members[0];
  if (first && nodes.size) {
    const seen = new Set([first]);
    const stack = [first];
    while (stack.length) {
      for (const v of adj.get(stack.pop()!) ?? []) {
        if (seen.has(v)) continue;
        seen.add(v);
        stack.push(v);
      }
    }
    for (const m of members) expect(seen.has(m), `member ${m} joined`).to.equal(true);
  }
}

describe('topo/paths', () => {
  it('gives shortest next hops on rings (odd and even) and fat-trees', () => {
    for (const n of [3, 4, 5, 8]) checkShortest(ring(n));
    checkShortest(fatTree(2, 6, 2));
    checkShortest(fatTree(4, 8, 2, 2));
  });

  it('breaks ties the same way every time and is independent of link order', () => {
    const t = fatTree(3, 5, 2);
    const a = computePaths(t);
    const b = computePaths({ ...t, links: [...t.links].reverse() });
    for (const from of t.switches.keys()) for (const to of t.switches.keys()) expect(a.nextHop(from, to)).to.equal(b.nextHop(from, to));
  });

  it('skips down links and reports unreachable switches', () => {
    const b = new TopoBuilder().switch(dpid(0), 1).switch(dpid(1), 1).switch(dpid(2), 1);
    b.link(dpid(0), dpid(1)).link(dpid(1), dpid(2), false);
    const topo = b.build();
    const p = computePaths(topo);
    expect(p.reachable(dpid(0), dpid(1))).to.equal(true);
    expect(p.reachable(dpid(0), dpid(2))).to.equal(false);
    expect(p.nextHop(dpid(0), dpid(2))).to.equal(undefined);
    expect([...p.fabricPorts(dpid(1))]).to.deep.equal([1000]);
    expect([...p.linkPorts(dpid(1))].sort()).to.deep.equal([1000, 1001]);
    checkShortest(topo);
  });

  it('prunes one spanning tree to the members, on rings and fat-trees', () => {
    checkTree(ring(6), [dpid(0), dpid(3)]);
    checkTree(ring(6), [dpid(0), dpid(1), dpid(2), dpid(3), dpid(4), dpid(5)]);
    checkTree(fatTree(4, 10, 2), [dpid(5), dpid(7), dpid(13)]);
    expect(computePaths(ring(4)).treeFor([dpid(2)]).size).to.equal(0);
  });

  it('holds on random graphs with loops and down links', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.array(fc.tuple(fc.nat(7), fc.nat(7), fc.boolean()), { maxLength: 14 }), fc.array(fc.nat(7), { minLength: 1, maxLength: 4 }), (n, links, members) => {
        const b = new TopoBuilder();
        for (let i = 0; i < n; i++) b.switch(dpid(i), 1);
        for (const [x, y, up] of links) if (x < n && y < n && x !== y) b.link(dpid(x), dpid(y), up || x % 3 !== 0);
        const topo = b.build();
        checkShortest(topo);
        // Members of one component only: the tree joins them.
        const p = computePaths(topo);
        const ms = members.map((m) => dpid(m % n)).filter((m) => p.reachable(m, dpid(members[0]! % n)));
        checkTree(topo, ms);
      }),
      { numRuns: 200, seed: 9 },
    );
  });
});
