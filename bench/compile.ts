// Compiler benchmark at the scale of a real cloud's test: a full compile and
// the incremental cost of vm-starts, migrations and relations on private
// networks and on a 4,000-member public segment. Prints the conditions and the
// targets beside the figures (CPU time: the machine is shared). Run:
// npx tsx bench/compile.ts (BENCH_OF=10 for the OF1.0 lowering)
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { FlowCompiler } from '../src/compiler/compile.js';
import type { ModelChange, ModelSnapshot, Network, Relation, Vm } from '../src/model/types.js';
import { fatTree, dpid } from '../test/support/flowsim-topologies.js';

const AGGS = 24;
const EDGES = 500;
const ACCESS = 64;
const VMS = 16_000;
const NETWORKS = 2_000;
const PUBLIC_VMS = 4_000;
const PUBLIC_TENANT_SIZE = 10;
const RELATIONS = 1_000;
const UPLINKS = Number(process.env.BENCH_UPLINKS ?? AGGS);

// A small seeded PRNG (mulberry32) so every run builds the same cloud.
let seed = 0x5eed;
const rand = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n: number): number => Math.floor(rand() * n);

const mac = (i: number): string => {
  const h = i.toString(16).padStart(8, '0');
  return `02:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}`;
};
const ip = (net: number, i: number): string => `10.${net >> 8}.${net & 0xff}.${i}`;

function buildModel(): ModelSnapshot {
  const networks = new Map<string, Network>();
  networks.set('public', {
    name: 'public',
    tenant: 'isp',
    kind: 'public',
    cidrs: ['100.64.0.0/16'],
    gateways: [0, 1].map((g) => ({ mac: mac(0xfff000 + g), ips: [`100.64.0.${g + 1}`], switch: dpid(AGGS + g), port: ACCESS })),
    segment: 1,
  });
  for (let n = 1; n < NETWORKS; n++) networks.set(`net${n}`, { name: `net${n}`, tenant: `t${n}`, kind: 'private', cidrs: [], gateways: [], segment: n + 1 });
  const vms = new Map<string, Vm>();
  const used = new Set<string>();
  const place = (): { switch: string; port: number } => {
    for (;;) {
      const e = pick(EDGES);
      const p = 1 + pick(ACCESS - 1);
      const k = `${e}:${p}`;
      if (!used.has(k)) {
        used.add(k);
        return { switch: dpid(AGGS + e), port: p };
      }
    }
  };
  const perNet = new Map<number, number>();
  for (let i = 0; i < VMS; i++) {
    const name = `vm${i}`;
    if (i < PUBLIC_VMS) {
      vms.set(name, { name, tenant: `pt${Math.floor(i / PUBLIC_TENANT_SIZE)}`, interfaces: [{ mac: mac(i), ips: [`100.64.${(i >> 8) + 1}.${i & 0xff}`], network: 'public', ...place() }] });
    } else {
      const n = 1 + ((i - PUBLIC_VMS) % (NETWORKS - 1));
      const k = (perNet.get(n) ?? 0) + 1;
      perNet.set(n, k);
      vms.set(name, { name, tenant: `t${n}`, interfaces: [{ mac: mac(i), ips: [ip(n, k)], network: `net${n}`, ...place() }] });
    }
  }
  const relations = new Map<string, Relation>();
  for (let r = 0; r < RELATIONS; r++) {
    const a = pick(PUBLIC_VMS);
    const b = pick(PUBLIC_VMS);
    if (a !== b) relations.set(`r${r}`, { id: `r${r}`, vms: [`vm${a}`, `vm${b}`] });
  }
  return { generation: 1, networks, vms, relations };
}

function timeIt(fn: () => void, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

const OF10 = process.env.BENCH_OF === '10';
const topo = fatTree(AGGS, EDGES, ACCESS, UPLINKS, OF10 ? 1 : 4);
const model = buildModel();
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const compiler = new FlowCompiler(model, topo);
const result = compiler.result();
const full = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const heap1 = process.memoryUsage().heapUsed;

let total = 0;
let maxEdge = 0;
let maxAgg = 0;
let sumEdge = 0;
for (const [d, sf] of result.switches) {
  total += sf.flows.length;
  const isAgg = parseInt(d, 16) <= AGGS;
  if (isAgg) maxAgg = Math.max(maxAgg, sf.flows.length);
  else {
    maxEdge = Math.max(maxEdge, sf.flows.length);
    sumEdge += sf.flows.length;
  }
}

// Incremental: one VM started on a private network, then stopped; one migration started and activated, then ended;
// on the public segment, a VM started and stopped, a member migrated, a relation added and removed.
let current = model;
const step = (changes: ModelChange[], next: ModelSnapshot, into?: { wall: number[]; cpu: number[] }): void => {
  const c = process.cpuUsage();
  const t = performance.now();
  compiler.apply(changes, next);
  const dt = performance.now() - t;
  const u = process.cpuUsage(c);
  current = next;
  if (into) {
    into.wall.push(dt);
    into.cpu.push((u.user + u.system) / 1000);
  }
};
const samples = (): { wall: number[]; cpu: number[] } => ({ wall: [], cpu: [] });
const withVm = (m: ModelSnapshot, vm: Vm | undefined, name: string): ModelSnapshot => {
  const vms = new Map(m.vms);
  if (vm) vms.set(name, vm);
  else vms.delete(name);
  return { ...m, generation: m.generation + 1, vms };
};
const migrateSteps = (src: Vm, into: { wall: number[]; cpu: number[] }): void => {
  const dest = { mac: src.interfaces[0]!.mac, switch: dpid(AGGS + pick(EDGES)), port: ACCESS };
  const moving: Vm = { ...src, migration: { destinations: [dest], activated: false } };
  step([{ kind: 'vm', id: src.name, before: src, after: moving }], withVm(current, moving, src.name), into);
  const active: Vm = { ...moving, migration: { destinations: [dest], activated: true } };
  step([{ kind: 'vm', id: src.name, before: moving, after: active }], withVm(current, active, src.name), into);
  step([{ kind: 'vm', id: src.name, before: active, after: src }], withVm(current, src, src.name));
};
const REPS = Number(process.env.BENCH_REPS ?? 200);
const startPriv = samples();
const migratePriv = samples();
for (let i = 0; i < REPS; i++) {
  const name = `bench-new${i}`;
  const vm: Vm = { name, tenant: 't7', interfaces: [{ mac: mac(0xa00000 + i), ips: [ip(7, 200)], network: 'net7', switch: dpid(AGGS + pick(EDGES)), port: ACCESS }] };
  step([{ kind: 'vm', id: name, after: vm }], withVm(current, vm, name), startPriv);
  step([{ kind: 'vm', id: name, before: vm }], withVm(current, undefined, name));
  migrateSteps(current.vms.get(`vm${PUBLIC_VMS + (i % 1000)}`)!, migratePriv);
}
const PUB_REPS = Number(process.env.BENCH_PUB_REPS ?? 200);
const startPub = samples();
const stopPub = samples();
const migratePub = samples();
const relatePub = samples();
const flattenAgg = samples();
for (let i = 0; i < PUB_REPS; i++) {
  const name = `bench-pub${i}`;
  const vm: Vm = { name, tenant: 'pt3', interfaces: [{ mac: mac(0xb00000 + i), ips: [`100.64.250.${i}`], network: 'public', switch: dpid(AGGS + pick(EDGES)), port: ACCESS }] };
  step([{ kind: 'vm', id: name, after: vm }], withVm(current, vm, name), startPub);
  // What the runtime does next: the flat list of every switch apply() reported, here the busiest aggregation switch.
  const t = performance.now();
  const c = process.cpuUsage();
  compiler.flowsOf(dpid(0));
  const u = process.cpuUsage(c);
  flattenAgg.wall.push(performance.now() - t);
  flattenAgg.cpu.push((u.user + u.system) / 1000);
  step([{ kind: 'vm', id: name, before: vm }], withVm(current, undefined, name), stopPub);
  migrateSteps(current.vms.get(`vm${i % PUBLIC_VMS}`)!, migratePub);
  const rel = { id: `bench-rel${i}`, vms: [`vm${pick(PUBLIC_VMS)}`, `vm${pick(PUBLIC_VMS)}`] as [string, string] };
  if (rel.vms[0] === rel.vms[1]) continue;
  const withRel = { ...current, generation: current.generation + 1, relations: new Map([...current.relations, [rel.id, rel]]) };
  step([{ kind: 'relation', id: rel.id, after: rel }], withRel, relatePub);
  const without = new Map(current.relations);
  without.delete(rel.id);
  step([{ kind: 'relation', id: rel.id, before: rel }], { ...current, generation: current.generation + 1, relations: without }, relatePub);
}
// A peer measured in the same run: allocating as many flow-shaped objects as
// the compile produced. Shared machines are noisy; the ratio is steadier.
const peerMs = timeIt(() => {
  const keep: object[] = [];
  for (let i = 0; i < total; i++) keep.push({ stage: 'forward', tableId: 4, priority: 200, match: { inPort: i & 63, ethSrc: 'x', ethDst: 'y', ethType: 0x800 }, instructions: [], cookie: BigInt(i & 1023) });
  if (keep.length !== total) throw new Error('peer');
}, 1);
const flatOne = timeIt(() => compiler.flowsOf(dpid(AGGS + 3)), 1);

const mb = (b: number): string => (b / 1048576).toFixed(0) + ' MiB';
const ms = (x: number): string => x.toFixed(3) + ' ms';
console.log('Spotlight flow compiler benchmark');
console.log(`conditions: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, ${OF10 ? 'OF1.0' : 'OF1.3'} lowering (BENCH_OF=10 for OF1.0)`);
console.log(`  fabric: ${EDGES} edge switches x ${ACCESS} access ports under ${AGGS} aggregation switches, ${UPLINKS} uplinks per edge (${topo.links.length} links)`);
console.log(`  model: ${VMS} VMs, ${NETWORKS} networks (1 public segment with ${PUBLIC_VMS} VMs in tenants of ${PUBLIC_TENANT_SIZE}, 2 gateways, ${relations()} relations; ${NETWORKS - 1} private networks of ~${Math.round((VMS - PUBLIC_VMS) / (NETWORKS - 1))} VMs)`);
console.log(`full compile: ${full.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (all threads, GC included)   (target < 2000 ms)`);
console.log(`  peer in the same run: allocating ${total} flow-shaped objects took ${peerMs.toFixed(0)} ms; compile / peer = ${(full / peerMs).toFixed(1)}`);
console.log(`  load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`  flows: ${total} in all; per edge switch max ${maxEdge}, mean ${(sumEdge / EDGES).toFixed(0)}; per aggregation switch max ${maxAgg}`);
console.log(`  heap held by the result: ${mb(heap1 - heap0)}; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
console.log(`  diagnostics: ${result.diagnostics.length}`);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const row = (label: string, x: { wall: number[]; cpu: number[] }): void =>
  console.log(`  ${label.padEnd(40)} CPU mean ${ms(mean(x.cpu))}, median ${ms(median(x.cpu))}, max ${ms(Math.max(...x.cpu))}; wall mean ${ms(mean(x.wall))}   (n=${x.cpu.length})`);
console.log(`incremental apply() (target < 1 ms; CPU counts every thread, the collector's too):`);
row('vm-start on a private network', startPriv);
row('migration step (private; start, activate)', migratePriv);
row('vm-start on the public segment', startPub);
row('vm-stop on the public segment', stopPub);
row('migration step (public; start, activate)', migratePub);
row('relation added or removed (public)', relatePub);
console.log(`after apply(), handing a switch's flat list to the reconciler:`);
row('re-flattening the busiest aggregation', flattenAgg);
console.log(`  re-flattening one edge switch's list: ${ms(flatOne)}`);

function relations(): number {
  return model.relations.size;
}
