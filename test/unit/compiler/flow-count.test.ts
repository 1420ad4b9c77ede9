// The per-switch flow-count formulas of flows/PIPELINE.md, evaluated from the
// model on two-level fabrics (edges under one aggregation switch, and under two)
// and compared with what the compiler emits, for both lowerings. The aggregation
// switch holds one transit flow per edge switch with endpoints, whatever the
// number of VMs and networks.
import { expect } from 'chai';
import fc from 'fast-check';
import { compile } from '../../../src/compiler/compile.js';
import type { ModelSnapshot, Network, Relation, Vm } from '../../../src/model/types.js';
import { dpid, fatTree } from '../../support/flowsim-topologies.js';

const EDGES = 4;
const ACCESS = 6;

const modelArb = fc.record({
  networks: fc.array(fc.record({ pub: fc.boolean(), dhcp: fc.boolean(), gw: fc.option(fc.record({ edge: fc.nat(EDGES - 1), port: fc.nat(ACCESS - 1) }), { nil: undefined }) }), { minLength: 1, maxLength: 3 }),
  vms: fc.array(fc.record({ tenant: fc.nat(2), net: fc.nat(2), edge: fc.nat(EDGES - 1), port: fc.nat(ACCESS - 1), v6: fc.boolean() }), { minLength: 1, maxLength: 10 }),
  relations: fc.array(fc.tuple(fc.nat(9), fc.nat(9)), { maxLength: 3 }),
});

interface Ep {
  net: Network;
  ips: string[];
  gw: boolean;
  vm?: string;
  tenant: string;
  mac: string;
  dpid: string;
}

describe('compiler: flow count per switch follows flows/PIPELINE.md', () => {
  for (const [version, aggs] of [[4, 1], [4, 2], [4, 3], [1, 1], [1, 2]] as const) {
    it(`OF1.${version === 4 ? 3 : 0} formula, edges under ${aggs} aggregation switch${aggs > 1 ? 'es' : ''}`, () => {
      fc.assert(
        fc.property(modelArb, (r) => {
          const topo = fatTree(aggs, EDGES, ACCESS, aggs, version);
          const edge = (i: number): string => dpid(aggs + i);
          const nets: Network[] = r.networks.map((n, i) => ({
            name: `n${i}`,
            tenant: 'isp',
            kind: n.pub ? 'public' : 'private',
            cidrs: [],
            gateways: n.gw ? [{ mac: `02:00:00:00:09:0${i}`, ips: [`10.${i}.0.254`], switch: edge(n.gw.edge), port: 1 + n.gw.port }] : [],
            segment: i + 1,
          }));
          const vms: Vm[] = r.vms.map((v, i) => ({
            name: `vm${i}`,
            tenant: `t${v.tenant}`,
            interfaces: [{ mac: `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`, ips: v.v6 ? [`10.${v.net % nets.length}.0.${i + 1}`, `fd00:${v.net % nets.length}::${(i + 1).toString(16)}`] : [`10.${v.net % nets.length}.0.${i + 1}`], network: `n${v.net % nets.length}`, switch: edge(v.edge), port: 1 + v.port }],
          }));
          r.networks.forEach((n, i) => {
            const first = vms.find((v) => v.interfaces[0]!.network === `n${i}`);
            if (n.dhcp && first) nets[i]!.dhcp = { mac: first.interfaces[0]!.mac, ip: first.interfaces[0]!.ips[0]! };
          });
          const relations: Relation[] = r.relations.filter(([a, b]) => a !== b && a < vms.length && b < vms.length).map(([a, b], i) => ({ id: `r${i}`, vms: [`vm${a}`, `vm${b}`], tenants: [vms[a]!.tenant, vms[b]!.tenant] }));
          const model: ModelSnapshot = { generation: 1, networks: new Map(nets.map((n) => [n.name, n])), vms: new Map(vms.map((v) => [v.name, v])), relations: new Map(relations.map((x) => [x.id, x])) };

          const eps: Ep[] = [];
          for (const n of nets) for (const g of n.gateways) eps.push({ net: n, gw: true, tenant: n.tenant, mac: g.mac, ips: g.ips, dpid: g.switch });
          for (const v of vms) for (const i of v.interfaces) eps.push({ net: nets.find((n) => n.name === i.network)!, gw: false, vm: v.name, tenant: v.tenant, mac: i.mac, ips: i.ips, dpid: i.switch });
          const reach = (a: Ep, b: Ep): boolean =>
            a.net === b.net && (a === b || a.net.kind === 'private' || a.gw || b.gw || a.tenant === b.tenant || relations.some((x) => x.vms.includes(a.vm!) && x.vms.includes(b.vm!)));
          const R = (a: Ep): number => eps.filter((b) => reach(a, b)).length;

          const res = compile(model, topo);
          const delivered = eps; // every port 1..ACCESS exists: all are bound and delivered where they are
          const server = (n: Network): Ep | undefined => eps.find((x) => x.net === n && x.mac === n.dhcp?.mac);
          const destSwitches = new Set(delivered.map((x) => x.dpid));
          for (const [d, sf] of res.switches) {
            const isAgg = d < dpid(aggs);
            const F = isAgg ? EDGES : aggs;
            const A = isAgg ? 0 : ACCESS;
            // Destination switches this one carries for a neighbour: the aggregation switch carries every edge with endpoints.
            const T = isAgg ? destSwitches.size : 0;
            const local = eps.filter((x) => x.dpid === d);
            const macs = new Set(local.map((x) => x.mac));
            let want: number;
            if (version === 4) {
              // With access ports and two fabric ports or more: two flows send frames sent back here up again.
              want = 7 + F * (1 + (A > 0 ? 1 : 0)) + (A > 0 && F >= 2 ? 2 : 0) + (F > 0 ? 1 : 0) + T + (A > 0 ? 9 : 0);
              for (const e of local) {
                const pub = e.net.kind === 'public';
                const s = server(e.net) === e ? 1 : 0;
                const a4 = e.ips.filter((x) => !x.includes(':')).length;
                const a6 = 1 + e.ips.filter((x) => x.includes(':')).length; // own IPv6 addresses and the EUI-64 link-local one
                want += e.gw ? 16 + (pub ? 1 : 0) : 6 + 4 * a4 + a6 * (3 + 2 * a6) + s * (a4 + a6) + (pub ? R(e) : 0);
              }
            } else {
              want = 2 + A + T * (A > 0 ? F - 1 : 1);
            }
            for (const n of nets) {
              const members = eps.filter((x) => x.net === n);
              const here = members.filter((x) => x.dpid === d);
              const h = server(n) ? 1 : 0;
              if (here.length) {
                // Forwarding entries: private, every member; public, what some endpoint here may reach.
                const D = members.filter((x) => n.kind === 'private' || here.some((e) => reach(e, x))).length;
                const b = here.some((e) => n.kind === 'private' || e.gw) ? 1 : 0;
                if (version === 4) want += (n.kind === 'private' ? 1 : 2) + 4 * h + 2 * b + D;
                else {
                  for (const e of here) {
                    const Di = members.filter((x) => reach(e, x)).length;
                    const a4 = e.ips.filter((x) => !x.includes(':')).length;
                    want += e.gw ? 2 + 2 * h + 2 * Di + 1 : a4 * (3 + 2 * h + 2 * Di + (n.kind === 'private' ? 1 : 0)) + 2 + h + (server(n) === e ? 0 : 1);
                  }
                }
              }
              // Egress of what arrives tagged: the network's broadcast (and multicast) to members here, DHCP to a server here.
              const m = here.length ? 1 : 0;
              const v = server(n) && server(n)!.dpid === d ? 1 : 0;
              want += version === 4 ? 2 * m + 2 * v : F * (m + v);
            }
            want += version === 4 ? macs.size : F * macs.size;
            expect(sf.flows.length, `${d}`).to.equal(want);
          }
        }),
        { numRuns: 150, seed: 5 },
      );
    });
  }
});
