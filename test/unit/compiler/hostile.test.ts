// What a hostile tenant tries at the flows: frames from a port the compiler
// has not seen yet, a flood of controller-bound frames, DHCPv6 server replies
// from a VM that is not the server. Each runs through the simulated switches.
import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import type { CompileResult } from '../../../src/compiler/types.js';
import type { ModelSnapshot, Vm } from '../../../src/model/types.js';
import type { TopologySnapshot } from '../../../src/topo/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { dpid, TopoBuilder } from '../../support/flowsim-topologies.js';
import { ethernet, ipv4, ipv6, udp } from '../../../src/sim/packets.js';

const S1 = dpid(0);
const S2 = dpid(1);
const VICTIM = '02:00:00:00:00:0b';
const ATTACKER = '02:00:00:00:00:0a';

const vm = (name: string, tenant: string, mac: string, ips: string[], network: string, sw: string, port: number): Vm => ({ name, tenant, interfaces: [{ mac, ips, network, switch: sw, port }] });

function model(serverMac?: string): ModelSnapshot {
  return {
    generation: 1,
    networks: new Map([
      ['victims', { name: 'victims', tenant: 'v', kind: 'private', cidrs: [], gateways: [], segment: 7, ...(serverMac ? { dhcp: { mac: serverMac, ip: 'fd00::53' } } : {}) }],
      ['attackers', { name: 'attackers', tenant: 'a', kind: 'private', cidrs: [], gateways: [], segment: 8 }],
    ]),
    vms: new Map([
      ['victim', vm('victim', 'v', VICTIM, ['10.7.0.2', 'fd00::2'], 'victims', S2, 1)],
      ['victim2', vm('victim2', 'v', '02:00:00:00:00:0c', ['10.7.0.3', 'fd00::3'], 'victims', S1, 2)],
      ['attacker', vm('attacker', 'a', ATTACKER, ['10.8.0.2'], 'attackers', S1, 1)],
    ]),
    relations: new Map(),
  };
}

const sim = (res: CompileResult, topo: TopologySnapshot): FlowSim => new FlowSim([...res.switches.values()], topo.links);

describe('compiler: a hostile tenant against the flows', () => {
  for (const version of [1, 4] as const) {
    it(`OF1.${version === 4 ? 3 : 0}: a tagged frame from a port the compiler has not seen goes nowhere, though it carries a victim's label and MAC`, () => {
      const compiled = new TopoBuilder().switch(S1, 3, version).switch(S2, 3, version).link(S1, S2).build();
      const res = compile(model(), compiled);
      // The switch gets a new port (a tap) that no compile has seen yet; the flows are those compiled before.
      const ports = new Map(compiled.switches.get(S1)!.ports);
      ports.set(9, { portNo: 9, name: 'tap-new', up: true });
      const live: TopologySnapshot = { ...compiled, switches: new Map([...compiled.switches, [S1, { ...compiled.switches.get(S1)!, ports }]]) };
      // Every tag a fabric could use here: the switches' labels (1, 2: their datapath ids) and the networks' segments (7, 8).
      for (let vid = 1; vid <= 10; vid++) {
        const frame = ethernet(VICTIM, ATTACKER, 0x0800, ipv4('10.8.0.2', '10.7.0.2', 17, udp(1, 2)), [vid]);
        const got = sim(res, live).run(S1, 9, frame);
        expect(got.delivered, `vid ${vid}`).to.deep.equal([]);
      }
      // The same frame from a fabric port is the fabric's: it reaches the victim (the flows work at all).
      const l = compiled.links[0]!;
      const fabricIn = l.a.dpid === S2 ? l.a.portNo : l.b.portNo;
      const carried = sim(res, compiled).run(S2, fabricIn, ethernet(VICTIM, ATTACKER, 0x0800, ipv4('10.8.0.2', '10.7.0.2', 17, udp(1, 2)), [2]));
      expect(carried.delivered.map((d) => `${d.dpid}:${d.port}`)).to.deep.equal([`${S2}:1`]);
    });
  }

  it('OF1.3: the controller-bound flows of each access port go through that port\'s own meter', () => {
    const topo = new TopoBuilder().switch(S1, 3).switch(S2, 3).link(S1, S2).build();
    const res = compile(model(), topo);
    const sf = res.switches.get(S1)!;
    const meterOf = new Map<number, Set<number>>();
    for (const f of sf.flows) {
      const m = f.instructions.find((i) => i.type === 'meter');
      if (!m || f.match.inPort === undefined) continue;
      let s = meterOf.get(f.match.inPort);
      if (!s) meterOf.set(f.match.inPort, (s = new Set()));
      s.add((m as { meterId: number }).meterId);
    }
    // The attacker on port 1 and victim2 on port 2 share no meter.
    expect([...meterOf.get(1)!]).to.have.length(1);
    expect([...meterOf.get(2)!]).to.have.length(1);
    expect([...meterOf.get(1)!][0]).to.not.equal([...meterOf.get(2)!][0]);
    for (const id of [...meterOf.get(1)!, ...meterOf.get(2)!]) expect(sf.meters.map((m) => m.meterId)).to.include(id);
    // Every controller-bound flow from an access port is metered.
    for (const f of sf.flows) {
      const toCtl = f.instructions.some((i) => i.type === 'applyActions' && i.actions.some((a) => a.type === 'output' && a.port === 0xfffffffd));
      if (toCtl && f.match.inPort !== undefined && f.stage !== 'lldp-trap') expect(f.instructions[0]!.type, `${f.stage} ${JSON.stringify(f.match)}`).to.equal('meter');
    }
  });

  it('OF1.3: a DHCPv6 server reply from a VM that is not the server is dropped; from the server it is delivered', () => {
    const topo = new TopoBuilder().switch(S1, 3).switch(S2, 3).link(S1, S2).build();
    const res = compile(model('02:00:00:00:00:0c'), topo);
    const reply = (src: string, ip: string): Uint8Array => ethernet(VICTIM, src, 0x86dd, ipv6(ip, 'fd00::2', 17, udp(547, 546)));
    // victim2 (S1 port 2) is the server; the attacker network has none, and a rogue member of the victims' network is not it.
    const rogueModel = model('02:00:00:00:00:0c');
    (rogueModel.vms as Map<string, Vm>).set('rogue', vm('rogue', 'v', '02:00:00:00:00:0d', ['10.7.0.4', 'fd00::4'], 'victims', S1, 3));
    const withRogue = compile(rogueModel, topo);
    expect(sim(withRogue, topo).run(S1, 3, reply('02:00:00:00:00:0d', 'fd00::4')).delivered).to.deep.equal([]);
    expect(sim(res, topo).run(S1, 2, reply('02:00:00:00:00:0c', 'fd00::3')).delivered.map((d) => `${d.dpid}:${d.port}`)).to.deep.equal([`${S2}:1`]);
  });
});
