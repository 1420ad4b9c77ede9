// Per network, the decisions both lowerings share: who may reach whom, where
// each destination is forwarded from every switch that may carry it, the
// broadcast tree, and the way to the DHCP server. No OpenFlow here.
import type { Dpid } from '../topo/types.js';
import type { Paths } from '../topo/paths.js';
import type { Endpoint, Location, NetworkEndpoints } from './endpoints.js';
import type { Network } from '../model/types.js';
import type { Diagnostic } from './types.js';

/** Where a switch sends a frame of the network: out a local access port, or tagged out a fabric port. */
export type Target = { local: number } | { fabric: number };

export interface NetworkPlan {
  ne: NetworkEndpoints;
  segment: number;
  /** Bound attachments per switch: the endpoints that may send there. */
  sources: Map<Dpid, { ep: Endpoint; loc: Location }[]>;
  /** Per switch, per destination MAC. */
  forward: Map<Dpid, Map<string, Target>>;
  dhcpServer?: Endpoint;
  dhcp: Map<Dpid, Target>;
  /** Active member ports per switch (broadcast delivery). */
  bcastLocal: Map<Dpid, number[]>;
  /** Tree ports per switch that lead to other member switches. */
  bcastTree: Map<Dpid, number[]>;
  /** Every switch holding a flow of this network. */
  served: Set<Dpid>;
  /** Endpoints a source may reach (itself included). */
  reachable(src: Endpoint): Endpoint[];
  diagnostics: Diagnostic[];
}

export function planNetwork(ne: NetworkEndpoints, paths: Paths, partners: (vm: string) => ReadonlySet<string> | undefined): NetworkPlan {
  const net = ne.network;
  const diagnostics: Diagnostic[] = [...ne.diagnostics];
  const sources = new Map<Dpid, { ep: Endpoint; loc: Location }[]>();
  for (const ep of ne.endpoints) {
    for (const loc of ep.bound) push(sources, loc.dpid, { ep, loc });
  }
  const senders = [...sources.keys()].sort();

  // Switches on the shortest paths from the given sender switches to `to`, with their next hop.
  const reported = new Set<string>();
  const routesTo = (to: Dpid, from: Iterable<Dpid> = senders): Map<Dpid, Target | 'here'> => {
    const marks = new Map<Dpid, Target | 'here'>([[to, 'here']]);
    for (const sw of from) {
      if (!paths.reachable(sw, to)) {
        const key = sw < to ? `${sw}|${to}` : `${to}|${sw}`;
        if (!reported.has(key)) {
          reported.add(key);
          diagnostics.push({ code: 'UNREACHABLE_SWITCH', message: `no fabric path between ${sw} and ${to} for network ${net.name}`, dpid: sw, network: net.name });
        }
        continue;
      }
      let cur = sw;
      while (!marks.has(cur)) {
        marks.set(cur, { fabric: paths.nextHop(cur, to)! });
        cur = paths.nextSwitch(cur, to)!;
      }
    }
    return marks;
  };

  const gateways = ne.endpoints.filter((e) => e.kind === 'gateway');
  const byTenant = new Map<string, Endpoint[]>();
  const byVm = new Map<string, Endpoint[]>();
  const order = new Map<Endpoint, number>();
  ne.endpoints.forEach((ep, i) => order.set(ep, i));
  for (const ep of ne.endpoints) {
    if (ep.kind !== 'iface') continue;
    push(byTenant, ep.tenant, ep);
    push(byVm, ep.vm!, ep);
  }
  const reachCache = new Map<Endpoint, Endpoint[]>();
  // Symmetric by construction: gateways reach and are reached by all; tenants and relations are mutual.
  const reachable = (src: Endpoint): Endpoint[] => {
    if (net.kind === 'private' || src.kind === 'gateway') return ne.endpoints;
    let r = reachCache.get(src);
    if (r) return r;
    const out = new Set<Endpoint>([...gateways, ...(byTenant.get(src.tenant) ?? [])]);
    for (const p of partners(src.vm!) ?? []) for (const ep of byVm.get(p) ?? []) out.add(ep);
    r = [...out].sort((a, b) => order.get(a)! - order.get(b)!);
    reachCache.set(src, r);
    return r;
  };

  const forward = new Map<Dpid, Map<string, Target>>();
  const setForward = (routes: Map<Dpid, Target | 'here'>, eps: Endpoint[]): void => {
    for (const [sw, t] of routes) {
      let m = forward.get(sw);
      if (!m) forward.set(sw, (m = new Map()));
      for (const ep of eps) m.set(ep.mac, t === 'here' ? { local: ep.active!.portNo } : t);
    }
  };
  if (net.kind === 'private') {
    // Every member reaches every other: one route set per destination switch.
    const byDst = new Map<Dpid, Endpoint[]>();
    for (const ep of ne.endpoints) if (ep.active) push(byDst, ep.active.dpid, ep);
    for (const [to, eps] of byDst) setForward(routesTo(to), eps);
  } else {
    // Public: a destination is routed only from the switches of those who may reach it.
    for (const ep of ne.endpoints) {
      if (!ep.active) continue;
      const from = new Set<Dpid>();
      for (const src of reachable(ep)) for (const loc of src.bound) from.add(loc.dpid);
      setForward(routesTo(ep.active.dpid, [...from].sort()), [ep]);
    }
  }

  const dhcp = new Map<Dpid, Target>();
  let dhcpServer: Endpoint | undefined;
  if (net.dhcp) {
    dhcpServer = ne.byMac.get(net.dhcp.mac.toLowerCase());
    if (!dhcpServer?.active) {
      diagnostics.push(dhcpServerAbsent(net));
      dhcpServer = undefined;
    } else {
      const at = dhcpServer.active!;
      for (const [sw, t] of routesTo(at.dpid)) dhcp.set(sw, t === 'here' ? { local: at.portNo } : t);
    }
  }

  const bcastLocal = new Map<Dpid, number[]>();
  for (const ep of ne.endpoints) if (ep.active) push(bcastLocal, ep.active.dpid, ep.active.portNo);
  for (const [k, v] of bcastLocal) bcastLocal.set(k, [...new Set(v)].sort((a, b) => a - b));
  const bcastTree = paths.treeFor(senders);

  const served = new Set<Dpid>([...senders, ...forward.keys(), ...dhcp.keys(), ...bcastTree.keys()]);

  return {
    ne,
    segment: net.segment,
    sources,
    forward,
    ...(dhcpServer ? { dhcpServer } : {}),
    dhcp,
    bcastLocal,
    bcastTree,
    served,
    reachable,
    diagnostics,
  };
}

export function dhcpServerAbsent(net: Network): Diagnostic {
  return { code: 'DHCP_SERVER_ABSENT', message: `DHCP server ${net.dhcp?.mac} of network ${net.name} is bound to no port`, network: net.name };
}

/** Every switch on the shortest paths from `from` to `to`, with its next hop ('here' at `to`); assumes all are reachable. */
export function routesTowards(paths: Paths, to: Dpid, from: Iterable<Dpid>): Map<Dpid, Target | 'here'> {
  const marks = new Map<Dpid, Target | 'here'>([[to, 'here']]);
  for (const sw of from) {
    let cur = sw;
    while (!marks.has(cur)) {
      marks.set(cur, { fabric: paths.nextHop(cur, to)! });
      cur = paths.nextSwitch(cur, to)!;
    }
  }
  return marks;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  let l = m.get(k);
  if (!l) m.set(k, (l = []));
  l.push(v);
}
