// Link failure on the Pica8-like fat-tree, OpenFlow 1.0 and 1.3: two VMs on
// different edge switches ping each other every 10 ms; the aggregation link
// their traffic uses is cut; discovery drops the link, the compiler recomputes
// the paths, the reconciler pushes the difference, and the pings must come back
// on the other aggregation switch. The same when the whole aggregation switch
// fails (ports dark, controller session gone). The milliseconds of loss are printed.
//
// The test wires discovery, compiler and reconciler itself (as the controller
// does) plus the one flow discovery needs until the compiler emits it.
import { expect } from 'chai';
import { join } from 'node:path';
import { OpenFlowServer } from '../../src/channel/index.js';
import { FlowCompiler } from '../../src/compiler/compile.js';
import type { ModelSnapshot, Network, Vm } from '../../src/model/types.js';
import { GROUP_ANY, NO_BUFFER, Port } from '../../src/openflow/wire-values.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import { ReconcileManager } from '../../src/reconcile/manager.js';
import { channelTopologySource } from '../../src/topo/channel-source.js';
import { loadDescription } from '../../src/topo/description.js';
import { PROBE_TRAP_MATCH } from '../../src/topo/lldp.js';
import { TopologyService } from '../../src/topo/service.js';
import { MininetNetwork, mininetReadiness, TOPOLOGY_DIR } from '../support/mininet.js';
import { shortestPath } from '../support/shortest-path.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const E1 = '0000000000000001';
const E4 = '0000000000000004';

function model(): ModelSnapshot {
  const net: Network = { name: 'n1', tenant: 't1', kind: 'private', cidrs: ['10.0.0.0/24'], gateways: [], segment: 10 };
  const vm = (name: string, sw: string, port: number, n: number): Vm => ({
    name,
    tenant: 't1',
    interfaces: [{ switch: sw, port, mac: `00:00:00:00:00:0${n}`, ips: [`10.0.0.${n}`], network: 'n1' }],
  });
  // h1 sits on e1 port 3, h8 on e4 port 4 (topology/fattree.yaml).
  const vms = [vm('vm1', E1, 3, 1), vm('vm8', E4, 4, 8)];
  return { generation: 1, networks: new Map([['n1', net]]), vms: new Map(vms.map((v) => [v.name, v])), relations: new Map() };
}

/** Received icmp_seq numbers from ping's output. */
function receivedSeqs(output: string): number[] {
  return [...output.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
}

describe('topology failover on Mininet (integration)', function () {
  this.timeout(900_000);

  before(function () {
    const ready = mininetReadiness();
    if (ready === 'not-root') this.skip();
    if (ready !== 'ready') throw new Error(ready.error);
  });

  const cases = [
    { version: '1.3', failure: 'link' },
    { version: '1.0', failure: 'link' },
    { version: '1.3', failure: 'switch' },
    { version: '1.0', failure: 'switch' },
  ] as const;
  for (const { version, failure } of cases) {
    const what = failure === 'link' ? 'an aggregation link is cut' : 'the aggregation switch on the path fails';
    it(`OpenFlow ${version}: after ${what}, pings between two VMs recover on the other aggregation switch`, async () => {
      const loaded = await loadDescription(join(TOPOLOGY_DIR, 'fattree.yaml'));
      if (!loaded.ok) throw new Error(loaded.error.message);
      const desc = loaded.description;
      const logger = silentLogger();
      const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger });
      const reconcile = new ReconcileManager({ logger });
      server.on('switchConnected', (ev) => {
        ev.connection.send({
          type: 'flowMod', cookie: 0x5107n, cookieMask: 0n, tableId: 0, command: 'add', idleTimeout: 0, hardTimeout: 0,
          priority: 0xffff, bufferId: NO_BUFFER, outPort: Port.ANY, outGroup: GROUP_ANY, flags: {}, match: { ...PROBE_TRAP_MATCH },
          instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER, maxLen: 0xffff }] }],
        });
        reconcile.connect(new ChannelSession(ev.connection));
      });
      server.on('switchDisconnected', (ev) => reconcile.disconnect(ev.dpid));
      const io = channelTopologySource(server);
      const topo = new TopologyService({ source: io.source, sendPacketOut: io.sendPacketOut, logger, description: desc, intervalMs: 1000 });
      const compiler = new FlowCompiler(model(), topo.snapshot());
      let generation = 0;
      const publish = (): number => {
        const result = compiler.result();
        reconcile.publishSets(++generation, result.switches);
        return generation;
      };
      const changeTimes: number[] = [];
      topo.onChange((snap) => {
        changeTimes.push(Date.now());
        compiler.setTopology(snap);
        publish();
      });
      publish();
      topo.start();
      const addr = await server.listen();
      let net: MininetNetwork | undefined;
      try {
        net = await MininetNetwork.start({
          description: join(TOPOLOGY_DIR, 'fattree.yaml'),
          controller: `127.0.0.1:${addr.port}`,
          openflow: version,
          maxSeconds: 300,
        });
        expect(await waitFor(() => topo.links().length === desc.links.length, 15_000), 'fabric discovered').to.equal(true);
        expect(await reconcile.waitFor(generation, 20_000), 'flows installed').to.equal('realized');

        // Mininet hosts resolve each other statically: this test is about paths, not ARP.
        await net.run('h1', 'ip neigh replace 10.0.0.8 lladdr 00:00:00:00:00:08 dev h1-eth0');
        await net.run('h8', 'ip neigh replace 10.0.0.1 lladdr 00:00:00:00:00:01 dev h8-eth0');
        const warm = await net.run('h1', 'ping -c 3 -i 0.2 -W 1 10.0.0.8', 10);
        expect(warm.exitCode, `h1 reaches h8 before the cut:\n${warm.output}`).to.equal(0);

        const path = shortestPath(topo.snapshot(), E1, E4);
        expect(path).to.have.length(3);
        const aggDpid = path[1]!;
        const agg = desc.switches.find((s) => s.dpid === aggDpid)!.name;
        const other = desc.switches.find((s) => s.role === 'aggregation' && s.dpid !== aggDpid)!.name;

        // 8 s of pings every 10 ms; the link is cut 2 s in.
        const count = 800;
        const job = await net.spawn('h1', `ping -n -i 0.01 -c ${count} -W 1 10.0.0.8`);
        await new Promise((r) => setTimeout(r, 2000));
        const cutAt = Date.now();
        if (failure === 'link') {
          await net.link('e1', agg, 'down');
        } else {
          // The switch dies: its ports go dark (its neighbours see link down) and its controller session ends.
          const ofctl = version === '1.3' ? 'OpenFlow13' : 'OpenFlow10';
          const ports = [1, 2, 3, 4].map((i) => `ovs-ofctl -O ${ofctl} mod-port ${agg} ${agg}-eth${i} down`).join('; ');
          await net.switchCommand(agg, `${ports}; ovs-vsctl del-controller ${agg}`);
        }
        const ping = await net.collect(job, 30);
        const seqs = receivedSeqs(ping.output);
        const got = new Set(seqs);
        let maxGap = 0;
        const sorted = [...got].sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++) maxGap = Math.max(maxGap, sorted[i]! - sorted[i - 1]! - 1);
        const lost = count - got.size;
        const topoChangeMs = (changeTimes.find((t) => t >= cutAt) ?? NaN) - cutAt;
        console.log(
          `      OpenFlow ${version}: ${failure === 'link' ? `cut e1-${agg}` : `${agg} failed`}; ${lost} of ${count} pings lost, longest outage ${maxGap} pings (~${maxGap * 10} ms at 10 ms);` +
            ` topology changed ${topoChangeMs} ms after the cut`,
        );
        // Recovered: the last second of pings all came back, over the other aggregation switch.
        for (let s = count - 100; s <= count; s++) expect(got.has(s), `icmp_seq=${s} answered`).to.equal(true);
        const after = shortestPath(topo.snapshot(), E1, E4);
        expect(after.map((d) => desc.switches.find((s) => s.dpid === d)!.name)).to.deep.equal(['e1', other, 'e4']);
        expect(lost).to.be.lessThan(count / 2);
        if (failure === 'switch') {
          expect(await waitFor(() => topo.snapshot().switches.get(aggDpid)?.connected === false, 5000), `${agg} seen gone`).to.equal(true);
          expect(topo.links().some((l) => l.a.switch === aggDpid || l.b.switch === aggDpid)).to.equal(false);
        }
      } finally {
        await net?.stop();
        topo.stop();
        reconcile.close();
        await server.close();
      }
    });
  }
});
