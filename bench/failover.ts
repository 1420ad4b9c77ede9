// Failover of several controllers on etcd, on real Open vSwitch bridges (one
// OpenFlow 1.3, one OpenFlow 1.0, userspace datapath, every bridge listing
// the three controllers): three `spotlight serve` processes on one etcd
// member; the leader is killed with SIGKILL, and the time is taken from the
// kill to the new master's ROLE_REPLY and to the barrier after it, per
// bridge, from the survivors' log lines ("switch confirmed our role", whose
// barrierMs says how long before the line the switch replied). The killed
// instance is started again before the next kill. Beside it, in the same run,
// the same with SIGTERM (the leader revokes its lease as it stops), the peer
// a failover after a kill is measured against.
// After the failovers, hooks on the cluster against a fourth instance on
// LevelDB with bridges of its own (bench/cluster-hooks.ts), interleaved in
// rounds: vm-start throughput with several clients, and hook-to-realized
// latency (vm-start?wait), sent to the leader and to a follower.
//   flock /tmp/spotlight-integration.lock npx tsx bench/failover.ts [--kills 20] [--stops 5] [--cycles 100] [--burst 300]
// Needs root, Open vSwitch and /usr/bin/etcd.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClusterStatus } from '../src/api/deps.js';
import { etcdAvailable, freePort, startEtcd } from '../test/support/etcd.js';
import { addBridge, benchArg, haveCommand, ovsStarted, sh } from '../test/support/ovs.js';
import { hookRound, PORTS, prepareTarget, repeated, type HookFigures, type HookTarget } from './cluster-hooks.js';
import { until } from '../test/support/wait.js';

const KILLS = Number(benchArg('kills', '20'));
const STOPS = Number(benchArg('stops', '5'));
const CYCLES = Number(benchArg('cycles', '100'));
const BURST = Number(benchArg('burst', '300'));
const CLIENTS = 8;
/** The instances' logs (NAME.log, and warnings in NAME.err), kept after the run. */
const LOGS = mkdtempSync(join(tmpdir(), 'spotlight-failover-bench-logs-'));
const ROUNDS = 2;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = 'failover-bench-token';
const BRIDGES = [
  { name: 'spfo13', protocols: 'OpenFlow13', dpid: '00000000005f0013' },
  { name: 'spfo10', protocols: 'OpenFlow10', dpid: '00000000005f0010' },
];
/** The LevelDB instance's own bridges, alike. */
const SINGLE_BRIDGES = [
  { name: 'spfl13', protocols: 'OpenFlow13', dpid: '00000000005f1013' },
  { name: 'spfl10', protocols: 'OpenFlow10', dpid: '00000000005f1010' },
];

interface Confirmed {
  at: number;
  dpid: string;
  barrierMs: number;
}

class Instance {
  proc: ChildProcess | undefined;
  readonly confirmed: Confirmed[] = [];
  /** When this instance revoked a dead leader's lease (ms since the epoch). */
  readonly revoked: number[] = [];
  constructor(
    readonly name: string,
    readonly openflow: number,
    readonly api: number,
    /** `--store etcd://...` or `--data DIR`. */
    private readonly storeArgs: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.api}`;
  }

  start(): void {
    const stderr = openSync(join(LOGS, `${this.name}.err`), 'a');
    const proc = spawn(process.execPath, [join(ROOT, 'bin/spotlight.js'), 'serve', ...this.storeArgs, '--openflow', `127.0.0.1:${this.openflow}`, '--api', `127.0.0.1:${this.api}`], {
      env: { ...process.env, SPOTLIGHT_API_TOKEN: TOKEN, SPOTLIGHT_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', stderr],
    });
    closeSync(stderr);
    this.proc = proc;
    proc.stdout!.pipe(createWriteStream(join(LOGS, `${this.name}.log`), { flags: 'a' }));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let rec: { message?: string; role?: string; dpid?: string; barrierMs?: number; timestamp?: string };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        return;
      }
      if (rec.message === 'switch confirmed our role' && rec.role === 'master' && rec.dpid && rec.timestamp) {
        this.confirmed.push({ at: Date.parse(rec.timestamp), dpid: rec.dpid, barrierMs: rec.barrierMs ?? 0 });
      }
      if (rec.message === "revoked the dead leader's lease; the election follows" && rec.timestamp) this.revoked.push(Date.parse(rec.timestamp));
    });
  }

  stop(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      proc.once('exit', () => resolve());
      process.kill(proc.pid!, signal);
    });
  }

  async status(): Promise<ClusterStatus | undefined> {
    try {
      const r = await fetch(`${this.url}/v1/cluster`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(2000) });
      return r.ok ? ((await r.json()) as ClusterStatus) : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Every instance's current process up and alive in the cluster, one leader,
 * master of every bridge with the two others as slaves. By instance id: the
 * record of a process killed moments ago stays alive until its lease runs
 * out, and its successor has the same API address.
 */
async function settled(all: Instance[]): Promise<Instance> {
  return until('a settled cluster', async () => {
    const views = await Promise.all(all.map((i) => i.status()));
    if (views.some((v) => v === undefined)) return undefined;
    const ids = views.map((v) => v!.instance);
    const s = views[0]!;
    if (!s.leader || !ids.every((id) => s.instances.some((i) => i.id === id && i.alive))) return undefined;
    const ok = BRIDGES.every((b) => {
      const sw = s.switches.find((x) => x.dpid === b.dpid);
      return sw?.master === s.leader!.instance && ids.every((id) => sw.roles.some((r) => r.instance === id));
    });
    return ok ? all[ids.indexOf(s.leader.instance)] : undefined;
  }, { timeoutMs: 30_000 });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function failovers(all: Instance[], count: number, signal: NodeJS.Signals): Promise<{ reply: number[]; barrier: number[]; revoked: number }> {
  const reply: number[] = [];
  const barrier: number[] = [];
  let revoked = 0;
  for (let i = 0; i < count; i++) {
    const leader = await settled(all);
    // A quiet second: the survivors' keep-alives are mid-interval, as at any moment of a real failure.
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
    const survivors = all.filter((x) => x !== leader);
    for (const s of survivors) s.confirmed.length = 0;
    const t0 = Date.now();
    await leader.stop(signal);
    const seen = await until('a new master on every bridge', () => {
      const got = BRIDGES.map((b) => survivors.flatMap((s) => s.confirmed).find((c) => c.dpid === b.dpid && c.at >= t0));
      return got.every((g) => g !== undefined) ? (got as Confirmed[]) : undefined;
    }, { timeoutMs: 30_000 });
    for (const c of seen) {
      barrier.push(c.at - t0);
      reply.push(Math.round(c.at - c.barrierMs - t0));
    }
    if (survivors.some((s) => s.revoked.some((at) => at >= t0))) revoked++;
    leader.start();
    process.stdout.write(`  ${signal} ${i + 1}/${count}: ${seen.map((c) => `${c.dpid.slice(-4)} ${c.at - t0} ms`).join(', ')}\n`);
  }
  return { reply: reply.sort((a, b) => a - b), barrier: barrier.sort((a, b) => a - b), revoked };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || !haveCommand('ovs-vsctl') || !ovsStarted()) {
    console.log('skipped: needs root and a running Open vSwitch');
    return;
  }
  if (!etcdAvailable()) throw new Error('/usr/bin/etcd is missing: apt-get install etcd-server');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.js')], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');
  const etcd = await startEtcd(1);
  const all: Instance[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'spotlight-failover-bench-'));
  const single = new Instance('leveldb', await freePort(), await freePort(), ['--data', dataDir]);
  try {
    for (const n of ['a', 'b', 'c']) all.push(new Instance(n, await freePort(), await freePort(), ['--store', `${etcd.url}/failover-bench`]));
    for (const i of all) i.start();
    single.start();
    addBridges(BRIDGES, all);
    addBridges(SINGLE_BRIDGES, [single]);
    const started = new Date();
    console.log(`failover bench: ${KILLS} SIGKILL and ${STOPS} SIGTERM of the leader; 3 instances, 1 etcd member, lease TTL 3 s, bridges ${BRIDGES.map((b) => `${b.name} (${b.protocols})`).join(', ')}; the instances' logs in ${LOGS}`);
    const killed = await failovers(all, KILLS, 'SIGKILL');
    const stopped = await failovers(all, STOPS, 'SIGTERM');
    const row = (name: string, xs: number[]) => `${name.padEnd(36)} p50 ${String(pct(xs, 50)).padStart(5)} ms   p99 ${String(pct(xs, 99)).padStart(5)} ms   min ${xs[0]} max ${xs[xs.length - 1]} (n=${xs.length})`;
    console.log(`\n${started.toISOString()}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(row('SIGKILL -> ROLE_REPLY (new master)', killed.reply));
    console.log(row('SIGKILL -> barrier after it', killed.barrier));
    console.log(row('SIGTERM -> ROLE_REPLY (peer)', stopped.reply));
    console.log(row('SIGTERM -> barrier after it (peer)', stopped.barrier));
    console.log(`median kill - median stop (finding the leader dead): ${pct(killed.barrier, 50) - pct(stopped.barrier, 50)} ms`);
    console.log(`kills after which a survivor revoked the dead leader's lease: ${killed.revoked} of ${KILLS} (the others waited for the lease)`);
    // After the failovers, so that a hook round that fails still leaves their figures printed.
    printHooks(await hookRounds(all, single));
    console.log(`\nload ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    for (const b of [...BRIDGES, ...SINGLE_BRIDGES]) sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    for (const i of [...all, single]) await i.stop('SIGKILL');
    await etcd.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Each bridge (userspace, fail-secure, PORTS internal ports) listing the instances as its controllers. */
function addBridges(bridges: typeof BRIDGES, controllers: Instance[]): void {
  for (const b of bridges) addBridge({ ...b, internalPorts: PORTS, controllers: controllers.map((i) => `tcp:127.0.0.1:${i.openflow}`) });
}

interface HookRows {
  label: string;
  /** The hook target's label. */
  target: string;
  figures: HookFigures[];
}

/** The hook rounds, the three targets in turn within each round so the machine's load touches them alike. */
async function hookRounds(all: Instance[], single: Instance): Promise<HookRows[]> {
  const leader = await settled(all);
  const follower = all.find((i) => i !== leader)!;
  await until('the LevelDB instance\'s bridges', async () => (await single.status())?.switches.length === SINGLE_BRIDGES.length, { timeoutMs: 30_000 });
  const target = (label: string, i: Instance, bridges: typeof BRIDGES, net16: string): HookTarget => ({ label, url: i.url, token: TOKEN, dpids: bridges.map((b) => b.dpid), net16, tenant: 'bench' });
  const rows: [HookRows, HookTarget][] = [
    [{ label: 'LevelDB, one instance', target: 'leveldb', figures: [] }, target('leveldb', single, SINGLE_BRIDGES, '10.71')],
    [{ label: 'etcd, to the leader', target: 'etcd-leader', figures: [] }, target('etcd-leader', leader, BRIDGES, '10.72')],
    [{ label: 'etcd, to a follower', target: 'etcd-follower', figures: [] }, target('etcd-follower', follower, BRIDGES, '10.73')],
  ];
  for (const [, t] of rows) await prepareTarget(t);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [r, t] of rows) {
      r.figures.push(await hookRound(t, round, { cycles: CYCLES, burst: BURST, clients: CLIENTS }));
      process.stdout.write(`  hooks round ${round + 1}/${ROUNDS}: ${r.label} done\n`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  return rows.map(([r]) => r);
}

function printHooks(rows: HookRows[]): void {
  console.log(`\nhooks, ${ROUNDS} rounds interleaved; per round and target ${CYCLES} vm-start?wait one at a time, ${BURST} vm-starts (durable 200, no ?wait) by ${CLIENTS} clients:`);
  const figures = rows.map((r) => {
    const realized = r.figures.flatMap((f) => f.realized).sort((a, b) => a - b);
    const hooks = r.figures.reduce((a, f) => a + f.burst.hooks, 0);
    const seconds = r.figures.reduce((a, f) => a + f.burst.seconds, 0);
    return { label: r.label, p50: pct(realized, 50), p99: pct(realized, 99), rate: hooks / seconds, repeated: repeated.get(r.target) ?? 0 };
  });
  for (const f of figures) console.log(`${f.label.padEnd(24)} vm-start ${f.rate.toFixed(0).padStart(5)}/s   vm-start?wait p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   sent again after 503 store_unavailable: ${f.repeated}`);
  const [level, ...others] = figures as [(typeof figures)[number], ...typeof figures];
  for (const f of others) console.log(`${f.label} against LevelDB: hook-to-realized p50 x${(f.p50 / level.p50).toFixed(2)}, p99 x${(f.p99 / level.p99).toFixed(2)}; throughput x${(f.rate / level.rate).toFixed(2)}`);
}

await main();
