// GET /v1/cluster and `spotlight status`, over cluster parts given by the test
// (the etcd-backed parts are exercised against real etcd members in
// test/integration/cluster-ops.test.ts): who leads, which instance each
// switch takes as master, gone instances, and the LevelDB answer.
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { ClusterStatus } from '../../../src/api/deps.js';
import { runClientCommand } from '../../../src/client/index.js';
import { renderClusterStatus } from '../../../src/client/render-cluster.js';
import { clusterView, singleInstanceView, type MemberInfo } from '../../../src/runtime/cluster-status.js';
import type { EtcdHealth } from '../../../src/store/index.js';
import { makeApi } from '../api/helpers.js';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';
const S1 = '0000000000000001';
const S2 = '0000000000000002';

const health: EtcdHealth = {
  reachable: true,
  leader: 'e2',
  members: [
    { id: '1', name: 'e1', clientUrls: ['http://127.0.0.1:2379'], reachable: false, leader: false, version: null, error: 'deadline exceeded' },
    { id: '2', name: 'e2', clientUrls: ['http://127.0.0.1:2479'], reachable: true, leader: true, version: '3.4.23' },
  ],
};

function view(members: MemberInfo[], leader = { instanceId: B, generationId: 9n }) {
  return clusterView({ instanceId: A, instances: () => members, leader: () => leader, etcdHealth: () => Promise.resolve(health) });
}

describe('cluster status (GET /v1/cluster, spotlight status)', () => {
  it("a switch's master is the instance it confirmed as master under the newest leadership; a gone instance's roles do not count", async () => {
    const s = await view([
      // A was paused: it still holds S1's old MASTER reply, at generation 5; B took over at 9.
      { id: A, api: 'http://127.0.0.1:8081', openflow: '127.0.0.1:6654', alive: true, roles: { [S1]: ['master', '5'], [S2]: ['slave', '9'] } },
      { id: B, api: 'http://127.0.0.1:8082', openflow: '127.0.0.1:6655', alive: true, roles: { [S1]: ['master', '9'], [S2]: ['master', '9'] } },
      { id: C, api: 'http://127.0.0.1:8083', openflow: '127.0.0.1:6656', alive: false, leftAt: Date.UTC(2026, 11, 7, 9, 0, 0), roles: { [S2]: ['master', '12'] } },
    ]).status();
    expect(s.store).to.equal('etcd');
    expect(s.instance).to.equal(A);
    expect(s.leader).to.deep.equal({ instance: B, generationId: '9' });
    expect(s.instances.map((i) => [i.id, i.alive, i.leader, i.self])).to.deep.equal([
      [A, true, false, true],
      [B, true, true, false],
      [C, false, false, false],
    ]);
    expect(s.instances[2]!.leftAt).to.equal('2026-12-07T09:00:00.000Z');
    expect(s.switches).to.deep.equal([
      { dpid: S1, master: B, roles: [{ instance: A, role: 'master', generationId: '5' }, { instance: B, role: 'master', generationId: '9' }] },
      { dpid: S2, master: B, roles: [{ instance: A, role: 'slave', generationId: '9' }, { instance: B, role: 'master', generationId: '9' }] },
    ]);
    expect(s.etcd).to.deep.equal(health);
  });

  it('no leader and no master: null, not a guess', async () => {
    const s = await clusterView({
      instanceId: A,
      instances: () => [{ id: A, api: null, openflow: null, alive: false, roles: { [S1]: ['slave', '3'] } }],
      leader: () => undefined,
      etcdHealth: () => Promise.resolve({ reachable: false, leader: null, members: [], error: 'no member answered' }),
    }).status();
    expect(s.leader).to.equal(null);
    // This instance's own roles are shown even while etcd does not list it.
    expect(s.switches).to.deep.equal([{ dpid: S1, master: null, roles: [{ instance: A, role: 'slave', generationId: '3' }] }]);
  });

  it('on the LevelDB store: one instance, leader and master of every connected switch in the EQUAL role, no etcd', async () => {
    const s = await singleInstanceView({ instanceId: A, api: () => 'http://127.0.0.1:8080', openflow: () => '0.0.0.0:6653', connectedSwitches: () => [S2, S1] }).status();
    expect(s).to.deep.equal({
      store: 'leveldb',
      instance: A,
      leader: { instance: A, generationId: null },
      instances: [{ id: A, api: 'http://127.0.0.1:8080', openflow: '0.0.0.0:6653', alive: true, leader: true, self: true }],
      switches: [S1, S2].map((dpid) => ({ dpid, master: A, roles: [{ instance: A, role: 'equal', generationId: null }] })),
      etcd: null,
    });
  });

  describe('through the API and the command', () => {
    let app: FastifyInstance;
    let url: string;
    const token = 'status-test-token';
    before(async () => {
      const cluster = view([
        { id: A, api: 'http://127.0.0.1:8081', openflow: '127.0.0.1:6654', alive: true, roles: { [S1]: ['slave', '9'] } },
        { id: B, api: 'http://127.0.0.1:8082', openflow: '127.0.0.1:6655', alive: true, roles: { [S1]: ['master', '9'] } },
      ]);
      ({ app } = await makeApi({ token, cluster, agents: [{ name: 'hv1', token: 'agent-token-hv1', switches: [S1] }] }));
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(() => app.close());

    it('serves the status to the operator; an agent token is refused', async () => {
      const ok = await app.inject({ method: 'GET', url: '/v1/cluster', headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).to.equal(200);
      const body = ok.json<ClusterStatus>();
      expect(body.switches[0]).to.include({ dpid: S1, master: B });
      expect(body.etcd?.leader).to.equal('e2');
      const agent = await app.inject({ method: 'GET', url: '/v1/cluster', headers: { authorization: 'Bearer agent-token-hv1' } });
      expect(agent.statusCode).to.equal(403);
    });

    it('`spotlight status` prints the instances, each switch with its master and roles, and the etcd members', async () => {
      let out = '';
      const code = await runClientCommand(['status'], { out: (t) => (out += t), err: () => undefined, env: { SPOTLIGHT_URL: url, SPOTLIGHT_API_TOKEN: token } });
      expect(code).to.equal(0);
      const lines = out.split('\n');
      expect(lines[0]).to.equal('store etcd, answered by aaaaaaaa, leader bbbbbbbb (generation 9)');
      expect(lines.find((l) => l.startsWith('aaaaaaaa (this)'))).to.match(/http:\/\/127\.0\.0\.1:8081 +127\.0\.0\.1:6654 +yes +no$/);
      expect(lines.find((l) => l.startsWith(S1))).to.match(/^0000000000000001 +bbbbbbbb +aaaaaaaa slave@9, bbbbbbbb master@9$/);
      expect(lines).to.include('etcd reachable, leader e2');
      expect(lines.find((l) => l.startsWith('e1 '))).to.match(/no \(deadline exceeded\) +no +-$/);
      expect(lines.find((l) => l.startsWith('e2 '))).to.match(/yes +yes +3\.4\.23$/);
      let json = '';
      expect(await runClientCommand(['status', '--json'], { out: (t) => (json += t), err: () => undefined, env: { SPOTLIGHT_URL: url, SPOTLIGHT_API_TOKEN: token } })).to.equal(0);
      expect((JSON.parse(json) as ClusterStatus).instances.map((i) => i.id)).to.deep.equal([A, B]);
    });

    it('renders the LevelDB answer without an etcd part', async () => {
      const text = renderClusterStatus(await singleInstanceView({ instanceId: A, api: () => null, openflow: () => null, connectedSwitches: () => [] }).status());
      expect(text).to.contain('store leveldb, answered by aaaaaaaa, leader aaaaaaaa\n');
      expect(text).to.contain('no switches');
      expect(text).to.not.contain('etcd');
    });
  });
});
