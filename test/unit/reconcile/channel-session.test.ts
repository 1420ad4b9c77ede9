import { expect } from 'chai';
import { ChannelError, type SwitchErrorInfo } from '../../../src/channel/index.js';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../../../src/openflow/wire-values.js';
import { type OfpMessage } from '../../../src/openflow/message-model.js';
import { ChannelSession } from '../../../src/reconcile/channel-session.js';
import { diffFlows } from '../../../src/reconcile/diff.js';
import { DEFAULT_COOKIE_SPACE, type SwitchCommand } from '../../../src/reconcile/ports.js';
import { loopTurnsDuring } from '../../support/loop-turns.js';
import { OURS } from './flowgen.js';

type Sent = { type: string; xid?: number; [k: string]: unknown };

/** A connection stand-in: records what is sent, fails what the test says. */
class FakeConn {
  sent: Sent[] = [];
  xid = 0;
  refuse = new Set<number>();
  /** The OpenFlow error type and code refused commands get (default OFPET_FLOW_MOD_FAILED 5/1). */
  refusal = { errType: 5, code: 1 };
  unencodable = new Set<number>();
  bundleOpenFails = false;
  commitFails = false;
  barrierFails: ChannelError | undefined;
  constructor(
    readonly dpid: string,
    readonly version: OfVersion,
  ) {}
  send(msg: Sent) {
    const n = this.sent.filter((m) => m.type === 'flowMod' || m.type === 'bundleAdd').length;
    if (this.unencodable.has(n)) return { ok: false as const, error: new ChannelError('ENCODE_ERROR', 'cannot encode') };
    const xid = msg.xid ?? ++this.xid;
    this.sent.push({ ...msg, xid });
    return { ok: true as const, xid };
  }
  async request(msg: Sent): Promise<OfpMessage> {
    this.sent.push(msg);
    if (msg.type === 'bundleControl' && msg.ctrlType === 'openRequest' && this.bundleOpenFails) throw new ChannelError('SWITCH_ERROR', 'bad experimenter');
    if (msg.type === 'bundleControl' && msg.ctrlType === 'commitRequest' && this.commitFails) throw new ChannelError('SWITCH_ERROR', 'commit failed');
    return { type: 'bundleControl', version: 4, xid: 1, bundleId: 0, ctrlType: 'openReply', flags: 0 };
  }
  async barrier(): Promise<{ errors: SwitchErrorInfo[] }> {
    if (this.barrierFails) throw this.barrierFails;
    const numbered = this.sent.filter((m) => m.type === 'flowMod' || m.type === 'bundleAdd');
    const errors = numbered
      .map((m, i) => [m, i] as const)
      .filter(([, i]) => this.refuse.has(i))
      .map(([m]) => ({ ...this.refusal, error: { type: 'error', version: this.version, xid: m.xid!, ...this.refusal, data: new Uint8Array() } }) as SwitchErrorInfo);
    return { errors };
  }
  async flowStats() {
    return [];
  }
  nextXid() {
    return ++this.xid;
  }
}

function commands(n: number): SwitchCommand[] {
  const desired = Array.from({ length: n }, (_, i) => ({ stage: 's', tableId: 0, priority: 10 + i, match: { inPort: i + 1 }, instructions: [], cookie: OURS }));
  return diffFlows(desired, [], { version: OFP13_VERSION, cookies: DEFAULT_COOKIE_SPACE }).changes.map((c) => c.command);
}

describe('reconcile/channel-session', () => {
  it('sends nothing while this controller is not the switch\'s master, and reads still go', async () => {
    const conn = new FakeConn('0000000000000001', OFP13_VERSION);
    let master = false;
    const s = new ChannelSession(conn as never, { mayWrite: () => master });
    expect(await s.apply(commands(3), { atomic: true })).to.deep.equal({ ok: false, reason: 'notMaster', errors: [] });
    expect(await s.apply(commands(3), { atomic: false })).to.deep.equal({ ok: false, reason: 'notMaster', errors: [] });
    expect(conn.sent).to.deep.equal([]);
    expect((await s.readFlows()).ok).to.equal(true);
    master = true;
    expect((await s.apply(commands(2), { atomic: false })).ok).to.equal(true);
    expect(conn.sent.filter((m) => m.type === 'flowMod')).to.have.length(2);
  });

  for (const [version, errType, code] of [[OFP13_VERSION, 1, 10], [OFP10_VERSION, 1, 5]] as const) {
    it(`a flow-mod refused as from a slave (OF${version === OFP13_VERSION ? '1.3 1/10' : '1.0 1/5'}) fails the batch as notMaster and reports the role error`, async () => {
      const conn = new FakeConn('0000000000000001', version);
      conn.refuse.add(0);
      conn.refusal = { errType, code };
      const seen: string[] = [];
      const s = new ChannelSession(conn as never, { mayWrite: () => true, onRoleError: (k) => seen.push(k) });
      const r = await s.apply(commands(2), { atomic: false });
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.reason).to.equal('notMaster');
      expect(seen).to.deep.equal(['notMaster']);
    });
  }

  it('maps the barrier\'s errors back to the commands that caused them', async () => {
    const conn = new FakeConn('0000000000000001', OFP10_VERSION);
    conn.refuse.add(1);
    conn.unencodable.add(3);
    const s = new ChannelSession(conn as never);
    expect(s.supportsBundles).to.equal(false);
    const r = await s.apply(commands(4), { atomic: false });
    expect(r).to.deep.equal({ ok: true, errors: [{ index: 1, errType: 5, code: 1 }, { index: 3, errType: -1, code: -1 }] });
  });

  it('reports a closed connection or a timeout as a failure, never a throw', async () => {
    const conn = new FakeConn('0000000000000001', OFP13_VERSION);
    const s = new ChannelSession(conn as never, { bundles: false });
    conn.barrierFails = new ChannelError('CLOSED', 'gone');
    expect(await s.apply(commands(2), { atomic: false })).to.include({ ok: false, reason: 'disconnected' });
    conn.barrierFails = new ChannelError('REQUEST_TIMEOUT', 'slow');
    expect(await s.apply(commands(2), { atomic: false })).to.include({ ok: false, reason: 'timeout' });
  });

  it('bundles: open, adds whose inner xid equals their own, barrier, commit', async () => {
    const conn = new FakeConn('0000000000000001', OFP13_VERSION);
    const s = new ChannelSession(conn as never);
    expect(s.supportsBundles).to.equal(true);
    expect(await s.apply(commands(3), { atomic: true })).to.deep.equal({ ok: true, errors: [] });
    expect(conn.sent.map((m) => (m.type === 'bundleControl' ? String(m.ctrlType) : m.type))).to.deep.equal(['openRequest', 'bundleAdd', 'bundleAdd', 'bundleAdd', 'commitRequest']);
    for (const m of conn.sent.filter((x) => x.type === 'bundleAdd')) {
      expect((m.message as { xid: number; version: number }).xid).to.equal(m.xid);
      expect((m.message as { version: number }).version).to.equal(OFP13_VERSION);
      expect(m.flags).to.equal(3);
    }
  });

  it('bundles: a refused open is "unsupported"; a refused add discards the bundle; a failed commit is "rejected"', async () => {
    const a = new FakeConn('0000000000000001', OFP13_VERSION);
    a.bundleOpenFails = true;
    expect(await new ChannelSession(a as never).apply(commands(2), { atomic: true })).to.include({ ok: false, reason: 'bundleUnsupported' });
    const b = new FakeConn('0000000000000001', OFP13_VERSION);
    b.refuse.add(1);
    const rb = await new ChannelSession(b as never).apply(commands(2), { atomic: true });
    expect(rb).to.deep.equal({ ok: false, reason: 'bundleRejected', errors: [{ index: 1, errType: 5, code: 1 }] });
    expect(b.sent.at(-1)).to.include({ type: 'bundleControl', ctrlType: 'discardRequest' });
    const c = new FakeConn('0000000000000001', OFP13_VERSION);
    c.commitFails = true;
    expect(await new ChannelSession(c as never).apply(commands(2), { atomic: true })).to.include({ ok: false, reason: 'bundleRejected' });
  });

  for (const atomic of [false, true]) {
    it(`sends a long ${atomic ? 'bundle' : 'batch'} in slices: the event loop turns while 2,000 flow-mods are encoded`, async () => {
      // Each send takes 0.1 ms, as encoding a flow-mod can: 200 ms for the batch.
      class SlowConn extends FakeConn {
        override send(msg: Sent) {
          const until = performance.now() + 0.1;
          while (performance.now() < until);
          return super.send(msg);
        }
      }
      const s = new ChannelSession(new SlowConn('0000000000000001', OFP13_VERSION) as never);
      const { result: r, turns } = await loopTurnsDuring(() => s.apply(commands(2000), { atomic }));
      expect(r.ok).to.equal(true);
      // 200 ms of sending in slices of 10 ms: about 20 turns (none when it is sent in one go).
      expect(turns).to.be.above(10);
    });
  }
});
