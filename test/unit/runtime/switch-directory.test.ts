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
});
