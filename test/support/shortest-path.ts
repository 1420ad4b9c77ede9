// One shortest path between two switches of a topology snapshot, by a plain
// breadth-first search over links whose two ports are up: the test's own
// oracle, independent of the compiler's routes. Neighbours are visited in
// (dpid, port) order, so the same snapshot always gives the same path.
import type { TopologySnapshot } from '../../src/topo/types.js';

/** The switches from `from` to `to` inclusive; [] when `to` cannot be reached. */
export function shortestPath(topo: TopologySnapshot, from: string, to: string): string[] {
  const up = (d: string, p: number): boolean => topo.switches.get(d)?.ports.get(p)?.up === true;
  const neighbours = new Map<string, { port: number; peer: string }[]>();
  const add = (d: string, port: number, peer: string): void => {
    let list = neighbours.get(d);
    if (!list) neighbours.set(d, (list = []));
    list.push({ port, peer });
  };
  for (const l of topo.links) {
    if (!up(l.a.dpid, l.a.portNo) || !up(l.b.dpid, l.b.portNo)) continue;
    add(l.a.dpid, l.a.portNo, l.b.dpid);
    add(l.b.dpid, l.b.portNo, l.a.dpid);
  }
  for (const list of neighbours.values()) list.sort((x, y) => (x.peer < y.peer ? -1 : x.peer > y.peer ? 1 : x.port - y.port));
  const previous = new Map<string, string>([[from, from]]);
  let frontier = [from];
  while (frontier.length > 0 && !previous.has(to)) {
    const next: string[] = [];
    for (const d of frontier) {
      for (const { peer } of neighbours.get(d) ?? []) {
        if (previous.has(peer)) continue;
        previous.set(peer, d);
        next.push(peer);
      }
    }
    frontier = next;
  }
  if (!previous.has(to) || !topo.switches.has(from)) return [];
  const path = [to];
  while (path[0] !== from) path.unshift(previous.get(path[0]!)!);
  return path;
}
