// `spotlight explain A B`: may A reach B, which rule of the contract decides
// it, and which compiled flows on which switches carry (or stop) the traffic
// both ways. A and B are VM names or a gateway's MAC. The verdict comes from
// the model by the contract's rules; the flows come from running a unicast
// frame through the compiled tables with the simulator, so the two can be
// compared (`flowsAgree`).
import { ETH_EXPERIMENTAL, ETH_IPV4, ETH_IPV6, ICMPV6_ECHO_REQUEST, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../openflow/ethernet.js';
import type { SwitchFlows } from '../compiler/types.js';
import type { Interface, ModelSnapshot, Network } from '../model/types.js';
import { ethernet, icmpv6, ipv4, ipv6 } from '../sim/packets.js';
import { traceFabric, type TraceReport } from '../sim/trace.js';
import type { TopologySnapshot } from '../topo/types.js';

export type Rule = 'same-private-network' | 'public-same-tenant' | 'relation' | 'gateway' | 'denied';

export interface NetworkVerdict {
  network: string;
  kind: Network['kind'];
  allowed: boolean;
  rule: Rule;
  reason: string;
}

export interface DirectionTrace {
  direction: 'forward' | 'reverse';
  network: string;
  from: { switch: string; port: number; mac: string };
  to: { mac: string };
  /** Delivered to the destination's port. */
  reaches: boolean;
  trace: TraceReport;
}

export interface ExplainReport {
  from: string;
  to: string;
  allowed: boolean;
  rule: Rule;
  reason: string;
  networks: NetworkVerdict[];
  paths: DirectionTrace[];
  /** The simulated flows agree with the verdict (false points at a compiler or realization problem). */
  flowsAgree: boolean;
  notes: string[];
}

export type ExplainResult = { ok: true; report: ExplainReport } | { ok: false; code: 'vm_not_found'; field: 'from' | 'to'; message: string };

/** One side of the question: a VM's interfaces, or one gateway. */
interface Party {
  name: string;
  tenant: string;
  vm?: string;
  ends: { network: string; mac: string; ips: string[]; switch: string; port: string | number }[];
  gateway: boolean;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

function party(model: ModelSnapshot, ref: string): Party | undefined {
  const vm = model.vms.get(ref);
  if (vm) {
    const ifaces: Interface[] = vm.interfaces;
    return { name: ref, tenant: vm.tenant, vm: vm.name, ends: ifaces.map((i) => ({ network: i.network, mac: i.mac, ips: i.ips, switch: i.switch, port: i.port })), gateway: false };
  }
  if (MAC.test(ref)) {
    const mac = ref.toLowerCase();
    for (const n of model.networks.values()) {
      const g = n.gateways.find((x) => x.mac === mac);
      if (g) return { name: ref, tenant: n.tenant, ends: [{ network: n.name, mac, ips: g.ips, switch: g.switch, port: g.port }], gateway: true };
    }
  }
  return undefined;
}

function related(model: ModelSnapshot, a: string | undefined, b: string | undefined): string | undefined {
  if (!a || !b) return undefined;
  for (const r of model.relations.values()) if ((r.vms[0] === a && r.vms[1] === b) || (r.vms[0] === b && r.vms[1] === a)) return r.id;
  return undefined;
}

function verdictOn(model: ModelSnapshot, n: Network, a: Party, b: Party): NetworkVerdict {
  const base = { network: n.name, kind: n.kind };
  if (a.gateway && b.gateway) return { ...base, allowed: false, rule: 'denied', reason: `two gateways of ${n.name}: the contract gives gateways reach to members, not to each other` };
  if (a.gateway || b.gateway) return { ...base, allowed: true, rule: 'gateway', reason: `members of ${n.name} reach its gateway ${(a.gateway ? a : b).name}` };
  if (n.kind === 'private') return { ...base, allowed: true, rule: 'same-private-network', reason: `both are members of the private network ${n.name}` };
  if (a.tenant === b.tenant) return { ...base, allowed: true, rule: 'public-same-tenant', reason: `both belong to tenant ${a.tenant} on the public segment ${n.name}` };
  const rel = related(model, a.vm, b.vm);
  if (rel) return { ...base, allowed: true, rule: 'relation', reason: `relation ${rel} names the pair on the public segment ${n.name}` };
  return { ...base, allowed: false, rule: 'denied', reason: `public segment ${n.name}: tenants ${a.tenant} and ${b.tenant} differ and no relation names the pair` };
}

function portNumber(topo: TopologySnapshot, dpid: string, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const p of topo.switches.get(dpid)?.ports.values() ?? []) if (p.name === port) return p.portNo;
  return undefined;
}

/** A unicast frame from one end to another: IPv4 if both have one, else IPv6, else a plain Ethernet frame. */
function probe(src: Party['ends'][number], dst: Party['ends'][number]): Uint8Array {
  const s4 = src.ips.find((x) => !x.includes(':'));
  const d4 = dst.ips.find((x) => !x.includes(':'));
  if (s4 && d4) return ethernet(dst.mac, src.mac, ETH_IPV4, ipv4(s4, d4, IPPROTO_ICMP, [8, 0, 0, 0, 0, 0, 0, 0]));
  const s6 = src.ips.find((x) => x.includes(':'));
  const d6 = dst.ips.find((x) => x.includes(':'));
  if (s6 && d6) return ethernet(dst.mac, src.mac, ETH_IPV6, ipv6(s6, d6, IPPROTO_ICMPV6, icmpv6(ICMPV6_ECHO_REQUEST, 0, [0, 0, 0, 0])));
  return ethernet(dst.mac, src.mac, ETH_EXPERIMENTAL, new Array<number>(46).fill(0));
}

export function explainPair(model: ModelSnapshot, topo: TopologySnapshot, compiled: Iterable<SwitchFlows>, fromRef: string, toRef: string): ExplainResult {
  const a = party(model, fromRef);
  if (!a) return { ok: false, code: 'vm_not_found', field: 'from', message: `${fromRef} is neither a VM nor a gateway MAC` };
  const b = party(model, toRef);
  if (!b) return { ok: false, code: 'vm_not_found', field: 'to', message: `${toRef} is neither a VM nor a gateway MAC` };
  const switches = [...compiled];
  const notes: string[] = [];
  const networks: NetworkVerdict[] = [];
  const paths: DirectionTrace[] = [];
  const shared = [...new Set(a.ends.map((e) => e.network))].filter((n) => b.ends.some((e) => e.network === n)).sort();
  for (const name of shared) {
    const n = model.networks.get(name);
    if (!n) continue;
    networks.push(verdictOn(model, n, a, b));
    const ea = a.ends.find((e) => e.network === name)!;
    const eb = b.ends.find((e) => e.network === name)!;
    for (const [direction, src, dst] of [['forward', ea, eb], ['reverse', eb, ea]] as const) {
      const port = portNumber(topo, src.switch, src.port);
      if (port === undefined) {
        notes.push(`${src.mac} on ${name}: port ${src.port} is not (yet) on switch ${src.switch}; no flows carry it`);
        continue;
      }
      const dstPort = portNumber(topo, dst.switch, dst.port);
      const trace = traceFabric(switches, topo.links, { dpid: src.switch, port }, probe(src, dst));
      const reaches = trace.delivered.some((d) => d.switch === dst.switch && d.port === dstPort);
      paths.push({ direction, network: name, from: { switch: src.switch, port, mac: src.mac }, to: { mac: dst.mac }, reaches, trace });
    }
  }
  const allowedOn = networks.find((v) => v.allowed);
  let verdict: Pick<ExplainReport, 'allowed' | 'rule' | 'reason'>;
  if (allowedOn) verdict = { allowed: true, rule: allowedOn.rule, reason: allowedOn.reason };
  else if (networks.length) verdict = { allowed: false, rule: 'denied', reason: networks.map((v) => v.reason).join('; ') };
  else verdict = { allowed: false, rule: 'denied', reason: `${a.name} and ${b.name} share no network` };
  const allowedNets = new Set(networks.filter((v) => v.allowed).map((v) => v.network));
  const flowsAgree = paths.every((p) => p.reaches === allowedNets.has(p.network));
  return { ok: true, report: { from: fromRef, to: toRef, ...verdict, networks, paths, flowsAgree, notes } };
}
