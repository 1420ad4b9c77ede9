// Spotlight end to end on real Open vSwitch in Mininet, for OpenFlow 1.0 and
// 1.3: a ring of four switches, two tenants' private networks, a public
// segment with a gateway and a relation. The controller runs as a child
// process (`spotlight serve`), is registered through the hooks, and is judged
// by real pings and by what the switches hold (ovs-ofctl).
import { expect } from 'chai';
import {
  allowed,
  api,
  dpidOf,
  E2eScenario,
  HOSTS,
  MATRIX_HOSTS,
  parseDump,
  registerAll,
  stopController,
  vmStartBody,
  type Version,
} from '../support/e2e.js';
import { mininetReadiness } from '../support/mininet.js';
import { until } from '../support/wait.js';
import { arp, ethernet } from '../../src/sim/packets.js';

const host = (name: string) => HOSTS.find((h) => h.name === name)!;

function mismatches(seen: Map<string, boolean>): string[] {
  const out: string[] = [];
  for (const a of MATRIX_HOSTS) {
    for (const b of MATRIX_HOSTS) {
      if (a === b) continue;
      const want = allowed(a, b);
      const got = seen.get(`${a.name}>${b.name}`);
      if (got !== want) out.push(`${a.name}->${b.name}: ${got ? 'reached (false allow)' : 'no reply (false deny)'}`);
    }
  }
  return out;
}

/**
 * Flows of `before` that are gone, or whose duration did not run on by the
 * time between the two dumps (a flow re-added restarts its duration at 0).
 */
function replacedFlows(before: Map<string, number>[], after: Map<string, number>[], elapsedS: number): string[] {
  const out: string[] = [];
  before.forEach((flows, i) => {
    for (const [key, d] of flows) {
      const d2 = after[i]!.get(key);
      if (d2 === undefined || d2 < d + elapsedS - 0.5) out.push(`s${i + 1}: ${key} (${d}s -> ${d2 ?? 'gone'}, ${elapsedS.toFixed(1)}s later)`);
    }
  });
  return out;
}

const dumpAll = (sc: E2eScenario) => Promise.all(['s1', 's2', 's3', 's4'].map(async (sw) => parseDump(await sc.dumpFlows(sw))));

const BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** What QEMU sends after switch-over: a gratuitous ARP request, or a RARP (op 3) naming its own MAC. */
const garp = (mac: string, ip: string) => ethernet(BROADCAST, mac, 0x0806, arp(1, mac, ip, '00:00:00:00:00:00', ip));
const rarp = (mac: string) => ethernet(BROADCAST, mac, 0x8035, arp(3, mac, '0.0.0.0', mac, '0.0.0.0'));

function pingLoss(output: string): { sent: number; received: number; intervalMs: number } {
  const m = /(\d+) packets transmitted, (\d+) received.*?time (\d+)ms/.exec(output);
  if (!m) throw new Error(`no ping summary in: ${output.slice(-300)}`);
  const sent = Number(m[1]);
  // The interval ping really kept (it may fall behind -i 0.01 on a loaded machine).
  return { sent, received: Number(m[2]), intervalMs: Number(m[3]) / Math.max(1, sent - 1) };
}

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`end to end on Mininet, OpenFlow ${version}`, function () {
    this.timeout(120_000);
    let s: E2eScenario | undefined;

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { auditIntervalMs: 2000 });
      await s.net.run('mdst', 'ip link set mdst-eth0 down', 5);
      await registerAll(s.base);
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') s?.writeLogs(`/tmp/spotlight-e2e-${version}-controller.log`);
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    it('flows are published once discovery has found the described ring, not at the end of the hold', async () => {
      const settled = s!.controller.logs.find((l) => l.message === 'topology settled; publishing flows');
      expect(settled, 'settle record').to.not.equal(undefined);
      expect(settled!.reason).to.equal('described links discovered');
      expect(settled!.links).to.equal(4);
      // The bootstrap probe trap (priority 65534) that let discovery run before is gone.
      for (const sw of ['s1', 's2', 's3', 's4']) expect(await s!.dumpFlows(sw), sw).to.not.include('priority=65534');
    });

    it('audits find the switches as installed: no command refused, groups and meters read back, no flow re-sent', async () => {
      const from = s!.controller.logs.length;
      // Two audit rounds (every 2 s here) over every switch; a clean audit logs nothing at info.
      await new Promise((r) => setTimeout(r, 4500));
      const records = s!.controller.logs.slice(from);
      const audits = records.filter((l) => l.message === 'flows reconciled' && l.audit === true);
      const refused = s!.controller.logs.filter((l) => l.message === 'switch error' || /switch (refused|keeps refusing)/.test(String(l.message)));
      expect(refused.map((l) => JSON.stringify(l)), 'switch errors').to.deep.equal([]);
      const resent = audits.filter((l) => l.message === 'flows reconciled' && (Number(l.adds) > 0 || Number(l.modifies) > 0 || Number(l.groups) > 0));
      expect(resent.map((l) => JSON.stringify(l)), 'audits that changed something').to.deep.equal([]);
    });

    it('the whole ping matrix is what the contract allows (ARP answered by the controller, then flows alone)', async () => {
      const sc = s!;
      const viaArp = mismatches(await sc.pingMatrix(MATRIX_HOSTS));
      expect(viaArp, 'with ARP resolved through Spotlight').to.deep.equal([]);
      await sc.staticNeighbours(MATRIX_HOSTS);
      const viaFlows = mismatches(await sc.pingMatrix(MATRIX_HOSTS));
      await sc.flushNeighbours(MATRIX_HOSTS);
      expect(viaFlows, 'with every neighbour known in advance').to.deep.equal([]);
      // Not vacuous: the scenario has allowed and denied pairs, and u1 reaches nobody.
      const pairs = MATRIX_HOSTS.flatMap((a) => MATRIX_HOSTS.filter((b) => b !== a).map((b) => allowed(a, b)));
      expect(pairs.filter(Boolean).length).to.be.greaterThan(10);
      expect(pairs.filter((x) => !x).length).to.be.greaterThan(30);
    });

    // The barrier behind ?wait confirms the OpenFlow tables; OVS revalidates
    // its datapath flows after them in its own threads, and about 1 first
    // ping in 200 to 700 sent within milliseconds of the 200 is lost at the
    // destination edge (none with 50 ms between them, or after `ovs-appctl
    // revalidator/wait`; see src/reconcile/README.md). So: every VM answers a
    // second ping 100 ms later, and at most 3 of the 50 first pings are lost.
    it('vm-start with ?wait: a ping right after the 200 succeeds (at most 3 first pings of 50 lost, a second one always answered)', async () => {
      const sc = s!;
      const a2 = host('a2');
      let ok = 0;
      let second = 0;
      const latencies: number[] = [];
      for (let i = 0; i < 50; i++) {
        const stop = await api(sc.base, 'POST', '/v1/hooks/vm-stop?wait=10', { vm: 'a2' });
        expect(stop.status).to.equal(200);
        const t0 = performance.now();
        const start = await api(sc.base, 'POST', '/v1/hooks/vm-start?wait=10', vmStartBody(a2));
        latencies.push(performance.now() - t0);
        expect(start.status, JSON.stringify(start.body)).to.equal(200);
        const r = await sc.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5);
        if (r.exitCode === 0) ok++;
        else {
          await new Promise((res) => setTimeout(res, 100));
          const again = await sc.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5);
          if (again.exitCode === 0) second++;
        }
      }
      latencies.sort((a, b) => a - b);
      console.log(`      OF${version} vm-start?wait: p50 ${latencies[25]!.toFixed(1)} ms, max ${latencies[49]!.toFixed(1)} ms; first pings ${ok}/50, the others answered 100 ms later ${second}/${50 - ok}`);
      expect(ok + second, 'every VM answers by the second ping').to.equal(50);
      expect(ok, 'first pings answered').to.be.at.least(47);
    });

    it('kill -9 and a restart during a 10 ms ping: no packet lost, no flow replaced, every VM still registered', async () => {
      const sc = s!;
      const a1 = host('a1');
      const a2 = host('a2');
      await sc.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5);
      const before = await dumpAll(sc);
      const beforeAt = Date.now();
      expect(before.every((f) => f.size > 10), 'flows on every switch before').to.equal(true);
      const vmsBefore = ((await api(sc.base, 'GET', '/v1/vms')).body.vms as { name: string }[]).map((v) => v.name).sort();
      const job = await sc.net.spawn('a1', `ping -i 0.01 -c 700 -W1 -q ${a2.ip}`);
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = Date.now();
      await stopController(sc.controller, 'SIGKILL');
      await sc.restart();
      await sc.waitSettled();
      const back = Date.now() - killedAt;
      // A resync that changed nothing: every flow that was there is still there with its duration running on.
      await new Promise((r) => setTimeout(r, 1000));
      const afterAt = Date.now();
      const after = await dumpAll(sc);
      const elapsedS = (afterAt - beforeAt) / 1000;
      const ping = pingLoss((await sc.net.collect(job, 30)).output);
      console.log(`      OF${version} restart: API back after ${back} ms; ping ${ping.received}/${ping.sent}`);
      expect(replacedFlows(before, after, elapsedS), 'flows removed or re-added').to.deep.equal([]);
      expect(ping.sent - ping.received, 'packets lost').to.equal(0);
      const vmsAfter = ((await api(sc.base, 'GET', '/v1/vms')).body.vms as { name: string }[]).map((v) => v.name).sort();
      expect(vmsAfter).to.deep.equal(vmsBefore);
      expect(a1.ip).to.be.a('string');
    });

    it('the controller away for 60 s (neighbour entries go stale and are re-checked meanwhile) and back: no packet lost, no host sees unreachable', async function () {
      this.timeout(240_000);
      const sc = s!;
      const a1 = host('a1');
      const a2 = host('a2');
      // Neighbour entries stay fresh for 2.5 to 7.5 s here, so during the absence a1 and a2 re-check each other with unicast ARP several times.
      for (const h of [a1, a2]) await sc.net.run(h.name, `sysctl -qw net.ipv4.neigh.${h.name}-eth0.base_reachable_time_ms=5000`, 5);
      await sc.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5);
      const job = await sc.net.spawn('a1', `ping -i 0.01 -c 8000 -W1 -q ${a2.ip}`);
      await new Promise((r) => setTimeout(r, 500));
      await stopController(sc.controller, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 60_000));
      const neigh = (await sc.net.run('a1', `ip neigh show ${a2.ip}`, 5)).output.trim();
      await sc.restart();
      await sc.waitSettled();
      const out = (await sc.net.collect(job, 60)).output;
      const ping = pingLoss(out);
      console.log(`      OF${version} 60 s away: ping ${ping.received}/${ping.sent}; a1's entry for a2 at the end of the absence: ${neigh}`);
      // Unreachable destinations show in the summary as "+N errors".
      expect(out, 'ping saw unreachable').to.not.match(/errors|unreachable/i);
      expect(ping.sent - ping.received, 'packets lost').to.equal(0);
    });

    it('drift: flows deleted by hand come back within one audit interval', async () => {
      const sc = s!;
      const a2 = host('a2');
      const b1 = host('b1');
      const full = parseDump(await sc.dumpFlows('s2'));
      const o = version === '1.3' ? '-O OpenFlow13 ' : '';
      const t0 = Date.now();
      await sc.net.switchCommand('s2', `ovs-ofctl ${o}del-flows s2 cookie=0x5370000000000000/0xffff000000000000`);
      const restored = await until('flows restored', async () => {
        const now = parseDump(await sc.dumpFlows('s2'));
        return now.size >= full.size ? now : undefined;
      }, { timeoutMs: 6000, retryErrors: true });
      const took = Date.now() - t0;
      // Every flow was deleted and added again (an audit may run before the first dump: the durations tell).
      const readded = [...restored.values()].filter((d) => d <= took / 1000 + 0.5).length;
      console.log(`      OF${version} drift: ${readded} of ${full.size} flows deleted and added back after ${took} ms (audit every 2000 ms)`);
      expect(readded, 'flows deleted and added back').to.be.greaterThan(full.size / 2);
      expect(took).to.be.lessThan(2000 + 1000);
      expect(sc.controller.logs.some((l) => l.message === 'audit repaired drift' && l.dpid === '0000000000000002'), 'the repair is logged').to.equal(true);
      const r = await sc.net.run('b1', `ping -c1 -W1 -q ${host('b2').ip}`, 5);
      expect(r.exitCode, 'b1 -> b2 through s2 again').to.equal(0);
      expect(a2.ip && b1.ip).to.be.a('string');
    });

    it('a switch whose controller session drops and comes back: no packet lost, no flow replaced anywhere', async () => {
      const sc = s!;
      const a2 = host('a2');
      const b2 = host('b2');
      await sc.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5);
      await sc.net.run('b1', `ping -c1 -W1 -q ${b2.ip}`, 5);
      const before = await dumpAll(sc);
      const beforeAt = Date.now();
      const jobA = await sc.net.spawn('a1', `ping -i 0.01 -c 400 -W1 -q ${a2.ip}`);
      const jobB = await sc.net.spawn('b1', `ping -i 0.01 -c 400 -W1 -q ${b2.ip}`);
      await new Promise((r) => setTimeout(r, 500));
      // b1 hangs off s2: its traffic crosses the switch whose session is cut. The controller
      // target is pointed at a dead port (removing it would make OVS flush the table).
      await sc.net.switchCommand('s2', 'ovs-vsctl set-controller s2 tcp:127.0.0.1:1');
      await until('s2 disconnected', async () => {
        const sws = (await api(sc.base, 'GET', '/v1/switches')).body.switches as { dpid: string; connected: boolean }[];
        return sws.find((x) => x.dpid === '0000000000000002')?.connected === false;
      }, { timeoutMs: 10_000, retryErrors: true });
      await new Promise((r) => setTimeout(r, 1500));
      await sc.net.switchCommand('s2', `ovs-vsctl set-controller s2 tcp:127.0.0.1:${sc.controller.openflowPort}`);
      await sc.waitSettled();
      await new Promise((r) => setTimeout(r, 1500));
      const afterAt = Date.now();
      const after = await dumpAll(sc);
      const elapsedS = (afterAt - beforeAt) / 1000;
      const pa = pingLoss((await sc.net.collect(jobA, 30)).output);
      const pb = pingLoss((await sc.net.collect(jobB, 30)).output);
      console.log(`      OF${version} s2 session cut for ~1.5 s: a1->a2 ${pa.received}/${pa.sent}, b1->b2 ${pb.received}/${pb.sent}`);
      expect(replacedFlows(before, after, elapsedS), 'flows removed or re-added').to.deep.equal([]);
      expect(pa.sent - pa.received, 'a1->a2 lost').to.equal(0);
      expect(pb.sent - pb.received, 'b1->b2 lost').to.equal(0);
    });

    it('live migration s1 -> s3 (gratuitous ARP) and back (RARP) during a 10 ms ping: loss at most 50 ms beyond the hold time', async () => {
      const sc = s!;
      const m = host('m');
      const mdst = host('mdst');
      const r0 = await sc.net.run('a1', `ping -c1 -W1 -q ${m.ip}`, 5);
      expect(r0.exitCode, 'm reachable before the move').to.equal(0);
      const HOLD_MS = 200;
      const moves = [
        { from: m, to: mdst, announce: garp(m.mac, m.ip), how: 'gratuitous ARP' },
        { from: mdst, to: m, announce: rarp(m.mac), how: 'RARP' },
      ];
      for (const mv of moves) {
        const start = await api(sc.base, 'POST', '/v1/hooks/migration-start?wait=10', {
          vm: 'm',
          interfaces: [{ mac: m.mac, switch: dpidOf(mv.to.switch), port: `${mv.to.switch}-eth${mv.to.port}` }],
        });
        expect(start.status, JSON.stringify(start.body)).to.equal(200);
        const job = await sc.net.spawn('a1', `ping -i 0.01 -c 300 -W1 -q ${m.ip}`);
        await new Promise((r) => setTimeout(r, 800));
        // The test holds the VM down: the source goes dark, HOLD_MS later the destination
        // comes up and announces itself. Everything after that is Spotlight's.
        const downAt = performance.now();
        await sc.net.run(mv.from.name, `ip link set ${mv.from.name}-eth0 down`, 5);
        await new Promise((r) => setTimeout(r, HOLD_MS));
        await sc.net.run(mv.to.name, `ip link set ${mv.to.name}-eth0 up`, 5);
        await sc.net.sendFrame(mv.to.name, mv.announce);
        const heldMs = performance.now() - downAt;
        const ping = pingLoss((await sc.net.collect(job, 30)).output);
        const end = await api(sc.base, 'POST', '/v1/hooks/migration-end?wait=10', { vm: 'm' });
        expect(end.status).to.equal(200);
        const lost = ping.sent - ping.received;
        const lostMs = lost * ping.intervalMs;
        console.log(
          `      OF${version} migration ${mv.from.switch} -> ${mv.to.switch} (${mv.how}): held down ${heldMs.toFixed(0)} ms, lost ${lost} of ${ping.sent} at ${ping.intervalMs.toFixed(1)} ms = ${lostMs.toFixed(0)} ms`,
        );
        const vm = (await api(sc.base, 'GET', '/v1/vms/m')).body as { interfaces: { switch: string }[] };
        expect(vm.interfaces[0]!.switch).to.equal(dpidOf(mv.to.switch));
        const r1 = await sc.net.run('a1', `ping -c1 -W1 -q ${m.ip}`, 5);
        expect(r1.exitCode, 'm reachable at its destination after migration-end').to.equal(0);
        expect(lostMs, 'ms lost').to.be.at.most(heldMs + 50);
        expect(lost, 'the hold itself is seen').to.be.greaterThan(0);
      }
    });

    it('migration-abort: the source stays, what was programmed at the destination goes', async () => {
      const sc = s!;
      const m = host('m');
      const mdst = host('mdst');
      const atDest = async () => (await sc.dumpFlows('s3')).split('\n').filter((l) => l.includes(m.mac) && l.includes('s3-eth5')).length;
      expect(await atDest(), 'nothing for m at s3 before').to.equal(0);
      const start = await api(sc.base, 'POST', '/v1/hooks/migration-start?wait=10', {
        vm: 'm',
        interfaces: [{ mac: m.mac, switch: '0000000000000003', port: `${mdst.switch}-eth${mdst.port}` }],
      });
      expect(start.status).to.equal(200);
      expect(await atDest(), 'destination programmed ahead').to.be.greaterThan(0);
      const abort = await api(sc.base, 'POST', '/v1/hooks/migration-abort?wait=10', { vm: 'm' });
      expect(abort.status).to.equal(200);
      expect(await atDest(), 'destination flows removed').to.equal(0);
      const vm = (await api(sc.base, 'GET', '/v1/vms/m')).body as { interfaces: { switch: string }[]; migration?: unknown };
      expect(vm.migration).to.equal(undefined);
      expect(vm.interfaces[0]!.switch).to.equal('0000000000000001');
      const r = await sc.net.run('a1', `ping -c1 -W1 -q ${m.ip}`, 5);
      expect(r.exitCode, 'm still reachable at its source').to.equal(0);
    });
  });
}
