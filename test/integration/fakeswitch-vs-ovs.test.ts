// The simulated switch that the reconciler's unit tests rely on, checked
// against real Open vSwitch: the same random flow-mod sequences (add, modify,
// modify-strict, delete, delete-strict, cookie masks, out_port filters) go to
// both, and both must end with the same flow table. Run by hand inside the lock:
//   flock /tmp/spotlight-ovs.lock npx mocha --config .mocharc.json --timeout 180000 test/integration/fakeswitch-vs-ovs.test.ts
import { expect } from 'chai';
import fc from 'fast-check';
import { OpenFlowServer, type SwitchConnection } from '../../src/channel/index.js';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../../src/openflow/wire-values.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import { FakeSwitch } from '../support/fakeswitch.js';
import { commandArb, tableText } from '../support/ovs-compare.js';
import { addBridge, ovsRunning as ovsUsable, sh } from '../support/ovs.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const BRIDGES = [
  { name: 'sprcf10', version: OFP10_VERSION as OfVersion, ofctl: 'OpenFlow10', dpid: '00000000005ef010' },
  { name: 'sprcf13', version: OFP13_VERSION as OfVersion, ofctl: 'OpenFlow13', dpid: '00000000005ef013' },
];


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
      addBridge({ name: b.name, dpid: b.dpid, protocols: b.ofctl, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    }
    await waitFor(() => BRIDGES.every((b) => conns.has(b.dpid)), 20_000, 100);
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
