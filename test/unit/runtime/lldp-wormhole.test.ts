// Two colluding VMs of one tenant, on two switches, relay the controller's
// probes to each other. Discovery (with the model's bound ports), the compiler
// and the flow simulator together: their ports never become fabric ports, and
// a frame one of them tags with another tenant's segment reaches no one, on
// OpenFlow 1.0 and 1.3.
import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import { emptySnapshot, putNetwork, vmStart, type OpResult } from '../../../src/model/index.js';
import type { ModelCommit, ModelSnapshot } from '../../../src/model/types.js';
import { ModelBoundPorts } from '../../../src/runtime/bound-ports.js';
import type { PortInfo } from '../../../src/topo/discovery-types.js';
import type { TopologySnapshot } from '../../../src/topo/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { ethernet, ipv4, udp } from '../../../src/sim/packets.js';
import { FakeFabric } from '../topo/support/fake-fabric.js';

const S1 = '0000000000000001';
const S2 = '0000000000000002';
const ALICE_A = '52:54:00:00:0a:01';
const ALICE_B = '52:54:00:00:0a:02';
const MAL_1 = '52:54:00:00:66:01';
const MAL_2 = '52:54:00:00:66:02';

function ok(r: OpResult): ModelSnapshot {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.snapshot;
}

/** alice on port 2 of both switches, mallory on port 3 of both; the switches are cabled on port 1. */
function model(): ModelSnapshot {
  let s = emptySnapshot();
  s = ok(putNetwork(s, 'alice-net', { tenant: 'alice', kind: 'private', cidrs: ['10.1.0.0/24'] }));
  s = ok(putNetwork(s, 'mal-net', { tenant: 'mallory', kind: 'private', cidrs: ['10.6.0.0/24'] }));
  const vm = (name: string, tenant: string, net: string, mac: string, ip: string, sw: string, port: string) =>
    ({ vm: name, tenant, interfaces: [{ mac, ips: [ip], network: net, switch: sw, port }] });
  s = ok(vmStart(s, vm('a', 'alice', 'alice-net', ALICE_A, '10.1.0.1', S1, 'p2')));
  s = ok(vmStart(s, vm('b', 'alice', 'alice-net', ALICE_B, '10.1.0.2', S2, 'p2')));
  s = ok(vmStart(s, vm('m1', 'mallory', 'mal-net', MAL_1, '10.6.0.1', S1, 'p3')));
  s = ok(vmStart(s, vm('m2', 'mallory', 'mal-net', MAL_2, '10.6.0.2', S2, 'p3')));
  return s;
}

function ports(): PortInfo[] {
  return [1, 2, 3].map((n) => ({ portNo: n, name: `p${n}`, up: true }));
}

/** The fabric discovery sees after 3 s of probes, with the VMs relaying between S1:3 and S2:3. */
function discovered(m: ModelSnapshot, version: 1 | 4, withBindings: boolean): TopologySnapshot {
  const store = { snapshot: () => m, onCommit: (_l: (c: ModelCommit) => void) => () => undefined };
  const f = new FakeFabric(withBindings ? { boundPorts: new ModelBoundPorts(store) } : {});
  f.cable(S1, 1, S2, 1);
  f.cable(S1, 3, S2, 3);
  f.disc.switchConnected(S1, ports(), version);
  f.disc.switchConnected(S2, ports(), version);
  f.run(3000);
  return f.disc.snapshot();
}

for (const version of [4, 1] as const) {
  describe(`LLDP wormhole between two VMs (OpenFlow ${version === 4 ? '1.3' : '1.0'})`, () => {
    const m = model();
    const aliceSegment = m.networks.get('alice-net')!.segment;
    // m1 tags a frame with alice's segment, addressed to alice's b.
    const attack = ethernet(ALICE_B, ALICE_A, 0x0800, ipv4('10.1.0.1', '10.1.0.2', 17, udp(9, 9)), [aliceSegment]);

    function run(topo: TopologySnapshot): string[] {
      const result = compile(m, topo);
      const sim = new FlowSim([...result.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows })), topo.links);
      return sim.run(S1, 3, attack).delivered.map((d) => `${d.dpid.slice(-1)}:${d.port}`);
    }

    it('without the model bound ports, the relayed cable becomes a link between their access ports (the hole)', () => {
      const topo = discovered(m, version, false);
      expect(topo.links.map((l) => `${l.a.portNo}-${l.b.portNo}`)).to.deep.equal(['1-1', '3-3']);
      expect(topo.switches.get(S1)!.ports.get(3)!.kind).to.equal('fabric');
    });

    it('with them, only the cable is a link, their ports stay access ports, and the tagged frame reaches no one', () => {
      const topo = discovered(m, version, true);
      expect(topo.links.map((l) => `${l.a.portNo}-${l.b.portNo}`)).to.deep.equal(['1-1']);
      expect(topo.switches.get(S1)!.ports.get(3)!.kind).to.equal('access');
      expect(run(topo)).to.deep.equal([]);
    });
  });
}
