// The endpoints of a network (VM interfaces and gateways) with their
// attachments resolved against the fabric's ports. Problems become
// diagnostics; an attachment that cannot be used binds nothing.
import type { Gateway, Network, PortRef, Vm } from '../model/types.js';
import type { Dpid } from '../openflow/dpid.js';
import { cookieFor } from './cookie.js';
import { isFabricMac } from '../model/ident.js';
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

/** Resolves a model port reference on a switch: the port number, or why it cannot be used. */
export type PortResolver = (dpid: Dpid, port: PortRef, ctx: { vm?: string; network: string }) => number | Diagnostic;

/** The endpoints of one VM on a network (its interfaces there), in interface order; problems go to `diagnostics`. */
export function vmEndpoints(network: Network, vm: Vm, resolve: PortResolver, diagnostics: Diagnostic[]): Endpoint[] {
  const out: Endpoint[] = [];
  const locate = (dpid: Dpid, port: PortRef): Location | undefined => {
    const r = resolve(dpid, port, { vm: vm.name, network: network.name });
    if (typeof r === 'number') return { dpid, portNo: r };
    diagnostics.push(r);
    return undefined;
  };
  for (const itf of vm.interfaces) {
    if (itf.network !== network.name) continue;
    const mac = itf.mac.toLowerCase();
    if (isFabricMac(mac)) {
      diagnostics.push({ code: 'RESERVED_MAC', message: `MAC ${mac} of ${vm.name} is in the fabric's reserved range; it is not bound`, vm: vm.name, network: network.name });
      continue;
    }
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

/** A network's gateways as endpoints; problems go to `diagnostics`. */
export function gatewayEndpoints(network: Network, resolve: PortResolver, diagnostics: Diagnostic[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const g of [...network.gateways].sort((a, b) => cmp(a.mac.toLowerCase(), b.mac.toLowerCase()))) {
    const e = gatewayEndpoint(network, g, resolve, diagnostics);
    if (e) out.push(e);
  }
  return out;
}

function gatewayEndpoint(network: Network, g: Gateway, resolve: PortResolver, diagnostics: Diagnostic[]): Endpoint | undefined {
  const mac = g.mac.toLowerCase();
  if (isFabricMac(mac)) {
    diagnostics.push({ code: 'RESERVED_MAC', message: `gateway MAC ${mac} of network ${network.name} is in the fabric's reserved range; it is not bound`, network: network.name });
    return undefined;
  }
  const r = resolve(g.switch, g.port, { network: network.name });
  const loc = typeof r === 'number' ? { dpid: g.switch, portNo: r } : undefined;
  if (typeof r !== 'number') diagnostics.push(r);
  const id = `${network.name}/gateway/${mac}`;
  return { kind: 'gateway', id, cookie: cookieFor('gateway', id), tenant: network.tenant, mac, ips: g.ips, bound: loc ? [loc] : [], ...(loc ? { active: loc } : {}) };
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
