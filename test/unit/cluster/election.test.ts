// Leader election on a real etcd member: one leader at a time, a generation
// id that only grows, a takeover when the leader goes, and a leader whose
// lease was not confirmed in time counts itself a follower.
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { Election } from '../../../src/cluster/election.js';
import { connectEtcd } from '../../../src/store/index.js';
import { startEtcd, type EtcdCluster } from '../../support/etcd.js';
import { captureLogger, silentLogger } from '../../support/logs.js';
import { sleep, until } from '../../support/wait.js';

const POLL = { timeoutMs: 15_000, stepMs: 20 };

describe('cluster: leader election on etcd', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  const clients: Etcd3[] = [];
  const elections: Election[] = [];
  before(async () => {
    etcd = await startEtcd(1);
  });
  afterEach(async () => {
    for (const e of elections.splice(0)) await e.stop();
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => etcd?.close());

  const elect = (id: string, prefix: string, now?: () => number, logger = silentLogger(), on = etcd) => {
    const client = connectEtcd({ endpoints: on.endpoints.split(','), prefix });
    clients.push(client);
    const e = new Election({ client, prefix, instanceId: id, advertise: { api: `http://${id}` }, logger, ...(now ? { now } : {}) });
    elections.push(e);
    return e;
  };

  it('elects one leader among three; when it stops another takes over with a larger generation id', async () => {
    const es = ['a', 'b', 'c'].map((id) => elect(id, '/election-1/'));
    await Promise.all(es.map((e) => e.start()));
    await until('one leader known to all three', () => es.filter((e) => e.isLeader()).length === 1 && es.every((e) => e.leader !== undefined), POLL);
    const first = es.find((e) => e.isLeader())!;
    const gen1 = first.generationId!;
    for (const e of es) expect(e.leader?.instanceId).to.equal(first.leader!.instanceId);
    const t0 = Date.now();
    await first.stop();
    const rest = es.filter((e) => e !== first);
    await until('one leader among the other two', () => rest.filter((e) => e.isLeader()).length === 1, POLL);
    const second = rest.find((e) => e.isLeader())!;
    expect(second.generationId! > gen1).to.equal(true);
    // A stopping leader revokes its lease: no wait for the TTL.
    expect(Date.now() - t0).to.be.below(2000);
    await until('both to know the new leader', () => rest.every((e) => e.leader?.instanceId === second.leader!.instanceId), POLL);
  });

  it('a leader whose lease is not confirmed in time (a paused process) is no longer leader, and the next leader has a newer id', async () => {
    let offset = 0;
    const a = elect('a', '/election-2/', () => performance.now() + offset);
    await a.start();
    await until('a to lead', () => a.isLeader(), POLL);
    const gen = a.generationId!;
    offset = 10_000;
    expect(a.isLeader()).to.equal(false);
    expect(a.generationId).to.equal(undefined);
    const b = elect('b', '/election-2/');
    await b.start();
    // Once etcd lets the old lease go, one of the two leads (the resumed one may win again), with a newer id.
    await until('one of the two to lead', () => [a, b].filter((e) => e.isLeader()).length === 1, { ...POLL, timeoutMs: 10_000 });
    const next = [a, b].find((e) => e.isLeader())!;
    expect(next.generationId! > gen).to.equal(true);
    expect(a.stepDowns).to.be.at.least(1);
  });

  it('after its one etcd member was down 12 s and restarted, a new leader within 2 s of the member answering again', async () => {
    // A member of its own: this test stops it. The client's default watch backoff had grown to many seconds by then,
    // and the old leader key lived a lease TTL past the restart (etcd gives every lease a full TTL as it comes back).
    const own = await startEtcd(1);
    try {
      const es = ['a', 'b', 'c'].map((id) => elect(id, '/election-4/', undefined, silentLogger(), own));
      await Promise.all(es.map((e) => e.start()));
      await until('one leader', () => es.filter((e) => e.isLeader()).length === 1, POLL);
      const before = es.find((e) => e.isLeader())!.generationId!;
      await own.stop(0);
      await until('the leader to step down', () => es.every((e) => !e.isLeader()), { ...POLL, timeoutMs: 10_000 });
      await sleep(12_000);
      await own.restart(0);
      const back = Date.now();
      await until('a new leader', () => es.some((e) => e.isLeader() && e.generationId! > before), { ...POLL, timeoutMs: 60_000 });
      expect(Date.now() - back, 'ms from the member answering to a new leader').to.be.below(2000);
    } finally {
      await own.close();
    }
  });

  it('with etcd gone, a follower retries its campaign about every half second, however many times it was asked to; it leads again once etcd is back', async () => {
    // A member of its own: this test stops it.
    const own = await startEtcd(1);
    try {
      const { logger, records } = captureLogger();
      const a = elect('a', '/election-3/', undefined, logger, own);
      await a.start();
      await until('a to lead', () => a.isLeader(), POLL);
      await own.stop(0);
      await until('a to step down', () => !a.isLeader(), { ...POLL, timeoutMs: 10_000 });
      // The lost lease, the lease check and the watch's reconnections each ask for a campaign while earlier ones fail.
      const failed = () => records.filter((r) => r.message === 'campaign failed; retrying').length;
      const from = failed();
      await sleep(4000);
      // One retry chain: about 8 failures in 4 s (a few more for campaigns already under way).
      expect(failed() - from, 'failed campaigns in 4 s').to.be.at.most(12);
      await own.restart(0);
      await until('a to lead again', () => a.isLeader(), { ...POLL, timeoutMs: 20_000 });
    } finally {
      await own.close();
    }
  });
});
