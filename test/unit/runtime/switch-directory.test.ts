import { expect } from 'chai';
import { switchDirectory } from '../../../src/runtime/switch-directory.js';
import type { TopologySnapshot } from '../../../src/topo/types.js';

const SW1 = '0000000000000001';
const SW2 = '0000000000000002';

describe('runtime: switch directory (GET /v1/switches)', () => {
  it('merges the topology, the negotiated version and the reconciler status per switch', () => {
    const snap: TopologySnapshot = {
      version: 3,
      switches: new Map([
        [SW2, { dpid: SW2, version: 1, connected: false, ports: new Map() }],
        [SW1, { dpid: SW1, name: 'e1', role: 'edge' as const, version: 4, connected: true, ports: new Map([[2, { portNo: 2, name: 's1-eth2', up: false }], [1, { portNo: 1, name: 's1-eth1', up: true }]]) }],
      ]),
      links: [],
    };
    const dir = switchDirectory({
      topology: () => snap,
      connectedVersion: (d) => (d === SW1 ? 4 : undefined),
      reconcile: () => [{ dpid: SW1, connected: true, realizedGeneration: 7, installedFlows: 42, desiredFlows: 44, failures: [] }],
      packetIns: (d) => (d === SW1 ? 130 : 0),
    });
    expect(dir.list()).to.deep.equal([
      {
        dpid: SW1,
        version: '1.3',
        connected: true,
        ports: [
          { number: 1, name: 's1-eth1', up: true },
          { number: 2, name: 's1-eth2', up: false },
        ],
        flowCount: 42,
        realizedGeneration: 7,
        name: 'e1',
        role: 'edge',
        desiredFlows: 44,
        packetIns: 130,
      },
      { dpid: SW2, version: '1.0', connected: false, ports: [], flowCount: 0, realizedGeneration: null, desiredFlows: 0, packetIns: 0 },
    ]);
  });

  it('groups: an OF1.3 switch\'s reported types and max groups beside its desired groups; null on OF1.0; not reported while disconnected', () => {
    const SW3 = '0000000000000003';
    const snap: TopologySnapshot = {
      version: 1,
      switches: new Map([
        [SW1, { dpid: SW1, version: 4, connected: true, ports: new Map() }],
        [SW2, { dpid: SW2, version: 1, connected: true, ports: new Map() }],
        [SW3, { dpid: SW3, version: 4, connected: false, ports: new Map() }],
      ]),
      links: [],
    };
    const desiredGroups = { all: 0, select: 3, indirect: 0, ff: 2 };
    const dir = switchDirectory({
      topology: () => snap,
      connectedVersion: (d) => (d === SW1 ? 4 : d === SW2 ? 1 : undefined),
      reconcile: () => [
        { dpid: SW1, connected: true, installedFlows: 0, desiredFlows: 0, desiredGroups, failures: [] },
        { dpid: SW3, connected: false, installedFlows: 0, desiredFlows: 0, desiredGroups: { ...desiredGroups, ff: 0 }, failures: [] },
      ],
      // SELECT and FAST_FAILOVER (bits 1 and 3); INDIRECT's max_groups set though its bit is not: a type the switch lacks takes none.
      groupFeatures: (d) => (d === SW1 ? { types: 0b1010, capabilities: 0, maxGroups: [0, 64, 7, 32], actions: [0, 1, 1, 1] } : undefined),
    });
    const [s1, s2, s3] = dir.list();
    expect(s1!.groups).to.deep.equal({
      reported: true,
      types: {
        all: { supported: false, maxGroups: 0, inUse: 0 },
        select: { supported: true, maxGroups: 64, inUse: 3 },
        indirect: { supported: false, maxGroups: 0, inUse: 0 },
        fastFailover: { supported: true, maxGroups: 32, inUse: 2 },
      },
    });
    expect(s2!.groups).to.equal(null);
    expect(s3!.groups).to.deep.equal({
      reported: false,
      types: {
        all: { supported: null, maxGroups: null, inUse: 0 },
        select: { supported: null, maxGroups: null, inUse: 3 },
        indirect: { supported: null, maxGroups: null, inUse: 0 },
        fastFailover: { supported: null, maxGroups: null, inUse: 0 },
      },
    });
  });
});
