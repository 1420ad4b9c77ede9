// Three `spotlight serve` processes on one real etcd member (Debian's etcd on
// loopback, stopped by pid), election lease TTL 3 s. When the leader is
// killed (SIGKILL), a follower finds its liveness port refused, revokes its
// lease, and a survivor leads well before the lease would have run out.
// When the leader is paused (SIGSTOP) instead, nothing is revoked: the lease
// runs out as before, and the leader steps down once resumed.
// No Open vSwitch here (roles on real switches: cluster-failover.test.ts).
//   npx mocha --config .mocharc.json --timeout 300000 test/integration/cluster-dead-leader.test.ts
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClusterStatus } from '../../src/api/deps.js';
import { etcdAvailable, startEtcd, type EtcdCluster } from '../support/etcd.js';
import { until } from '../support/wait.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** Asked every 20 ms: the test times a takeover that must come within 1.5 s. */
const POLL = { stepMs: 20 };

interface LogLine {
  message?: string;
  timestamp?: string;
  [k: string]: unknown;
}

class Instance {
  readonly lines: LogLine[] = [];
  api = '';
  id = '';
  private constructor(readonly proc: ChildProcess) {}

  static async start(store: string): Promise<Instance> {
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--store', store, '--openflow', '127.0.0.1:0', '--api', '127.0.0.1:0'], {
      env: { ...process.env, SPOTLIGHT_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inst = new Instance(proc);
    // Warnings go to stderr, the rest to stdout.
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        try {
          inst.lines.push(JSON.parse(line) as LogLine);
        } catch {
          /* not a log line */
        }
      });
    }
    const started = await until('an instance to start', () => inst.lines.find((l) => l.message === 'controller started'), { ...POLL, timeoutMs: 60_000 });
    inst.api = String(started.api);
    inst.id = (await inst.status())!.instance;
    return inst;
  }

  async status(): Promise<ClusterStatus | undefined> {
    try {
      const r = await fetch(`${this.api}/v1/cluster`, { signal: AbortSignal.timeout(1000) });
      return r.ok ? ((await r.json()) as ClusterStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.api}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  }

  logged(message: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter((l) => l.message === message && Object.entries(fields).every(([k, v]) => l[k] === v));
  }

  signal(s: NodeJS.Signals): void {
    process.kill(this.proc.pid!, s);
  }

  kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGKILL');
    });
  }
}

describe('integration: a dead leader replaced before its lease runs out (real etcd, three processes)', function () {
  this.timeout(180_000);
  let etcd: EtcdCluster | undefined;
  const all: Instance[] = [];

  before(async function () {
    if (!etcdAvailable()) return this.skip();
    etcd = await startEtcd(1);
    for (let i = 0; i < 3; i++) all.push(await Instance.start(`${etcd.url}/dead-leader-test`));
  });

  after(async () => {
    for (const i of all) await i.kill();
    await etcd?.close();
  });

  /** The leader once the three (or the live ones) agree, and every follower watches it. */
  async function settled(live: Instance[]): Promise<{ leader: Instance; followers: Instance[] }> {
    return until('one leader that every follower watches', async () => {
      const seen = await Promise.all(live.map((i) => i.status()));
      const id = seen[0]?.leader?.instance;
      if (!id || seen.some((s) => s?.leader?.instance !== id)) return undefined;
      const leader = live.find((i) => i.id === id);
      const followers = live.filter((i) => i.id !== id);
      if (!leader || !followers.every((f) => f.logged('watching the leader: its liveness address answers', { leader: id }).length > 0)) return undefined;
      return { leader, followers };
    }, { ...POLL, timeoutMs: 30_000 });
  }

  it('SIGKILL of the leader: a follower revokes its lease and a survivor leads within 1.5 s (the lease alone takes 2 to 3 s)', async () => {
    const { leader, followers } = await settled(all);
    const generation = BigInt((await leader.status())!.leader!.generationId!);
    const t0 = Date.now();
    await leader.kill();
    all.splice(all.indexOf(leader), 1);
    const next = await until('a survivor to lead', async () => {
      for (const f of followers) {
        const l = (await f.status())?.leader;
        if (l && l.instance !== leader.id && followers.some((x) => x.id === l.instance)) return l;
      }
      return undefined;
    }, { ...POLL, timeoutMs: 10_000 });
    const took = Date.now() - t0;
    expect(took, `a new leader ${took} ms after the kill`).to.be.below(1500);
    expect(BigInt(next.generationId!) > generation).to.equal(true);
    // One follower revoked the dead leader's lease, said so, and counted it; the other found it gone or saw the new leader first.
    const revokers = followers.filter((f) => f.logged("revoked the dead leader's lease; the election follows", { leader: leader.id }).length > 0);
    expect(revokers).to.have.length(1);
    const counts = await Promise.all(followers.map((f) => f.metric('spotlight_cluster_dead_leader_revocations_total')));
    expect(counts.reduce((a, b) => a + b, 0)).to.equal(1);
    const line = revokers[0]!.logged('the leader is gone: its liveness address refused twice; revoking its lease', { leader: leader.id })[0]!;
    expect(line.lease).to.be.a('string').and.not.equal('0');
  });

  it('SIGSTOP of the leader: nothing is revoked, its lease runs out, and once resumed it steps down', async () => {
    const { leader, followers } = await settled(all);
    const follower = followers[0]!;
    const before = await follower.metric('spotlight_cluster_dead_leader_revocations_total');
    const t0 = Date.now();
    leader.signal('SIGSTOP');
    try {
      const next = await until('the follower to lead once the lease ran out', async () => {
        const l = (await follower.status())?.leader;
        return l && l.instance === follower.id ? l : undefined;
      }, { ...POLL, timeoutMs: 15_000 });
      const took = Date.now() - t0;
      // Not before the lease could have run out (TTL 3 s less the keep-alive interval, less a late timer on a loaded machine).
      expect(took, `the follower led ${took} ms after the pause`).to.be.above(1500);
      expect(next.instance).to.equal(follower.id);
    } finally {
      leader.signal('SIGCONT');
    }
    expect(await follower.metric('spotlight_cluster_dead_leader_revocations_total')).to.equal(before);
    // This follower may have revoked the lease of the leader killed in the test before: only this leader's counts.
    expect(follower.logged('the leader is gone: its liveness address refused twice; revoking its lease', { leader: leader.id })).to.have.length(0);
    const metrics = await (await fetch(`${follower.api}/metrics`)).text();
    expect(Number(/^spotlight_cluster_leader_probes_total\{outcome="silent"\} (\S+)$/m.exec(metrics)?.[1])).to.be.above(0);
    await until('the resumed leader to step down', () => leader.logged('stepped down').length > 0, { ...POLL, timeoutMs: 10_000 });
    const after = await settled(all);
    expect(after.leader.id).to.equal(follower.id);
  });
});
