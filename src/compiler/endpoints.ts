// The endpoints of one network (VM interfaces and gateways) with their
// attachments resolved against the topology. Problems become diagnostics.
import type { Network, PortRef, Relation, Vm } from '../model/types.js';
import type { Dpid, TopologySnapshot } from '../topo/types.js';
import type { Paths } from '../topo/paths.js';
import { cookieFor } from './cookie.js';
import type { Diagnostic } from './types.js';

export interface Location {
  dpid: Dpid;
  portNo: number;
}

export interface Endpoint {
  kind: 'iface' | 'gateway';
  /** Cookie identity: "vm/mac" or "network/gateway/mac". */
  id: string;
  vm?: string;
  /** VM tenant; a gateway takes its network's. */
  tenant: string;
  mac: string;
  ips: string[];
  /** Every attachment whose port accepts this MAC (source and migration destination). */
  bound: Location[];
  /** Where traffic to it goes; undefined when that attachment is not usable. */
  active?: Location;
  /** Cookie of the flows it produces. */
  cookie: bigint;
}

export interface NetworkEndpoints {
  network: Network;
  endpoints: Endpoint[];
  byMac: Map<string, Endpoint>;
  diagnostics: Diagnostic[];
}

/** Port number for a model port reference, or a diagnostic. */
export function resolvePort(
  topo: TopologySnapshot,
  paths: Paths,
  dpid: Dpid,
  port: PortRef,
  ctx: { vm?: string; network: string },
): number | Diagnostic {
  const sw = topo.switches.get(dpid);
  if (!sw) return { code: 'UNKNOWN_SWITCH', message: `switch ${dpid} is not in the topology`, dpid, port, ...ctx };
  let portNo: number | undefined;
  if (typeof port === 'number') portNo = sw.ports.has(port) ? port : undefined;
  else {
    for (const p of sw.ports.values()) if (p.name === port) portNo = p.portNo;
    if (portNo === undefined && /^[0-9]+$/.test(port) && sw.ports.has(Number(port))) portNo = Number(port);
  }
  if (portNo === undefined) return { code: 'PORT_NOT_PRESENT', message: `port ${String(port)} is not on switch ${dpid} yet`, dpid, port, ...ctx };
  if (paths.linkPorts(dpid).has(portNo)) return { code: 'PORT_IS_FABRIC', message: `port ${String(port)} of ${dpid} is a fabric link`, dpid, port, ...ctx };
  return portNo;
}

export function collectEndpoints(
  network: Network,
  vms: Iterable<Vm>,
  topo: TopologySnapshot,
  paths: Paths,
): NetworkEndpoints {
  const diagnostics: Diagnostic[] = [];
  const endpoints: Endpoint[] = [];
  const byMac = new Map<string, Endpoint>();
  const locate = (dpid: Dpid, port: PortRef): Location | undefined => {
    const r = resolvePort(topo, paths, dpid, port, { network: network.name });
    if (typeof r === 'number') return { dpid, portNo: r };
    diagnostics.push(r);
    return undefined;
  };
  const add = (e: Endpoint): void => {
    if (byMac.has(e.mac)) {
      diagnostics.push({ code: 'DUPLICATE_MAC', message: `MAC ${e.mac} appears twice on network ${network.name}`, network: network.name, ...(e.vm ? { vm: e.vm } : {}) });
      return;
    }
    byMac.set(e.mac, e);
    endpoints.push(e);
  };
  for (const g of [...network.gateways].sort((a, b) => cmp(a.mac, b.mac))) {
    const loc = locate(g.switch, g.port);
    const mac = g.mac.toLowerCase();
    const id = `${network.name}/gateway/${mac}`;
    add({ kind: 'gateway', id, cookie: cookieFor('gateway', id), tenant: network.tenant, mac, ips: g.ips, bound: loc ? [loc] : [], ...(loc ? { active: loc } : {}) });
  }
  const sorted = [...vms].sort((a, b) => cmp(a.name, b.name));
  for (const vm of sorted) for (const e of vmEndpoints(network, vm, topo, paths, diagnostics)) add(e);
  return { network, endpoints, byMac, diagnostics };
}

/** The endpoints of one VM on a network (its interfaces there), in interface order; problems go to `diagnostics`. */
export function vmEndpoints(network: Network, vm: Vm, topo: TopologySnapshot, paths: Paths, diagnostics: Diagnostic[]): Endpoint[] {
  const out: Endpoint[] = [];
  const locate = (dpid: Dpid, port: PortRef): Location | undefined => {
    const r = resolvePort(topo, paths, dpid, port, { vm: vm.name, network: network.name });
    if (typeof r === 'number') return { dpid, portNo: r };
    diagnostics.push(r);
    return undefined;
  };
  for (const itf of vm.interfaces) {
    if (itf.network !== network.name) continue;
    const mac = itf.mac.toLowerCase();
    const src = locate(itf.switch, itf.port);
    const bound: Location[] = src ? [src] : [];
    let active = src;
    const dest = vm.migration?.destinations.find((d) => d.mac.toLowerCase() === mac);
    if (dest) {
      const dl = locate(dest.switch, dest.port);
      if (dl && !(src && dl.dpid === src.dpid && dl.portNo === src.portNo)) bound.push(dl);
      if (vm.migration!.activated) active = dl;
    }
    const id = `${vm.name}/${mac}`;
    out.push({ kind: 'iface', id, cookie: cookieFor('iface', id), vm: vm.name, tenant: vm.tenant, mac, ips: itf.ips, bound, ...(active ? { active } : {}) });
  }
  return out;
}

/** Relation partners per VM. */
export function relationIndex(relations: Iterable<Relation>): Map<string, Set<string>> {
  const idx = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    let s = idx.get(a);
    if (!s) idx.set(a, (s = new Set()));
    s.add(b);
  };
  for (const r of relations) {
    link(r.vms[0], r.vms[1]);
    link(r.vms[1], r.vms[0]);
  }
  return idx;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
