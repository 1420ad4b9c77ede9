// The simulated switch that the reconciler's unit tests rely on, checked
// against real Open vSwitch: the same random flow-mod sequences (add, modify,
// modify-strict, delete, delete-strict, cookie masks, out_port filters) go to
// both, and both must end with the same flow table. Run by hand inside the lock:
//   flock /tmp/spotlight-ovs.lock npx mocha --config .mocharc.json --timeout 180000 test/integration/fakeswitch-vs-ovs.test.ts
import { expect } from 'chai';
import fc from 'fast-check';
import { OpenFlowServer, type SwitchConnection } from '../../src/channel/index.js';
import { silentLogger } from '../../src/log.js';
import { GROUP_ANY, NO_BUFFER, OFP10_VERSION, OFP13_VERSION, Port, TABLE_ALL, type FlowStats, type OfVersion } from '../../src/openflow/types.js';
import { canonicalInstructions } from '../../src/reconcile/action-key.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import { flowKey } from '../../src/reconcile/match-key.js';
import type { FlowModBody } from '../../src/reconcile/ports.js';
import { FakeSwitch } from '../support/fakeswitch.js';
import { ovsRunning as ovsUsable, sh } from '../support/ovs.js';
import { FOREIGN_COOKIE, OURS, flowArb } from '../unit/reconcile/flowgen.js';

const BRIDGES = [
  { name: 'sprcf10', version: OFP10_VERSION as OfVersion, ofctl: 'OpenFlow10', dpid: '00000000005ef010' },
  { name: 'sprcf13', version: OFP13_VERSION as OfVersion, ofctl: 'OpenFlow13', dpid: '00000000005ef013' },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function commandArb(version: OfVersion): fc.Arbitrary<FlowModBody> {
  return fc
    .record({
      f: flowArb([0], [OURS, OURS | 1n, FOREIGN_COOKIE]),
      command: fc.constantFrom('add', 'add', 'add', 'modify', 'modifyStrict', 'delete', 'deleteStrict' as const),
      cookieMask: fc.constantFrom(0n, 0xffffffffffffffffn, 0xffff000000000000n),
      outPort: fc.constantFrom(Port.ANY, Port.ANY, 1, 2),
      allTables: fc.boolean(),
    })
    .map(({ f, command, cookieMask, outPort, allTables }) => {
      const del = command === 'delete' || command === 'deleteStrict';
      return {
        type: 'flowMod',
        command,
        cookie: f.cookie,
        cookieMask: version === OFP10_VERSION ? 0n : cookieMask,
        tableId: del && allTables && version === OFP13_VERSION ? TABLE_ALL : 0,
        idleTimeout: 0,
        hardTimeout: 0,
        priority: f.priority,
        bufferId: NO_BUFFER,
        outPort: del ? outPort : Port.ANY,
        outGroup: GROUP_ANY,
        flags: {},
        match: f.match,
        instructions: del ? [] : f.instructions,
      } as FlowModBody;
    });
}

function tableText(flows: FlowStats[], version: OfVersion): string[] {
  return flows
    .map((f) => {
      const k = flowKey(f.tableId, f.priority, f.match, version);
      return `${k.ok ? k.key : 'bad'} cookie=${f.cookie.toString(16)} ${canonicalInstructions(f.instructions)}`;
    })
    .sort();
}

describe('integration: simulated switch against real Open vSwitch', function () {
  this.timeout(180_000);
  let server: OpenFlowServer | undefined;
  const conns = new Map<string, SwitchConnection>();

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsUsable()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const addr = await server.listen();
    server.on('switchConnected', (ev) => conns.set(ev.dpid, ev.connection));
    for (const b of BRIDGES) {
      sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
      sh('ovs-vsctl', ['--timeout=10', 'add-br', b.name, '--', 'set', 'bridge', b.name, 'datapath_type=netdev', 'fail_mode=secure', `protocols=${b.ofctl}`, `other-config:datapath-id=${b.dpid}`]);
      sh('ovs-vsctl', ['--timeout=10', 'set-controller', b.name, `tcp:127.0.0.1:${addr.port}`]);
    }
    const end = Date.now() + 20_000;
    while (BRIDGES.some((b) => !conns.has(b.dpid)) && Date.now() < end) await sleep(100);
  });

  after(async () => {
    for (const b of BRIDGES) {
      try {
        sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
      } catch {
        /* best effort */
      }
    }
    await server?.close();
  });

  for (const b of BRIDGES) {
    it(`${b.ofctl}: 40 random sequences of 12 flow-mods leave both tables equal`, async () => {
      const conn = conns.get(b.dpid);
      expect(conn, 'bridge connected').to.not.equal(undefined);
      const session = new ChannelSession(conn!, { bundles: false });
      const sequences = fc.sample(fc.array(commandArb(b.version), { minLength: 12, maxLength: 12 }), { numRuns: 40, seed: 4242 });
      for (const [n, seq] of sequences.entries()) {
        sh('ovs-ofctl', ['-O', b.ofctl, 'del-flows', b.name]);
        const fake = new FakeSwitch(b.dpid, b.version);
        for (const cmd of seq) {
          const real = await session.apply([cmd], { atomic: false });
          expect(real.ok && real.errors.length, `sequence ${n}: OVS refused ${JSON.stringify(cmd, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`).to.equal(0);
          await fake.apply([cmd], { atomic: false });
        }
        const realFlows = await session.readFlows();
        const fakeFlows = await fake.readFlows();
        if (!realFlows.ok || !fakeFlows.ok) throw new Error('flow stats failed');
        expect(tableText(fakeFlows.flows, b.version), `sequence ${n}: ${seq.map((c) => c.command).join(' ')}`).to.deep.equal(tableText(realFlows.flows, b.version));
      }
    });
  }
});
