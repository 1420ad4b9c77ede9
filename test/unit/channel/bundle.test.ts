import { expect } from 'chai';
import { ChannelError, sendBundle, type OpenFlowServer, type SwitchConnection } from '../../../src/channel/index.js';
import type { BundleAdd, FlowMod, OfpMessage } from '../../../src/openflow/message-model.js';
import { FakeSwitch, type FakeSwitchOptions } from './support/fake-switch.js';
import { connectFake, startServer } from './support/harness.js';
import { addFlow } from './support/messages.js';

describe('channel: bundles (OF1.3)', () => {
  let server: OpenFlowServer;
  let tcpPort: number;
  const fakes: FakeSwitch[] = [];

  const connect = (opts: Omit<FakeSwitchOptions, 'port'> = {}): Promise<{ sw: FakeSwitch; conn: SwitchConnection }> => connectFake(server, tcpPort, fakes, opts);

  beforeEach(async () => {
    ({ server, port: tcpPort } = await startServer());
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) f.close();
    await server.close();
  });

  it('sends open, one bundle-add per message (inner xid = add xid), commit, in order', async () => {
    const { sw, conn } = await connect();
    const r = await sendBundle(
      conn,
      Array.from({ length: 100 }, (_, i) => addFlow(i)),
    );
    expect(r.errors).to.deep.equal([]);
    const seq = sw.received.filter((m) => m.type === 'bundleControl' || m.type === 'bundleAdd');
    expect(seq[0]).to.deep.include({ type: 'bundleControl', ctrlType: 'openRequest', bundleId: r.bundleId, flags: 3 });
    expect(seq[101]).to.deep.include({ type: 'bundleControl', ctrlType: 'commitRequest', bundleId: r.bundleId });
    const adds = seq.slice(1, 101) as BundleAdd[];
    expect(adds.every((a, i) => a.message.xid === a.xid && (a.message as FlowMod).cookie === BigInt(i) && a.bundleId === r.bundleId)).to.equal(true);
  });

  it('rejects when the switch refuses the commit, and returns the refused add', async () => {
    let badXid = 0;
    const { conn } = await connect({
      handler: (m: OfpMessage, sw) => {
        if (m.type === 'bundleAdd' && (m.message as FlowMod).cookie === 5n) {
          badXid = m.xid;
          sw.send({ type: 'error', version: 4, xid: m.xid, errType: 2, code: 4, data: new Uint8Array(16) });
          return true;
        }
        if (m.type === 'bundleControl' && m.ctrlType === 'commitRequest') {
          // OFPET_BUNDLE_FAILED (17), OFPBFC_MSG_FAILED (16)
          sw.send({ type: 'error', version: 4, xid: m.xid, errType: 17, code: 16, data: new Uint8Array(16) });
          return true;
        }
        return false;
      },
    });
    try {
      await sendBundle(conn, [addFlow(4), addFlow(5), addFlow(6)]);
      expect.fail('should reject');
    } catch (e) {
      const ce = e as ChannelError;
      expect(ce.code).to.equal('SWITCH_ERROR');
      expect(ce.request).to.deep.include({ type: 'bundleControl', ctrlType: 'commitRequest' });
      expect(ce.switchError).to.include({ errType: 17, code: 16 });
      expect(ce.message).to.match(/1 bundled message/);
    }
    expect(badXid).to.not.equal(0);
  });

  it('refuses an OF1.0 switch with UNSUPPORTED, sending nothing', async () => {
    const { sw, conn } = await connect({ helloVersion: 1, bitmap: undefined });
    const before = sw.received.length;
    try {
      await sendBundle(conn, [addFlow(1)]);
      expect.fail('should reject');
    } catch (e) {
      expect((e as ChannelError).code).to.equal('UNSUPPORTED');
    }
    expect(sw.received.length).to.equal(before);
  });
});
