// GET /metrics after a Mininet scenario, checked against what happened: the
// switches that connected, the flows `ovs-ofctl dump-flows` shows on each,
// the hooks called, the packet-ins the ARP resolution caused, and spoofed
// frames sent from a host counted by the drop flows that stopped them.
import { expect } from 'chai';
import { E2eScenario, HOSTS, MATRIX_HOSTS, SWITCHES, dpidOf, registerAll, type Version } from '../support/e2e.js';
import { until } from '../support/wait.js';
import { mininetReadiness } from '../support/mininet.js';
import { ethernet, ipv4 } from '../../src/sim/packets.js';
import { promSample, promSum } from '../support/prom.js';
import { runClientCommand } from '../../src/client/index.js';

async function cli(base: string, ...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runClientCommand([...args, '--api', base], { out: (t) => (out += t), err: (t) => (out += t), env: {} });
  return { code, out };
}

async function scrape(base: string): Promise<string> {
  const r = await fetch(`${base}/metrics`);
  expect(r.status).to.equal(200);
  return r.text();
}

const flowLines = (dump: string): number => dump.split('\n').filter((l) => l.includes('cookie=')).length;

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`metrics after a Mininet scenario, OpenFlow ${version}`, function () {
    this.timeout(120_000);
    let s: E2eScenario | undefined;
    let hooks = 0;

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { auditIntervalMs: 1000 });
      await registerAll(s.base);
      hooks = HOSTS.filter((h) => h.network && !h.gateway && !h.spare).length;
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    it('switch count and flows per switch equal what the switches hold', async () => {
      const sc = s!;
      const text = await scrape(sc.base);
      expect(promSample(text, 'spotlight_switches_connected')).to.equal(SWITCHES.length);
      // The reconciler settles within a pass or two; compare until both sides agree, then once more.
      const counts = await until(
        'metrics flow counts equal to dump-flows',
        async () => {
          const t = await scrape(sc.base);
          const got: Record<string, [number | undefined, number]> = {};
          for (const sw of SWITCHES) got[sw] = [promSample(t, 'spotlight_switch_flows', { dpid: dpidOf(sw) }), flowLines(await sc.dumpFlows(sw))];
          return Object.values(got).every(([m, d]) => m === d && d > 0) ? got : undefined;
        },
        { stepMs: 500, retryErrors: true },
      );
      for (const [sw, [m, d]] of Object.entries(counts)) expect(m, sw).to.equal(d);
      expect(promSample(text, 'spotlight_realized_generation_lag_max')).to.equal(0);
    });

    it('spotlight flows reads what dump-flows shows, with counters; explain and trace agree with the fabric', async () => {
      const sc = s!;
      for (const sw of SWITCHES) {
        const r = await cli(sc.base, 'flows', sw, '--json');
        expect(r.code, r.out).to.equal(0);
        const flows = JSON.parse(r.out).flows as { packets: number }[];
        expect(flows.length, sw).to.equal(flowLines(await sc.dumpFlows(sw)));
        // Discovery probes cross every fabric port each second: some counter moves soon after set-up.
        const counted = await until(
          `${sw}: some flow counted packets`,
          async () => {
            const again = await cli(sc.base, 'flows', sw, '--json');
            return (JSON.parse(again.out).flows as { packets: number }[]).some((f) => f.packets > 0);
          },
          { timeoutMs: 15_000, stepMs: 500, retryErrors: true },
        );
        expect(counted, `${sw}: some flow counted packets`).to.equal(true);
      }
      const allowed = JSON.parse((await cli(sc.base, 'explain', 'a1', 'a2', '--json')).out);
      expect(allowed.allowed).to.equal(true);
      expect(allowed.flowsAgree).to.equal(true);
      const denied = await cli(sc.base, 'explain', 'a1', 'b1');
      expect(denied.code).to.equal(3);
      const a1 = HOSTS.find((h) => h.name === 'a1')!;
      const a2 = HOSTS.find((h) => h.name === 'a2')!;
      const spoof = await cli(sc.base, 'trace', `in=${a1.switch}:${a1.port}`, 'eth_src=02:00:00:00:66:66', `eth_dst=${a2.mac}`, 'ipv4', `ip_src=${a1.ip}`, `ip_dst=${a2.ip}`);
      expect(spoof.out).to.match(/verdict: dropped on 0000000000000001 at (port-security|port-guard|default)/);
    });

    it('flow-mods, barrier round trips and hook latency count what was done', async () => {
      const text = await scrape(s!.base);
      for (const sw of SWITCHES) {
        expect(promSum(text, 'spotlight_flow_mods_sent_total', { dpid: dpidOf(sw) }), sw).to.be.greaterThan(0);
        expect(promSample(text, 'spotlight_barrier_round_trip_seconds_count', { dpid: dpidOf(sw) }), sw).to.be.greaterThan(0);
      }
      expect(promSample(text, 'spotlight_hook_duration_seconds_count', { hook: 'vm-start', status: '200' })).to.equal(hooks);
    });

    it('packet-ins by reason: the ARP requests of a ping go to the controller', async () => {
      const sc = s!;
      const before = promSum(await scrape(sc.base), 'spotlight_packet_ins_total', { kind: 'arp' });
      const [a1, a2] = MATRIX_HOSTS.filter((h) => h.network === 'netA');
      await sc.net.run(a1!.name, `ip neigh flush dev ${a1!.name}-eth0; ping -c1 -W2 ${a2!.ip}`, 10);
      const after = promSum(await scrape(sc.base), 'spotlight_packet_ins_total', { kind: 'arp', reason: 'action' });
      expect(after).to.be.greaterThan(before);
    });

    it('spoofed frames from a host are counted by the drop flows that stop them', async () => {
      const sc = s!;
      const a1 = HOSTS.find((h) => h.name === 'a1')!;
      const a2 = HOSTS.find((h) => h.name === 'a2')!;
      const labels = version === '1.0' ? { dpid: dpidOf(a1.switch), port: String(a1.port), stage: 'port-guard' } : { dpid: dpidOf(a1.switch), port: 'any', stage: 'port-security' };
      const base = promSample(await scrape(sc.base), 'spotlight_spoof_drops', labels) ?? 0;
      const spoofed = ethernet(a2.mac, '02:00:00:00:66:66', 0x0800, ipv4(a1.ip, a2.ip, 17, [0, 1, 0, 2, 0, 8, 0, 0]));
      await sc.net.sendFrame(a1.name, spoofed, 20);
      // The next audit reads the flows (and their counters) back.
      const now = await until(
        'spoof counter',
        async () => {
          const v = promSample(await scrape(sc.base), 'spotlight_spoof_drops', labels);
          return v !== undefined && v >= base + 20 ? v : undefined;
        },
        { timeoutMs: 15_000, stepMs: 500, retryErrors: true },
      );
      expect(now).to.be.at.least(base + 20);
    });
  });
}
