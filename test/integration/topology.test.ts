// Discovery against real Open vSwitch switches built by Mininet from the
// described ring and fat-tree, for OpenFlow 1.0 and 1.3: Spotlight must report
// exactly the cabled links (as Mininet wired them) within 3 s of the switches
// connecting, ignore probes forged or replayed by a host, and drop a cut link
// at once.
import { expect } from 'chai';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { OpenFlowServer } from '../../src/channel/index.js';
import { Controller } from '../../src/controller.js';
import { NO_BUFFER, Port, GROUP_ANY, type OfVersion } from '../../src/openflow/wire-values.js';
import { channelTopologySource } from '../../src/topo/channel-source.js';
import { loadDescription, type TopologyDescription } from '../../src/topo/description.js';
import { ETH_LLDP } from '../../src/openflow/ethernet.js';
import { buildProbe, PROBE_TRAP_MATCH } from '../../src/topo/lldp.js';
import { TopologyService } from '../../src/topo/service.js';
import { MininetNetwork, mininetReadiness, TOPOLOGY_DIR, type NetworkInfo } from '../support/mininet.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

interface Harness {
  server: OpenFlowServer;
  topo: TopologyService;
  net: MininetNetwork;
  desc: TopologyDescription;
  connectedAt: Map<string, number>;
}

interface HarnessOptions {
  /** What Mininet builds. */
  build: string;
  /** What Spotlight is told (default: the same file); null for no description. */
  describe?: string | null;
}

async function startHarness(file: string | HarnessOptions, version: '1.0' | '1.3'): Promise<Harness> {
  const opts = typeof file === 'string' ? { build: file } : file;
  const described = opts.describe === undefined ? opts.build : opts.describe;
  let desc: TopologyDescription | undefined;
  if (described !== null) {
    const loaded = await loadDescription(join(TOPOLOGY_DIR, described));
    if (!loaded.ok) throw new Error(loaded.error.message);
    desc = loaded.description;
  }
  const built = await loadDescription(join(TOPOLOGY_DIR, opts.build));
  if (!built.ok) throw new Error(built.error.message);
  const logger = silentLogger();
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger });
  const connectedAt = new Map<string, number>();
  // Until the compiler emits it, the test installs the one flow discovery needs:
  // LLDP to the controller, above everything else. Registered before the
  // topology service so it goes out before the first probe.
  server.on('switchConnected', (ev) => {
    connectedAt.set(ev.dpid, Date.now());
    ev.connection.send({
      type: 'flowMod',
      cookie: 0x5107n,
      cookieMask: 0n,
      tableId: 0,
      command: 'add',
      idleTimeout: 0,
      hardTimeout: 0,
      priority: 0xffff,
      bufferId: NO_BUFFER,
      outPort: Port.ANY,
      outGroup: GROUP_ANY,
      flags: {},
      match: { ...PROBE_TRAP_MATCH },
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 0xffff }] }],
    });
  });
  const io = channelTopologySource(server);
  const topo = new TopologyService({
    source: io.source,
    sendPacketOut: io.sendPacketOut,
    logger,
    intervalMs: 1000,
    ...(desc ? { description: desc } : {}),
  });
  topo.start();
  const addr = await server.listen();
  let net: MininetNetwork;
  try {
    net = await MininetNetwork.start({ description: join(TOPOLOGY_DIR, opts.build), controller: `127.0.0.1:${addr.port}`, openflow: version, maxSeconds: 240 });
  } catch (err) {
    topo.stop();
    await server.close();
    throw err;
  }
  return { server, topo, net, desc: built.description, connectedAt };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.net.stop();
  h.topo.stop();
  await h.server.close();
}

/** Switch-to-switch links as Mininet actually wired them: the oracle. */
function wiredLinks(info: NetworkInfo): string[] {
  const dpidOf = new Map(info.switches.map((s) => [s.name, s.dpid]));
  const out = new Set<string>();
  for (const s of info.switches) {
    for (const p of s.ports) {
      if (!p.peer || !dpidOf.has(p.peer)) continue;
      const peer = info.switches.find((x) => x.name === p.peer)!.ports.find((q) => q.name === p.peerIntf)!;
      const ends = [`${s.dpid}/${p.name}`, `${dpidOf.get(p.peer)!}/${peer.name}`].sort();
      out.add(ends.join(' '));
    }
  }
  return [...out].sort();
}

function reported(h: Harness): string[] {
  return h.topo
    .links()
    .map((l) => [`${l.a.switch}/${String(l.a.port)}`, `${l.b.switch}/${String(l.b.port)}`].sort().join(' '))
    .sort();
}

describe('topology discovery on Mininet (integration)', function () {
  this.timeout(900_000);

  before(function () {
    const ready = mininetReadiness();
    if (ready === 'not-root') this.skip();
    if (ready !== 'ready') throw new Error(ready.error);
  });

  for (const version of ['1.3', '1.0'] as const) {
    const wire: OfVersion = version === '1.3' ? 0x04 : 0x01;

    for (const file of ['ring4.yaml', 'fattree.yaml']) {
      it(`OpenFlow ${version}, ${file}: reports exactly the cabled links within 3 s of the switches connecting`, async () => {
        let h: Harness | undefined;
        try {
          h = await startHarness(file, version);
          const harness = h;
          const n = h.desc.switches.length;
          expect(await waitFor(() => harness.server.switches().length === n, 30_000), 'all switches connect').to.equal(true);
          for (const c of h.server.switches()) expect(c.version).to.equal(wire);
          const lastConnect = Math.max(...h.connectedAt.values());
          const expected = wiredLinks(h.net.info);
          expect(expected).to.have.length(h.desc.links.length);
          const found = await waitFor(() => JSON.stringify(reported(harness)) === JSON.stringify(expected), 3000 - (Date.now() - lastConnect));
          const elapsed = Date.now() - lastConnect;
          expect(reported(h), `links ${elapsed} ms after the last switch connected`).to.deep.equal(expected);
          expect(found).to.equal(true);
          console.log(`      ${expected.length} links reported ${elapsed} ms after the last switch connected`);
          // Stable: nothing extra shows up later, and the cabling check agrees.
          await new Promise((r) => setTimeout(r, 2000));
          expect(reported(h)).to.deep.equal(expected);
          expect(h.topo.cablingReport()).to.deep.equal({ missing: [], unexpected: [], refused: [] });
          expect(h.topo.counters.forged).to.equal(0);
        } finally {
          await stopHarness(h);
        }
      });
    }

    it(`OpenFlow ${version}, ring4.yaml: forged and replayed probes from a host change nothing; a cut link goes at once`, async () => {
      let h: Harness | undefined;
      try {
        h = await startHarness('ring4.yaml', version);
        const harness = h;
        const expected = wiredLinks(h.net.info);
        expect(await waitFor(() => JSON.stringify(reported(harness)) === JSON.stringify(expected), 10_000)).to.equal(true);
        const version0 = h.topo.snapshot().version;

        // A host forges a probe claiming s2 port 2 (the cable to s1) with a guessed key.
        const forged = buildProbe({ dpid: '0000000000000002', portNo: 2, timestamp: Date.now(), secret: Buffer.from('guessed key') });
        await h.net.sendFrame('h1', forged, 3);
        expect(await waitFor(() => harness.topo.counters.forged >= 3, 3000), 'forged probes counted').to.equal(true);

        // A genuine probe taken off the s1-s2 cable, replayed by h1 at once and later.
        const capture = await h.net.switchCommand(
          's1',
          `/usr/bin/python3 ${join(TOPOLOGY_DIR, 'mininet', 'rawframe.py')} capture s1-eth1 ${ETH_LLDP} 3`,
        );
        const m = /frame=([0-9a-f]+)/.exec(capture);
        expect(m, 'a genuine probe on the s1-s2 cable').to.not.equal(null);
        const genuine = Buffer.from(m![1]!, 'hex');
        const dropped = () => harness.topo.counters.replayed + harness.topo.counters.stale + harness.topo.counters['access-port'];
        const before = dropped();
        await h.net.sendFrame('h1', genuine, 1);
        await new Promise((r) => setTimeout(r, 1500));
        await h.net.sendFrame('h3', genuine, 1);
        expect(await waitFor(() => dropped() >= before + 2, 3000), 'replays counted').to.equal(true);
        expect(harness.topo.counters.replayed + harness.topo.counters.stale).to.be.at.least(2);

        expect(reported(h)).to.deep.equal(expected);
        expect(h.topo.snapshot().version).to.equal(version0);
        expect(h.topo.cablingReport()).to.deep.equal({ missing: [], unexpected: [], refused: [] });

        // Cut s1-s2: the port-status events remove the link without waiting for ageing.
        const cutAt = Date.now();
        await h.net.link('s1', 's2', 'down');
        const gone = await waitFor(() => reported(harness).length === expected.length - 1, 2000);
        expect(gone, 'link removed on port down').to.equal(true);
        console.log(`      cut link removed ${Date.now() - cutAt} ms after the cut`);
        expect(h.topo.cablingReport()!.missing.map((m) => `${m.link.a.switch}-${m.link.b.switch}`)).to.deep.equal(['s1-s2']);
        await h.net.link('s1', 's2', 'up');
        expect(await waitFor(() => JSON.stringify(reported(harness)) === JSON.stringify(expected), 5000), 'link back').to.equal(true);
      } finally {
        await stopHarness(h);
      }
    });
  }

  it('OpenFlow 1.3, ring4 cabled wrongly: the cabling check names the missing and the misplaced cables', async () => {
    let h: Harness | undefined;
    try {
      h = await startHarness({ build: 'miscabled/ring4-crossed.yaml', describe: 'ring4.yaml' }, '1.3');
      const harness = h;
      expect(await waitFor(() => harness.server.switches().length === 4, 30_000)).to.equal(true);
      const settled = await waitFor(() => {
        const r = harness.topo.cablingReport();
        return r !== undefined && r.refused.length === 2 && r.missing.length === 2;
      }, 8000);
      expect(settled, 'both misplaced cables seen, the two good ones found').to.equal(true);
      const report = h.topo.cablingReport()!;
      expect(report.missing.map((m) => `${m.link.a.switch}:${m.link.a.port}-${m.link.b.switch}:${m.link.b.port}`).sort()).to.deep.equal([
        's3:1-s4:2',
        's4:1-s1:2',
      ]);
      expect(report.refused.map((l) => `${l.a.dpid.slice(-1)}:${l.a.portNo}-${l.b.dpid.slice(-1)}:${l.b.portNo}`)).to.deep.equal([
        '1:2-4:4',
        '3:4-4:2',
      ]);
      expect(report.unexpected).to.deep.equal([]);
      // Misplaced cables land on described access ports: never used for forwarding.
      expect(reported(h)).to.deep.equal([
        '0000000000000001/s1-eth1 0000000000000002/s2-eth2',
        '0000000000000002/s2-eth1 0000000000000003/s3-eth2',
      ]);
    } finally {
      await stopHarness(h);
    }
  });

  it('OpenFlow 1.3, ring4 without a description: fabric ports inferred; a host reflecting or replaying a probe changes nothing', async () => {
    let h: Harness | undefined;
    try {
      h = await startHarness({ build: 'ring4.yaml', describe: null }, '1.3');
      const harness = h;
      const expected = wiredLinks(h.net.info);
      expect(await waitFor(() => JSON.stringify(reported(harness)) === JSON.stringify(expected), 10_000)).to.equal(true);
      const s1 = h.topo.snapshot().switches.get('0000000000000001')!;
      // The bridge's LOCAL port (reserved number) is neither.
      expect([...s1.ports.values()].filter((p) => p.portNo <= Port.MAX).map((p) => `${p.name}:${p.kind ?? '-'}`)).to.deep.equal([
        's1-eth1:fabric',
        's1-eth2:fabric',
        's1-eth3:access',
      ]);
      expect(s1.ports.get(Port.LOCAL)?.kind).to.equal(undefined);
      const version0 = h.topo.snapshot().version;
      // Without a description every port is probed, so h1 receives genuine probes.
      const probe = await h.net.capture('h1', ETH_LLDP, 3);
      expect(probe, 'h1 receives a probe').to.not.equal(undefined);
      await h.net.sendFrame('h1', probe!, 1);
      expect(await waitFor(() => harness.topo.counters.reflected >= 1, 3000), 'reflection refused').to.equal(true);
      await new Promise((r) => setTimeout(r, 1500));
      await h.net.sendFrame('h3', probe!, 1);
      expect(await waitFor(() => harness.topo.counters.stale >= 1, 3000), 'late replay refused').to.equal(true);
      expect(reported(h)).to.deep.equal(expected);
      expect(h.topo.snapshot().version).to.equal(version0);
    } finally {
      await stopHarness(h);
    }
  });

  for (const version of ['1.0', '1.3'] as const) {
    it(`OpenFlow ${version}, fattree.yaml through the running controller: GET /v1/topology shows exactly the cabled links within 3 s`, async () => {
      const loaded = await loadDescription(join(TOPOLOGY_DIR, 'fattree.yaml'));
      if (!loaded.ok) throw new Error(loaded.error.message);
      const described = loaded.description.switches.length;
      const dataDir = mkdtempSync(join(tmpdir(), 'spotlight-topo-'));
      const controller = new Controller({
        openflow: { host: '127.0.0.1', port: 0 },
        api: { host: '127.0.0.1', port: 0 },
        dataDir,
        logger: silentLogger(),
        topology: { description: loaded.description },
      });
      let net: MininetNetwork | undefined;
      try {
        await controller.start();
        // The clock starts when the last switch has connected; nothing here installs flows.
        const connected = new Set<string>();
        let allConnectedAt = 0;
        controller.openflow!.on('switchConnected', (ev) => {
          connected.add(ev.dpid);
          if (connected.size === described) allConnectedAt = Date.now();
        });
        net = await MininetNetwork.start({
          description: join(TOPOLOGY_DIR, 'fattree.yaml'),
          controller: `127.0.0.1:${controller.openflowAddress!.port}`,
          openflow: version,
          maxSeconds: 240,
        });
        const expected = JSON.stringify(wiredLinks(net.info));
        const base = controller.apiAddress!.replace('0.0.0.0', '127.0.0.1');
        const viaApi = async (): Promise<string> => {
          const res = await fetch(`${base}/v1/topology`);
          expect(res.status).to.equal(200);
          const body = (await res.json()) as { links: { a: { switch: string; port: string | number }; b: { switch: string; port: string | number } }[] };
          return JSON.stringify(body.links.map((l) => [`${l.a.switch}/${String(l.a.port)}`, `${l.b.switch}/${String(l.b.port)}`].sort().join(' ')).sort());
        };
        let seen = '';
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          seen = await viaApi();
          if (allConnectedAt > 0 && seen === expected) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(seen, 'links from GET /v1/topology').to.equal(expected);
        const tookMs = Date.now() - allConnectedAt;
        console.log(`      OpenFlow ${version}: GET /v1/topology showed the ${JSON.parse(expected).length} cabled links ${tookMs} ms after the last of ${described} switches connected`);
        expect(tookMs).to.be.below(3000);
        expect(controller.topology!.cablingReport()).to.deep.equal({ missing: [], unexpected: [], refused: [] });
      } finally {
        await net?.stop();
        await controller.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
