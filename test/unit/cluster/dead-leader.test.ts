// A follower's watch on the leader's process: only refused connections, at an
// address that answered as the leader before, make it revoke the leader's
// lease. Timeouts, silent connections (a paused process), an address that
// never answered as the leader, and a leader that answers are never revoked.
// First with scripted probe outcomes, then with real sockets against a child
// process that holds a liveness listener and is paused, resumed and killed.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeadLeaderWatch } from '../../../src/cluster/dead-leader.js';
import type { Leadership } from '../../../src/cluster/election.js';
import { LivenessListener, probeLiveness, type LivenessAddress, type ProbeOutcome } from '../../../src/cluster/liveness.js';
import { freePort } from '../../support/etcd.js';
import { silentLogger } from '../../support/logs.js';
import { sleep, until } from '../../support/wait.js';

const POLL = { timeoutMs: 5000, stepMs: 5 };

const leadership = (gen: bigint, lease: string, instanceId = 'leader', port = 7000): Leadership => ({
  generationId: gen,
  instanceId,
  lease,
  advertise: { api: 'http://127.0.0.1:1', liveness: { host: '127.0.0.1', port } },
});

/** An election seen from a follower, and a watch whose probes return what the test scripts. */
function scripted(outcomes: (n: number, to: LivenessAddress, id: string) => ProbeOutcome) {
  const election = { leader: leadership(5n, '111') as Leadership | undefined, leading: false, isLeader() { return this.leading; } };
  const revoked: string[] = [];
  let probes = 0;
  let revokeResult: () => Promise<'revoked' | 'gone'> = async () => 'revoked';
  const watch = new DeadLeaderWatch({
    election,
    instanceId: 'follower',
    probe: async (to, id) => outcomes(probes++, to, id),
    revoke: async (id) => {
      revoked.push(id);
      return revokeResult();
    },
    logger: silentLogger(),
    intervalMs: 2,
    confirmAfterMs: 1,
  });
  return {
    election, watch, revoked,
    probes: () => probes,
    setRevoke: (f: () => Promise<'revoked' | 'gone'>) => { revokeResult = f; },
  };
}

describe('cluster: a follower watching the leader\'s process', () => {
  const watches: DeadLeaderWatch[] = [];
  afterEach(async () => {
    for (const w of watches.splice(0)) await w.stop();
  });
  const run = <T extends { watch: DeadLeaderWatch }>(s: T): T => {
    watches.push(s.watch);
    s.watch.start();
    return s;
  };

  describe('with scripted probe outcomes', () => {
    it('revokes the leader\'s lease once, after two refusals at an address that answered as the leader', async () => {
      const s = run(scripted((n) => (n < 3 ? 'answered' : 'refused')));
      await until('the lease revoked', () => s.revoked.length > 0, POLL);
      await sleep(30);
      expect(s.revoked).to.deep.equal(['111']);
      expect(s.watch.revocations).to.equal(1);
      expect(s.watch.probes.answered).to.equal(3);
      expect(s.watch.probes.refused).to.equal(2);
    });

    it('never revokes on timeouts or silent connections (a paused or unreachable leader)', async () => {
      const s = run(scripted((n) => (n === 0 ? 'answered' : n % 2 ? 'silent' : 'unreachable')));
      await until('200 probes', () => s.probes() > 200, POLL);
      expect(s.revoked).to.deep.equal([]);
      expect(s.watch.probes.silent + s.watch.probes.unreachable).to.be.above(190);
    });

    it('never revokes a leader that answers', async () => {
      const s = run(scripted(() => 'answered'));
      await until('200 probes', () => s.probes() > 200, POLL);
      expect(s.revoked).to.deep.equal([]);
      expect(s.watch.probes.answered).to.be.above(200);
    });

    it('never revokes on refusals from an address that never answered as the leader (it may lead elsewhere)', async () => {
      const s = run(scripted((n) => (n % 3 === 0 ? 'other' : 'refused')));
      await until('200 probes', () => s.probes() > 200, POLL);
      expect(s.revoked).to.deep.equal([]);
      expect(s.watch.probes.refused).to.be.above(100);
    });

    it('takes one refusal between answers for nothing', async () => {
      const s = run(scripted((n) => (n % 2 ? 'refused' : 'answered')));
      await until('200 probes', () => s.probes() > 200, POLL);
      expect(s.revoked).to.deep.equal([]);
    });

    it('probes the address the leader advertises, for the leader\'s instance id', async () => {
      const seen: string[] = [];
      const s = run(scripted((_n, to, id) => {
        seen.push(`${to.host}:${to.port} ${id}`);
        return 'answered';
      }));
      await until('3 probes', () => s.probes() > 3, POLL);
      expect(new Set(seen)).to.deep.equal(new Set(['127.0.0.1:7000 leader']));
    });

    it('does not carry a confirmation or a refusal over to a new leadership, and revokes only the lease that refused', async () => {
      let phase: 'old' | 'new' = 'old';
      const s = run(scripted(() => (phase === 'old' ? 'answered' : 'refused')));
      await until('3 probes answered', () => s.watch.probes.answered > 3, POLL);
      // A new leader (another generation, another lease) whose address refuses from the start: never confirmed.
      s.election.leader = leadership(9n, '222', 'other-leader', 7001);
      phase = 'new';
      await until('100 probes refused', () => s.watch.probes.refused > 100, POLL);
      expect(s.revoked).to.deep.equal([]);
    });

    it('probes nothing while this instance leads, or while nobody leads', async () => {
      const s = scripted(() => 'refused');
      s.election.leading = true;
      run(s);
      await sleep(50);
      s.election.leading = false;
      s.election.leader = undefined;
      await sleep(50);
      expect(s.probes()).to.equal(0);
      expect(s.revoked).to.deep.equal([]);
    });

    it('tries again when etcd could not be reached, and counts a lease already gone as no revocation', async () => {
      const s = scripted((n) => (n === 0 ? 'answered' : 'refused'));
      let calls = 0;
      s.setRevoke(async () => {
        calls++;
        if (calls === 1) throw new Error('etcd unreachable');
        return 'gone';
      });
      run(s);
      await until('a second call', () => calls === 2, POLL);
      await sleep(30);
      expect(calls).to.equal(2);
      expect(s.revoked).to.deep.equal(['111', '111']);
      expect(s.watch.revocations).to.equal(0);
    });
  });

  describe('on real sockets', function () {
    this.timeout(30_000);
    let child: ChildProcess | undefined;
    afterEach(() => {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
      child = undefined;
    });

    /** A child process with a liveness listener for instance `id`; resolves with its port. */
    async function holder(id: string): Promise<number> {
      const script = fileURLToPath(new URL('../../support/liveness-child.ts', import.meta.url));
      child = spawn(process.execPath, ['--import', 'tsx', script, id], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! });
      for await (const line of lines) {
        const m = /^PORT (\d+)$/.exec(line);
        if (m) return Number(m[1]);
      }
      throw new Error('the liveness child exited before listening');
    }

    it('a probe finds the instance it asks for, another program, or a refusal where nothing listens', async () => {
      const listener = new LivenessListener('abc');
      const at = await listener.listen('127.0.0.1');
      try {
        expect(await probeLiveness(at, 'abc', 1000)).to.equal('answered');
        expect(await probeLiveness(at, 'abd', 1000)).to.equal('other');
      } finally {
        await listener.close();
      }
      expect(await probeLiveness(at, 'abc', 1000)).to.equal('refused');
      expect(await probeLiveness({ host: '127.0.0.1', port: await freePort() }, 'abc', 1000)).to.equal('refused');
    });

    it('a paused leader is silent and keeps its lease; once killed it is refused and its lease revoked', async () => {
      const port = await holder('leader');
      const to = { host: '127.0.0.1', port };
      expect(await probeLiveness(to, 'leader', 2000)).to.equal('answered');
      const election = { leader: leadership(5n, '333', 'leader', port), isLeader: () => false };
      const revoked: string[] = [];
      const watch = new DeadLeaderWatch({ election, instanceId: 'follower', probe: (a, id) => probeLiveness(a, id, 300), revoke: async (id) => (revoked.push(id), 'revoked'), logger: silentLogger(), intervalMs: 20 });
      watches.push(watch);
      watch.start();
      await until('a probe answered', () => watch.probes.answered > 0, POLL);
      process.kill(child!.pid!, 'SIGSTOP');
      // The kernel still completes the handshake for the paused process: connected, but no line.
      expect(await probeLiveness(to, 'leader', 300)).to.equal('silent');
      await sleep(1500);
      expect(watch.probes.silent).to.be.above(2);
      expect(watch.probes.refused).to.equal(0);
      expect(revoked).to.deep.equal([]);
      process.kill(child!.pid!, 'SIGCONT');
      const answered = watch.probes.answered;
      await until('another probe answered', () => watch.probes.answered > answered, POLL);
      expect(revoked).to.deep.equal([]);
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child!.pid!, 'SIGKILL');
      await exited;
      await until('the lease revoked', () => revoked.length > 0, { ...POLL, timeoutMs: 2000 });
      expect(revoked).to.deep.equal(['333']);
      expect(watch.probes.refused).to.be.at.least(2);
    });
  });
});
