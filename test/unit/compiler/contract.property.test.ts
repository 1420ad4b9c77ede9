// Property: on random clouds (topologies with loops and down links, both
// OpenFlow versions and mixes), what the simulated switches deliver is exactly
// what the contract oracle allows, for every kind of packet; ARP requests that
// reach the controller are answered exactly when the oracle says so.
import { expect } from 'chai';
import fc from 'fast-check';
import { answerArp, parseArp } from '../../../src/compiler/arp.js';
import { answerNd } from '../../../src/compiler/nd.js';
import { compile } from '../../../src/compiler/compile.js';
import { flowKey } from '../../../src/reconcile/match-key.js';
import { checkFlow } from '../../../src/compiler/pipeline.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { buildPacket, buildScenario, recipeArb } from '../../support/flowsim-scenarios.js';
import { expect as oracle, expectedArpAnswer, expectedNdAnswer, placeKey } from '../../support/oracle.js';
import { parse } from '../../../src/sim/packets.js';
import { icmpv6ChecksumOk } from '../../support/icmpv6-checksum.js';
import type { ModelSnapshot } from '../../../src/model/types.js';

const RUNS = Number(process.env.SPOTLIGHT_PROPERTY_RUNS ?? 1000);

describe('compiler: delivered == allowed (simulated fabric vs contract oracle)', function () {
  this.timeout(120_000);
  let cases = 0;
  let arpAnswers = 0;
  const perMode = new Map<string, number>();
  let ndAnswers = 0;
  // DHCP with a VM as the network's server: requests delivered to it, its own server messages delivered.
  let toVmServer = 0;
  let fromVmServer = 0;

  after(() => {
    // Each run sends 4..10 packets: the total is what the 1,000 cases count.
    expect(cases).to.be.greaterThanOrEqual(Math.min(1000, RUNS * 4));
    if (RUNS >= 300) expect(arpAnswers, 'ARP answers seen').to.be.greaterThan(10);
    if (RUNS >= 300) expect(ndAnswers, 'NA answers seen').to.be.greaterThan(5);
    if (RUNS >= 300) expect(toVmServer, 'DHCP requests delivered to a VM server').to.be.greaterThan(5);
    if (RUNS >= 300) expect(fromVmServer, 'server messages delivered from a VM server').to.be.greaterThan(2);
    // Both lowerings (and their mix) each get their thousand packets at the default run count.
    if (RUNS >= 1000) for (const m of ['13', '10', 'mixed']) expect(perMode.get(m) ?? 0, `packets on ${m}`).to.be.greaterThanOrEqual(1000);
  });

  it(`holds for ${RUNS} random clouds`, () => {
    fc.assert(
      fc.property(recipeArb, (recipe) => {
        const s = buildScenario(recipe);
        const result = compile(s.model, s.topo);
        for (const sf of result.switches.values()) {
          const keys = new Set<string>();
          for (const f of sf.flows) {
            const why = checkFlow(f);
            if (why) throw new Error(`stage check: ${why}`);
            // Two flows with one identity (table, priority, match) would make the switch's choice arbitrary.
            const key = flowKey(f.tableId, f.priority, f.match, sf.version);
            if (!key.ok) throw new Error(`${sf.dpid}: unkeyable flow: ${key.error.message}`);
            const k = key.key;
            if (keys.has(k)) throw new Error(`${sf.dpid}: duplicate flow identity ${k}`);
            keys.add(k);
          }
        }
        const sim = new FlowSim(
          [...result.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows, groups: sf.groups })),
          s.topo.links.filter((l) => s.topo.switches.get(l.a.dpid)!.ports.get(l.a.portNo)!.up && s.topo.switches.get(l.b.dpid)!.ports.get(l.b.portNo)!.up),
        );
        const all13 = [...s.versions.values()].every((v) => v === 4);
        for (const p of recipe.packets) {
          cases++;
          perMode.set(recipe.versionMode, (perMode.get(recipe.versionMode) ?? 0) + 1);
          const pkt = buildPacket(s, p, all13);
          const got = sim.run(pkt.dpid, pkt.portNo, pkt.frame);
          const want = oracle(s.model, s.topo, { dpid: pkt.dpid, portNo: pkt.portNo }, pkt.frame, { versions: s.versions });
          const ctx = `${p.kind} from ${pkt.dpid}:${pkt.portNo}`;
          expect(got.looped, `${ctx}: looped`).to.equal(false);
          const keys = got.delivered.map((d) => placeKey({ dpid: d.dpid, portNo: d.port }));
          expect(new Set(keys).size, `${ctx}: duplicate deliveries ${keys.join(' ')}`).to.equal(keys.length);
          expect([...keys].sort(), ctx).to.deep.equal([...want.delivered].sort());
          for (const d of got.delivered) {
            expect(Buffer.from(d.frame).toString('hex'), `${ctx}: delivered frame changed`).to.equal(Buffer.from(pkt.frame).toString('hex'));
          }
          expect(got.controller.length > 0, `${ctx}: controller`).to.equal(want.controller);
          if (got.delivered.length > 0) {
            const q = parse(pkt.frame);
            const vmServers = new Set([...s.model.networks.values()].map((n) => n.dhcp?.mac).filter((m): m is string => m !== undefined && vmMacs(s.model).has(m)));
            if (q.udpDst === 67 && got.delivered.some((d) => vmServerAt(s.model, vmServers, d.dpid, d.port))) toVmServer++;
            if (q.udpSrc === 67 && vmServers.has(q.ethSrc)) fromVmServer++;
          }
          for (const c of got.controller) {
            if (parse(c.frame).ethType === 0x86dd) {
              const na = answerNd(s.model, { dpid: c.dpid, portNo: c.inPort }, c.frame);
              const owedNa = expectedNdAnswer(s.model, s.topo, { dpid: c.dpid, portNo: c.inPort }, c.frame);
              if (owedNa === null) expect(na, `${ctx}: unexpected NA`).to.equal(null);
              else {
                expect(na, `${ctx}: missing NA`).to.not.equal(null);
                const a = parse(na!);
                const q = parse(c.frame);
                expect([a.ethSrc, a.ethDst, a.icmpv6Type, a.ndTarget, a.ndTll, a.ipv6Dst, a.ipv6Src]).to.deep.equal([owedNa, q.ethSrc, 136, q.ndTarget, owedNa, q.ipv6Src, q.ndTarget]);
                expect(icmpv6ChecksumOk(na!), `${ctx}: NA checksum`).to.equal(true);
                ndAnswers++;
              }
              continue;
            }
            const reply = answerArp(s.model, { dpid: c.dpid, portNo: c.inPort }, c.frame);
            const owed = expectedArpAnswer(s.model, s.topo, { dpid: c.dpid, portNo: c.inPort }, c.frame);
            if (owed === null) expect(reply, `${ctx}: unexpected ARP answer`).to.equal(null);
            else {
              expect(reply, `${ctx}: missing ARP answer`).to.not.equal(null);
              const a = parseArp(reply!)!;
              const q = parseArp(c.frame)!;
              expect([a.op, a.sha, a.spa, a.tha, a.tpa, a.ethSrc, a.ethDst]).to.deep.equal([2, owed, q.tpa, q.sha, q.spa, owed, q.sha]);
              arpAnswers++;
            }
          }
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.SPOTLIGHT_PROPERTY_SEED ?? 4242) },
    );
  });
});

function vmMacs(model: ModelSnapshot): Set<string> {
  return new Set([...model.vms.values()].flatMap((v) => v.interfaces.map((i) => i.mac)));
}

/** Whether a VM interface whose MAC some network names as its DHCP server sits at that port. */
function vmServerAt(model: ModelSnapshot, servers: Set<string>, dpid: string, port: number): boolean {
  return [...model.vms.values()].some((v) => v.interfaces.some((i) => servers.has(i.mac) && i.switch === dpid && i.port === port));
}
