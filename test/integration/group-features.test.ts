// What a real Open vSwitch says of its groups in the handshake, checked
// against what `ovs-ofctl dump-group-features` prints for the same bridge:
// the types and capabilities bitmaps, each type's max_groups and its action
// bitmap. Then what reaches the topology: SELECT and FAST_FAILOVER groups
// from an OF1.3 bridge, nothing said for an OF1.0 one. Run inside the
// integration lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/group-features.test.ts
import { expect } from 'chai';
import { OpenFlowServer, type SwitchConnectedEvent } from '../../src/channel/index.js';
import { channelTopologySource } from '../../src/topo/channel-source.js';
import type { TopologySourceEvents } from '../../src/topo/service.js';
import { addBridge, ovsRunning, sh, trySh } from '../support/ovs.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const BRIDGES = [
  { name: 'spgf13', dpid: '00000000005f6f13', protocols: 'OpenFlow13' },
  { name: 'spgf10', dpid: '00000000005f6f10', protocols: 'OpenFlow10' },
];

/** ovs-ofctl's names of OF1.3 action types, by OFPAT_* code (OpenFlow 1.3.5, 7.2.5). */
const ACTION_CODES: Record<string, number> = {
  output: 0,
  copy_ttl_out: 11,
  copy_ttl_in: 12,
  set_mpls_ttl: 15,
  dec_mpls_ttl: 16,
  push_vlan: 17,
  strip_vlan: 18,
  push_mpls: 19,
  pop_mpls: 20,
  set_queue: 21,
  group: 22,
  mod_nw_ttl: 23,
  dec_ttl: 24,
  set_field: 25,
  push_pbb: 26,
  pop_pbb: 27,
};

const TYPE_NAMES = ['all', 'select', 'indirect', 'fast failover'];

/** `ovs-ofctl dump-group-features` as the reply's fields. */
function ofctlGroupFeatures(bridge: string): { types: number; capabilities: number; maxGroups: number[]; actions: number[] } {
  const text = sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-group-features', bridge]);
  const hex = (re: RegExp): number => Number.parseInt(re.exec(text)?.[1] ?? 'NaN', 16);
  const maxGroups = [0, 0, 0, 0];
  const actions = [0, 0, 0, 0];
  TYPE_NAMES.forEach((name, t) => {
    const m = new RegExp(`${name} group:\\n\\s*max_groups=0x([0-9a-f]+)\\n\\s*actions:([^\\n]*)`).exec(text);
    if (!m) return;
    maxGroups[t] = Number.parseInt(m[1]!, 16);
    for (const a of m[2]!.trim().split(/\s+/).filter(Boolean)) {
      const code = ACTION_CODES[a];
      if (code === undefined) throw new Error(`ovs-ofctl names an action this test does not know: ${a}`);
      actions[t]! |= 1 << code;
    }
  });
  return { types: hex(/Types:\s+0x([0-9a-f]+)/), capabilities: hex(/Capabilities:\s+0x([0-9a-f]+)/), maxGroups, actions: actions.map((x) => x >>> 0) };
}

describe('integration: group features of a real Open vSwitch', function () {
  this.timeout(120_000);
  let server: OpenFlowServer | undefined;
  const connected = new Map<string, SwitchConnectedEvent>();
  const topo = new Map<string, TopologySourceEvents['switchConnected']>();

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsRunning()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const addr = await server.listen();
    server.on('switchConnected', (ev) => connected.set(ev.dpid, ev));
    channelTopologySource(server).source.subscribe('switchConnected', (ev) => topo.set(ev.dpid, ev));
    for (const b of BRIDGES) addBridge({ ...b, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    await waitFor(() => BRIDGES.every((b) => topo.has(b.dpid)), 30_000, 100);
  });

  after(async () => {
    for (const b of BRIDGES) trySh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
    await server?.close();
  });

  it('OpenFlow13: the handshake reads the group features ovs-ofctl prints, and the topology gets SELECT and FAST_FAILOVER groups', () => {
    const ev = connected.get(BRIDGES[0]!.dpid)!;
    expect(ev.version).to.equal(4);
    const want = ofctlGroupFeatures(BRIDGES[0]!.name);
    expect(want.types, 'ovs-ofctl lists all four group types').to.equal(0xf);
    expect(ev.groups).to.deep.equal(want);
    const groups = topo.get(BRIDGES[0]!.dpid)!.groups!;
    expect(groups).to.deep.equal({ select: want.maxGroups[1], fastFailover: want.maxGroups[3] });
    expect(groups.select).to.be.greaterThan(0);
  });

  it('OpenFlow10: nothing is asked and the topology says nothing of groups', () => {
    const ev = connected.get(BRIDGES[1]!.dpid)!;
    expect(ev.version).to.equal(1);
    expect(ev.groups).to.equal(undefined);
    expect(topo.get(BRIDGES[1]!.dpid)!.groups).to.equal(undefined);
  });
});
