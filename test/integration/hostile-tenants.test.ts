// Hostile tenants against Spotlight with real Open vSwitch in Mininet, for
// OpenFlow 1.3 and 1.0, on the ring of e2e.ts. The controller is not given
// the ring's description: it learns the fabric from its own probes, the case
// where a tenant's frames are all it has to go on.
// 1. An LLDP wormhole: a1 (s1) and a2 (s3), VMs of one tenant, and u1, an
//    unregistered host on s2 that receives the controller's live probes, pass
//    every probe they receive to the other two, which send it out of their
//    own port (craft.py relay). GET /v1/topology must stay the ring, sampled
//    throughout, and a1 and a2 must keep talking.
// 2. A flood: a1 sends 10,000 frames a second that all go to the controller
//    (ARP for unknown addresses, LLDP); its neighbour m on the same
//    switch resolves a2 with arping (Thomas Habets' arping, an independent
//    tool), and every request must be answered within 100 ms.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floodResult, relayResult, startFlood, startRelay } from '../support/craft.js';
import { api, E2eScenario, registerAll, NETWORKS, HOSTS, type ScenarioSpec, type Version } from '../support/e2e.js';
import { until } from '../support/wait.js';
import { mininetReadiness } from '../support/mininet.js';

const host = (name: string) => HOSTS.find((h) => h.name === name)!;
const a1 = host('a1');
const a2 = host('a2');
const m = host('m');
/** a1, a2 and m are VMs of tenant A (a1 and m on s1, a2 on s3); u1 (s2 port 5) is bound to nothing. */
const SPEC: ScenarioSpec = {
  networks: NETWORKS.filter((n) => n.name === 'netA'),
  hosts: [a1, a2, m, host('u1')],
  relations: [],
};
const RELAY_SECONDS = 8;
const FLOOD_RATE = 10_000;
const FLOOD_SECONDS = 8;
const ARP_REQUESTS = 20;
/** The most an ARP answer may take while the neighbour floods. */
const ARP_LIMIT_MS = 100;

interface Link {
  a: { switch: string; port: string | number };
  b: { switch: string; port: string | number };
}

/** The links of GET /v1/topology, each written "sw:port-sw:port" with its ends in order, sorted. */
async function linksOf(sc: E2eScenario): Promise<string[]> {
  const links = (await api(sc.base, 'GET', '/v1/topology')).body.links as Link[];
  return links.map((l) => [`${l.a.switch}:${String(l.a.port)}`, `${l.b.switch}:${String(l.b.port)}`].sort().join('-')).sort();
}

/** Reply times in ms from Habets arping's "... index=N time=T msec" lines (usec and sec converted). */
function arpingTimes(output: string): number[] {
  const scale: Record<string, number> = { usec: 0.001, msec: 1, sec: 1000 };
  return [...output.matchAll(/index=\d+ time=([\d.]+) (usec|msec|sec)/g)].map((x) => Number(x[1]) * scale[x[2]!]!);
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

/** arping from m for a2's address: one request every 200 ms. */
async function arpingA2(sc: E2eScenario): Promise<{ times: number[]; output: string }> {
  const r = await sc.net.run('m', `arping -c ${ARP_REQUESTS} -W 0.2 -i m-eth0 ${a2.ip}`, 30);
  return { times: arpingTimes(r.output), output: r.output };
}

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`hostile tenants on Mininet, OpenFlow ${version}, fabric learnt from probes`, function () {
    this.timeout(90_000);
    let s: E2eScenario | undefined;
    const sc = (): E2eScenario => s!;

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { spec: SPEC, describedCabling: false });
      await registerAll(s.base, 10, SPEC);
      await until('a1 reaches a2', async () => (await s!.net.run('a1', `ping -c1 -W1 -q ${a2.ip}`, 5)).output.includes(' 1 received'), { stepMs: 200, retryErrors: true });
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') s?.writeLogs(`/tmp/spotlight-hostile-tenants-${version}-controller.log`);
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    it('hosts relaying live probes between their access ports change nothing in GET /v1/topology; the VMs keep talking', async () => {
      const ring = await linksOf(sc());
      expect(ring, 'the ring before the relay').to.have.length(4);
      const dir = mkdtempSync(join(tmpdir(), 'spotlight-wormhole-'));
      const ends = ['a1', 'a2', 'u1'];
      const file = (h: string): string => join(dir, `${h}.lldp`);
      try {
        const jobs = new Map<string, number>();
        for (const h of ends) {
          jobs.set(h, await startRelay(sc().net, h, { seconds: RELAY_SECONDS, out: file(h), ins: ends.filter((x) => x !== h).map(file), src: host(h).mac }));
        }
        const pings = sc().net.run('a1', `ping -c 20 -i 0.3 -W 1 -q ${a2.ip}`, 30);
        const seen = new Set<string>();
        let samples = 0;
        const end = Date.now() + (RELAY_SECONDS + 2) * 1000;
        while (Date.now() < end) {
          seen.add((await linksOf(sc())).join(' '));
          samples++;
          await new Promise((r) => setTimeout(r, 250));
        }
        const relayed = new Map<string, { received: number; sent: number }>();
        for (const [h, job] of jobs) relayed.set(h, await relayResult(sc().net, job, RELAY_SECONDS));
        const pinged = await pings;
        console.log(`      ${version}: relays ${[...relayed].map(([h, r]) => `${h} received ${r.received}, sent ${r.sent}`).join('; ')}; ${samples} topology samples`);

        expect(relayed.get('u1')!.received, 'live probes received at the unbound port s2:5').to.be.greaterThan(0);
        expect(relayed.get('a1')!.sent + relayed.get('a2')!.sent, 'probes sent into the VMs\' ports').to.be.greaterThan(0);
        expect([...seen], 'GET /v1/topology while the relay ran').to.deep.equal([ring.join(' ')]);
        expect(relayed.get('a1')!.received + relayed.get('a2')!.received, 'probes sent out of ports with a VM bound').to.equal(0);
        expect(pinged.output, 'a1 pings a2 while the relay runs').to.match(/20 packets transmitted, 20 received/);
        expect(await linksOf(sc()), 'GET /v1/topology after the relay').to.deep.equal(ring);
        const after = await sc().net.run('a2', `ping -c3 -i0.2 -W2 -q ${a1.ip}`, 15);
        expect(after.output, 'a2 pings a1 after the relay').to.match(/3 packets transmitted, 3 received/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`a VM flooding ${FLOOD_RATE} frames/s leaves its neighbour's ARP requests answered within ${ARP_LIMIT_MS} ms (arping)`, async () => {
      const quiet = await arpingA2(sc());
      expect(quiet.times, `quiet arping answered: ${quiet.output}`).to.have.length(ARP_REQUESTS);
      // ARP requests for unknown addresses and LLDP only: every frame of the flood is one the switch sends to the controller.
      const flood = await startFlood(sc().net, 'a1', { mac: a1.mac, ip: a1.ip, rate: FLOOD_RATE, seconds: FLOOD_SECONDS, kinds: [2, 3] });
      // Let the flood reach its rate before measuring.
      await new Promise((r) => setTimeout(r, 1000));
      const during = await arpingA2(sc());
      const sent = await floodResult(sc().net, flood, FLOOD_SECONDS);
      console.log(
        `      ${version}: flood ${sent.sent} frames in ${sent.seconds} s; m's arping for a2: quiet median ${median(quiet.times).toFixed(2)} ms, max ${Math.max(...quiet.times).toFixed(2)} ms; ` +
          `during the flood ${during.times.length}/${ARP_REQUESTS} answered, median ${median(during.times).toFixed(2)} ms, max ${Math.max(...during.times).toFixed(2)} ms`,
      );
      expect(sent.sent, 'frames the flood sent').to.be.greaterThan(0.7 * FLOOD_RATE * FLOOD_SECONDS);
      expect(during.times, `ARP requests answered during the flood: ${during.output}`).to.have.length(ARP_REQUESTS);
      for (const t of during.times) expect(t, 'ARP answer time during the flood (ms)').to.be.below(ARP_LIMIT_MS);
      expect(during.output.toLowerCase(), 'answered with a2\'s MAC').to.contain(a2.mac);
    });
  });
}
