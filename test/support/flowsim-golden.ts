// The example clouds behind flows/golden/: small enough to read, covering a
// private network with a DHCP server, a public segment shared by two tenants
// with a gateway and a relation, a migration in progress with IPv6, and a
// two-level fat-tree (aggregation switches with failover groups, edges that
// send frames back up).
import type { ModelSnapshot, Network, Relation, Vm } from '../../src/model/types.js';
import type { TopologySnapshot } from '../../src/topo/types.js';
import { dpid, fatTree, TopoBuilder } from './flowsim-topologies.js';

export interface GoldenScenario {
  name: string;
  model: ModelSnapshot;
  topo: (version: 1 | 4) => TopologySnapshot;
}

const snapshot = (networks: Network[], vms: Vm[], relations: Relation[] = []): ModelSnapshot => ({
  generation: 1,
  networks: new Map(networks.map((n) => [n.name, n])),
  vms: new Map(vms.map((v) => [v.name, v])),
  relations: new Map(relations.map((r) => [r.id, r])),
});

const S1 = dpid(0);
const S2 = dpid(1);
const S3 = dpid(2);

/** s1 - s2 - s3 in a line, plus s1 - s3 closing a loop; s2 has no access ports in use. */
function triangle(version: 1 | 4): TopologySnapshot {
  return new TopoBuilder().switch(S1, 4, version).switch(S2, 2, version).switch(S3, 4, version).link(S1, S2).link(S2, S3).link(S1, S3).build();
}

function pair(version: 1 | 4): TopologySnapshot {
  return new TopoBuilder().switch(S1, 2, version).switch(S2, 2, version).link(S1, S2).build();
}

export const GOLDEN: GoldenScenario[] = [
  {
    name: 'two-tenants',
    topo: triangle,
    model: snapshot(
      [
        { name: 'blue', tenant: 't1', kind: 'private', cidrs: ['10.1.0.0/24'], dhcp: { mac: '02:00:00:00:01:03', ip: '10.1.0.3' }, gateways: [], segment: 11 },
        {
          name: 'pub',
          tenant: 'isp',
          kind: 'public',
          cidrs: ['198.51.100.0/24'],
          gateways: [{ mac: '02:00:00:00:09:01', ips: ['198.51.100.1'], switch: S1, port: 3 }],
          segment: 12,
        },
      ],
      [
        { name: 'vm1', tenant: 't1', interfaces: [{ mac: '02:00:00:00:01:01', ips: ['10.1.0.1'], network: 'blue', switch: S1, port: 1 }] },
        { name: 'vm2', tenant: 't1', interfaces: [{ mac: '02:00:00:00:01:02', ips: ['10.1.0.2'], network: 'blue', switch: S3, port: 1 }] },
        { name: 'dhcp1', tenant: 't1', interfaces: [{ mac: '02:00:00:00:01:03', ips: ['10.1.0.3'], network: 'blue', switch: S3, port: 2 }] },
        { name: 'vmA', tenant: 't1', interfaces: [{ mac: '02:00:00:00:02:01', ips: ['198.51.100.11'], network: 'pub', switch: S1, port: 2 }] },
        { name: 'vmB', tenant: 't2', interfaces: [{ mac: '02:00:00:00:02:02', ips: ['198.51.100.12'], network: 'pub', switch: S3, port: 3 }] },
        { name: 'vmC', tenant: 't2', interfaces: [{ mac: '02:00:00:00:02:03', ips: ['198.51.100.13'], network: 'pub', switch: S1, port: 4 }] },
        { name: 'vmD', tenant: 't3', interfaces: [{ mac: '02:00:00:00:02:04', ips: ['198.51.100.14'], network: 'pub', switch: S3, port: 4 }] },
      ],
      [{ id: 'ab', vms: ['vmA', 'vmB'], tenants: ['t1', 't2'] }],
    ),
  },
  {
    name: 'migration',
    topo: pair,
    model: snapshot(
      [{ name: 'green', tenant: 't1', kind: 'private', cidrs: ['10.2.0.0/24', 'fd00:2::/64'], gateways: [], segment: 21 }],
      [
        {
          name: 'mover',
          tenant: 't1',
          interfaces: [{ mac: '02:00:00:00:03:01', ips: ['10.2.0.1', 'fd00:2::1'], network: 'green', switch: S1, port: 1 }],
          migration: { destinations: [{ mac: '02:00:00:00:03:01', switch: S2, port: 1 }], activated: false },
        },
        { name: 'peer', tenant: 't1', interfaces: [{ mac: '02:00:00:00:03:02', ips: ['10.2.0.2'], network: 'green', switch: S2, port: 2 }] },
        { name: 'late', tenant: 't1', interfaces: [{ mac: '02:00:00:00:03:03', ips: ['10.2.0.3'], network: 'green', switch: S1, port: 'vnet9' }] },
      ],
    ),
  },
  {
    // Aggregation switches 1 and 2, edges 3 to 5 (each cabled to both), one VM per edge.
    name: 'fat-tree',
    topo: (version) => fatTree(2, 3, 2, 2, version),
    model: snapshot(
      [{ name: 'red', tenant: 't1', kind: 'private', cidrs: ['10.3.0.0/24'], gateways: [], segment: 31 }],
      [3, 4, 5].map((e) => ({ name: `r${e}`, tenant: 't1', interfaces: [{ mac: `02:00:00:00:04:0${e}`, ips: [`10.3.0.${e}`], network: 'red', switch: dpid(e - 1), port: 1 }] })),
    ),
  },
];
