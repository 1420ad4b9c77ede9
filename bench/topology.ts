// Discovery cost on a Pica8-scale fabric, simulated in memory (no switches):
// E edge switches (48 access ports + one uplink per aggregation switch) and A
// aggregation switches, every edge cabled to every aggregation switch. One
// "interval" is every due probe built, carried over its cable, and judged.
// Printed as CPU ms per interval, beside the bare HMAC-SHA256 work of the same
// number of probes (sign + verify) measured in the same run.
import { createHmac } from 'node:crypto';
import { Discovery, type PortInfo } from '../src/topo/discovery.js';
import { parseDescription } from '../src/topo/description.js';

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
