// Networks numbered past 4,094 (segments run to 1,000,000): 4,100 networks
// written through the model operations, compiled for a fat-tree and run in
// the flow simulator. The last networks carry traffic and stay apart as the
// first ones do: between switches a network never rides in a VLAN id.
import { expect } from 'chai';
import { compile, FlowCompiler } from '../../../src/compiler/compile.js';
import { fabricMac, mplsLabelOf } from '../../../src/compiler/fabric.js';
import { emptySnapshot, putNetwork, vmStart, type OpResult } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { dpid, fatTree } from '../../support/flowsim-topologies.js';
import { expect as oracle, placeKey } from '../../support/oracle.js';
import { ethernet, icmpv6, ipv4, ipv6, udp } from '../../../src/sim/packets.js';

const NETWORKS = 4100;
const E0 = dpid(2);
const E1 = dpid(3);
const E2 = dpid(4);
const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';
const C = '52:54:00:00:00:0c';
const D = '52:54:00:00:00:0d';
const BC = 'ff:ff:ff:ff:ff:ff';

function ok(r: OpResult): ModelSnapshot {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.snapshot;
}

function cloud(): ModelSnapshot {
  let s = emptySnapshot();
  for (let i = 1; i <= NETWORKS; i++) s = ok(putNetwork(s, `n${i}`, { tenant: 't', kind: 'private' }));
  const vm = (name: string, mac: string, ip: string, network: string, sw: string, port: number) =>
    ok(vmStart(s, { vm: name, tenant: 't', interfaces: [{ mac, ips: [ip, `fd00::${ip.split('.')[3]}`], network, switch: sw, port }] }));
  s = vm('a', A, '10.0.0.1', `n${NETWORKS}`, E0, 1);
  s = vm('b', B, '10.0.0.2', `n${NETWORKS}`, E1, 1);
  s = vm('c', C, '10.0.0.3', `n${NETWORKS}`, E0, 2);
  s = vm('d', D, '10.0.0.4', `n${NETWORKS - 1}`, E1, 2);
  s = vm('e', '52:54:00:00:00:0e', '10.0.0.5', 'n1', E2, 1);
  return s;
}

const v4 = (dst: string, src: string, ipSrc: string, ipDst: string): Uint8Array => ethernet(dst, src, 0x0800, ipv4(ipSrc, ipDst, 17, udp(5000, 5001)));

describe('compiler: networks past 4,094', () => {
  const model = cloud();

  it('gives the 4,100 networks segments 1..4,100', () => {
    expect(model.networks.get(`n${NETWORKS}`)!.segment).to.equal(NETWORKS);
    expect(new Set([...model.networks.values()].map((n) => n.segment)).size).to.equal(NETWORKS);
  });

  for (const version of [4, 1] as const) {
    describe(`OpenFlow ${version === 4 ? '1.3' : '1.0'}`, () => {
      const topo = fatTree(2, 3, 4, 2, version);
      const result = compile(model, topo);
      const sim = new FlowSim([...result.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows, groups: sf.groups })), topo.links);
      const versions = new Map([...topo.switches.keys()].map((d) => [d, version as number]));
      const cases: { what: string; from: [string, number]; frame: Uint8Array; want: string[] }[] = [
        { what: 'unicast a -> b across the fabric (segment 4,100)', from: [E0, 1], frame: v4(B, A, '10.0.0.1', '10.0.0.2'), want: [`${E1}:1`] },
        { what: 'broadcast from a: its network only', from: [E0, 1], frame: v4(BC, A, '10.0.0.1', '255.255.255.255'), want: [`${E0}:2`, `${E1}:1`] },
        { what: 'broadcast from d (segment 4,099) reaches none of 4,100', from: [E1, 2], frame: v4(BC, D, '10.0.0.4', '255.255.255.255'), want: [] },
        { what: 'unicast d -> b across networks is dropped', from: [E1, 2], frame: v4(B, D, '10.0.0.4', '10.0.0.2'), want: [] },
        {
          what: 'IPv6 all-nodes multicast from a (OF1.3: its network only; OF1.0 drops IPv6 from access ports)',
          from: [E0, 1],
          frame: ethernet('33:33:00:00:00:01', A, 0x86dd, ipv6('fd00::1', 'ff02::1', 58, icmpv6(128, 0, [0, 0, 0, 0]))),
          want: version === 4 ? [`${E0}:2`, `${E1}:1`] : [],
        },
      ];
      for (const c of cases) {
        it(`${c.what}, as the contract oracle says`, () => {
          const got = sim.run(c.from[0], c.from[1], c.frame);
          expect(got.looped).to.equal(false);
          const delivered = got.delivered.map((d) => placeKey({ dpid: d.dpid, portNo: d.port })).sort();
          expect(delivered).to.deep.equal([...c.want].sort());
          expect(delivered).to.deep.equal([...oracle(model, topo, { dpid: c.from[0], portNo: c.from[1] }, c.frame, { versions }).delivered].sort());
        });
      }

      it('carries segment 4,100 on fabric links in its reserved MAC (and its MPLS label on OF1.3), never in a VLAN id', () => {
        const text = JSON.stringify(result.switches.get(E0)!.flows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        expect(text).to.include(fabricMac('broadcast', NETWORKS));
        if (version === 4) expect(text).to.include(`{"type":"setField","field":"mplsLabel","value":${mplsLabelOf(NETWORKS)}}`);
        const compiler = new FlowCompiler(model, topo);
        for (const d of topo.switches.keys()) expect(compiler.check(d), d).to.deep.equal([]);
        expect(result.diagnostics).to.deep.equal([]);
      });
    });
  }
});
