import { expect } from 'chai';
import { compile } from '../../../src/compiler/compile.js';
import { emptySnapshot, putNetwork, vmStart, type NetworkInput, type OpResult, type VmStartInput } from '../../../src/model/index.js';
import type { ModelSnapshot } from '../../../src/model/types.js';
import { FlowSim } from '../../../src/sim/flowsim.js';
import { dpid, TopoBuilder } from '../../support/flowsim-topologies.js';
import { expect as oracle, placeKey } from '../../support/oracle.js';
import { ethernet, ipv4, udp } from '../../../src/sim/packets.js';

// A cloud written through the model operations (as the API does), where a VM
// runs the network's DHCP server, then compiled and run in the flow simulator.
const S0 = dpid(0);
const S1 = dpid(1);
const SERVER = '52:54:00:00:00:53';
const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';
const GW = '02:00:00:00:00:01';
const BC = 'ff:ff:ff:ff:ff:ff';

const network: NetworkInput = {
  tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], dhcp: { mac: SERVER, ip: '10.1.0.53' },
  gateways: [{ mac: GW, ips: ['10.1.0.1'], switch: S1, port: 2 }],
};
const vm = (name: string, mac: string, ip: string, sw: string, port: number): VmStartInput =>
  ({ vm: name, tenant: 't1', interfaces: [{ mac, ips: [ip], network: 'n1', switch: sw, port }] });
const vms = [vm('dnsmasq', SERVER, '10.1.0.53', S1, 1), vm('a', A, '10.1.0.10', S0, 1), vm('b', B, '10.1.0.11', S0, 2)];

function ok(r: OpResult): ModelSnapshot {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.snapshot;
}

function cloud(networkFirst: boolean): ModelSnapshot {
  let s = emptySnapshot();
  if (networkFirst) s = ok(putNetwork(s, 'n1', network));
  else s = ok(putNetwork(s, 'n1', { ...network, dhcp: undefined }));
  for (const v of vms) s = ok(vmStart(s, v));
  if (!networkFirst) s = ok(putNetwork(s, 'n1', network));
  return s;
}

interface Case { what: string; from: [string, number]; frame: Uint8Array; want: string[] }

const cases: Case[] = [
  { what: 'DISCOVER from a', from: [S0, 1], frame: ethernet(BC, A, 0x0800, ipv4('0.0.0.0', '255.255.255.255', 17, udp(68, 67))), want: [`${S1}:1`] },
  { what: 'REQUEST from b to the server', from: [S0, 2], frame: ethernet(SERVER, B, 0x0800, ipv4('10.1.0.11', '10.1.0.53', 17, udp(68, 67))), want: [`${S1}:1`] },
  // A request addressed to another MAC is neither the server's nor a broadcast: it reaches no one (the server's NIC would not take it).
  { what: 'DHCP to a MAC other than the server, from b', from: [S0, 2], frame: ethernet(A, B, 0x0800, ipv4('10.1.0.11', '10.1.0.10', 17, udp(68, 67))), want: [] },
  { what: 'OFFER from the server to a', from: [S1, 1], frame: ethernet(A, SERVER, 0x0800, ipv4('10.1.0.53', '10.1.0.10', 17, udp(67, 68))), want: [`${S0}:1`] },
  { what: 'broadcast OFFER from the server', from: [S1, 1], frame: ethernet(BC, SERVER, 0x0800, ipv4('10.1.0.53', '255.255.255.255', 17, udp(67, 68))), want: [`${S0}:1`, `${S0}:2`, `${S1}:2`] },
  { what: 'OFFER from the gateway to a', from: [S1, 2], frame: ethernet(A, GW, 0x0800, ipv4('10.1.0.1', '10.1.0.10', 17, udp(67, 68))), want: [`${S0}:1`] },
  { what: 'rogue OFFER from b to a', from: [S0, 2], frame: ethernet(A, B, 0x0800, ipv4('10.1.0.11', '10.1.0.10', 17, udp(67, 68))), want: [] },
  { what: 'rogue broadcast OFFER from b', from: [S0, 2], frame: ethernet(BC, B, 0x0800, ipv4('10.1.0.11', '255.255.255.255', 17, udp(67, 68))), want: [] },
];

for (const version of [4, 1] as const) {
  describe(`compiler: a VM as the network DHCP server (OpenFlow ${version === 4 ? '1.3' : '1.0'})`, () => {
    const topo = new TopoBuilder().switch(S0, 2, version).switch(S1, 2, version).link(S0, S1).build();
    const model = cloud(true);
    const result = compile(model, topo);
    const sim = new FlowSim([...result.switches.values()].map((sf) => ({ dpid: sf.dpid, version: sf.version, flows: sf.flows, groups: sf.groups })), topo.links);
    const versions = new Map([[S0, version], [S1, version]]);

    it('reports the server present', () => {
      expect(result.diagnostics.map((d) => d.code)).to.not.include('DHCP_SERVER_ABSENT');
    });

    for (const c of cases) {
      it(`${c.what}: reaches ${c.want.length ? c.want.join(' ') : 'no one'}, as the contract oracle says`, () => {
        const got = sim.run(c.from[0], c.from[1], c.frame);
        const delivered = got.delivered.map((d) => placeKey({ dpid: d.dpid, portNo: d.port })).sort();
        expect(delivered).to.deep.equal([...c.want].sort());
        const want = oracle(model, topo, { dpid: c.from[0], portNo: c.from[1] }, c.frame, { versions });
        expect(delivered).to.deep.equal([...want.delivered].sort());
      });
    }

    it('compiles the same flows whichever write named the server first', () => {
      const other = compile(cloud(false), topo);
      for (const [d, sf] of result.switches) {
        const text = (x: typeof sf) => x.flows.map((f) => JSON.stringify(f, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).sort();
        expect(text(other.switches.get(d)!), d).to.deep.equal(text(sf));
      }
    });
  });
}
