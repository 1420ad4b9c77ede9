// Discovery cost on a Pica8-scale fabric, simulated in memory (no switches):
// E edge switches (48 access ports + one uplink per aggregation switch) and A
// aggregation switches, every edge cabled to every aggregation switch. One
// "interval" is every due probe built, carried over its cable, and judged.
// Printed as CPU ms per interval, beside the bare HMAC-SHA256 work of the same
// number of probes (sign + verify) measured in the same run.
//
// Then the cost of port status (PORT_STATUS) events: 15,000 port adds on one
// switch, and a port add, delete, down and up on a fabric of 500 edge
// switches, with discovery now beside discovery as it was at BEFORE_COMMIT
// (which rebuilt and re-sorted its whole snapshot on every change), in the
// same run. BENCH_PORT_ADDS, BENCH_SCALE_EDGES, BENCH_SCALE_AGGS change the sizes.
import { createHmac } from 'node:crypto';
import { Discovery } from '../src/topo/discovery.js';
import { type PortInfo } from '../src/topo/discovery-types.js';
import { parseDescription } from '../src/topo/description.js';
import { BEFORE_COMMIT, importBefore } from './before.js';

const EDGES = Number(process.env.EDGES ?? 40);
const AGGS = Number(process.env.AGGS ?? 4);
const ACCESS = 48;
const INTERVALS = 20;
const secret = Buffer.from('bench secret');
const dpid = (n: number) => n.toString(16).padStart(16, '0');
const edge = (i: number) => dpid(i + 1);
const agg = (j: number) => dpid(0x1000 + j + 1);

function fabric() {
  const peer = new Map<string, [string, number]>();
  const cable = (a: string, ap: number, b: string, bp: number) => {
    peer.set(`${a}/${ap}`, [b, bp]);
    peer.set(`${b}/${bp}`, [a, ap]);
  };
  for (let i = 0; i < EDGES; i++) for (let j = 0; j < AGGS; j++) cable(edge(i), ACCESS + 1 + j, agg(j), i + 1);
  return peer;
}

function describe(): string {
  const lines = ['switches:'];
  for (let i = 0; i < EDGES; i++) lines.push(`  - {name: e${i + 1}, dpid: "${edge(i)}", role: edge}`);
  for (let j = 0; j < AGGS; j++) lines.push(`  - {name: a${j + 1}, dpid: "${agg(j)}", role: aggregation}`);
  lines.push('links:');
  for (let i = 0; i < EDGES; i++) for (let j = 0; j < AGGS; j++) lines.push(`  - [e${i + 1}:${ACCESS + 1 + j}, a${j + 1}:${i + 1}]`);
  return lines.join('\n');
}

function run(mode: 'inferred' | 'described'): { msPerInterval: number; probes: number; links: number; snapshotMs: number } {
  const clock = { t: 1_000_000 };
  const desc = parseDescription(describe());
  if (!desc.ok) throw new Error(desc.error.message);
  const d = new Discovery({ secret, now: () => clock.t, random: Math.random, ...(mode === 'described' ? { description: desc.description } : {}) });
  const ports = (n: number): PortInfo[] => Array.from({ length: n }, (_, k) => ({ portNo: k + 1, name: `p${k + 1}`, up: true }));
  for (let i = 0; i < EDGES; i++) d.switchConnected(edge(i), ports(ACCESS + AGGS));
  for (let j = 0; j < AGGS; j++) d.switchConnected(agg(j), ports(EDGES));
  const peer = fabric();
  let probes = 0;
  const step = () => {
    clock.t += 100;
    for (const p of d.tick()) {
      probes++;
      const to = peer.get(`${p.dpid}/${p.portNo}`);
      if (to) d.receive({ dpid: to[0], inPort: to[1], frame: p.frame });
    }
  };
  for (let i = 0; i < 20; i++) step(); // warm up: links found
  probes = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < INTERVALS * 10; i++) step();
  const cpu = process.cpuUsage(start);
  const s0 = performance.now();
  d.switchDisconnected(agg(0));
  d.snapshot();
  const snapshotMs = performance.now() - s0;
  return { msPerInterval: (cpu.user + cpu.system) / 1000 / INTERVALS, probes: probes / INTERVALS, links: EDGES * AGGS, snapshotMs };
}

function bareHmacMs(n: number): number {
  const msg = Buffer.alloc(20);
  const start = process.cpuUsage();
  for (let k = 0; k < n * INTERVALS; k++) {
    msg.writeUInt32BE(k, 8);
    createHmac('sha256', secret).update(msg).digest();
    createHmac('sha256', secret).update(msg).digest();
  }
  const cpu = process.cpuUsage(start);
  return (cpu.user + cpu.system) / 1000 / INTERVALS;
}

console.log(`discovery on ${EDGES} edge (48 access + ${AGGS} uplinks) and ${AGGS} aggregation switches, probe interval 1 s, node ${process.version}`);
for (const mode of ['inferred', 'described'] as const) {
  const r = run(mode);
  const bare = bareHmacMs(r.probes);
  console.log(
    `  ${mode.padEnd(9)}: ${r.probes.toFixed(0)} probes per interval, ${r.msPerInterval.toFixed(1)} ms CPU per interval ` +
      `(${((r.msPerInterval / 1000) * 100).toFixed(2)}% of one core); bare HMAC sign+verify ${bare.toFixed(1)} ms, ratio ${(r.msPerInterval / bare).toFixed(1)}x; ` +
      `snapshot after a switch loss ${r.snapshotMs.toFixed(1)} ms; ${r.links} links`,
  );
}

// --- Port status cost, before and now ---

type DiscoveryClass = typeof Discovery;
const PORT_ADDS = Number(process.env.BENCH_PORT_ADDS ?? 15_000);
const SCALE_EDGES = Number(process.env.BENCH_SCALE_EDGES ?? 500);
const SCALE_AGGS = Number(process.env.BENCH_SCALE_AGGS ?? 4);
/** Port statuses timed per kind (fewer before: each one rebuilt the whole snapshot). */
const SAMPLES = { now: 200, before: 40 };

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU ms for `n` port adds on one connected switch, with one listener reading each new snapshot. */
function portAdds(D: DiscoveryClass, n: number): number {
  const d = new D({ secret, now: () => 1_000_000, random: () => 0.5 });
  d.onChange(() => d.snapshot());
  d.switchConnected(edge(0), []);
  const start = process.cpuUsage();
  for (let k = 1; k <= n; k++) d.portStatus(edge(0), { portNo: k, name: `vnet${k}`, up: true }, 'add');
  return cpuMs(start);
}

/**
 * Median microseconds per port status of each kind on a fabric of `edges` x
 * (48 access + `aggs` uplinks) switches, links discovered. Discovery before
 * rebuilt its snapshot on each of the thousands of changes of the set-up
 * (minutes at this size), so there its change hook only counts versions until
 * the fabric is found; every timed port status runs the code as it was.
 */
function portStatusAtScale(D: DiscoveryClass, edges: number, aggs: number, samples: number, before: boolean): { links: number; us: Record<string, number> } {
  const clock = { t: 1_000_000 };
  const d = new D({ secret, now: () => clock.t, random: Math.random });
  d.onChange(() => d.snapshot());
  const hooked = d as unknown as { changed?: () => void; versionNo: number };
  if (before) hooked.changed = () => void hooked.versionNo++;
  const peer = new Map<string, [string, number]>();
  for (let i = 0; i < edges; i++) {
    for (let j = 0; j < aggs; j++) {
      peer.set(`${edge(i)}/${ACCESS + 1 + j}`, [agg(j), i + 1]);
      peer.set(`${agg(j)}/${i + 1}`, [edge(i), ACCESS + 1 + j]);
    }
  }
  const ports = (n: number): PortInfo[] => Array.from({ length: n }, (_, k) => ({ portNo: k + 1, name: `p${k + 1}`, up: true }));
  for (let i = 0; i < edges; i++) d.switchConnected(edge(i), ports(ACCESS + aggs));
  for (let j = 0; j < aggs; j++) d.switchConnected(agg(j), ports(edges));
  for (let step = 0; step < 20; step++) {
    clock.t += 100;
    for (const p of d.tick()) {
      const to = peer.get(`${p.dpid}/${p.portNo}`);
      if (to) d.receive({ dpid: to[0], inPort: to[1], frame: p.frame });
    }
  }
  if (before) delete hooked.changed;
  const links = d.snapshot().links.length;
  const times: Record<string, number[]> = { 'tap port add': [], 'tap port delete': [], 'fabric port down': [], 'fabric port up': [] };
  const timed = (kind: string, fn: () => void): void => {
    const t0 = performance.now();
    fn();
    times[kind]!.push((performance.now() - t0) * 1000);
  };
  for (let k = 0; k < samples; k++) {
    const sw = edge(k % edges);
    const tap = { portNo: 1000 + k, name: `vnet${k}`, up: true };
    timed('tap port add', () => d.portStatus(sw, tap, 'add'));
    timed('tap port delete', () => d.portStatus(sw, tap, 'delete'));
    const uplink = { portNo: ACCESS + 1 + (k % aggs), name: `p${ACCESS + 1 + (k % aggs)}`, up: false };
    timed('fabric port down', () => d.portStatus(sw, uplink, 'modify'));
    timed('fabric port up', () => d.portStatus(sw, { ...uplink, up: true }, 'modify'));
  }
  return { links, us: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) };
}

const Before = (await importBefore<{ Discovery: DiscoveryClass }>('src/topo/discovery.ts'))?.Discovery;
console.log(`\nport status cost, discovery now and at ${BEFORE_COMMIT} (before), same run`);
if (!Before) console.log(`  (before: ${BEFORE_COMMIT} not available from git; only now is measured)`);
{
  const now = portAdds(Discovery, PORT_ADDS);
  const before = Before ? portAdds(Before, PORT_ADDS) : NaN;
  console.log(
    `  ${PORT_ADDS} port adds on one switch: now ${now.toFixed(0)} ms CPU (${((now * 1000) / PORT_ADDS).toFixed(1)} us each); ` +
      `before ${before.toFixed(0)} ms CPU (${((before * 1000) / PORT_ADDS).toFixed(1)} us each); before/now ${(before / now).toFixed(0)}x`,
  );
}
{
  const now = portStatusAtScale(Discovery, SCALE_EDGES, SCALE_AGGS, SAMPLES.now, false);
  const before = Before ? portStatusAtScale(Before, SCALE_EDGES, SCALE_AGGS, SAMPLES.before, true) : undefined;
  console.log(
    `  ${SCALE_EDGES} edge (48 access + ${SCALE_AGGS} uplinks) and ${SCALE_AGGS} aggregation switches, ${now.links} links (before: ${before?.links ?? '-'}); ` +
      `median per port status of ${SAMPLES.now} (before: ${SAMPLES.before}) of each kind:`,
  );
  for (const kind of Object.keys(now.us)) {
    const b = before?.us[kind] ?? NaN;
    console.log(`    ${kind.padEnd(16)}: now ${now.us[kind]!.toFixed(1)} us, before ${b.toFixed(0)} us, before/now ${(b / now.us[kind]!).toFixed(0)}x`);
  }
}
