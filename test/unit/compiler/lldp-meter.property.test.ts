// Property: on OF1.3 the packet-in meter that every VM-facing controller flow
// shares must not also carry the discovery probes that cross fabric cables.
// Otherwise one VM flooding ARP requests fills the meter, the switch drops its
// neighbours' probes with the flood, the controller times the links out and
// the fabric flaps under everyone (seen on Mininet: two links of the flooded
// switch lost and found again within a 4 s flood). The flows are compiled
// (the compiler puts controller-bound flows behind their meters) and for each
// ingress the flow a probe would hit (highest priority of table 0 that
// matches) is inspected.
import { expect } from 'chai';
import fc from 'fast-check';
import { compile } from '../../../src/compiler/compile.js';
import type { DesiredFlow } from '../../../src/compiler/types.js';
import { buildScenario, recipeArb } from '../../support/flowsim-scenarios.js';

const NEAREST_BRIDGE = '01:80:c2:00:00:0e';

/** The table-0 flow an untagged LLDP probe to the nearest-bridge address from `inPort` hits. */
function probeFlow(flows: DesiredFlow[], inPort: number, srcMac: string): DesiredFlow | undefined {
  const hits = flows.filter((f) => {
    if (f.tableId !== 0) return false;
    const m = f.match;
    if (m.inPort !== undefined && m.inPort !== inPort) return false;
    if (m.ethType !== undefined && m.ethType !== 0x88cc) return false;
    if (m.ethDst !== undefined && (typeof m.ethDst !== 'string' || m.ethDst !== NEAREST_BRIDGE)) return false;
    if (m.ethSrc !== undefined && (typeof m.ethSrc !== 'string' || m.ethSrc !== srcMac)) return false;
    // Any VLAN condition excludes an untagged probe except "no tag".
    if (m.vlanVid !== undefined && !(typeof m.vlanVid === 'number' && m.vlanVid === 0)) return false;
    return Object.keys(m).every((k) => ['inPort', 'ethType', 'ethDst', 'ethSrc', 'vlanVid'].includes(k));
  });
  return hits.sort((a, b) => b.priority - a.priority)[0];
}

const metered = (f: DesiredFlow): boolean => f.instructions.some((i) => i.type === 'meter');
const toController = (f: DesiredFlow): boolean =>
  f.instructions.some((i) => (i.type === 'applyActions' || i.type === 'writeActions') && i.actions.some((a) => a.type === 'output' && a.port === 0xfffffffd));

describe('compiler: discovery probes do not share the packet-in meter with VMs (OF1.3)', function () {
  this.timeout(60_000);

  it('a probe on a fabric port reaches the controller unmetered; from a VM port, metered', () => {
    let fabricChecked = 0;
    let accessChecked = 0;
    fc.assert(
      fc.property(recipeArb, (recipe) => {
        const s = buildScenario(recipe);
        const up = (d: string, p: number): boolean => s.topo.switches.get(d)?.ports.get(p)?.up === true;
        // Ends of links that are up at both ends: where neighbours' probes arrive.
        const fabric = s.topo.links.filter((l) => up(l.a.dpid, l.a.portNo) && up(l.b.dpid, l.b.portNo)).flatMap((l) => [l.a, l.b]);
        const isFabric = (d: string, p: number): boolean => s.topo.links.some((l) => (l.a.dpid === d && l.a.portNo === p) || (l.b.dpid === d && l.b.portNo === p));
        for (const sf of compile(s.model, s.topo).switches.values()) {
          if (sf.version !== 4) continue;
          const flows = sf.flows;
          for (const end of fabric) {
            {
              if (end.dpid !== sf.dpid) continue;
              const f = probeFlow(flows, end.portNo, '02:00:00:00:00:01');
              expect(f, `probe at fabric ${end.dpid}:${end.portNo}`).to.not.equal(undefined);
              expect(toController(f!), `${end.dpid}:${end.portNo} ${f!.stage}`).to.equal(true);
              expect(metered(f!), `probe at fabric ${end.dpid}:${end.portNo} behind the VMs' meter`).to.equal(false);
              fabricChecked++;
            }
          }
          for (const v of s.senders.filter((x) => x.dpid === sf.dpid && !isFabric(x.dpid, x.portNo))) {
            const f = probeFlow(flows, v.portNo, v.mac);
            expect(f, `LLDP from VM port ${v.dpid}:${v.portNo}`).to.not.equal(undefined);
            if (toController(f!)) expect(metered(f!), `LLDP from VM port ${v.dpid}:${v.portNo} unmetered`).to.equal(true);
            accessChecked++;
          }
        }
      }),
      { numRuns: 150, seed: 4242 },
    );
    expect(fabricChecked).to.be.greaterThan(100);
    expect(accessChecked).to.be.greaterThan(100);
  });
});
