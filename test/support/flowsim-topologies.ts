// Topologies for compiler tests and benchmarks: rings and two-level fat-trees
// (every edge switch cabled to every aggregation switch), access ports 1..k,
// fabric ports from 1000 up.
import type { Link, TopoPort, TopoSwitch, TopologySnapshot } from '../../src/topo/types.js';

export const dpid = (i: number): string => (i + 1).toString(16).padStart(16, '0');

export class TopoBuilder {
  private readonly ports = new Map<string, Map<number, TopoPort>>();
  private readonly versions = new Map<string, 1 | 4>();
  private readonly nextFabric = new Map<string, number>();
  readonly links: Link[] = [];

  switch(d: string, accessPorts: number, version: 1 | 4 = 4): this {
    const m = new Map<number, TopoPort>();
    for (let p = 1; p <= accessPorts; p++) m.set(p, { portNo: p, name: `${d.slice(-4)}-eth${p}`, up: true });
    this.ports.set(d, m);
    this.versions.set(d, version);
    return this;
  }

  link(a: string, b: string, up = true): this {
    const pa = this.nextFabric.get(a) ?? 1000;
    const pb = this.nextFabric.get(b) ?? 1000;
    this.nextFabric.set(a, pa + 1);
    this.nextFabric.set(b, pb + 1);
    this.ports.get(a)!.set(pa, { portNo: pa, name: `fab${pa}`, up });
    this.ports.get(b)!.set(pb, { portNo: pb, name: `fab${pb}`, up: true });
    const [x, y] = a < b ? [{ dpid: a, portNo: pa }, { dpid: b, portNo: pb }] : [{ dpid: b, portNo: pb }, { dpid: a, portNo: pa }];
    this.links.push({ a: x, b: y });
    return this;
  }

  build(version = 1): TopologySnapshot {
    const switches = new Map<string, TopoSwitch>();
    for (const [d, ports] of this.ports) switches.set(d, { dpid: d, connected: true, version: this.versions.get(d)!, ports });
    return { version, switches, links: this.links };
  }
}

export function ring(n: number, accessPorts = 4): TopologySnapshot {
  const b = new TopoBuilder();
  for (let i = 0; i < n; i++) b.switch(dpid(i), accessPorts);
  for (let i = 0; i < n; i++) b.link(dpid(i), dpid((i + 1) % n));
  return b.build();
}

/** Aggregation switches get dpids 0..aggs-1, edges aggs..aggs+edges-1; each edge is cabled to `uplinks` aggregation switches. */
export function fatTree(aggs: number, edges: number, accessPorts: number, uplinks = aggs, version: 1 | 4 = 4): TopologySnapshot {
  const b = new TopoBuilder();
  for (let i = 0; i < aggs; i++) b.switch(dpid(i), 0, version);
  for (let e = 0; e < edges; e++) b.switch(dpid(aggs + e), accessPorts, version);
  for (let e = 0; e < edges; e++) for (let u = 0; u < uplinks; u++) b.link(dpid(aggs + e), dpid((e + u) % aggs));
  return b.build();
}
