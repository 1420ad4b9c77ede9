// The switch farm in front of a real Spotlight (`spotlight serve` as a child
// process): discovery finds every cable through the farm's LLDP relay, on
// OF1.0 and OF1.3 bridges; a VM's tap appears and goes by PORT_STATUS; its
// ARP request is answered with the neighbour's MAC; a RARP at the migration's
// destination moves the VM; and a controller that stops answering for longer
// than the inactivity probe (shortened here) costs the farm's sessions, which
// it counts as dropped and then reconnects. The farm's answers against real
// Open vSwitch are checked in test/integration/farm-vs-ovs.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FarmClient } from '../../../bench/farm/client.js';
import { api, startController, stopController, type ControllerProcess } from '../../support/e2e.js';
import { until } from '../../support/wait.js';

interface Totals {
  totals: Record<string, number>;
  arp: Record<string, number>;
}

describe('bench/farm: simulated switches in front of the controller', function () {
  this.timeout(120_000);
  let dir: string;
  let ctl: ControllerProcess;
  let farm: FarmClient;
  let edges: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spotlight-farm-'));
    ctl = await startController({ dataDir: join(dir, 'data') });
    // Three edges under two aggregation bridges, one of the five speaking OF1.0.
    farm = await FarmClient.start({ controller: { host: '127.0.0.1', port: ctl.openflowPort }, aggregation: 2, edge: 3, of10Share: 0.2, probeMs: 1000 });
    edges = (await farm.switches()).filter((s) => s.role === 'edge').map((s) => s.dpid);
  });

  after(async () => {
    await farm?.stop();
    if (ctl) await stopController(ctl);
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects every bridge, one in five on OF1.0, each from its own loopback address; discovery finds all six cables', async () => {
    const switches = await farm.switches();
    expect(new Set(switches.map((s) => s.address)).size).to.equal(5);
    expect(switches.filter((s) => s.version === '1.0')).to.have.length(1);
    expect(await farm.waitUp(30_000)).to.deep.equal({ up: 5, total: 5 });
    const links = await until('six links', async () => {
      const r = await api(ctl.api, 'GET', '/v1/topology');
      const l = r.body.links as unknown[];
      return l.length === 6 ? l : undefined;
    }, { timeoutMs: 60_000, stepMs: 250, retryErrors: true });
    expect(links).to.have.length(6);
    const listed = (await api(ctl.api, 'GET', '/v1/switches')).body.switches as { dpid: string; version: string; connected: boolean }[];
    expect(listed.filter((s) => s.connected).map((s) => `${s.dpid} ${s.version}`).sort()).to.deep.equal(switches.map((s) => `${s.dpid} ${s.version}`).sort());
  });

  it('a tap appears and goes by PORT_STATUS; ARP is answered with the neighbour; RARP at the destination moves a migrating VM', async () => {
    expect((await api(ctl.api, 'PUT', '/v1/networks/n1?wait=10', { tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'] })).status).to.equal(200);
    const vm = (name: string, mac: string, ip: string, sw: string) => ({ vm: name, tenant: 't1', interfaces: [{ mac, ips: [ip], network: 'n1', switch: sw, port: `tap-${name}` }] });
    await farm.addPort(edges[0]!, 'tap-a');
    await farm.addPort(edges[1]!, 'tap-b');
    for (const [b, sw] of [[vm('a', '02:00:00:00:00:0a', '10.0.0.10', edges[0]!), edges[0]!], [vm('b', '02:00:00:00:00:0b', '10.0.0.11', edges[1]!), edges[1]!]] as const) {
      const r = await api(ctl.api, 'POST', '/v1/hooks/vm-start?wait=10', b);
      expect(r.status, `${JSON.stringify(r.body)} on ${sw}`).to.equal(200);
    }
    const ports = async (dpid: string) => {
      const sw = ((await api(ctl.api, 'GET', '/v1/switches')).body.switches as { dpid: string; ports: { name: string }[] }[]).find((s) => s.dpid === dpid)!;
      return sw.ports.map((p) => p.name);
    };
    expect(await ports(edges[0]!)).to.include('tap-a');

    const answer = await farm.arp({ switch: edges[0]!, port: 'tap-a', mac: '02:00:00:00:00:0a', ip: '10.0.0.10', targetIp: '10.0.0.11', expectMac: '02:00:00:00:00:0b' });
    expect(answer).to.include({ answered: true, correct: true });
    const unknown = await farm.arp({ switch: edges[0]!, port: 'tap-a', mac: '02:00:00:00:00:0a', ip: '10.0.0.10', targetIp: '10.0.0.99' }, 1000);
    expect(unknown.answered, 'no answer for an address nobody holds').to.equal(false);

    expect((await api(ctl.api, 'POST', '/v1/hooks/migration-start?wait=10', { vm: 'a', interfaces: [{ mac: '02:00:00:00:00:0a', switch: edges[2]!, port: 'tap-a' }] })).status).to.equal(200);
    await farm.addPort(edges[2]!, 'tap-a');
    await farm.call('rarp', { switch: edges[2]!, port: 'tap-a', mac: '02:00:00:00:00:0a' });
    await until('the migration activated by the RARP', async () => {
      const m = (await api(ctl.api, 'GET', '/v1/vms/a')).body.migration as { activated?: boolean } | undefined;
      return m?.activated === true;
    }, { retryErrors: true });

    await farm.removePort(edges[1]!, 'tap-b');
    await until('tap-b gone from the switch', async () => !(await ports(edges[1]!)).includes('tap-b'), { retryErrors: true });
  });

  it('counts the sessions a silent controller costs (inactivity probe) and reconnects them', async () => {
    const before = await farm.stats<Totals>();
    expect(before.totals['drops.inactivity']).to.equal(0);
    process.kill(ctl.pid, 'SIGSTOP');
    try {
      // Probe after 1 s of silence, drop 1 s later.
      await new Promise((r) => setTimeout(r, 3500));
    } finally {
      process.kill(ctl.pid, 'SIGCONT');
    }
    const after = await farm.stats<Totals>();
    expect(after.totals['drops.inactivity']).to.equal(5);
    expect(after.totals.echoRequestsSent).to.be.at.least(5);
    expect(await farm.waitUp(30_000)).to.deep.equal({ up: 5, total: 5 });
  });
});
