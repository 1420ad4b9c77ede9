// What an operator sees of a cluster, against real etcd members (Debian's
// etcd on loopback ports, stopped by pid): the members' health as members
// die, instances joining and leaving (stopped, or gone silent until their
// lease ran out), GET /v1/cluster and the election metrics of two
// controllers, and the realization relay forgetting a switch that left.
// No Open vSwitch here; roles on real switches are checked in
// cluster-failover.test.ts. Run by hand inside the shared lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/cluster-ops.test.ts
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStatus } from '../../src/api/deps.js';
import { Election } from '../../src/cluster/election.js';
import { Membership } from '../../src/cluster/membership.js';
import { RealizationRelay, SWITCHES_PREFIX } from '../../src/cluster/realization-relay.js';
import { Controller } from '../../src/controller.js';
import { RealizationTracker } from '../../src/reconcile/realization.js';
import { connectEtcd, etcdHealth, type EtcdHealth, type EtcdSettings } from '../../src/store/index.js';
import { etcdAvailable, startEtcd, type EtcdCluster } from '../support/etcd.js';
import { until } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

describe('integration: cluster operations on real etcd members', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  const clients: Etcd3[] = [];
  const settings = (prefix: string): EtcdSettings => ({ endpoints: etcd.endpoints.split(','), prefix });
  const client = (prefix: string): Etcd3 => {
    const c = connectEtcd(settings(prefix));
    clients.push(c);
    return c;
  };

  before(async function () {
    if (!etcdAvailable()) return this.skip();
    etcd = await startEtcd(3);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => etcd?.close());

  describe('membership', () => {
    const ms: Membership[] = [];
    afterEach(async () => {
      for (const m of ms.splice(0)) await m.stop();
    });
    const member = (id: string, c: Etcd3, roles: Map<string, { role: 'master' | 'slave'; generationId: bigint }> = new Map()) => {
      const m = new Membership({ client: c, prefix: '/ops-members/', instanceId: id, logger: silentLogger(), roles: () => roles, ttlSeconds: 2 });
      ms.push(m);
      return m;
    };

    it('lists every instance with its addresses and roles; one that stops, or goes silent past its lease, is listed as not alive', async () => {
      const rolesB = new Map<string, { role: 'master' | 'slave'; generationId: bigint }>([['0000000000000001', { role: 'master', generationId: 7n }]]);
      const a = member('a', client('/ops-members/'));
      const b = member('b', client('/ops-members/'), rolesB);
      await a.start({ api: 'http://127.0.0.1:1', openflow: '127.0.0.1:11' });
      await b.start({ api: 'http://127.0.0.1:2', openflow: '127.0.0.1:12' });
      // An instance that goes silent (paused, or its machine lost): what etcd holds of it is a key on a lease nobody keeps alive.
      const ns = client('/ops-members/').namespace('/ops-members/');
      const silent = ns.lease(2, { autoKeepAlive: false });
      await silent.put('cluster/instances/c').value(JSON.stringify({ api: 'http://127.0.0.1:3', openflow: '127.0.0.1:13', roles: {} }));
      const silentAt = Date.now();
      silent.release();
      await until('a to see three instances', () => a.instances().filter((i) => i.alive).length === 3);
      expect(a.instances()).to.deep.equal([
        { id: 'a', alive: true, api: 'http://127.0.0.1:1', openflow: '127.0.0.1:11', roles: {} },
        { id: 'b', alive: true, api: 'http://127.0.0.1:2', openflow: '127.0.0.1:12', roles: { '0000000000000001': ['master', '7'] } },
        { id: 'c', alive: true, api: 'http://127.0.0.1:3', openflow: '127.0.0.1:13', roles: {} },
      ]);
      // A role change is written again.
      rolesB.set('0000000000000001', { role: 'slave', generationId: 9n });
      b.changed();
      await until("b's new role", () => a.instances().find((i) => i.id === 'b')?.roles['0000000000000001']?.[0] === 'slave');

      // c is gone once its 2 s lease runs out.
      await until('c to be gone', () => a.instances().find((i) => i.id === 'c')?.alive === false);
      expect(Date.now() - silentAt).to.be.within(1500, 8000);
      // b stops: it revokes its lease, the others see it leave at once.
      const stoppedAt = Date.now();
      await b.stop();
      ms.splice(ms.indexOf(b), 1);
      await until('b to be gone', () => a.instances().find((i) => i.id === 'b')?.alive === false);
      expect(Date.now() - stoppedAt).to.be.below(1500);
      const listed = a.instances();
      expect(listed.map((i) => [i.id, i.alive])).to.deep.equal([['a', true], ['b', false], ['c', false]]);
      expect(listed[1]!.roles, "a gone instance's roles are not shown").to.deep.equal({});
      expect(listed[1]!.leftAt).to.be.a('number');
    });

    it('a record in etcd that Spotlight did not write is ignored', async () => {
      const a = new Membership({ client: client('/ops-members-2/'), prefix: '/ops-members-2/', instanceId: 'a', logger: silentLogger(), roles: () => new Map(), ttlSeconds: 2 });
      ms.push(a);
      await a.start({ api: null, openflow: null });
      const ns = client('/ops-members-2/').namespace('/ops-members-2/');
      for (const bad of ['not json', '{"api":1,"openflow":null,"roles":{}}', '{"api":null,"openflow":null,"roles":{"zz":["master","1"]}}', '{"api":null,"openflow":null,"roles":{"0000000000000001":["boss","1"]}}']) {
        await ns.put('cluster/instances/x').value(bad);
      }
      await until('four refusals', () => a.unreadable === 4);
      expect(a.instances().map((i) => i.id)).to.deep.equal(['a']);
      await ns.delete().key('cluster/instances/x');
    });
  });

  describe('realization relay', () => {
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const s of stops.splice(0).reverse()) await s();
    });
    async function instance(id: string, prefix: string) {
      const c = client(prefix);
      const election = new Election({ client: c, prefix, instanceId: id, advertise: {}, logger: silentLogger(), ttlSeconds: 2 });
      const tracker = new RealizationTracker();
      const relay = new RealizationRelay({ client: c, prefix, election, tracker, roleOf: () => (election.isLeader() ? 'master' : 'slave'), instanceId: id, logger: silentLogger(), forgetAfterSeconds: 2 });
      await election.start();
      await relay.start();
      stops.push(async () => {
        await relay.stop();
        await election.stop();
      });
      return { election, tracker, relay };
    }

    it("the record of a switch that left is deleted by etcd after forgetAfterSeconds; one that came back in time is kept", async () => {
      const prefix = '/ops-relay/';
      const a = await instance('a', prefix);
      await until('a to lead', () => a.election.isLeader());
      const b = await instance('b', prefix);
      await until('b to follow a', () => b.election.leader?.instanceId === 'a');
      const ns = client(prefix).namespace(prefix);
      const leaseOf = async (dpid: string): Promise<string | undefined> => (await ns.get(SWITCHES_PREFIX + dpid).exec()).kvs[0]?.lease.toString();
      const [gone, back] = ['00000000000000a1', '00000000000000a2'];
      for (const d of [gone, back]) {
        a.tracker.setConnected(d, true);
        a.tracker.setRealized(d, 4);
      }
      await until('both records at b', () => b.relay.switches.get(gone)?.realized === 4 && b.relay.switches.get(back)?.realized === 4);
      expect(await leaseOf(gone), 'a connected switch: no lease').to.equal('0');
      // Both leave the leader; one comes back before its record expires.
      const leftAt = Date.now();
      a.tracker.setConnected(gone, false);
      a.tracker.setConnected(back, false);
      await until('both shown disconnected', () => b.relay.switches.get(gone)?.connected === false && b.relay.switches.get(back)?.connected === false);
      expect(await leaseOf(gone)).to.not.equal('0');
      a.tracker.setConnected(back, true);
      await until('back reconnected', () => b.relay.switches.get(back)?.connected === true);
      expect(await leaseOf(back), 'a record written for a connected switch leaves the lease').to.equal('0');
      await until('the record of the switch that left to expire', async () => (await leaseOf(gone)) === undefined, { timeoutMs: 10_000 });
      expect(Date.now() - leftAt).to.be.within(1500, 8000);
      await until('both instances to forget it', () => !b.relay.switches.has(gone) && !a.relay.switches.has(gone));
      // b counts it as driven by nobody: a change naming it is not waited for.
      b.tracker.notePublished(9, [gone]);
      expect(await b.tracker.waitForChange({ generation: 9, named: [gone], timeoutMs: 1000 })).to.deep.equal({ outcome: 'realized', pending: [gone], lagging: [] });
      // The switch that came back outlives the lease.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await leaseOf(back)).to.equal('0');
      expect(b.relay.switches.get(back)).to.include({ connected: true, realized: 4 });
    });
  });

  describe('etcd health', () => {
    let spare: EtcdCluster | undefined;
    after(async () => spare?.close());

    it('names every member, which one leads, and which do not answer; without quorum no leader; with none up, unreachable', async () => {
      // A cluster of its own: this test stops its members.
      spare = await startEtcd(3);
      const s: EtcdSettings = { endpoints: spare.endpoints.split(','), prefix: '/health/' };
      const c = connectEtcd(s);
      clients.push(c);
      const first = await etcdHealth(s, c);
      expect(first.reachable).to.equal(true);
      expect(first.members.map((m) => [m.name, m.reachable, m.version])).to.deep.equal([
        ['m1', true, first.members[0]!.version],
        ['m2', true, first.members[0]!.version],
        ['m3', true, first.members[0]!.version],
      ]);
      expect(first.members[0]!.version).to.match(/^3\.\d+\.\d+$/);
      expect(first.members.filter((m) => m.leader)).to.have.length(1);
      expect(first.leader).to.equal(first.members.find((m) => m.leader)!.name);
      for (const m of first.members) expect(m.clientUrls).to.have.length(1);

      // The leader dies: it is shown unreachable, and the two others elect a new one.
      const leaderIdx = spare.members.findIndex((m) => m.name === first.leader);
      await spare.stop(leaderIdx);
      const second = await until('a new etcd leader', async () => {
        const h = await etcdHealth(s, c);
        return h.leader !== null && h.leader !== first.leader ? h : undefined;
      });
      const dead = second.members.find((m) => m.name === first.leader)!;
      expect(dead.reachable).to.equal(false);
      expect(dead.error).to.be.a('string');
      expect(dead.version).to.equal(null);
      expect(second.members.filter((m) => m.reachable)).to.have.length(2);

      // One more down: the last member answers but no leader is left (no quorum).
      const other = spare.members.findIndex((m, i) => i !== leaderIdx && m.name !== second.leader);
      await spare.stop(spare.members.findIndex((m) => m.name === second.leader));
      const third: EtcdHealth = await until('no etcd leader', async () => {
        const h = await etcdHealth(s, c);
        return h.leader === null ? h : undefined;
      });
      expect(third.reachable).to.equal(true);
      expect(third.members.filter((m) => m.reachable).map((m) => m.name)).to.deep.equal([spare.members[other]!.name]);

      // None up: the configured endpoints, each unreachable.
      await spare.stop(other);
      const none = await etcdHealth(s, c);
      expect(none.reachable).to.equal(false);
      expect(none.leader).to.equal(null);
      expect(none.error).to.be.a('string');
      expect(none.members.map((m) => m.clientUrls[0])).to.deep.equal(spare.members.map((m) => `http://${m.endpoint}`));
    });
  });

  describe('two controllers', () => {
    let tmp = '';
    const controllers: Controller[] = [];
    before(() => {
      tmp = mkdtempSync(join(tmpdir(), 'spotlight-ops-'));
    });
    after(async () => {
      for (const c of controllers) await c.stop();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });
    const status = async (c: Controller): Promise<ClusterStatus> => (await fetch(`${c.apiAddress!}/v1/cluster`)).json() as Promise<ClusterStatus>;
    const metric = async (c: Controller, line: RegExp): Promise<number | undefined> => {
      const text = await (await fetch(`${c.apiAddress!}/metrics`)).text();
      const m = text.split('\n').find((l) => line.test(l));
      return m === undefined ? undefined : Number(m.split(' ').pop());
    };

    it('a leader that stops gives up its lease before anything else: the other leads at once, on a one-member etcd too', async () => {
      // One member: every call of a controller goes to it, so calls refused while the controller stops would keep its revoke from etcd.
      const single = await startEtcd(1);
      const pair: Controller[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const c = new Controller({
            openflow: { host: '127.0.0.1', port: 0 },
            api: { host: '127.0.0.1', port: 0 },
            dataDir: join(tmp, `single${i}`),
            etcd: { endpoints: single.endpoints.split(','), prefix: '/ops-single/' },
            logger: silentLogger(),
          });
          await c.start();
          pair.push(c);
        }
        const leader = await until('a leader', () => pair.find((c) => c.cluster!.election.isLeader()));
        const other = pair.find((c) => c !== leader)!;
        await until('the other to follow', () => other.cluster!.election.leader?.instanceId === leader.instanceId);
        const stoppedAt = Date.now();
        await leader.stop();
        await until('the other to lead', () => other.cluster!.election.isLeader(), { timeoutMs: 10_000 });
        // A lease left to run out would take 2 to 3 s (TTL 3 s, kept alive every second).
        expect(Date.now() - stoppedAt).to.be.below(1500);
      } finally {
        for (const c of pair) await c.stop();
        await single.close();
      }
    });

    it('GET /v1/cluster on either shows both instances, one leader, three etcd members; the elections in /metrics; a stopped one is shown gone', async () => {
      for (let i = 0; i < 2; i++) {
        const c = new Controller({
          openflow: { host: '127.0.0.1', port: 0 },
          api: { host: '127.0.0.1', port: 0 },
          dataDir: join(tmp, `unused${i}`),
          etcd: { endpoints: etcd.endpoints.split(','), prefix: '/ops-controllers/' },
          logger: silentLogger(),
        });
        await c.start();
        controllers.push(c);
      }
      const [a, b] = controllers as [Controller, Controller];
      const seen = await until('both instances seen by both, every etcd member answering', async () => {
        const [sa, sb] = [await status(a), await status(b)];
        // A member's health check can miss its short deadline on a loaded machine: wait for a round where all answer.
        const allReachable = sa.etcd?.members.every((m) => m.reachable) === true;
        return sa.instances.filter((i) => i.alive).length === 2 && sb.instances.filter((i) => i.alive).length === 2 && sa.leader && sb.leader && allReachable ? [sa, sb] : undefined;
      });
      const [sa, sb] = seen;
      expect(sa.store).to.equal('etcd');
      expect(sa.instance).to.equal(a.instanceId);
      expect(sb.instance).to.equal(b.instanceId);
      expect(sa.leader).to.deep.equal(sb.leader);
      const leader = sa.leader!.instance === a.instanceId ? a : b;
      const follower = leader === a ? b : a;
      expect(sa.instances.find((i) => i.id === b.instanceId)).to.deep.include({ api: b.apiAddress, openflow: `127.0.0.1:${b.openflowAddress!.port}`, alive: true, self: false });
      expect(sa.instances.find((i) => i.self)!.id).to.equal(a.instanceId);
      expect(sa.instances.filter((i) => i.leader).map((i) => i.id)).to.deep.equal([leader.instanceId]);
      expect(sa.etcd!.members.map((m) => m.name).sort()).to.deep.equal(['m1', 'm2', 'm3']);
      expect(sa.etcd!.members.every((m) => m.reachable)).to.equal(true);
      expect(sa.etcd!.leader).to.be.oneOf(['m1', 'm2', 'm3']);
      expect(sa.switches).to.deep.equal([]);

      expect(await metric(leader, /^spotlight_cluster_leader /)).to.equal(1);
      expect(await metric(follower, /^spotlight_cluster_leader /)).to.equal(0);
      expect(await metric(leader, /^spotlight_cluster_elections_total\{outcome="won"\}/)).to.equal(1);
      expect(await metric(follower, /^spotlight_cluster_elections_total\{outcome="won"\}/)).to.equal(0);
      expect(await metric(follower, /^spotlight_cluster_elections_total\{outcome="lost"\}/)).to.be.at.least(1);

      // The leader stops: it gives up its lease first, so the follower takes over at once (not when the lease
      // would have run out, 2 to 3 s later), shows the old leader gone and counts its win.
      const stoppedAt = Date.now();
      await leader.stop();
      controllers.splice(controllers.indexOf(leader), 1);
      await until('the follower to lead', () => follower.cluster!.election.isLeader(), { timeoutMs: 10_000 });
      expect(Date.now() - stoppedAt).to.be.below(1500);
      const after = await until('the follower to lead and see the leader gone', async () => {
        const s = await status(follower);
        return s.leader?.instance === follower.instanceId && s.instances.find((i) => i.id === leader.instanceId)?.alive === false ? s : undefined;
      });
      expect(after.instances.find((i) => i.id === leader.instanceId)!.leftAt).to.be.a('string');
      expect(BigInt(after.leader!.generationId!) > BigInt(sa.leader!.generationId!)).to.equal(true);
      expect(await metric(follower, /^spotlight_cluster_elections_total\{outcome="won"\}/)).to.equal(1);
      expect(await metric(follower, /^spotlight_cluster_leader /)).to.equal(1);
    });
  });
});
