// Real etcd members for tests: Debian's /usr/bin/etcd on loopback, random
// free ports, data in a temp folder of the test's own, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BINARY = '/usr/bin/etcd';

export function etcdAvailable(): boolean {
  return existsSync(ETCD_BINARY);
}

/** A port nobody listens on now (the kernel's pick; a tiny race with other starters is accepted). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  name: string;
  clientPort: number;
  peerPort: number;
  /** host:port for the client API. */
  endpoint: string;
  dataDir: string;
  proc: ChildProcess | undefined;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** Comma-separated host:port of every member, as `--store etcd://...` takes them. */
  endpoints: string;
  url: string;
  /** Stops a member (SIGKILL by default); its data stays for a restart. */
  stop(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Pauses (SIGSTOP) or resumes (SIGCONT) a member. */
  signal(i: number, signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** Starts a stopped member again on the same ports and data. */
  restart(i: number): Promise<void>;
  /** Stops every member and removes the temp folder. */
  close(): Promise<void>;
}

function startMember(m: EtcdMember, initialCluster: string, state: 'new' | 'existing', log: string[]): ChildProcess {
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const proc = spawn(
    ETCD_BINARY,
    [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', url(m.clientPort),
      '--advertise-client-urls', url(m.clientPort),
      '--listen-peer-urls', url(m.peerPort),
      '--initial-advertise-peer-urls', url(m.peerPort),
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', state,
      '--initial-cluster-token', `spotlight-test-${process.pid}`,
      // Quick elections on loopback; defaults are 100 / 1000 ms.
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
      // Spotlight's client pings every second (see the README, "Several controllers").
      '--grpc-keepalive-min-time', '1s',
      '--log-level', 'warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr!.on('data', (d) => {
    log.push(String(d));
    if (log.length > 200) log.shift();
  });
  return proc;
}

async function waitHealthy(m: EtcdMember, timeoutMs: number, log: string[]): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://${m.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not up yet
    }
    if (m.proc?.exitCode !== null && m.proc?.exitCode !== undefined) throw new Error(`etcd ${m.name} exited ${m.proc.exitCode}: ${log.join('').slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`etcd ${m.name} not healthy after ${timeoutMs} ms: ${log.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopProc(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    try {
      // A paused member must be resumed to take any signal but SIGKILL.
      if (signal !== 'SIGKILL') process.kill(proc.pid!, 'SIGCONT');
      process.kill(proc.pid!, signal);
    } catch {
      resolve();
    }
  });
}

/** Starts `size` members forming one cluster; resolves once each answers /health. */
export async function startEtcd(size = 1, opts: { timeoutMs?: number } = {}): Promise<EtcdCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'spotlight-etcd-'));
  const members: EtcdMember[] = [];
  for (let i = 0; i < size; i++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    members.push({ name: `m${i + 1}`, clientPort, peerPort, endpoint: `127.0.0.1:${clientPort}`, dataDir: join(dir, `m${i + 1}`), proc: undefined });
  }
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const logs = members.map(() => [] as string[]);
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint).join(','),
    url: `etcd://${members.map((m) => m.endpoint).join(',')}`,
    async stop(i, signal = 'SIGKILL') {
      await stopProc(members[i]!.proc, signal);
    },
    signal(i, signal) {
      const p = members[i]!.proc;
      if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) process.kill(p.pid, signal);
    },
    async restart(i) {
      const m = members[i]!;
      await stopProc(m.proc, 'SIGKILL');
      m.proc = startMember(m, initialCluster, 'existing', logs[i]!);
      await waitHealthy(m, opts.timeoutMs ?? 20_000, logs[i]!);
    },
    async close() {
      await Promise.all(members.map((m) => stopProc(m.proc, 'SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const [i, m] of members.entries()) {
      m.proc = startMember(m, initialCluster, 'new', logs[i]!);
    }
    await Promise.all(members.map((m, i) => waitHealthy(m, opts.timeoutMs ?? 20_000, logs[i]!)));
  } catch (e) {
    await cluster.close();
    throw e;
  }
  return cluster;
}
