// Hooks per second and latency to a durable 200 for vm-start, with 1 and 32
// concurrent clients, up to 10,000 VMs in 1,000 networks, over real HTTP on
// loopback. Beside it, measured in the same run on the same disk: bare
// LevelDB puts with sync (the disk's own limit), reported as a ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Level } from 'level';
import { startApi } from '../src/api/server.js';
import { putNetwork, vmStart } from '../src/model/index.js';
import { openStore } from '../src/store/index.js';
import { silentLogger } from '../test/support/logs.js';

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

/** Accumulates time and latencies over several chunks of one kind of operation. */
class Meter {
  private readonly lat: number[] = [];
  private ms = 0;
  private ops = 0;
  constructor(
    private readonly label: string,
    private readonly clients: number,
  ) {}

  /** Runs ops [from, to) with `clients` concurrent callers. */
  async chunk(from: number, to: number, one: (i: number) => Promise<void>): Promise<void> {
    let next = from;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: this.clients }, async () => {
        for (let i = next++; i < to; i = next++) {
          const s = performance.now();
          await one(i);
          this.lat.push(performance.now() - s);
        }
      }),
    );
    this.ms += performance.now() - t0;
    this.ops += to - from;
  }

  result(): Run {
    this.lat.sort((a, b) => a - b);
    return { label: this.label, clients: this.clients, ops: this.ops, seconds: this.ms / 1000, p50: pct(this.lat, 50), p99: pct(this.lat, 99) };
  }
}

/**
 * Runs every kind over the same range in alternating chunks, so that all see
 * the same moments of a shared, noisy machine.
 */
async function interleaved(clients: number, from: number, to: number, chunk: number, kinds: [string, (i: number) => Promise<void>][]): Promise<Run[]> {
  const meters = kinds.map(([label]) => new Meter(label, clients));
  for (let at = from; at < to; at += chunk) {
    const end = Math.min(to, at + chunk);
    for (const [k, [, fn]] of kinds.entries()) await meters[k]!.chunk(at, end, fn);
  }
  return meters.map((m) => m.result());
}

function networkBody(n: number) {
  return { tenant: `t${n % 100}`, kind: 'private', cidrs: [`10.${n >> 8}.${n & 255}.0/24`] };
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

// node:http with keep-alive: a lean client, so that the figures are the server's.
const agent = new http.Agent({ keepAlive: true });

function post(base: string, path: string, body: unknown, method = 'POST'): Promise<void> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-bench-'));
  try {
    const logger = silentLogger();
    const store = await openStore(join(dir, 'store'), { logger });
    // One client sends every hook: the per-client rate limit would measure itself, not the API.
    const api = await startApi({ host: '127.0.0.1', port: 0, store, logger, rateLimit: false });
    const base = api.address;
    for (let n = 0; n < NETWORKS; n++) {
      await post(base, `/v1/networks/net${n}`, networkBody(n), 'PUT');
    }
    // The peer: one synced LevelDB put per operation, same disk, same value size.
    const peer = new Level<string, string>(join(dir, 'peer'), { valueEncoding: 'utf8' });
    await peer.open();
    const value = JSON.stringify(vmBody(0));
    const sync = { sync: true } as Parameters<typeof peer.put>[2];
    // The same writes without HTTP: what the model and the store cost alone.
    const direct = await openStore(join(dir, 'direct'), { logger });
    for (let n = 0; n < NETWORKS; n++) await direct.apply((s) => putNetwork(s, `net${n}`, networkBody(n)));
    const kinds: [string, (i: number) => Promise<void>][] = [
      ['bare level put sync', (i) => peer.put(`v/${i}`, value, sync)],
      ['vm-start via API', (i) => post(base, '/v1/hooks/vm-start', vmBody(i))],
      ['vm-start, store only', async (i) => {
        const r = await direct.apply((s) => vmStart(s, vmBody(i)));
        if (!r.ok) throw new Error(r.error.message);
      }],
    ];
    const one = await interleaved(1, 0, SINGLE, 100, kinds);
    const many = await interleaved(32, SINGLE, VMS, 800, kinds);
    await peer.close();
    for (const st of [store, direct]) if (st.snapshot().vms.size !== VMS) throw new Error(`expected ${VMS} VMs, a store has ${st.snapshot().vms.size}`);
    await api.close();
    await store.close();
    await direct.close();

    console.log(`hooks benchmark: ${VMS} VMs in ${NETWORKS} networks; node ${process.version}, ${cpus().length} cpus, data under ${tmpdir()}`);
    console.log('run                      clients     ops   hooks/s   p50 ms   p99 ms');
    for (const r of [...one, ...many]) {
      console.log(`${r.label.padEnd(24)} ${String(r.clients).padStart(7)} ${String(r.ops).padStart(7)} ${(r.ops / r.seconds).toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)}`);
    }
    const ratio = (a: Run, b: Run) => (a.ops / a.seconds / (b.ops / b.seconds)).toFixed(2);
    console.log(`hooks/s ratio to bare synced puts: API ${ratio(one[1]!, one[0]!)} (1 client), ${ratio(many[1]!, many[0]!)} (32 clients); store only ${ratio(one[2]!, one[0]!)} (1 client), ${ratio(many[2]!, many[0]!)} (32 clients)`);
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
