// Hostile OpenFlow peers against Spotlight with real Open vSwitch in Mininet,
// for OpenFlow 1.3 and 1.0: the ring of four switches of e2e.ts with two VMs
// of one tenant on opposite sides. A scripted peer (the FakeSwitch of the
// channel unit tests) connects to the controller's OpenFlow port as
// 1. an impostor claiming the dpid of a connected bridge, and
// 2. a switch answering the flow-table read with endless parts flagged MORE.
// What must not change is judged by Open vSwitch itself: its log of
// controller connections (no bridge lost its session), its controller record
// (connected), its flow table (same flows, durations still counting), and
// pings between the VMs. The controller runs as a child process; its memory
// is read from /proc/PID/status (VmRSS).
import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { api, dpidOf, E2eScenario, parseDump, registerAll, NETWORKS, HOSTS, type ScenarioSpec, type Version } from '../support/e2e.js';
import { until } from '../support/wait.js';
import { mininetReadiness } from '../support/mininet.js';
import { FakeSwitch, flowStat } from '../unit/channel/support/fake-switch.js';
import { encodeMessage } from '../../src/openflow/index.js';
import type { FlowStats } from '../../src/openflow/stats-model.js';
import type { OfpMessage } from '../../src/openflow/message-model.js';

/** Two VMs of tenant A: a1 on s1, a2 on s3, two hops apart on the ring. */
const SPEC: ScenarioSpec = {
  networks: NETWORKS.filter((n) => n.name === 'netA'),
  hosts: HOSTS.filter((h) => h.name === 'a1' || h.name === 'a2'),
  relations: [],
};
const A2_IP = HOSTS.find((h) => h.name === 'a2')!.ip;
const SWITCHES = ['s1', 's2', 's3', 's4'];
const MiB = 1024 * 1024;
/** Flow entries per part of the bomb: each part is a few KiB on the wire. */
const BOMB_FLOWS_PER_PART = 20;
/** A dpid no bridge of the ring has. */
const BOMBER_DPID = 0x5b0bn;

/** Sum of a counter family in Prometheus text, over the label sets that contain `labels`. */
function counterSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `)) || !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Resident memory of a process in bytes, from /proc/PID/status. */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open vSwitch's log, where each bridge's controller connection records its ups and downs. */
const OVS_LOG = join(process.env.OVS_LOGDIR ?? '/var/log/openvswitch', 'ovs-vswitchd.log');
const ovsLogSize = (): number => statSync(OVS_LOG).size;

/** What Open vSwitch logged since byte `from` about its connections to the controller on `port`. */
function ovsConnectionEvents(from: number, port: number): string[] {
  const text = readFileSync(OVS_LOG).subarray(from).toString('utf8');
  return text.split('\n').filter((l) => l.includes(`<->tcp:127.0.0.1:${port}:`) && /connected|connecting|closed|disconnect|timeout|error/.test(l));
}

/** The bridge's controller record in the Open vSwitch database (refreshed by ovs-vswitchd every few seconds). */
async function ovsConnected(sc: E2eScenario, sw: string): Promise<boolean> {
  const out = await sc.net.switchCommand(sw, `ovs-vsctl --columns=is_connected list controller $(ovs-vsctl get bridge ${sw} controller | tr -d '[]')`);
  return /is_connected\s*:\s*true/.test(out);
}

/**
 * Every bridge connected (ovs-vsctl and GET /v1/switches), and none of them lost
 * its controller session since `logFrom` (a size of OVS_LOG).
 */
async function expectBridgesUndisturbed(sc: E2eScenario, logFrom: number): Promise<void> {
  expect(ovsConnectionEvents(logFrom, sc.controller.openflowPort), 'controller connection events in ovs-vswitchd.log').to.deep.equal([]);
  for (const sw of SWITCHES) expect(await ovsConnected(sc, sw), `${sw} connected per ovs-vsctl`).to.equal(true);
  const sws = (await api(sc.base, 'GET', '/v1/switches')).body.switches as { dpid: string; connected: boolean }[];
  for (const sw of SWITCHES) expect(sws.find((x) => x.dpid === dpidOf(sw))?.connected, `${sw} connected per GET /v1/switches`).to.equal(true);
}

async function expectPings(sc: E2eScenario): Promise<void> {
  const r = await sc.net.run('a1', `ping -c3 -i0.2 -W2 -q ${A2_IP}`, 15);
  expect(r.output, 'a1 pings a2 across the ring').to.match(/3 packets transmitted, 3 received/);
}

/** Flows of a bridge keyed without counters, with their durations. */
async function flowsOf(sc: E2eScenario, sw: string): Promise<Map<string, number>> {
  return parseDump(await sc.dumpFlows(sw));
}

const helloVersion = (v: Version): number => (v === '1.3' ? 4 : 1);

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`hostile OpenFlow peers on Mininet, OpenFlow ${version}`, function () {
    this.timeout(60_000);
    let s: E2eScenario | undefined;
    const fakes: FakeSwitch[] = [];
    const sc = (): E2eScenario => s!;
    const metrics = async (): Promise<string> => (await fetch(`${sc().base}/metrics`)).text();

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { spec: SPEC, auditIntervalMs: 5000 });
      await registerAll(s.base, 10, SPEC);
      await until('a1 reaches a2', async () => (await s!.net.run('a1', `ping -c1 -W1 -q ${A2_IP}`, 5)).output.includes(' 1 received'), { stepMs: 200, retryErrors: true });
      await until('every bridge connected per ovs-vsctl', async () => (await Promise.all(SWITCHES.map((sw) => ovsConnected(s!, sw)))).every(Boolean), { stepMs: 500, retryErrors: true });
    });

    afterEach(function () {
      for (const f of fakes.splice(0)) f.close();
      if (this.currentTest?.state === 'failed') s?.writeLogs(`/tmp/spotlight-hostile-${version}-controller.log`);
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    it('a peer claiming the dpid of a connected bridge is refused; the bridge keeps its session, flows and traffic', async () => {
      const victim = 's2';
      const flowsBefore = await flowsOf(sc(), victim);
      expect(flowsBefore.size, `${victim} has flows`).to.be.greaterThan(0);
      const refusedBefore = counterSum(await metrics(), 'spotlight_openflow_sessions_refused_total', 'reason="dpid_in_use"');
      const logsBefore = sc().controller.logs.length;
      const ovsLogFrom = ovsLogSize();

      const fake = await FakeSwitch.connect({ port: sc().controller.openflowPort, datapathId: BigInt(`0x${dpidOf(victim)}`), helloVersion: helloVersion(version) });
      fakes.push(fake);
      // The controller asks the connected bridge for an echo (up to 2 s) before it refuses.
      await Promise.race([fake.whenClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('impostor session still open after 15 s')), 15_000))]);

      await until(
        'refusal counted',
        async () => counterSum(await metrics(), 'spotlight_openflow_sessions_refused_total', 'reason="dpid_in_use"') === refusedBefore + 1,
        { timeoutMs: 5000, retryErrors: true },
      );
      const programming = fake.received.filter((m: OfpMessage) => ['flowMod', 'bundleAdd', 'groupMod', 'meterMod'].includes(m.type)).map((m) => m.type);
      expect(programming, 'flow, group and meter changes sent to the impostor').to.deep.equal([]);
      const victimEvents = sc()
        .controller.logs.slice(logsBefore)
        .filter((l) => l.dpid === dpidOf(victim) && (l.message === 'switch connected' || l.message === 'switch disconnected'));
      expect(victimEvents, `connect/disconnect records for ${victim}`).to.deep.equal([]);

      await expectBridgesUndisturbed(sc(), ovsLogFrom);
      const flowsAfter = await flowsOf(sc(), victim);
      // The controller's periodic audits may still touch a flow or two; what the impostor must not cause
      // is a table wiped and written again, which would restart every duration from zero.
      const kept = [...flowsAfter].filter(([key]) => flowsBefore.has(key));
      expect(kept.length, `${victim} flows present before and after`).to.be.at.least(flowsBefore.size / 2);
      for (const [key, duration] of kept) expect(duration, `duration of ${key}`).to.be.at.least(flowsBefore.get(key)!);
      await expectPings(sc());
    });

    it('a multipart bomb closes only the bomber, with the controller\'s RSS (child process, /proc VmRSS) growing < 64 MiB', async () => {
      const t0 = Date.now();
      const ovsLogFrom = ovsLogSize();
      const rssBefore = rssOf(sc().controller.pid);
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        try {
          rssPeak = Math.max(rssPeak, rssOf(sc().controller.pid));
        } catch {
          // The controller exited: the assertions below report it.
        }
      }, 50);
      const flows: FlowStats[] = Array.from({ length: BOMB_FLOWS_PER_PART }, (_, i) => flowStat(1000 + i));
      let partsSent = 0;
      let bombStarted = false;
      try {
        const fake = await FakeSwitch.connect({
          port: sc().controller.openflowPort,
          datapathId: BOMBER_DPID,
          helloVersion: helloVersion(version),
          handler: (m, sw) => {
            if (m.type !== 'multipartRequest' || m.body.kind !== 'flow') return false;
            bombStarted = true;
            const part = Buffer.from(encodeMessage({ type: 'multipartReply', version: m.version, xid: m.xid, more: true, body: { kind: 'flow', flows } }));
            // Endless parts flagged MORE, paced by the socket's backpressure.
            const pump = (): void => {
              while (!sw.closed && sw.socket.writable) {
                partsSent++;
                if (!sw.socket.write(part)) return void sw.socket.once('drain', pump);
              }
            };
            pump();
            return true;
          },
        });
        fakes.push(fake);
        await Promise.race([fake.whenClosed, new Promise((_, reject) => setTimeout(() => reject(new Error(`bomber still connected after 20 s (${partsSent} parts sent, bomb started: ${bombStarted}, controller RSS +${((rssPeak - rssBefore) / MiB).toFixed(1)} MiB)`)), 20_000))]);
        const closedAfterMs = Date.now() - t0;
        expect(bombStarted, 'the controller read the bomber\'s flow table').to.equal(true);
        const bomberDpid = BOMBER_DPID.toString(16).padStart(16, '0');
        const closeRecord = await until('the bomber\'s disconnect record', () => sc().controller.logs.find((l) => l.dpid === bomberDpid && l.message === 'switch disconnected'), { timeoutMs: 5000 });
        console.log(
          `      ${version}: bomber closed after ${closedAfterMs} ms (${String(closeRecord.detail)}), ${partsSent} parts of ${BOMB_FLOWS_PER_PART} flows sent; ` +
            `controller RSS ${(rssBefore / MiB).toFixed(1)} MiB before, peak ${(rssPeak / MiB).toFixed(1)} MiB`,
        );
        expect(closeRecord.reason, 'why the controller closed the bomber').to.equal('REPLY_TOO_LARGE');
      } finally {
        clearInterval(sampler);
      }
      expect(rssPeak - rssBefore, 'controller RSS growth (bytes)').to.be.below(64 * MiB);
      await expectBridgesUndisturbed(sc(), ovsLogFrom);
      await expectPings(sc());
    });
  });
}
