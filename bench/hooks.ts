// Hooks per second and latency to a durable 200 for vm-start, with 1 and 32
// concurrent clients, up to 10,000 VMs in 1,000 networks, over real HTTP on
// loopback. Beside it, measured in the same run on the same disk: bare
// LevelDB puts with sync (the disk's own limit), reported as a ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Level } from 'level';
import { silentLogger } from '../src/log.js';
import { startApi } from '../src/api/server.js';
import { openStore } from '../src/store/index.js';

const VMS = Number(process.env.SPOTLIGHT_BENCH_VMS ?? 10_000);
const NETWORKS = Math.min(1000, Math.max(1, Math.ceil(VMS / 10)));
const SINGLE = Math.max(1, Math.floor(VMS / 5)); // the first fifth with one client, the rest with 32

interface Run {
  label: string;
  clients: number;
  ops: number;
  seconds: number;
  p50: number;
  p99: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function drive(label: string, clients: number, ops: number, one: (i: number) => Promise<void>): Promise<Run> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < ops; i = next++) {
        const s = performance.now();
        await one(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { label, clients, ops, seconds, p50: pct(lat, 50), p99: pct(lat, 99) };
}

function vmBody(k: number) {
  const net = k % NETWORKS;
  const host = Math.floor(k / NETWORKS) + 10;
  const hex = [(k >> 16) & 255, (k >> 8) & 255, k & 255].map((x) => x.toString(16).padStart(2, '0')).join(':');
  return {
    vm: `vm${k}`,
    tenant: `t${net % 100}`,
    interfaces: [{ mac: `52:54:00:${hex}`, ips: [`10.${net >> 8}.${net & 255}.${host}`], network: `net${net}`, switch: '0000000000000001', port: `tap${k}` }],
  };
}

async function post(base: string, path: string, body: unknown, method = 'POST'): Promise<void> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-bench-'));
  try {
    const logger = silentLogger();
    const store = await openStore(join(dir, 'store'), { logger });
    const api = await startApi({ host: '127.0.0.1', port: 0, store, logger });
    const base = api.address;
    for (let n = 0; n < NETWORKS; n++) {
      await post(base, `/v1/networks/net${n}`, { tenant: `t${n % 100}`, kind: 'private', cidrs: [`10.${n >> 8}.${n & 255}.0/24`] }, 'PUT');
    }
    // The peer: one synced LevelDB put per operation, same disk, same value
    // size. Peer and API phases alternate so that both see the same machine.
    const peer = new Level<string, string>(join(dir, 'peer'), { valueEncoding: 'utf8' });
    await peer.open();
    const value = JSON.stringify(vmBody(0));
    const sync = { sync: true } as Parameters<typeof peer.put>[2];
    const p1 = await drive('bare level put sync', 1, SINGLE, (i) => peer.put(`v/${i}`, value, sync));
    const a1 = await drive('vm-start via API', 1, SINGLE, (i) => post(base, '/v1/hooks/vm-start', vmBody(i)));
    const p32 = await drive('bare level put sync', 32, VMS - SINGLE, (i) => peer.put(`w/${i}`, value, sync));
    const a32 = await drive('vm-start via API', 32, VMS - SINGLE, (i) => post(base, '/v1/hooks/vm-start', vmBody(SINGLE + i)));
    await peer.close();
    if (store.snapshot().vms.size !== VMS) throw new Error(`expected ${VMS} VMs, store has ${store.snapshot().vms.size}`);
    await api.close();
    await store.close();
    const runs = [a1, a32];

    console.log(`hooks benchmark: ${VMS} VMs in ${NETWORKS} networks; node ${process.version}, ${cpus().length} cpus, data under ${tmpdir()}`);
    console.log('run                      clients     ops   hooks/s   p50 ms   p99 ms');
    for (const r of [...runs, p1, p32]) {
      console.log(`${r.label.padEnd(24)} ${String(r.clients).padStart(7)} ${String(r.ops).padStart(7)} ${(r.ops / r.seconds).toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}`);
    }
    const ratio = (a: Run, b: Run) => (a.ops / a.seconds / (b.ops / b.seconds)).toFixed(2);
    console.log(`ratio API / bare synced put: 1 client ${ratio(a1, p1)}, 32 clients ${ratio(a32, p32)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
