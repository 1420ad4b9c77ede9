// Property: on random clouds (loops, down links, OF1.3, OF1.0 and mixes), an
// LLDP frame to the nearest-bridge address, from any port and any source MAC
// (a VM, a gateway, a stranger, a fabric neighbour), reaches the controller
// once, at the port it entered, unchanged, and never another VM, gateway or
// fabric port. Frames of the LLDP ethertype sent to anyone else go nowhere.
import { expect } from 'chai';
import fc from 'fast-check';
import { compile } from '../../../src/compiler/compile.js';
import type { CompileResult } from '../../../src/compiler/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { buildScenario, recipeArb, type Scenario } from '../../support/flowsim-scenarios.js';
import { ethernet } from '../../../src/sim/packets.js';

const RUNS = Number(process.env.SPOTLIGHT_PROPERTY_RUNS_LLDP ?? 300);
const NEAREST_BRIDGE = '01:80:c2:00:00:0e';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// Chassis id, port id and TTL TLVs then the end TLV: a well-formed (unsigned) LLDPDU, as a VM could send.
const LLDPDU = [0x02, 0x07, 0x04, 0x02, 0, 0, 0, 0, 1, 0x04, 0x02, 0x07, 0x31, 0x06, 0x02, 0x00, 0x78, 0x00, 0x00];

function simOf(s: Scenario, res: CompileResult): FlowSim {
  const up = (d: string, p: number): boolean => s.topo.switches.get(d)!.ports.get(p)!.up;
  return new FlowSim(
    [...res.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows, groups: sf.groups })),
    s.topo.links.filter((l) => up(l.a.dpid, l.a.portNo) && up(l.b.dpid, l.b.portNo)),
  );
}

describe('compiler: LLDP goes to the controller only', function () {
  this.timeout(120_000);
  let frames = 0;
  after(() => expect(frames).to.be.greaterThan(RUNS * 3));

  it('every switch holds one trap for every port (OF1.3: behind the switch meter, and one unmetered per fabric port where the switch has access ports), above every other flow of table 0', () => {
    fc.assert(
      fc.property(recipeArb, (recipe) => {
        const s = buildScenario(recipe);
        for (const sf of compile(s.model, s.topo).switches.values()) {
          const traps = sf.flows.filter((f) => f.stage === 'lldp-trap');
          const general = traps.filter((f) => f.match.inPort === undefined);
          expect(general, sf.dpid).to.have.length(1);
          const t = general[0]!;
          // OF1.3: under the per-fabric-port traps.
          expect([t.tableId, t.priority]).to.deep.equal([0, sf.version === 4 ? 0xfffd : 0xffff]);
          expect(t.match).to.deep.equal({ ethType: 0x88cc, ethDst: NEAREST_BRIDGE });
          const toController = [{ type: 'applyActions', actions: [{ type: 'output', port: 0xfffffffd, maxLen: 0xffff }] }];
          expect(t.instructions).to.deep.equal(sf.version === 4 ? [{ type: 'meter', meterId: 1 }, ...toController] : toController);
          const perPort = traps.filter((f) => f !== t);
          if (sf.version !== 4) expect(perPort, sf.dpid).to.deep.equal([]);
          for (const p of perPort) {
            expect([p.tableId, p.priority]).to.deep.equal([0, 0xffff]);
            expect(p.match).to.deep.equal({ inPort: p.match.inPort, ethType: 0x88cc, ethDst: NEAREST_BRIDGE });
            expect(p.instructions).to.deep.equal(toController);
          }
          for (const f of sf.flows) if (!traps.includes(f) && f.tableId === 0) expect(f.priority, `${sf.dpid} ${f.stage}`).to.be.lessThan(t.priority);
        }
      }),
      { numRuns: 100, seed: 31 },
    );
  });

  it(`holds for ${RUNS} random clouds, from every access and fabric port`, () => {
    fc.assert(
      fc.property(recipeArb, fc.nat(4094), (recipe, vid) => {
        const s = buildScenario(recipe);
        const sim = simOf(s, compile(s.model, s.topo));
        const ingresses: { dpid: string; portNo: number; mac: string }[] = [...s.senders];
        for (const l of s.topo.links) for (const end of [l.a, l.b]) ingresses.push({ ...end, mac: '02:00:00:00:00:01' });
        const peers = s.macs.length ? s.macs : ['02:00:00:00:00:02'];
        ingresses.forEach((at, i) => {
          const trapped = [ethernet(NEAREST_BRIDGE, at.mac, 0x88cc, LLDPDU), ethernet(NEAREST_BRIDGE, at.mac, 0x88cc, LLDPDU, [1 + (vid % 4094)])];
          for (const frame of trapped) {
            frames++;
            const got = sim.run(at.dpid, at.portNo, frame);
            const ctx = `LLDP from ${at.mac} at ${at.dpid}:${at.portNo}`;
            expect(got.delivered.map((d) => `${d.dpid}:${d.port}`), ctx).to.deep.equal([]);
            expect(got.controller.map((c) => `${c.dpid}:${c.inPort}`), ctx).to.deep.equal([`${at.dpid}:${at.portNo}`]);
            expect(hex(got.controller[0]!.frame), `${ctx}: frame changed`).to.equal(hex(frame));
          }
          // The LLDP ethertype to a member's MAC is no probe: nothing forwards it.
          frames++;
          const other = sim.run(at.dpid, at.portNo, ethernet(peers[i % peers.length]!, at.mac, 0x88cc, LLDPDU));
          expect(other.delivered.length + other.controller.length, `unicast LLDP from ${at.dpid}:${at.portNo}`).to.equal(0);
        });
      }),
      { numRuns: RUNS, seed: Number(process.env.SPOTLIGHT_PROPERTY_SEED ?? 8808) },
    );
  });
});
