// Spotlight on a Mininet fat-tree, OpenFlow 1.0 and 1.3: four edge switches,
// each cabled to both aggregation switches, three hosts on every edge (two
// tenants' private networks, a public segment with a gateway and a relation,
// one host nobody registered). Judged by real pings, by what the aggregation
// switches hold (ovs-ofctl dump-flows), by their port counters under traffic
// from many host pairs at once, and by what is lost when an uplink is cut:
// with the controller frozen (the switches alone, OF1.3 fast failover, both
// directions) and with it reacting.
import { expect } from 'chai';
import { allowed, E2eScenario, registerAll, type E2eHost, type Version } from '../support/e2e.js';
import { AGGREGATIONS, EDGES, FAT_TREE, HOSTS, longestGap, pingRun, SPEC } from '../support/fat-tree.js';
import { mininetReadiness } from '../support/mininet.js';

const host = (name: string): E2eHost => HOSTS.find((h) => h.name === name)!;

function mismatches(seen: Map<string, boolean>): string[] {
  const out: string[] = [];
  for (const a of HOSTS) {
    for (const b of HOSTS) {
      if (a === b) continue;
      const want = allowed(a, b, SPEC);
      const got = seen.get(`${a.name}>${b.name}`);
      if (got !== want) out.push(`${a.name}->${b.name}: ${got ? 'reached (false allow)' : 'no reply (false deny)'}`);
    }
  }
  return out;
}

/** Per port name, the rx and tx packet counters of `ovs-ofctl dump-ports`. */
function portCounters(sw: string, text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const m of text.matchAll(/port\s+"?([\w-]+)"?:\s*rx pkts=(\d+)[^\n]*\n\s*tx pkts=(\d+)/g)) {
    const name = /^\d+$/.test(m[1]!) ? `${sw}-eth${m[1]}` : m[1]!;
    if (name !== 'LOCAL') out.set(name, { rx: Number(m[2]), tx: Number(m[3]) });
  }
  return out;
}

/**
 * Linux's SO_NO_CHECK: send IPv4 UDP with checksum 0 ("none"). A host's veth
 * leaves the UDP checksum to offload, the userspace datapath forwards it
 * unfilled, and the receiving kernel would drop the datagram as corrupt.
 */
const SO_NO_CHECK = 11;

/** UDP datagrams from `ports` source ports to each peer (port 9), `rounds` times, 5 ms apart. */
function udpSender(peers: string[], ports: number, rounds: number): string {
  const py = [
    'import socket, time',
    `peers = ${JSON.stringify(peers)}`,
    'socks = []',
    `for k in range(${ports}):`,
    '    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    `    s.setsockopt(socket.SOL_SOCKET, ${SO_NO_CHECK}, 1)`,
    '    s.bind(("", 41000 + k))',
    '    socks.append(s)',
    `for r in range(${rounds}):`,
    '    for s in socks:',
    '        for p in peers:',
    '            s.sendto(b"x" * 64, (p, 9))',
    '    time.sleep(0.005)',
  ].join('\n');
  return `/usr/bin/python3 -c '${py}'`;
}

/** `count` UDP datagrams numbered from 1 with their send time (ms, the host's monotonic clock), one every `intervalS`, from source port 42000 to `ip` port 9. */
function udpStream(ip: string, count: number, intervalS: number): string {
  const py = [
    'import socket, time',
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    `s.setsockopt(socket.SOL_SOCKET, ${SO_NO_CHECK}, 1)`,
    's.bind(("", 42000))',
    `for n in range(1, ${count + 1}):`,
    `    s.sendto(("%d %.3f" % (n, time.monotonic() * 1000)).encode(), ("${ip}", 9))`,
    `    time.sleep(${intervalS})`,
  ].join('\n');
  return `/usr/bin/python3 -c '${py}'`;
}

/** Prints each datagram received on port 9 until `count` came or `seconds` passed. */
function udpReceiver(count: number, seconds: number): string {
  const py = [
    'import socket, time',
    's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
    's.bind(("", 9))',
    `end = time.time() + ${seconds}`,
    'got = 0',
    `while got < ${count} and time.time() < end:`,
    '    s.settimeout(max(0.01, end - time.time()))',
    '    try:',
    '        d = s.recv(64)',
    '    except socket.timeout:',
    '        break',
    '    got += 1',
    '    print("got " + d.decode(), flush=True)',
  ].join('\n');
  return `/usr/bin/python3 -c '${py}'`;
}

/** The datagrams received: their number and send time (ms), in number order. */
const received = (output: string): { n: number; t: number }[] =>
  [...output.matchAll(/^got (\d+) ([\d.]+)$/gm)].map((m) => ({ n: Number(m[1]), t: Number(m[2]) })).sort((a, b) => a.n - b.n);

/**
 * The longest stretch of the stream lost, in ms of send time: across each run
 * of missing numbers, the time between the datagrams sent either side of it,
 * less the usual spacing (the median between consecutive numbers). A sender
 * that stalls loses nothing and counts nothing.
 */
function lostMs(got: { n: number; t: number }[]): number {
  const spacing = got.slice(1).flatMap((g, i) => (g.n === got[i]!.n + 1 ? [g.t - got[i]!.t] : [])).sort((a, b) => a - b);
  const usual = spacing[Math.floor(spacing.length / 2)] ?? 0;
  let worst = 0;
  for (let i = 1; i < got.length; i++) if (got[i]!.n > got[i - 1]!.n + 1) worst = Math.max(worst, got[i]!.t - got[i - 1]!.t - usual);
  return worst;
}

for (const version of ['1.3', '1.0'] as Version[]) {
  describe(`fat-tree on Mininet, OpenFlow ${version}`, function () {
    this.timeout(120_000);
    let s: E2eScenario | undefined;
    const sc = (): E2eScenario => s!;

    before(async function () {
      this.timeout(300_000);
      const ready = mininetReadiness();
      if (ready === 'not-root') this.skip();
      if (ready !== 'ready') throw new Error(ready.error);
      s = await E2eScenario.start(version, { spec: SPEC, fabric: FAT_TREE, auditIntervalMs: 2000 });
      await registerAll(s.base, 10, SPEC);
    });

    afterEach(function () {
      if (this.currentTest?.state === 'failed') s?.writeLogs(`/tmp/spotlight-fat-tree-${version}-controller.log`);
    });

    after(async function () {
      this.timeout(120_000);
      await s?.stop();
    });

    it('the whole ping matrix is what the contract allows', async () => {
      const viaArp = mismatches(await sc().pingMatrix(HOSTS));
      expect(viaArp, 'with ARP resolved through Spotlight').to.deep.equal([]);
      await sc().staticNeighbours(HOSTS);
      const viaFlows = mismatches(await sc().pingMatrix(HOSTS));
      expect(viaFlows, 'with every neighbour known in advance').to.deep.equal([]);
      const pairs = HOSTS.flatMap((a) => HOSTS.filter((b) => b !== a).map((b) => allowed(a, b, SPEC)));
      expect(pairs.filter(Boolean).length, 'allowed pairs').to.be.greaterThan(20);
      expect(pairs.filter((x) => !x).length, 'denied pairs').to.be.greaterThan(60);
    });

    it('an aggregation switch holds no VM MAC, only a flow per edge label', async () => {
      const macs = HOSTS.map((h) => h.mac);
      for (const agg of AGGREGATIONS) {
        const dump = await sc().dumpFlows(agg);
        const flows = dump.split('\n').filter((l) => l.includes('cookie='));
        expect(flows.length, `${agg} holds flows`).to.be.greaterThan(EDGES.length);
        for (const mac of macs) expect(dump, `${agg} names ${mac}`).to.not.include(mac);
        const seen = new Set([...dump.matchAll(/([0-9a-f]{2}(?::[0-9a-f]{2}){5})/g)].map((m) => m[1]));
        expect([...seen], `${agg}: MACs in its flows`).to.deep.equal(seen.size ? ['01:80:c2:00:00:0e'] : []);
        for (const [i] of EDGES.entries()) expect(dump, `${agg} forwards edge label ${i + 1}`).to.match(new RegExp(`dl_vlan=${i + 1}[ ,]`));
      }
      // Not vacuous: the dump format shows MACs, and an edge switch does name its VMs.
      expect(await sc().dumpFlows('e1')).to.include(host('r1').mac);
    });

    it('many host pairs sending at once spread over both aggregation switches (each at least a quarter of the frames)', async () => {
      const senders = HOSTS.filter((a) => a.network).map((a) => ({ a, peers: HOSTS.filter((b) => b.switch !== a.switch && allowed(a, b, SPEC)) }));
      const pairs = senders.reduce((n, x) => n + x.peers.length, 0);
      expect(pairs, 'host pairs across the fabric').to.be.at.least(20);
      const PORTS = 8;
      const ROUNDS = 20;
      const sent = pairs * PORTS * ROUNDS;
      const rxOf = async (agg: string): Promise<number> => {
        const counters = portCounters(agg, await sc().net.switchCommand(agg, `ovs-ofctl ${version === '1.3' ? '-O OpenFlow13 ' : ''}dump-ports ${agg}`));
        expect(counters.size, `${agg} fabric ports in dump-ports`).to.equal(EDGES.length);
        return [...counters.values()].reduce((n, c) => n + c.rx, 0);
      };
      const before = await Promise.all(AGGREGATIONS.map(rxOf));
      const jobs = await Promise.all(
        senders.filter((x) => x.peers.length).map((x) => sc().net.spawn(x.a.name, udpSender(x.peers.map((p) => p.ip), PORTS, ROUNDS))),
      );
      for (const j of jobs) expect((await sc().net.collect(j, 60)).exitCode, 'sender').to.equal(0);
      await new Promise((r) => setTimeout(r, 500));
      const after = await Promise.all(AGGREGATIONS.map(rxOf));
      const frames = after.map((n, i) => n - before[i]!);
      const total = frames[0]! + frames[1]!;
      const shares = frames.map((n) => n / total);
      console.log(
        `      OF${version}: ${pairs} host pairs x ${PORTS} source ports sent ${sent} datagrams; aggregation rx: ` +
          AGGREGATIONS.map((a, i) => `${a} ${frames[i]} (${(shares[i]! * 100).toFixed(1)}%)`).join(', '),
      );
      expect(total, 'frames counted on the aggregation switches against datagrams sent').to.be.at.least(sent * 0.9);
      for (const [i, a] of AGGREGATIONS.entries()) expect(shares[i], `${a}'s share`).to.be.at.least(0.25);
    });

    /**
     * The aggregation switch on e1's side of a stream: the e1 uplink whose tx
     * counter (frames e1 sends up) or rx counter (frames coming down to e1)
     * grows by `frames` while `send` runs.
     */
    const uplinkTaken = async (frames: number, send: () => Promise<void>, counter: 'tx' | 'rx' = 'tx'): Promise<string> => {
      const o = version === '1.3' ? '-O OpenFlow13 ' : '';
      const counters = async () => portCounters('e1', await sc().net.switchCommand('e1', `ovs-ofctl ${o}dump-ports e1`));
      const c0 = await counters();
      await send();
      const c1 = await counters();
      const used = AGGREGATIONS.filter((_, j) => c1.get(`e1-eth${j + 1}`)![counter] - c0.get(`e1-eth${j + 1}`)![counter] >= frames);
      expect(used, `e1 uplinks carrying the traffic (${counter})`).to.have.length(1);
      return used[0]!;
    };

    /** Cuts e1's link to `agg`, runs `during`, restores the link and waits for the fabric to be whole again. */
    const withUplinkCut = async <T>(agg: string, during: () => Promise<T>): Promise<T> => {
      try {
        await sc().net.link('e1', agg, 'down');
        return await during();
      } finally {
        await sc().net.link('e1', agg, 'up');
        await sc().waitSettled();
      }
    };

    if (version === '1.3') {
      // Towards the cut: e1's SELECT group skips its dead uplink. Away from
      // it: e4 keeps sending through the aggregation switch that lost its
      // link to e1, whose failover group returns the frames to e4, which
      // sends them up its other uplink.
      for (const [from, to, counter] of [['r1', 'r4', 'tx'], ['r4', 'r1', 'rx']] as const) {
        it(`fast failover: with the controller frozen, a one-way 10 ms stream ${from} -> ${to} over a cut e1 link loses at most 50 ms`, async () => {
          const src = host(from);
          const dst = host(to);
          const agg = await uplinkTaken(
            50,
            async () => {
              expect((await sc().net.run(src.name, udpStream(dst.ip, 50, 0.002), 10)).exitCode).to.equal(0);
            },
            counter,
          );
          const COUNT = 300;
          const receiver = await sc().net.spawn(dst.name, udpReceiver(COUNT, 6));
          await new Promise((r) => setTimeout(r, 300));
          const sender = await sc().net.spawn(src.name, udpStream(dst.ip, COUNT, 0.01));
          await new Promise((r) => setTimeout(r, 1000));
          // SIGSTOP: the controller hears nothing and sends nothing until SIGCONT; only the switches act.
          process.kill(sc().controller.pid, 'SIGSTOP');
          let got: { n: number; t: number }[];
          try {
            got = await withUplinkCut(agg, async () => {
              await new Promise((r) => setTimeout(r, 1000));
              process.kill(sc().controller.pid, 'SIGCONT');
              expect((await sc().net.collect(sender, 20)).exitCode, 'sender').to.equal(0);
              return received((await sc().net.collect(receiver, 20)).output);
            });
          } finally {
            process.kill(sc().controller.pid, 'SIGCONT');
          }
          const lost = COUNT - new Set(got.map((g) => g.n)).size;
          const lostSpan = lostMs(got);
          console.log(`      OF1.3: cut e1-${agg} with the controller frozen for 1 s: one-way ${from} -> ${to} lost ${lost} of ${COUNT} datagrams sent every 10 ms, the longest run of them sent over ${lostSpan.toFixed(0)} ms`);
          expect(got.length, 'datagrams received (not vacuous)').to.be.greaterThan(COUNT / 2);
          expect(got[got.length - 1]!.n, 'the last datagram arrived').to.equal(COUNT);
          expect(lostSpan, 'ms of the stream lost').to.be.at.most(50);
        });
      }
    }

    // A cut uplink takes both directions of the ping away. The requests leave
    // e1, whose own port went down: on OF1.3 its SELECT group skips the dead
    // bucket in the switch. The replies come back through the aggregation
    // switch that lost its link to e1: on OF1.3 its failover group returns
    // them to e4, which sends them up its other uplink, until the controller
    // has rewritten e4's next hops. On OF1.0 both wait for the controller.
    const bound = version === '1.3' ? 'at most 50 ms of pings are lost' : 'the pings recover within 3 s';
    it(`cutting the uplink a 10 ms ping uses: ${bound} (the ms lost each way are printed)`, async () => {
      const src = host('r1');
      const dst = host('r4');
      const agg = await uplinkTaken(100, async () => {
        const warm = await sc().net.run(src.name, `ping -n -i 0.01 -c 100 -W 1 -q ${dst.ip}`, 10);
        expect(warm.exitCode, `r1 reaches r4 before the cut:\n${warm.output}`).to.equal(0);
      });
      const rxAtDst = async () => Number((await sc().net.run(dst.name, `cat /sys/class/net/${dst.name}-eth0/statistics/rx_packets`, 5)).output.trim());
      const rx0 = await rxAtDst();
      const COUNT = 500;
      const job = await sc().net.spawn(src.name, `ping -n -i 0.01 -c ${COUNT} -W 1 ${dst.ip}`);
      await new Promise((r) => setTimeout(r, 1500));
      const cutAt = Date.now();
      const ping = await withUplinkCut(agg, async () => pingRun((await sc().net.collect(job, 30)).output));
      const requestsLost = ping.sent - ((await rxAtDst()) - rx0);
      const gap = longestGap([...ping.seqs].sort((a, b) => a - b), ping.sent);
      const lost = ping.sent - ping.seqs.size;
      const msAfterCut = (pick: (l: Record<string, unknown>) => boolean): number => {
        const rec = sc().controller.logs.find((l) => Date.parse(String(l.timestamp)) >= cutAt && pick(l));
        return rec ? Date.parse(String(rec.timestamp)) - cutAt : NaN;
      };
      const heard = msAfterCut((l) => l.message === 'port status');
      const farEdge = msAfterCut((l) => l.message === 'flows reconciled' && l.dpid === '0000000000000004' && l.audit !== true);
      console.log(
        `      OF${version}: cut e1-${agg} under r1 -> r4 every ${ping.intervalMs.toFixed(1)} ms: lost ${lost} of ${ping.sent} = ${(lost * ping.intervalMs).toFixed(0)} ms` +
          ` (${requestsLost} requests, ${lost - requestsLost} replies), longest outage ${(gap * ping.intervalMs).toFixed(0)} ms;` +
          ` controller heard the port ${heard} ms and had rewritten e4 ${farEdge} ms after the cut began`,
      );
      for (let n = ping.sent - 50; n <= ping.sent; n++) expect(ping.seqs.has(n), `icmp_seq=${n} answered after the cut`).to.equal(true);
      if (version === '1.3') expect(lost * ping.intervalMs, 'ms of pings lost, requests and replies').to.be.at.most(50);
      else expect(gap * ping.intervalMs, 'ms of the longest outage').to.be.at.most(3000);
    });
  });
}
