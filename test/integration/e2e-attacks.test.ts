// Attacks from registered VMs against Spotlight on real Open vSwitch in
// Mininet, for OpenFlow 1.3 and 1.0: the ring of four switches of e2e.ts, two
// tenants' private networks, a public segment with its gateway. Each attack is
// crafted by test/support/craft.py (independent of Spotlight's frame code),
// judged by raw-socket sniffers at every other host counting the attack's tag,
// and paired with the legitimate version of the same traffic, which must
// arrive, so a blind sniffer or a dead fabric cannot pass for a blocked attack.
import { expect } from 'chai';
import { linkLocal, newTag, receivers, Sniffers, sendFrames, startFlood, floodResult, type CraftFrame } from '../support/craft.js';
import { api, E2eScenario, HOSTS, registerAll, type E2eHost, type Version } from '../support/e2e.js';
import { mininetReadiness } from '../support/mininet.js';

const host = (name: string): E2eHost => HOSTS.find((h) => h.name === name)!;
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const NOBODY_MAC = '02:de:ad:00:be:ef';
/** Every host but the sender: registered VMs of both tenants, the gateway, the unregistered u1 and the idle twin mdst. */
const othersThan = (...names: string[]): string[] => HOSTS.map((h) => h.name).filter((n) => !names.includes(n));

function pingSummary(output: string): { sent: number; received: number } {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(output);
  if (!m) throw new Error(`no ping summary in: ${output.slice(-300)}`);
  return { sent: Number(m[1]), received: Number(m[2]) };
}

/** Sum of a counter family in Prometheus text (every label set). */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

const SWITCHES = ['s1', 's2', 's3', 's4'];
const FLOOD_RATE = 10_000;
const FLOOD_SECONDS = 4;
/** Spotlight's default packet-in rate per switch (limits.packetInRate). */
const PACKET_IN_RATE = 100;
/** Pairs of VMs that ping each other during the flood (a1 floods). */
const PING_PAIRS: [string, string][] = [['b1', 'b2'], ['pa', 'gw'], ['a2', 'm']];
/** A probe VM on netB at the idle port s3-eth5: each start and stop changes flows on several switches. */
const PROBE = { vm: 'probe', tenant: 'B', interfaces: [{ mac: '02:00:00:00:0b:77', ips: ['10.2.0.77'], network: 'netB', switch: '0000000000000003', port: 's3-eth5' }] };

/** vm-start then vm-stop of the probe, both with ?wait; the time of vm-start. */
async function hookRound(sc: E2eScenario): Promise<{ ms: number; ok: boolean }> {
  const t0 = performance.now();
  const start = await api(sc.base, 'POST', '/v1/hooks/vm-start?wait=10', PROBE);
  const ms = performance.now() - t0;
  const stop = await api(sc.base, 'POST', '/v1/hooks/vm-stop?wait=10', { vm: 'probe' });
  return { ms, ok: start.status === 200 && stop.status === 200 };
}

interface FloodFigures {
  label: string;
  sent: number;
  during: number[];
  hooksOk: boolean;
  pings: { pair: string; sent: number; received: number }[];
  packetIns: number;
  healthy: boolean;
  /** Topology changes the controller logged from the flood's start until 2.5 s after it (links timed out and found again). */
  fabricChanges: number;
}

/** One flood from a1 with pings between other VMs and hook rounds meanwhile; prints its figures. */
async function floodRound(sc: E2eScenario, label: string): Promise<FloodFigures> {
  const a1 = host('a1');
  const metrics = async () => (await fetch(`${sc.base}/metrics`)).text();
  const before = counterSum(await metrics(), 'spotlight_packet_ins_total');
  const logsBefore = sc.controller.logs.length;
  const flood = await startFlood(sc.net, 'a1', { mac: a1.mac, ip: a1.ip, rate: FLOOD_RATE, seconds: FLOOD_SECONDS });
  await new Promise((r) => setTimeout(r, 300));
  const pingJobs: number[] = [];
  for (const [x, y] of PING_PAIRS) pingJobs.push(await sc.net.spawn(x, `ping -i 0.01 -c 300 -W1 -q ${host(y).ip}`));
  const during: number[] = [];
  let hooksOk = true;
  const floodEnd = Date.now() + (FLOOD_SECONDS - 0.5) * 1000;
  while (Date.now() < floodEnd) {
    const r = await hookRound(sc);
    hooksOk &&= r.ok;
    during.push(r.ms);
  }
  const sent = await floodResult(sc.net, flood, FLOOD_SECONDS);
  const floodDone = Date.now();
  const pings = [];
  for (const [i, job] of pingJobs.entries()) pings.push({ pair: PING_PAIRS[i]!.join('->'), ...pingSummary((await sc.net.collect(job, 20)).output) });
  const packetIns = counterSum(await metrics(), 'spotlight_packet_ins_total') - before;
  const healthy = (await api(sc.base, 'GET', '/v1/health')).status === 200;
  // A link starved of probes times out after a few probe intervals (500 ms here): look a little past the flood.
  await new Promise((r) => setTimeout(r, Math.max(0, floodDone + 2500 - Date.now())));
  const fabricChanges = sc.controller.logs.slice(logsBefore).filter((l) => l.message === 'fabric changed; flows recompiled' || l.message === 'link discovered').length;
  console.log(
    `      ${label}: ${sent.sent} frames in ${sent.seconds} s (${Math.round(sent.sent / sent.seconds)}/s) from a1; ` +
      `vm-start?wait during the flood p50 ${pct(during, 50).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms over ${during.length} rounds; ` +
      `ping loss ${pings.map((p) => `${p.pair} ${p.sent - p.received}/${p.sent}`).join(', ')}; ` +
      `packet-ins ${packetIns} (of ${Math.floor(sent.sent / 2)} ARP and LLDP frames in the flood); topology changes ${fabricChanges}`,
  );
  return { label, sent: sent.sent, during, hooksOk, pings, packetIns, healthy, fabricChanges };
}

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`attacks from VMs on Mininet, OpenFlow ${version}`, function () {
    this.timeout(60_000);
    let s: E2eScenario | undefined;
    const net = () => s!.net;

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { auditIntervalMs: 5000 });
      await registerAll(s.base);
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') s?.writeLogs(`/tmp/spotlight-attacks-${version}-controller.log`);
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    /** Sniffs at `at` while `sender` sends `frames`; returns who saw which tag. */
    async function attack(sender: string, frames: CraftFrame[], at = othersThan(sender), seconds = 2) {
      const tags = [...new Set(frames.map((f) => f.tag!))];
      const sniffers = await Sniffers.start(net(), at, tags, seconds);
      await sendFrames(net(), sender, frames, 3);
      return sniffers.collect();
    }

    it('MAC spoofing: frames with another VM\'s MAC or a random MAC reach no one; the own MAC gets through', async () => {
      const a1 = host('a1'), a2 = host('a2'), b1 = host('b1'), b2 = host('b2');
      const [stolen, random, legit] = [newTag(), newTag(), newTag()];
      const udp = (src: string, dst: string, tag: string, dstIp = a2.ip): CraftFrame => ({ kind: 'udp4', src, dst, srcIp: a1.ip, dstIp, tag });
      const res = await attack('a1', [
        udp(b1.mac, a2.mac, stolen),
        udp(b1.mac, b2.mac, stolen, b2.ip),
        udp(b1.mac, BROADCAST, stolen, '255.255.255.255'),
        udp('02:5a:11:0f:77:21', a2.mac, random),
        udp('02:5a:11:0f:77:21', BROADCAST, random, '255.255.255.255'),
        udp(a1.mac, a2.mac, legit),
      ]);
      expect(receivers(res, stolen), 'source MAC of b1').to.deep.equal([]);
      expect(receivers(res, random), 'random source MAC').to.deep.equal([]);
      expect(receivers(res, legit), 'own MAC').to.deep.equal(['a2']);
    });

    it('IP spoofing: IPv4 and IPv6 sources not the VM\'s own reach no one; its own addresses get through', async () => {
      const a1 = host('a1'), a2 = host('a2');
      const [v4, v6, legit4, legit6] = [newTag(), newTag(), newTag(), newTag()];
      const res = await attack('a1', [
        { kind: 'udp4', src: a1.mac, dst: a2.mac, srcIp: '10.1.0.77', dstIp: a2.ip, tag: v4 },
        { kind: 'udp4', src: a1.mac, dst: a2.mac, srcIp: host('b1').ip, dstIp: a2.ip, tag: v4 },
        { kind: 'udp4', src: a1.mac, dst: a2.mac, srcIp: a2.ip, dstIp: a2.ip, tag: v4 },
        // The unspecified source passes only as a DHCP client (UDP 68 -> 67), never to another port.
        { kind: 'udp4', src: a1.mac, dst: a2.mac, srcIp: '0.0.0.0', dstIp: a2.ip, sport: 68, dport: 9, tag: v4 },
        { kind: 'udp6', src: a1.mac, dst: a2.mac, srcIp: linkLocal(a2.mac), dstIp: linkLocal(a2.mac), tag: v6 },
        { kind: 'udp6', src: a1.mac, dst: a2.mac, srcIp: 'fe80::1234', dstIp: linkLocal(a2.mac), tag: v6 },
        { kind: 'udp6', src: a1.mac, dst: a2.mac, srcIp: '2001:db8::1', dstIp: linkLocal(a2.mac), tag: v6 },
        { kind: 'udp4', src: a1.mac, dst: a2.mac, srcIp: a1.ip, dstIp: a2.ip, tag: legit4 },
        { kind: 'udp6', src: a1.mac, dst: a2.mac, srcIp: linkLocal(a1.mac), dstIp: linkLocal(a2.mac), tag: legit6 },
      ]);
      expect(receivers(res, v4), 'forged IPv4 sources').to.deep.equal([]);
      expect(receivers(res, v6), 'forged IPv6 sources').to.deep.equal([]);
      expect(receivers(res, legit4), 'own IPv4 source').to.deep.equal(['a2']);
      // OF1.0 cannot match IPv6 sources, so it drops all IPv6 from access ports (flows/PIPELINE.md).
      if (version === '1.3') expect(receivers(res, legit6), 'own EUI-64 link-local source').to.deep.equal(['a2']);
      else expect(receivers(res, legit6), 'IPv6 on OF1.0').to.deep.equal([]);
    });

    it('ARP poisoning: gratuitous ARP and replies claiming a1\'s IP never reach a2, whose neighbour entry stays right', async () => {
      const a1 = host('a1'), a2 = host('a2'), m = host('m');
      // The legitimate path first: a2 resolves a1 through Spotlight's answer and reaches it.
      await net().run('a2', 'ip neigh flush dev a2-eth0', 5);
      const ping = await net().run('a2', `ping -c2 -W1 -q ${a1.ip}`, 10);
      expect(ping.exitCode, ping.output).to.equal(0);
      const neigh = async () => (await net().run('a2', `ip neigh show ${a1.ip} dev a2-eth0`, 5)).output.toLowerCase();
      expect(await neigh()).to.contain(a1.mac);
      // Linux ignores ARP updates within locktime (1 s) of the last one: wait it out so a leak would show.
      await new Promise((r) => setTimeout(r, 1200));
      const [poison, own] = [newTag(), newTag()];
      const res = await attack(
        'm',
        [
          { kind: 'arp', src: m.mac, dst: BROADCAST, op: 1, spa: a1.ip, tpa: a1.ip, tag: poison },
          { kind: 'arp', src: m.mac, dst: BROADCAST, op: 2, spa: a1.ip, tha: BROADCAST, tpa: a1.ip, tag: poison },
          { kind: 'arp', src: m.mac, dst: a2.mac, op: 2, spa: a1.ip, tha: a2.mac, tpa: a2.ip, tag: poison },
          // A reply with another VM's sender MAC as well, sent under that MAC.
          { kind: 'arp', src: a1.mac, dst: a2.mac, op: 2, sha: m.mac, spa: a1.ip, tha: a2.mac, tpa: a2.ip, tag: poison },
          // m asks for a2 with its own addresses: answered by the controller, seen by m alone.
          { kind: 'arp', src: m.mac, dst: BROADCAST, op: 1, spa: m.ip, tpa: a2.ip, tag: own },
        ],
        othersThan('m').concat('m'),
      );
      expect(receivers(res, poison), 'poisoning ARP').to.deep.equal([]);
      expect(await neigh(), 'a2\'s entry for a1').to.contain(a1.mac).and.not.contain(m.mac);
      // Requests are answered, never flooded: nobody else sees m's own request.
      expect(receivers(res, own).filter((h) => h !== 'm'), 'own ARP request flooded').to.deep.equal([]);
      const answer = await net().run('m', `arping -c1 -w2 -I m-eth0 ${a2.ip}`, 5);
      expect(answer.output.toLowerCase(), 'm\'s request answered with a2\'s MAC').to.contain(a2.mac);
    });

    it('rogue DHCP: server messages (UDP 67->68) from a VM reach no one; the gateway\'s and ordinary UDP get through', async () => {
      const pa = host('pa'), pa2 = host('pa2'), a1 = host('a1'), a2 = host('a2'), gw = host('gw');
      const [rogue, rogueA, gwOffer, udp] = [newTag(), newTag(), newTag(), newTag()];
      const res = await attack('pa', [
        { kind: 'dhcp-offer', src: pa.mac, dst: BROADCAST, srcIp: pa.ip, yiaddr: '10.9.0.100', tag: rogue },
        { kind: 'dhcp-offer', src: pa.mac, dst: pa2.mac, srcIp: pa.ip, dstIp: pa2.ip, yiaddr: pa2.ip, chaddr: pa2.mac, tag: rogue },
        { kind: 'udp4', src: pa.mac, dst: pa2.mac, srcIp: pa.ip, dstIp: pa2.ip, sport: 4067, dport: 4068, tag: udp },
      ]);
      expect(receivers(res, rogue), 'rogue offers on the public segment').to.deep.equal([]);
      expect(receivers(res, udp), 'pa -> pa2 (same tenant) ordinary UDP').to.deep.equal(['pa2']);
      // On a private network (no DHCP server configured) too.
      const resA = await attack('a1', [
        { kind: 'dhcp-offer', src: a1.mac, dst: BROADCAST, srcIp: a1.ip, yiaddr: '10.1.0.100', tag: rogueA },
        { kind: 'dhcp-offer', src: a1.mac, dst: a2.mac, srcIp: a1.ip, dstIp: a2.ip, yiaddr: a2.ip, chaddr: a2.mac, tag: rogueA },
      ]);
      expect(receivers(resA, rogueA), 'rogue offers on a private network').to.deep.equal([]);
      // DHCP requests (0.0.0.0:68 -> 67) go to the DHCP server only; no network here binds one, so no VM sees them.
      const discover = newTag();
      const resReq = await attack('pa', [
        { kind: 'udp4', src: pa.mac, dst: BROADCAST, srcIp: '0.0.0.0', dstIp: '255.255.255.255', sport: 68, dport: 67, tag: discover },
        { kind: 'udp4', src: pa.mac, dst: pa2.mac, srcIp: '0.0.0.0', dstIp: pa2.ip, sport: 68, dport: 67, tag: discover },
      ]);
      expect(receivers(resReq, discover).filter((h) => h !== 'gw'), 'DHCP requests seen by VMs').to.deep.equal([]);
      // The gateway serves the segment (the model binds no separate DHCP server): its offer arrives.
      const resGw = await attack('gw', [{ kind: 'dhcp-offer', src: gw.mac, dst: pa.mac, srcIp: gw.ip, dstIp: pa.ip, yiaddr: pa.ip, chaddr: pa.mac, tag: gwOffer }]);
      expect(receivers(resGw, gwOffer), 'the gateway\'s offer').to.deep.equal(['pa']);
    });

    it('IPv6 router advertisements from VMs reach no one; the gateway\'s reach the members (OF1.3)', async () => {
      const [ra, legit] = [newTag(), newTag()];
      const resPub = await attack('pa', [
        { kind: 'ra', src: host('pa').mac, tag: ra },
        { kind: 'ra', src: host('pa').mac, dst: host('pa2').mac, tag: ra },
      ]);
      const resPriv = await attack('a1', [
        { kind: 'ra', src: host('a1').mac, tag: ra },
        { kind: 'ra', src: host('a1').mac, dst: host('a2').mac, tag: ra },
      ]);
      expect(receivers(resPub, ra), 'RA from a public member').to.deep.equal([]);
      expect(receivers(resPriv, ra), 'RA from a private member').to.deep.equal([]);
      const resGw = await attack('gw', [{ kind: 'ra', src: host('gw').mac, tag: legit }]);
      // IPv6 from access ports is dropped on OF1.0 (its source cannot be matched): even the gateway's.
      const want = version === '1.3' ? ['pa', 'pb', 'pa2', 'pb2'] : [];
      expect(receivers(resGw, legit).sort(), 'the gateway\'s RA').to.deep.equal(want.sort());
    });

    it('neighbour discovery spoofing: advertisements for another VM\'s address or MAC reach no one; the VM\'s own get through (OF1.3)', async () => {
      const a1 = host('a1'), a2 = host('a2'), m = host('m');
      const [spoof, legit] = [newTag(), newTag()];
      const res = await attack('a1', [
        // a2's link-local address claimed for a1's MAC, to m and to all nodes.
        { kind: 'na', src: a1.mac, dst: m.mac, dstIp: linkLocal(m.mac), target: linkLocal(a2.mac), tag: spoof },
        { kind: 'na', src: a1.mac, target: linkLocal(a2.mac), tag: spoof },
        // a1's own address with a2's MAC in the option.
        { kind: 'na', src: a1.mac, dst: m.mac, dstIp: linkLocal(m.mac), target: linkLocal(a1.mac), lla: a2.mac, tag: spoof },
        // A solicitation naming a2's MAC as its source.
        { kind: 'ns', src: a1.mac, target: linkLocal(m.mac), lla: a2.mac, tag: spoof },
        { kind: 'ns', src: a1.mac, dst: m.mac, target: linkLocal(m.mac), lla: a2.mac, tag: spoof },
        // Its own address and MAC: to m, and to all nodes of netA (a2 and m).
        { kind: 'na', src: a1.mac, dst: m.mac, dstIp: linkLocal(m.mac), target: linkLocal(a1.mac), tag: legit },
        { kind: 'na', src: a1.mac, target: linkLocal(a1.mac), tag: legit },
      ]);
      expect(receivers(res, spoof), 'spoofed neighbour discovery').to.deep.equal([]);
      // OF1.0 drops all IPv6 from access ports (flows/PIPELINE.md).
      expect(receivers(res, legit).sort(), 'own advertisements').to.deep.equal(version === '1.3' ? ['a2', 'm'] : []);
    });

    it('broadcast stays inside its network: another tenant sees nothing, a VLAN-tagged frame reaches no one', async () => {
      const b1 = host('b1');
      const [bcast, tagged] = [newTag(), newTag()];
      const frames: CraftFrame[] = [{ kind: 'udp4', src: b1.mac, dst: BROADCAST, srcIp: b1.ip, dstIp: '255.255.255.255', tag: bcast }];
      // Frames carrying a segment tag of their own, as if already on the fabric (and a priority tag, VLAN 0).
      for (const vlan of [0, 1, 2, 3, 4]) frames.push({ kind: 'udp4', src: b1.mac, dst: BROADCAST, srcIp: b1.ip, dstIp: '255.255.255.255', vlan, tag: tagged });
      const res = await attack('b1', frames);
      expect(receivers(res, bcast), 'b1\'s broadcast').to.deep.equal(['b2']);
      expect(receivers(res, tagged), 'tagged broadcast from an access port').to.deep.equal([]);
    });

    it('unknown unicast is dropped, never flooded; known unicast arrives', async () => {
      const a1 = host('a1'), pa = host('pa');
      const [unknown, known] = [newTag(), newTag()];
      const res = await attack('a1', [
        { kind: 'udp4', src: a1.mac, dst: NOBODY_MAC, srcIp: a1.ip, dstIp: '10.1.0.200', tag: unknown },
        { kind: 'udp4', src: a1.mac, dst: host('u1').mac, srcIp: a1.ip, dstIp: host('u1').ip, tag: unknown },
        { kind: 'udp4', src: a1.mac, dst: host('a2').mac, srcIp: a1.ip, dstIp: host('a2').ip, tag: known },
      ]);
      const resPub = await attack('pa', [{ kind: 'udp4', src: pa.mac, dst: NOBODY_MAC, srcIp: pa.ip, dstIp: '10.9.0.200', tag: unknown }]);
      expect(receivers(res, unknown), 'to a MAC nobody has, or an unregistered host').to.deep.equal([]);
      expect(receivers(resPub, unknown), 'to a MAC nobody has, public segment').to.deep.equal([]);
      expect(receivers(res, known), 'to a2').to.deep.equal(['a2']);
    });

    it('a flood of 10,000 unknown frames per second: hooks answer, other VMs keep talking, the controller stays up', async function () {
      this.timeout(120_000);
      const sc = s!;
      // Pings between other VMs go by their flows alone: neighbours known in advance.
      for (const [x, y] of PING_PAIRS) {
        const hx = host(x), hy = host(y);
        await sc.net.run(x, `ip neigh replace ${hy.ip} lladdr ${hy.mac} dev ${x}-eth0 nud permanent`, 5);
        await sc.net.run(y, `ip neigh replace ${hx.ip} lladdr ${hx.mac} dev ${y}-eth0 nud permanent`, 5);
      }
      const quiet: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await hookRound(sc);
        expect(r.ok).to.equal(true);
        quiet.push(r.ms);
      }
      console.log(`      OF${version} vm-start?wait with no flood: p50 ${pct(quiet, 50).toFixed(1)} ms, max ${Math.max(...quiet).toFixed(1)} ms`);
      const rounds: FloodFigures[] = [];
      if (version === '1.0') {
        // OF1.0 has no meters: unless the operator sets OVS's controller rate limit, every controller-bound frame arrives.
        rounds.push(await floodRound(sc, 'OF1.0 without a rate limit'));
        for (const sw of SWITCHES) await sc.net.switchCommand(sw, `ovs-vsctl set controller ${sw} controller_rate_limit=${PACKET_IN_RATE} controller_burst_limit=25`);
        rounds.push(await floodRound(sc, 'OF1.0 with OVS controller_rate_limit (the operator step of src/reconcile/README.md)'));
      } else {
        rounds.push(await floodRound(sc, 'OF1.3 (packet-in meter)'));
      }
      for (const r of rounds) {
        expect(r.sent, `${r.label}: the flood ran at its rate`).to.be.greaterThan(0.7 * FLOOD_RATE * FLOOD_SECONDS);
        expect(r.hooksOk, `${r.label}: every hook answered 200 within its wait`).to.equal(true);
        expect(r.during.length, `${r.label}: hooks served during the flood`).to.be.greaterThan(1);
        for (const p of r.pings) expect(p.received, `${r.label}: ${p.pair} pings answered during the flood`).to.be.greaterThan(0.9 * p.sent);
        expect(r.healthy, `${r.label}: controller healthy after the flood`).to.equal(true);
        // The flood must not starve the fabric ports' discovery probes (flows/PIPELINE.md, "Choices and limits"),
        // OF1.0 without OVS's rate limit included: the channel's packet-in bound is fair per input port (src/channel).
        expect(r.fabricChanges, `${r.label}: fabric links lost and found during the flood`).to.equal(0);
      }
      expect(sc.controller.child.exitCode, 'controller still running').to.equal(null);
      // The limited path lets through about rate x time (+ burst) from the flooded switch; the rest stays in the switch.
      const limited = rounds[rounds.length - 1]!;
      expect(limited.packetIns, `${limited.label}: packet-ins let through`).to.be.lessThan(2 * (PACKET_IN_RATE * (FLOOD_SECONDS + 1) + 50));
    });
  });
}
