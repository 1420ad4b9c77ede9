// The cloud of the compiler benchmarks: by default the seed's, 16,000 VMs on
// 500 edge switches under 24 aggregation switches, a public segment of 4,000
// members in tenants of 10 with two gateways and 1,000 relations, and 1,999
// private networks; seeded, so every run builds the same one. Every figure is
// a parameter (environment variables of bench/compile.ts).
import type { ModelSnapshot, Network, Relation, Vm } from '../src/model/types.js';
import { dpid } from '../test/support/flowsim-topologies.js';

export interface CloudParams {
  aggs: number;
  edges: number;
  /** Access ports per edge switch. */
  access: number;
  vms: number;
  networks: number;
  publicVms: number;
  publicTenantSize: number;
  relations: number;
}

export const SEED_CLOUD: CloudParams = { aggs: 24, edges: 500, access: 64, vms: 16_000, networks: 2_000, publicVms: 4_000, publicTenantSize: 10, relations: 1_000 };

/** A small seeded PRNG (mulberry32). */
export function prng(seed = 0x5eed): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

export const mac = (i: number): string => {
  const h = i.toString(16).padStart(8, '0');
  return `02:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}`;
};
export const ip = (net: number, i: number): string => `10.${(net >> 8) & 0xff}.${net & 0xff}.${i}`;

export function buildCloud(p: CloudParams, pick = prng()): ModelSnapshot {
  const networks = new Map<string, Network>();
  networks.set('public', {
    name: 'public',
    tenant: 'isp',
    kind: 'public',
    cidrs: [],
    gateways: [0, 1].map((g) => ({ mac: mac(0xfff0000 + g), ips: [`100.64.0.${g + 1}`], switch: dpid(p.aggs + g), port: p.access })),
    segment: 1,
  });
  for (let n = 1; n < p.networks; n++) networks.set(`net${n}`, { name: `net${n}`, tenant: `t${n}`, kind: 'private', cidrs: [], gateways: [], segment: n + 1 });
  const vms = new Map<string, Vm>();
  const used = new Set<number>();
  const place = (): { switch: string; port: number } => {
    for (;;) {
      const e = pick(p.edges);
      const port = 1 + pick(p.access - 1);
      const k = e * 1000 + port;
      if (!used.has(k)) {
        used.add(k);
        return { switch: dpid(p.aggs + e), port };
      }
    }
  };
  const perNet = new Map<number, number>();
  for (let i = 0; i < p.vms; i++) {
    const name = `vm${i}`;
    if (i < p.publicVms) {
      vms.set(name, { name, tenant: `pt${Math.floor(i / p.publicTenantSize)}`, interfaces: [{ mac: mac(i), ips: [`100.${64 + (i >> 16)}.${((i >> 8) & 0xff) + 1}.${i & 0xff}`], network: 'public', ...place() }] });
    } else {
      const n = 1 + ((i - p.publicVms) % (p.networks - 1));
      const k = (perNet.get(n) ?? 0) + 1;
      perNet.set(n, k);
      vms.set(name, { name, tenant: `t${n}`, interfaces: [{ mac: mac(i), ips: [ip(n, k)], network: `net${n}`, ...place() }] });
    }
  }
  const relations = new Map<string, Relation>();
  for (let r = 0; r < p.relations; r++) {
    const a = pick(p.publicVms);
    const b = pick(p.publicVms);
    if (a !== b) relations.set(`r${r}`, { id: `r${r}`, vms: [`vm${a}`, `vm${b}`], tenants: [vms.get(`vm${a}`)!.tenant, vms.get(`vm${b}`)!.tenant] });
  }
  return { generation: 1, networks, vms, relations };
}
