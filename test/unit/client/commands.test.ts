// Each operator command against an API served on a loopback port in the test,
// with a real store, the real compiler and a two-switch fabric.
import { expect } from 'chai';
import { FlowCompiler } from '../../../src/compiler/compile.js';
import type { FastifyInstance } from 'fastify';
import type { DumpFlowsResult, SwitchInfo } from '../../../src/api/deps.js';
import { runClientCommand } from '../../../src/client/index.js';
import { TopoBuilder } from '../../support/flowsim-topologies.js';
import { makeApi } from '../api/helpers.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const TOKEN = 'client-test-token';

const switchInfo = (dpid: string, connected: boolean, realized: number | null): SwitchInfo => ({
  dpid,
  version: '1.3',
  connected,
  ports: [{ number: 1, name: `${dpid.slice(-4)}-eth1`, up: true }],
  flowCount: 3,
  realizedGeneration: realized,
  // One switch with a budget (pica8, TCAM entries), one without.
  table: connected ? { used: 6, budget: 4000, configured: 4000, capacity: null, unit: 'tcam entries' } : { used: 3, budget: null, configured: null, capacity: null, unit: 'flows' },
  // The connected switch reported SELECT and ALL groups only; the other is not connected, so reported nothing.
  groups: connected
    ? {
        reported: true,
        types: {
          all: { supported: true, maxGroups: 8, inUse: 0 },
          select: { supported: true, maxGroups: 16, inUse: 2 },
          indirect: { supported: false, maxGroups: 0, inUse: 0 },
          fastFailover: { supported: false, maxGroups: 0, inUse: 0 },
        },
      }
    : {
        reported: false,
        types: {
          all: { supported: null, maxGroups: null, inUse: 0 },
          select: { supported: null, maxGroups: null, inUse: 1 },
          indirect: { supported: null, maxGroups: null, inUse: 0 },
          fastFailover: { supported: null, maxGroups: null, inUse: 0 },
        },
      },
});

async function run(url: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runClientCommand(args, { out: (t) => (out += t), err: (t) => (err += t), env: { SPOTLIGHT_URL: url, SPOTLIGHT_API_TOKEN: TOKEN } });
  return { code, out, err };
}

describe('client: operator commands against a served API', function () {
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    const topo = new TopoBuilder().switch(S1, 4).switch(S2, 4).link(S1, S2).build();
    const dumpFlows = async (dpid: string): Promise<DumpFlowsResult> =>
      dpid === S1
        ? { ok: true, version: '1.3', flows: [{ table: 0, priority: 0, cookie: '0x5370010000000001', packets: 42, bytes: 2520, durationSec: 9, match: '', actions: 'drop' }] }
        : { ok: false, reason: 'disconnected' };
    // The compiled state follows the store's commits, as the controller's compile loop does.
    let compiler: FlowCompiler | undefined;
    const made = await makeApi({
      token: TOKEN,
      fabric: { snapshot: () => topo },
      compiled: { switches: () => [...topo.switches.keys()].map((d) => compiler!.flowsOf(d)) },
      switches: { list: () => [switchInfo(S1, true, 4), switchInfo(S2, false, null)], dumpFlows },
    });
    app = made.app;
    compiler = new FlowCompiler(made.store.snapshot(), topo);
    made.store.onCommit((c) => void compiler!.apply(c.changes, made.store.snapshot()));
    const auth = { authorization: `Bearer ${TOKEN}` };
    const put = async (method: 'PUT' | 'POST', u: string, payload: unknown): Promise<void> => {
      const r = await app.inject({ method, url: u, headers: auth, payload: payload as Record<string, unknown> });
      expect(r.statusCode, `${u}: ${r.body}`).to.equal(200);
    };
    await put('PUT', '/v1/networks/priv1', { tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'] });
    await put('PUT', '/v1/networks/pub', { tenant: 'isp', kind: 'public', cidrs: ['192.0.2.0/24'], gateways: [{ mac: '02:00:00:00:00:fe', ips: ['192.0.2.254'], switch: S2, port: 4 }] });
    const vm = (name: string, tenant: string, mac: string, ip: string, network: string, sw: string, port: number) => ({
      vm: name,
      tenant,
      interfaces: [{ mac, ips: [ip], network, switch: sw, port }],
    });
    await put('POST', '/v1/hooks/vm-start', vm('a1', 't1', '52:54:00:00:01:01', '10.1.0.11', 'priv1', S1, 1));
    await put('POST', '/v1/hooks/vm-start', vm('a2', 't1', '52:54:00:00:01:02', '10.1.0.12', 'priv1', S2, 1));
    await put('POST', '/v1/hooks/vm-start', vm('pa', 't1', '52:54:00:00:02:01', '192.0.2.11', 'pub', S1, 2));
    await put('POST', '/v1/hooks/vm-start', vm('pb', 't2', '52:54:00:00:02:02', '192.0.2.12', 'pub', S2, 2));
    await put('POST', '/v1/hooks/vm-start', vm('pc', 't1', '52:54:00:00:02:03', '192.0.2.13', 'pub', S2, 3));
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => app.close());

  it('switches: a table, and --json gives the API answer', async () => {
    const r = await run(url, 'switches');
    expect(r.code).to.equal(0);
    expect(r.out.split('\n')[0]).to.match(/^SWITCH\s+ROLE\s+VERSION\s+CONNECTED\s+PORTS\s+FLOWS\s+TABLE USED\/BUDGET\s+GROUPS USED\/MAX\s+REALIZED$/);
    expect(r.out).to.match(new RegExp(`${S1}\\s+-\\s+1\\.3\\s+yes\\s+1\\s+3\\s+6/4000 tcam\\s+select 2/16 ff unsupported\\s+4`));
    expect(r.out).to.match(new RegExp(`${S2}\\s+-\\s+1\\.3\\s+no\\s+1\\s+3\\s+3/-\\s+-\\s+-`));
    const j = await run(url, 'switches', '--json');
    expect(JSON.parse(j.out).switches.map((s: SwitchInfo) => s.dpid)).to.deep.equal([S1, S2]);
    expect(JSON.parse(j.out).switches[0].groups.types.select).to.deep.equal({ supported: true, maxGroups: 16, inUse: 2 });
  });

  it('switches --groups: per switch and group type, supported, in use and max', async () => {
    const r = await run(url, 'switches', '--groups');
    expect(r.code).to.equal(0);
    expect(r.out.split('\n')).to.deep.equal([
      'SWITCH            GROUP TYPE  SUPPORTED      IN USE  MAX',
      `${S1}  all         yes            0       8`,
      '                  select      yes            2       16',
      '                  indirect    no             0       0',
      '                  ff          no             0       0',
      `${S2}  all         not connected  0       -`,
      '                  select      not connected  1       -',
      '                  indirect    not connected  0       -',
      '                  ff          not connected  0       -',
      '',
    ]);
  });

  it('vms and networks list what the hooks stored', async () => {
    const vms = await run(url, 'vms');
    expect(vms.code).to.equal(0);
    for (const n of ['a1', 'a2', 'pa', 'pb', 'pc']) expect(vms.out).to.match(new RegExp(`^${n}\\s`, 'm'));
    expect(vms.out).to.contain(`${S1}:1`);
    const nets = await run(url, 'networks');
    expect(nets.out).to.match(/^priv1\s+t1\s+private\s+\d+\s+10\.1\.0\.0\/24\s+-\s+a1,a2$/m);
    expect(nets.out).to.match(/^pub\s+isp\s+public/m);
  });

  it('flows: counters from the switch; 503 when disconnected, 404 when unknown, 401 without the token', async () => {
    const r = await run(url, 'flows', S1);
    expect(r.code).to.equal(0);
    expect(r.out).to.contain(`switch ${S1} (OpenFlow 1.3): 1 flows`);
    expect(r.out).to.match(/^0\s+0\s+42\s+2520\s+0x5370010000000001\s+-\s+\*\s+drop$/m);
    const down = await run(url, 'flows', S2);
    expect(down.code).to.equal(1);
    expect(down.err).to.contain('switch_disconnected').and.contain('HTTP 503');
    const unknown = await run(url, 'flows', '00000000000000ff');
    expect(unknown.err).to.contain('switch_not_found').and.contain('HTTP 404');
    let err = '';
    const code = await runClientCommand(['flows', S1, '--api', url], { err: (t) => (err += t), out: () => undefined, env: {} });
    expect(code).to.equal(1);
    expect(err).to.contain('unauthorized');
  });

  it('generations: model generation and lag per connected switch', async () => {
    const r = await run(url, 'generations', '--json');
    const v = JSON.parse(r.out);
    expect(v.generation).to.equal(7);
    expect(v.switches).to.deep.equal([
      { dpid: S1, connected: true, realized: 4, lag: 3 },
      { dpid: S2, connected: false, realized: null, lag: null },
    ]);
  });

  it('explain: an allowed pair on a private network, across the fabric, both ways', async () => {
    const r = await run(url, 'explain', 'a1', 'a2');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/^a1 -> a2: ALLOWED \(same-private-network\)/);
    const j = JSON.parse((await run(url, 'explain', 'a1', 'a2', '--json')).out);
    expect(j.allowed).to.equal(true);
    expect(j.flowsAgree).to.equal(true);
    expect(j.paths).to.have.length(2);
    for (const p of j.paths) {
      expect(p.reaches).to.equal(true);
      // The frame crosses both switches: stages on each.
      expect(new Set(p.trace.steps.map((s: { switch: string }) => s.switch))).to.deep.equal(new Set([S1, S2]));
    }
  });

  it('explain: public segment, same tenant allowed, other tenant denied where reachability drops it', async () => {
    const same = JSON.parse((await run(url, 'explain', 'pa', 'pc', '--json')).out);
    expect(same.rule).to.equal('public-same-tenant');
    const denied = await run(url, 'explain', 'pa', 'pb');
    expect(denied.code).to.equal(3);
    expect(denied.out).to.match(/^pa -> pb: DENIED \(denied\)/);
    expect(denied.out).to.contain('tenants t1 and t2 differ and no relation names the pair');
    const j = JSON.parse((await run(url, 'explain', 'pa', 'pb', '--json')).out);
    expect(j.flowsAgree).to.equal(true);
    for (const p of j.paths) expect(p.trace.verdict).to.equal('dropped');
    const gw = JSON.parse((await run(url, 'explain', 'pb', '02:00:00:00:00:fe', '--json')).out);
    expect(gw.rule).to.equal('gateway');
    expect(gw.flowsAgree).to.equal(true);
    const none = await run(url, 'explain', 'a1', 'pb');
    expect(none.out).to.contain('share no network');
    const missing = await run(url, 'explain', 'a1', 'nobody');
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain('vm_not_found');
  });

  it('trace: a spoofed source MAC is dropped at port security on the ingress switch', async () => {
    const r = await run(url, 'trace', `in=${S1}:2`, 'eth_src=52:54:00:00:0a:0a', 'eth_dst=52:54:00:00:02:03', 'ipv4', 'ip_src=192.0.2.11', 'ip_dst=192.0.2.13');
    expect(r.code, 'a dropped packet exits 3, as explain does when reach is denied').to.equal(3);
    expect(r.out).to.contain(`packet in on ${S1} port 2`);
    expect(r.out).to.match(/verdict: dropped on 0000000000000001 at port-security/);
  });

  it('trace: a spoofed source IP passes port security and is dropped at address security', async () => {
    const r = await run(url, 'trace', `in=${S1}:2`, 'eth_src=52:54:00:00:02:01', 'eth_dst=52:54:00:00:02:03', 'ipv4', 'ip_src=192.0.2.99', 'ip_dst=192.0.2.13');
    expect(r.out).to.match(/table 0 port-security: priority \d+ .* -> /);
    expect(r.out).to.match(/verdict: dropped on 0000000000000001 at address-security/);
  });

  it('trace: the genuine packet is delivered on the destination port', async () => {
    const r = await run(url, 'trace', `in=${S1}:2`, 'eth_src=52:54:00:00:02:01', 'eth_dst=52:54:00:00:02:03', 'ipv4', 'ip_src=192.0.2.11', 'ip_dst=192.0.2.13');
    expect(r.out).to.contain(`verdict: delivered to ${S2}:3`);
    expect(r.code).to.equal(0);
  });

  it('trace: a bad description is refused naming the word', async () => {
    const r = await run(url, 'trace', `in=${S1}:2`, 'eth_src=zz', 'eth_dst=52:54:00:00:02:03');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('eth_src').and.contain('invalid_field');
  });

  it('an unreachable controller is an error, not a crash', async () => {
    let err = '';
    const code = await runClientCommand(['switches', '--api', 'http://127.0.0.1:1'], { err: (t) => (err += t), out: () => undefined, env: {} });
    expect(code).to.equal(1);
    expect(err).to.contain('unreachable');
  });
});
