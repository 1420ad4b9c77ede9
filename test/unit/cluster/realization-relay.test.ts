// `?wait` on any instance of a cluster: the tracker of an instance that is
// not the master waits for what the master confirmed (never for its own
// standing-by reconcilers), and the relay carries the master's confirmations
// through a real etcd member.
import { expect } from 'chai';
import type { Etcd3 } from 'etcd3';
import { Election } from '../../../src/cluster/election.js';
import { RealizationRelay, SWITCHES_PREFIX } from '../../../src/cluster/realization-relay.js';
import { type Logger } from '../../../src/log.js';
import { RealizationTracker, type WaitReport } from '../../../src/reconcile/realization.js';
import { connectEtcd } from '../../../src/store/index.js';
import { captureLogger, silentLogger } from '../../support/logs.js';
import { startEtcd, type EtcdCluster } from '../../support/etcd.js';
import { FakeClock } from '../../support/fakeclock.js';
import { sleep, until } from '../../support/wait.js';

function settle(p: Promise<WaitReport>): { report?: WaitReport; at?: number } {
  const box: { report?: WaitReport; at?: number } = {};
  void p.then((r) => {
    box.report = r;
    box.at = Date.now();
  });
  return box;
}

const POLL = { timeoutMs: 10_000, stepMs: 10 };

describe('cluster: realized generations shared by the master', function () {
  this.timeout(60_000);

  describe('the tracker of an instance that is not master', () => {
    it('waits for what the master confirmed, not for its own reconciler standing by', async () => {
      const clock = new FakeClock();
      const t = new RealizationTracker({ clock });
      t.setSource('shared');
      // This instance's own session to the switch (its reconciler stands by): not what ?wait waits for.
      t.setConnected('a', true);
      t.notePublished(5, ['a']);
      const early = await t.waitForChange({ generation: 5, named: ['a'], timeoutMs: 1000 });
      expect(early, 'the master drives no switch yet: nothing to wait for').to.deep.equal({ outcome: 'realized', pending: ['a'], lagging: [] });
      t.setShared('a', true, 4);
      const box = settle(t.waitForChange({ generation: 5, named: ['a'], timeoutMs: 1000 }));
      await clock.advanceSettling(0);
      expect(box.report).to.equal(undefined);
      t.setShared('a', true, 5);
      await clock.advanceSettling(0);
      expect(box.report).to.deep.equal({ outcome: 'realized', pending: [], lagging: [] });
      // A later record with a lower generation (another leader's) takes nothing back.
      t.setShared('a', true, 3);
      expect(t.realizedGeneration('a')).to.equal(5);
      // Back to its own reconcilers (it leads now): its own session counts again.
      t.setSource('local');
      t.notePublished(6, ['a']);
      const box2 = settle(t.waitForChange({ generation: 6, named: ['a'], timeoutMs: 100 }));
      await clock.advanceSettling(100);
      expect(box2.report).to.deep.equal({ outcome: 'timeout', pending: [], lagging: [{ dpid: 'a', realizedGeneration: 5 }] });
    });

    it('without a relay (a single controller) its own sessions are what ?wait waits for', async () => {
      const clock = new FakeClock();
      const t = new RealizationTracker({ clock });
      t.setConnected('a', true);
      t.notePublished(2, ['a']);
      const box = settle(t.waitForChange({ generation: 2, named: ['a'], timeoutMs: 1000 }));
      await clock.advanceSettling(0);
      expect(box.report).to.equal(undefined);
      t.setRealized('a', 2);
      await clock.advanceSettling(0);
      expect(box.report).to.deep.equal({ outcome: 'realized', pending: [], lagging: [] });
    });
  });

  describe('through etcd', () => {
    let etcd: EtcdCluster;
    const clients: Etcd3[] = [];
    const stops: (() => Promise<void>)[] = [];
    before(async () => {
      etcd = await startEtcd(1);
    });
    afterEach(async () => {
      for (const s of stops.splice(0).reverse()) await s();
      for (const c of clients.splice(0)) c.close();
    });
    after(async () => etcd?.close());

    function client(prefix: string): Etcd3 {
      const c = connectEtcd({ endpoints: etcd.endpoints.split(','), prefix });
      clients.push(c);
      return c;
    }

    async function instance(id: string, prefix: string, logger: Logger = silentLogger()) {
      const c = client(prefix);
      const election = new Election({ client: c, prefix, instanceId: id, advertise: {}, logger });
      const tracker = new RealizationTracker();
      // As SwitchRoles answers: a role only on a switch with a session here, master while leading.
      const sessions = new Set<string>();
      tracker.onConnected((d, up) => (up ? sessions.add(d) : sessions.delete(d)));
      const roleOf = (d: string) => (!sessions.has(d) ? undefined : election.isLeader() ? 'master' : 'slave');
      const relay = new RealizationRelay({ client: c, prefix, election, tracker, roleOf, instanceId: id, logger });
      await election.start();
      await relay.start();
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await relay.stop();
        await election.stop();
      };
      stops.push(stop);
      return { election, tracker, relay, stop };
    }

    it("a follower's ?wait answers once the leader's switch confirmed the generation, not before", async () => {
      const a = await instance('a', '/relay-1/');
      await until('a to lead', () => a.election.isLeader(), POLL);
      const b = await instance('b', '/relay-1/');
      await until('b to follow a', () => b.election.leader?.instanceId === 'a', POLL);
      const s1 = '0000000000000001';
      // Both have a session to the switch (every controller is configured on it); a is its master.
      a.tracker.setConnected(s1, true);
      b.tracker.setConnected(s1, true);
      a.tracker.setRealized(s1, 6);
      for (const t of [a.tracker, b.tracker]) t.notePublished(7, [s1]);
      await until('generation 6 at b', () => b.relay.switches.get(s1)?.realized === 6, POLL);
      const onA = settle(a.tracker.waitForChange({ generation: 7, named: [s1], timeoutMs: 8000 }));
      const onB = settle(b.tracker.waitForChange({ generation: 7, named: [s1], timeoutMs: 8000 }));
      await sleep(300);
      expect(onB.report, 'b answered before the switch confirmed 7').to.equal(undefined);
      expect(onA.report, 'a answered before the switch confirmed 7').to.equal(undefined);
      const confirmedAt = Date.now();
      a.tracker.setRealized(s1, 7);
      await until('both answers', () => onA.report !== undefined && onB.report !== undefined, POLL);
      expect(onA.report).to.deep.equal({ outcome: 'realized', pending: [], lagging: [] });
      expect(onB.report).to.deep.equal({ outcome: 'realized', pending: [], lagging: [] });
      expect(onB.at! - confirmedAt).to.be.below(2000);
      expect(b.relay.switches.get(s1)).to.include({ instanceId: 'a', connected: true, master: true, realized: 7 });
      // The switch leaves the master: b no longer waits for it, it lists it as pending.
      a.tracker.setConnected(s1, false);
      await until('the switch shown disconnected at b', () => b.relay.switches.get(s1)?.connected === false, POLL);
      for (const t of [a.tracker, b.tracker]) t.notePublished(8, [s1]);
      expect(await b.tracker.waitForChange({ generation: 8, named: [s1], timeoutMs: 3000 })).to.deep.equal({ outcome: 'realized', pending: [s1], lagging: [] });
    });

    it('a new leader writes every record again under its own leadership; realized generations never go down', async () => {
      const a = await instance('a', '/relay-2/');
      await until('a to lead', () => a.election.isLeader(), POLL);
      const b = await instance('b', '/relay-2/');
      await until('b to follow a', () => b.election.leader?.instanceId === 'a', POLL);
      const s1 = '0000000000000002';
      a.tracker.setConnected(s1, true);
      a.tracker.setRealized(s1, 3);
      await until('generation 3 at b', () => b.relay.switches.get(s1)?.realized === 3, POLL);
      const aGen = String(a.election.generationId);
      await a.stop();
      await until('b to lead', () => b.election.isLeader(), POLL);
      // b has no session to the switch: its record says so, under b's leadership, and keeps what the switch confirmed.
      await until('the record rewritten under b', () => b.relay.switches.get(s1)?.instanceId === 'b', POLL);
      const rec = b.relay.switches.get(s1)!;
      expect(rec).to.include({ connected: false, master: false, realized: 3 });
      expect(rec.generationId).to.not.equal(aGen);
      // The stopped leader writes nothing more.
      const writes = a.relay.writes;
      a.tracker.setRealized(s1, 9);
      await sleep(300);
      expect(a.relay.writes).to.equal(writes);
      expect(b.relay.switches.get(s1)?.realized).to.equal(3);
    });

    it('a record not written by Spotlight is ignored with a warning', async () => {
      const log = captureLogger();
      // Another instance leads (and shares nothing): b follows and reads what etcd holds.
      const leader = new Election({ client: client('/relay-3/'), prefix: '/relay-3/', instanceId: 'z', advertise: {}, logger: silentLogger() });
      stops.push(() => leader.stop());
      await leader.start();
      await until('z to lead', () => leader.isLeader(), POLL);
      const b = await instance('b', '/relay-3/', log.logger);
      const ns = client('/relay-3/').namespace('/relay-3/');
      const s1 = '0000000000000003';
      await ns.put(SWITCHES_PREFIX + s1).value(JSON.stringify({ generationId: '1', instanceId: 'x', connected: true, master: true, realized: 4 }));
      await until('generation 4 at b', () => b.relay.switches.get(s1)?.realized === 4, POLL);
      for (const bad of ['not json', JSON.stringify({ generationId: '1', instanceId: 'x', connected: true, master: true, realized: -1 }), JSON.stringify({ connected: 'yes' })]) {
        await ns.put(SWITCHES_PREFIX + s1).value(bad);
      }
      await ns.put(SWITCHES_PREFIX + 'not-a-dpid').value(JSON.stringify({ generationId: '1', instanceId: 'x', connected: true, master: true, realized: 9 }));
      await until('four unreadable records', () => b.relay.unreadable === 4, POLL);
      expect(b.relay.switches.get(s1)).to.include({ realized: 4, connected: true });
      expect(b.tracker.realizedGeneration(s1)).to.equal(4);
      expect(b.relay.switches.has('not-a-dpid')).to.equal(false);
      expect(log.records.filter((r) => r.level === 'warn' && /not one Spotlight wrote/.test(String(r.message)))).to.have.length(4);
    });
  });
});
