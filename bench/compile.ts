// Compiler benchmark at the scale of a real cloud: a full compile, the flows
// each switch role holds, and what each kind of event costs afterwards (model
// changes, and topology events: a VM's tap port appearing and going, an
// uplink failing and coming back, a switch leaving and joining). Prints the
// conditions, a peer measured in the same run, and the targets. Run:
//   npx tsx bench/compile.ts                 the seed cloud (16,000 VMs, 500 edge switches)
//   BENCH_OF=10 npx tsx bench/compile.ts     the OF1.0 lowering
//   BENCH_VMS=100000 BENCH_EDGES=2000 BENCH_NETWORKS=20000 BENCH_PUBLIC_VMS=20000 node --expose-gc --max-old-space-size=4096 --import tsx bench/compile.ts
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { FlowCompiler } from '../src/compiler/compile.js';
import type { ModelChange, ModelSnapshot, Relation, Vm } from '../src/model/types.js';
import type { TopologySnapshot, TopoSwitch } from '../src/topo/types.js';
import { dpid, fatTree } from '../test/support/flowsim-topologies.js';
import { buildCloud, mac, prng, SEED_CLOUD, type CloudParams } from './compile-model.js';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const P: CloudParams = {
  aggs: env('BENCH_AGGS', SEED_CLOUD.aggs),
  edges: env('BENCH_EDGES', SEED_CLOUD.edges),
  access: env('BENCH_ACCESS', SEED_CLOUD.access),
  vms: env('BENCH_VMS', SEED_CLOUD.vms),
  networks: env('BENCH_NETWORKS', SEED_CLOUD.networks),
  publicVms: env('BENCH_PUBLIC_VMS', SEED_CLOUD.publicVms),
  publicTenantSize: env('BENCH_PUBLIC_TENANT', SEED_CLOUD.publicTenantSize),
  relations: env('BENCH_RELATIONS', SEED_CLOUD.relations),
};
const OF10 = process.env.BENCH_OF === '10';
const REPS = env('BENCH_REPS', 200);
const pick = prng(0x5eed);

/** Flows per role on 6404266 (the label-free fabric) for this very cloud, measured with this bench's predecessor. */
const BEFORE = { aggMax: 23_008, edgeMax: 5_110, edgeMean: 1_065, fullCpuMs: 3_000 };

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
let topo: TopologySnapshot = fatTree(P.aggs, P.edges, P.access, P.aggs, OF10 ? 1 : 4);
const model = buildCloud(P, pick);
gc();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const compiler = new FlowCompiler(model, topo);
const fullWall = performance.now() - t0;
const fullCpu = process.cpuUsage(cpu0);
gc();
const retained = process.memoryUsage().heapUsed - heap0;
const result = compiler.result();

// Per role: aggregation switches hold no endpoint (transit only here), edge switches hold the VMs.
const roles = { aggregation: [] as number[], edge: [] as number[] };
let groups = 0;
let total = 0;
for (const [d, sf] of result.switches) {
  total += sf.flows.length;
  groups = Math.max(groups, sf.groups.length);
  (parseInt(d, 16) <= P.aggs ? roles.aggregation : roles.edge).push(sf.flows.length);
}

// A peer measured in the same run: allocating as many flow-shaped objects as the compile produced.
const peerT = performance.now();
{
  const keep: object[] = [];
  for (let i = 0; i < total; i++) keep.push({ stage: 'forward', tableId: 4, priority: 200, match: { inPort: i & 63, ethSrc: 'x', ethDst: 'y', ethType: 0x800 }, instructions: [], cookie: BigInt(i & 1023) });
  if (keep.length !== total) throw new Error('peer');
}
const peerMs = performance.now() - peerT;

// --- events ------------------------------------------------------------------
type Samples = number[];
const samples = (): Samples => [];
let current = model;
const cpuOf = (fn: () => void): number => {
  const c = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
};
const modelStep = (changes: ModelChange[], next: ModelSnapshot, into?: Samples): void => {
  const ms = cpuOf(() => compiler.apply(changes, next));
  current = next;
  into?.push(ms);
};
const withVm = (m: ModelSnapshot, vm: Vm | undefined, name: string): ModelSnapshot => {
  const vms = new Map(m.vms);
  if (vm) vms.set(name, vm);
  else vms.delete(name);
  return { ...m, generation: m.generation + 1, vms };
};
const topoStep = (next: TopologySnapshot, only: Set<string>, into?: Samples): void => {
  topo = next;
  const ms = cpuOf(() => {
    compiler.applyTopology(next, only, false);
    compiler.flush();
  });
  into?.push(ms);
};
const withPorts = (t: TopologySnapshot, d: string, edit: (ports: Map<number, TopoSwitch['ports'] extends ReadonlyMap<number, infer P> ? P : never>) => void): TopologySnapshot => {
  const sw = t.switches.get(d)!;
  const ports = new Map(sw.ports);
  edit(ports);
  return { ...t, version: t.version + 1, switches: new Map([...t.switches, [d, { ...sw, ports }]]) };
};

const startPriv = samples();
const startPub = samples();
const stopPub = samples();
const migrate = samples();
const relate = samples();
const tapUp = samples();
const tapDown = samples();
const linkDown = samples();
const linkUp = samples();
const privNets = P.networks - 1;
for (let i = 0; i < REPS; i++) {
  // A VM on a private network, then on the public segment, started and stopped.
  const edge = dpid(P.aggs + pick(P.edges));
  const priv: Vm = { name: `bench-p${i}`, tenant: 't7', interfaces: [{ mac: mac(0xa000000 + i), ips: ['10.0.7.200'], network: `net${1 + (i % privNets)}`, switch: edge, port: P.access }] };
  modelStep([{ kind: 'vm', id: priv.name, after: priv }], withVm(current, priv, priv.name), startPriv);
  modelStep([{ kind: 'vm', id: priv.name, before: priv }], withVm(current, undefined, priv.name));
  const pub: Vm = { name: `bench-u${i}`, tenant: 'pt3', interfaces: [{ mac: mac(0xb000000 + i), ips: [`100.99.0.${i % 250}`], network: 'public', switch: edge, port: P.access }] };
  modelStep([{ kind: 'vm', id: pub.name, after: pub }], withVm(current, pub, pub.name), startPub);
  modelStep([{ kind: 'vm', id: pub.name, before: pub }], withVm(current, undefined, pub.name), stopPub);
  // A migration: programmed ahead, then activated, then ended.
  const src = current.vms.get(`vm${P.publicVms + (i % 1000)}`)!;
  const dest = { mac: src.interfaces[0]!.mac, switch: dpid(P.aggs + pick(P.edges)), port: P.access };
  const moving: Vm = { ...src, migration: { destinations: [dest], activated: false } };
  modelStep([{ kind: 'vm', id: src.name, before: src, after: moving }], withVm(current, moving, src.name), migrate);
  const active: Vm = { ...moving, migration: { destinations: [dest], activated: true } };
  modelStep([{ kind: 'vm', id: src.name, before: moving, after: active }], withVm(current, active, src.name), migrate);
  modelStep([{ kind: 'vm', id: src.name, before: active, after: src }], withVm(current, src, src.name));
  const pair: [string, string] = [`vm${pick(P.publicVms)}`, `vm${pick(P.publicVms)}`];
  const rel: Relation = { id: `bench-rel${i}`, vms: pair, tenants: [current.vms.get(pair[0])!.tenant, current.vms.get(pair[1])!.tenant] };
  if (rel.vms[0] !== rel.vms[1]) {
    modelStep([{ kind: 'relation', id: rel.id, after: rel }], { ...current, generation: current.generation + 1, relations: new Map([...current.relations, [rel.id, rel]]) }, relate);
    const without = new Map(current.relations);
    without.delete(rel.id);
    modelStep([{ kind: 'relation', id: rel.id, before: rel }], { ...current, generation: current.generation + 1, relations: without }, relate);
  }
  // A VM whose tap goes away and appears again (its port removed and added by PORT_STATUS).
  const vm = current.vms.get(`vm${pick(P.vms)}`)!;
  const at = vm.interfaces[0]!;
  const saved = topo.switches.get(at.switch)!.ports.get(Number(at.port))!;
  topoStep(withPorts(topo, at.switch, (ports) => ports.delete(saved.portNo)), new Set([at.switch]), tapDown);
  topoStep(withPorts(topo, at.switch, (ports) => ports.set(saved.portNo, saved)), new Set([at.switch]), tapUp);
}
// An uplink of an edge switch failing (its port down) and coming back: fewer cases, each touches routes fabric-wide.
for (let i = 0; i < Math.min(20, REPS); i++) {
  const edge = dpid(P.aggs + pick(P.edges));
  const up = [...topo.switches.get(edge)!.ports.values()].filter((p) => p.portNo >= 1000)[0]!;
  topoStep(withPorts(topo, edge, (ports) => ports.set(up.portNo, { ...up, up: false })), new Set([edge]), linkDown);
  topoStep(withPorts(topo, edge, (ports) => ports.set(up.portNo, up)), new Set([edge]), linkUp);
}

// --- report ------------------------------------------------------------------
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MiB`;
const row = (label: string, x: Samples, target?: string): void =>
  console.log(`  ${label.padEnd(44)} median ${ms(quantile(x, 0.5))}, p99 ${ms(quantile(x, 0.99))}, max ${ms(Math.max(...x))}   (n=${x.length})${target ? `   target ${target}` : ''}`);
const loadNow = loadavg().map((x) => x.toFixed(1)).join(' ');
console.log('Spotlight flow compiler benchmark');
console.log(`conditions: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, ${OF10 ? 'OF1.0' : 'OF1.3'} lowering, load average ${loadNow}`);
console.log(`  fabric: ${P.edges} edge switches x ${P.access} access ports under ${P.aggs} aggregation switches, every edge cabled to every aggregation (${(topo.links as readonly unknown[]).length} links)`);
console.log(`  model: ${P.vms} VMs, ${P.networks} networks (a public segment of ${P.publicVms} VMs in tenants of ${P.publicTenantSize}, 2 gateways, ${model.relations.size} relations; ${P.networks - 1} private networks)`);
console.log(`full compile: ${fullWall.toFixed(0)} ms wall, ${((fullCpu.user + fullCpu.system) / 1000).toFixed(0)} ms CPU (all threads, GC included)   target <= 2000 ms at the seed scale, <= 10000 ms at 100,000 VMs`);
console.log(`  peer in the same run: allocating ${total} flow-shaped objects took ${peerMs.toFixed(0)} ms; compile / peer = ${(fullWall / peerMs).toFixed(1)}`);
console.log(`  heap retained by the compiled state: ${mb(retained)}${(globalThis as { gc?: unknown }).gc ? '' : ' (without --expose-gc: garbage included)'}; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}   target <= 2 GiB at 100,000 VMs`);
console.log(`flows per switch (${total} in all; groups per switch at most ${groups}):`);
console.log(`  aggregation (transit only): max ${Math.max(...roles.aggregation)}, mean ${mean(roles.aggregation).toFixed(0)}   target <= 1100; before (6404266, seed cloud): max ${BEFORE.aggMax}`);
console.log(`  edge: max ${Math.max(...roles.edge)}, mean ${mean(roles.edge).toFixed(0)}   before (6404266, seed cloud): max ${BEFORE.edgeMax}, mean ${BEFORE.edgeMean}`);
console.log(`  diagnostics: ${result.diagnostics.length}`);
console.log('what each event costs afterwards (CPU of apply/applyTopology + flush, the collector included):');
row('vm-start on a private network', startPriv, '< 1 ms');
row('vm-start on the public segment', startPub, '< 1 ms');
row('vm-stop on the public segment', stopPub, '< 1 ms');
row('migration step (private; ahead, activated)', migrate, '< 1 ms');
row('relation added or removed (public)', relate, '< 1 ms');
row("a VM's tap port appearing (PORT_STATUS add)", tapUp, '<= 5 ms');
row("a VM's tap port going (PORT_STATUS delete)", tapDown, '<= 5 ms');
row('an uplink going down', linkDown);
row('an uplink coming back', linkUp);
console.log(`  pieces lowered over the run: ${compiler.piecesLowered}`);
