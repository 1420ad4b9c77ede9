// The fat-tree of the Mininet tests (as topology/fattree.yaml): four edge
// switches, each cabled to both aggregation switches, three hosts on every
// edge (two tenants' private networks, a public segment with a gateway and a
// relation, one host nobody registered); and what a 10 ms ping run printed.
import { dpidOf, type E2eFabric, type E2eHost, type E2eNetwork, type ScenarioSpec } from './e2e.js';

export const EDGES = ['e1', 'e2', 'e3', 'e4'];
export const AGGREGATIONS = ['a1', 'a2'];

/** Edge port 1 goes to a1, port 2 to a2; aggregation port N goes to edge eN (as topology/fattree.yaml). */
export const FAT_TREE: E2eFabric = {
  switches: [
    ...EDGES.map((name) => ({ name, dpid: dpidOf(name), role: 'edge' as const })),
    ...AGGREGATIONS.map((name, i) => ({ name, dpid: String(101 + i).padStart(16, '0'), role: 'aggregation' as const })),
  ],
  links: EDGES.flatMap((e, i) => AGGREGATIONS.map((a, j): [string, string] => [`${e}:${j + 1}`, `${a}:${i + 1}`])),
};

export const NETWORKS: E2eNetwork[] = [
  { name: 'red', tenant: 'R', kind: 'private', cidrs: ['10.1.0.0/24'] },
  { name: 'blue', tenant: 'B', kind: 'private', cidrs: ['10.2.0.0/24'] },
  { name: 'pub', tenant: 'isp', kind: 'public', cidrs: ['10.9.0.0/24'] },
];

/** Hosts on edge ports 3 to 5. The red network spans every edge; the others cross some. */
export const HOSTS: E2eHost[] = [
  { name: 'r1', switch: 'e1', port: 3, ip: '10.1.0.1', mac: '02:00:00:00:01:01', network: 'red', tenant: 'R' },
  { name: 'b1', switch: 'e1', port: 4, ip: '10.2.0.1', mac: '02:00:00:00:02:01', network: 'blue', tenant: 'B' },
  { name: 'pr1', switch: 'e1', port: 5, ip: '10.9.0.11', mac: '02:00:00:00:09:11', network: 'pub', tenant: 'R' },
  { name: 'r2', switch: 'e2', port: 3, ip: '10.1.0.2', mac: '02:00:00:00:01:02', network: 'red', tenant: 'R' },
  { name: 'gw', switch: 'e2', port: 4, ip: '10.9.0.1', mac: '02:00:00:00:09:01', network: 'pub', tenant: 'isp', gateway: true },
  { name: 'u1', switch: 'e2', port: 5, ip: '10.1.0.99', mac: '02:00:00:00:0f:99' },
  { name: 'r3', switch: 'e3', port: 3, ip: '10.1.0.3', mac: '02:00:00:00:01:03', network: 'red', tenant: 'R' },
  { name: 'b2', switch: 'e3', port: 4, ip: '10.2.0.2', mac: '02:00:00:00:02:02', network: 'blue', tenant: 'B' },
  { name: 'pb1', switch: 'e3', port: 5, ip: '10.9.0.21', mac: '02:00:00:00:09:21', network: 'pub', tenant: 'B' },
  { name: 'r4', switch: 'e4', port: 3, ip: '10.1.0.4', mac: '02:00:00:00:01:04', network: 'red', tenant: 'R' },
  { name: 'pr2', switch: 'e4', port: 4, ip: '10.9.0.12', mac: '02:00:00:00:09:12', network: 'pub', tenant: 'R' },
  { name: 'pb2', switch: 'e4', port: 5, ip: '10.9.0.22', mac: '02:00:00:00:09:22', network: 'pub', tenant: 'B' },
];

export const SPEC: ScenarioSpec = { networks: NETWORKS, hosts: HOSTS, relations: [{ id: 'pr2-pb1', vms: ['pr2', 'pb1'] }] };
/** Received icmp_seq numbers and the interval ping really kept (it may fall behind -i 0.01 on a loaded machine). */
export function pingRun(output: string): { seqs: Set<number>; sent: number; intervalMs: number } {
  const m = /(\d+) packets transmitted, (\d+) received.*?time (\d+)ms/.exec(output);
  if (!m) throw new Error(`no ping summary in: ${output.slice(-300)}`);
  const sent = Number(m[1]);
  return { seqs: new Set([...output.matchAll(/icmp_seq=(\d+)/g)].map((x) => Number(x[1]))), sent, intervalMs: Number(m[3]) / Math.max(1, sent - 1) };
}

/** The longest run of numbers missing from `got` (sorted) within 1..count. */
export function longestGap(got: number[], count: number): number {
  let gap = 0;
  let prev = 0;
  for (const n of [...got, count + 1]) {
    gap = Math.max(gap, n - prev - 1);
    prev = n;
  }
  return gap;
}
