// Two controllers sharing a model in etcd, one Open vSwitch bridge per
// OpenFlow version with both as its controllers: one master writes flows
// (ovs-ofctl shows them), a hook sent to the other instance with ?wait is
// answered once the switch holds its flows, and when the master stops the other takes over and goes on.
// GET /v1/cluster on either instance shows each bridge's master as the
// switches' role replies stated it, and /metrics the role changes.
// Run by hand inside the shared lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/cluster-failover.test.ts
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterStatus } from '../../src/api/deps.js';
import { Controller } from '../../src/controller.js';
import { startEtcd, type EtcdCluster } from '../support/etcd.js';
import { addBridge, haveCommand, ovsStarted, sh } from '../support/ovs.js';
import { until } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const BRIDGES = [
  { name: 'spha10', protocols: 'OpenFlow10', dpid: '00000000005e1010' },
  { name: 'spha13', protocols: 'OpenFlow13', dpid: '00000000005e1313' },
];

const spotlightFlows = (b: (typeof BRIDGES)[number]) =>
  sh('ovs-ofctl', ['-O', b.protocols, 'dump-flows', b.name]).split('\n').filter((l) => /cookie=0x5370/.test(l));

describe('integration: two controllers on etcd, one master per switch (OF1.0 and OF1.3)', function () {
  this.timeout(180_000);
  let etcd: EtcdCluster | undefined;
  let tmp = '';
  const controllers: Controller[] = [];

  before(async function () {
    if (process.getuid?.() !== 0 || !haveCommand('ovs-vsctl') || !ovsStarted()) return this.skip();
    tmp = mkdtempSync(join(tmpdir(), 'spotlight-ha-'));
    etcd = await startEtcd(1);
    for (let i = 0; i < 2; i++) {
      const c = new Controller({
        openflow: { host: '127.0.0.1', port: 0 },
        api: { host: '127.0.0.1', port: 0 },
        dataDir: join(tmp, `unused${i}`),
        etcd: { endpoints: etcd.endpoints.split(','), prefix: '/ha-test/' },
        reconcile: { maxHoldMs: 2000, settleMs: 1000 },
        logger: silentLogger(),
      });
      await c.start();
      controllers.push(c);
    }
    for (const b of BRIDGES) {
      addBridge({ ...b, internalPorts: 1, controllers: [...controllers.map((c) => `tcp:127.0.0.1:${c.openflowAddress!.port}`)] });
    }
  });

  after(async () => {
    if (tmp === '') return;
    for (const b of BRIDGES) sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    for (const c of controllers) await c.stop();
    await etcd?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const post = (c: Controller, path: string, body: unknown, method = 'POST') =>
    fetch(c.apiAddress! + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const vmBody = (name: string, i: number, dpid: string) => ({
    vm: name, tenant: 't1', interfaces: [{ mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`, ips: [`10.9.0.${i}`], network: 'n1', switch: dpid, port: 1 }],
  });

  it('one leader is master of every bridge; a hook sent to the follower reaches the switches; the follower takes over when the master stops', async () => {
    const [a, b] = controllers as [Controller, Controller];
    const leader = await until('a leader', () => controllers.find((c) => c.cluster!.election.isLeader()));
    const follower = leader === a ? b : a;
    for (const br of BRIDGES) {
      await until(`${br.name}: leader master`, () => leader.cluster!.roles.roleOf(br.dpid) === 'master');
      await until(`${br.name}: follower slave`, () => follower.cluster!.roles.roleOf(br.dpid) === 'slave');
    }
    // Both instances show the same master for each bridge, with each instance's role as the bridge stated it.
    const gen = String(leader.cluster!.election.generationId);
    for (const c of [leader, follower]) {
      const status = (await (await fetch(`${c.apiAddress!}/v1/cluster`)).json()) as ClusterStatus;
      expect(status.leader).to.deep.equal({ instance: leader.instanceId, generationId: gen });
      for (const br of BRIDGES) {
        const sw = await until(`${br.name}: both roles at ${c === leader ? 'the leader' : 'the follower'}`, async () => {
          const s = ((await (await fetch(`${c.apiAddress!}/v1/cluster`)).json()) as ClusterStatus).switches.find((x) => x.dpid === br.dpid);
          return s && s.roles.length === 2 ? s : undefined;
        });
        expect(sw.master).to.equal(leader.instanceId);
        expect(sw.roles).to.have.deep.members([
          { instance: leader.instanceId, role: 'master', generationId: gen },
          { instance: follower.instanceId, role: 'slave', generationId: gen },
        ]);
      }
    }
    const metrics = await (await fetch(`${leader.apiAddress!}/metrics`)).text();
    for (const br of BRIDGES) {
      expect(metrics).to.contain(`spotlight_switch_role{dpid="${br.dpid}",role="master"} 1`);
      expect(metrics).to.contain(`spotlight_switch_role_changes_total{dpid="${br.dpid}",role="master"} 1`);
    }
    expect((await post(follower, '/v1/networks/n1', { tenant: 't1', kind: 'private', cidrs: ['10.9.0.0/24'] }, 'PUT')).status).to.equal(200);
    // ?wait on the follower answers once the leader's switch confirmed the change: its flows are there at the answer.
    for (const [i, br] of BRIDGES.entries()) {
      const res = await post(follower, '/v1/hooks/vm-start?wait=10', vmBody(`vm${i}`, i + 1, br.dpid));
      expect(res.status).to.equal(200);
      expect(((await res.json()) as { pending?: string[] }).pending).to.deep.equal([]);
      expect(spotlightFlows(br).some((l) => l.includes('02:00:00:00:00:0')), `${br.name}: the VM's flows at the answer`).to.equal(true);
    }

    const before = leader.cluster!.election.generationId!;
    await leader.stop();
    controllers.splice(controllers.indexOf(leader), 1);
    await until('the follower to lead', () => follower.cluster!.election.isLeader(), { timeoutMs: 10_000 });
    expect(follower.cluster!.election.generationId! > before).to.equal(true);
    for (const br of BRIDGES) await until(`${br.name}: new master`, () => follower.cluster!.roles.roleOf(br.dpid) === 'master');
    const after = await until('the new master in GET /v1/cluster', async () => {
      const s = (await (await fetch(`${follower.apiAddress!}/v1/cluster`)).json()) as ClusterStatus;
      return s.switches.every((x) => x.master === follower.instanceId) && s.switches.length === BRIDGES.length ? s : undefined;
    });
    expect(after.instances.find((i) => i.id === leader.instanceId)?.alive).to.equal(false);
    const followerMetrics = await (await fetch(`${follower.apiAddress!}/metrics`)).text();
    for (const br of BRIDGES) {
      expect(followerMetrics).to.contain(`spotlight_switch_role{dpid="${br.dpid}",role="master"} 1`);
      expect(followerMetrics).to.contain(`spotlight_switch_role_changes_total{dpid="${br.dpid}",role="slave"} 1`);
      expect(followerMetrics).to.contain(`spotlight_switch_role_changes_total{dpid="${br.dpid}",role="master"} 1`);
    }
    for (const [i, br] of BRIDGES.entries()) expect((await post(follower, '/v1/hooks/vm-start', vmBody(`vm${i + 10}`, i + 10, br.dpid))).status).to.equal(200);
    for (const br of BRIDGES) await until(`${br.name}: the new VM's flows`, () => spotlightFlows(br).some((l) => l.includes('02:00:00:00:00:0a') || l.includes('02:00:00:00:00:0b')));
  });
});
