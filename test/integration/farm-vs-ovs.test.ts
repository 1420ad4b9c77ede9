// The switch farm (bench/farm, a process of its own) checked against real
// Open vSwitch over the wire: an OF1.0 and an OF1.3 bridge of each connect to
// the same OpenFlow listener and get the same messages. The same random
// flow-mod sequences (one by one, and on OF1.3 also as one atomic bundle)
// leave the same flow tables; a bundle holding a message the switch refuses
// changes neither; meters and groups give the same errors and listings, and
// deleting one takes the flows that use it from both; a stale ROLE_REQUEST
// generation id is refused alike. Run inside the integration lock:
//   flock /tmp/spotlight-integration.lock npx mocha --config .mocharc.json --timeout 300000 test/integration/farm-vs-ovs.test.ts
import { expect } from 'chai';
import fc from 'fast-check';
import { ChannelError, OpenFlowServer, type SwitchConnection } from '../../src/channel/index.js';
import { GROUP_ANY, OFP10_VERSION, OFP13_VERSION, Port, type OfVersion } from '../../src/openflow/wire-values.js';
import { type MultipartReplyBody, type MultipartRequestBody } from '../../src/openflow/stats-model.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import type { FlowModBody, SwitchCommand } from '../../src/reconcile/ports.js';
import { FarmClient } from '../../bench/farm/client.js';
import { DELETE_ALL, commandArb, tableText } from '../support/ovs-compare.js';
import { addBridge, ovsRunning, trySh } from '../support/ovs.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

/** Farm edge0 speaks OF1.3 and edge1 OF1.0 when half of two bridges are OF1.0 (fabric.ts spreads them by index). */
const PAIRS = [
  { version: OFP10_VERSION as OfVersion, ofctl: 'OpenFlow10', bridge: 'spfarm10', ovsDpid: '00000000005fa010', farmDpid: '0000000000e00002' },
  { version: OFP13_VERSION as OfVersion, ofctl: 'OpenFlow13', bridge: 'spfarm13', ovsDpid: '00000000005fa013', farmDpid: '0000000000e00001' },
];
const PAIR13 = PAIRS[1]!;


function flowMod(over: Partial<FlowModBody>): FlowModBody {
  return { ...DELETE_ALL, command: 'add', tableId: 0, priority: 10, ...over } as FlowModBody;
}

describe('integration: switch farm against real Open vSwitch', function () {
  this.timeout(300_000);
  let server: OpenFlowServer | undefined;
  let farm: FarmClient | undefined;
  const conns = new Map<string, SwitchConnection>();

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsRunning()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const addr = await server.listen();
    server.on('switchConnected', (ev) => conns.set(ev.dpid, ev.connection));
    for (const p of PAIRS) {
      addBridge({ name: p.bridge, dpid: p.ovsDpid, protocols: p.ofctl, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    }
    farm = await FarmClient.start({ controller: { host: '127.0.0.1', port: addr.port }, aggregation: 0, edge: 2, of10Share: 0.5 });
    await waitFor(() => PAIRS.every((p) => conns.has(p.ovsDpid) && conns.has(p.farmDpid)), 30_000, 100);
    for (const p of PAIRS) expect([conns.has(p.ovsDpid), conns.has(p.farmDpid)], p.bridge).to.deep.equal([true, true]);
  });

  after(async () => {
    for (const p of PAIRS) trySh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', p.bridge]);
    await farm?.stop();
    await server?.close();
  });

  /** Runs `fn` against OVS and the farm of one version; both answers. */
  async function both<T>(p: (typeof PAIRS)[number], fn: (conn: SwitchConnection) => Promise<T>): Promise<{ ovs: T; farm: T }> {
    return { ovs: await fn(conns.get(p.ovsDpid)!), farm: await fn(conns.get(p.farmDpid)!) };
  }

  async function tables(p: (typeof PAIRS)[number]): Promise<{ ovs: string[]; farm: string[] }> {
    return both(p, async (c) => {
      const r = await new ChannelSession(c).readFlows();
      if (!r.ok) throw new Error(`flow stats from ${c.dpid}: ${r.reason}`);
      return tableText(r.flows, p.version);
    });
  }

  async function apply(p: (typeof PAIRS)[number], commands: SwitchCommand[], atomic = false) {
    return both(p, (c) => new ChannelSession(c, { bundles: atomic }).apply(commands, { atomic }));
  }

  async function multipart(p: (typeof PAIRS)[number], body: MultipartRequestBody) {
    return both(p, async (c) => {
      const r = await c.request({ type: 'multipartRequest', more: false, body });
      if (r.type !== 'multipartReply') throw new Error(`${c.dpid}: ${r.type}`);
      return r.body as MultipartReplyBody;
    });
  }

  for (const p of PAIRS) {
    it(`${p.ofctl}: 40 random sequences of 12 flow-mods, one by one, leave both tables equal`, async () => {
      const sequences = fc.sample(fc.array(commandArb(p.version), { minLength: 12, maxLength: 12 }), { numRuns: 40, seed: 5151 });
      for (const [n, seq] of sequences.entries()) {
        await apply(p, [DELETE_ALL]);
        for (const cmd of seq) {
          const r = await apply(p, [cmd]);
          expect(r.farm, `sequence ${n}: ${cmd.command}`).to.deep.equal(r.ovs);
        }
        const t = await tables(p);
        expect(t.farm, `sequence ${n}: ${seq.map((c) => c.command).join(' ')}`).to.deep.equal(t.ovs);
      }
    });
  }

  it('OpenFlow13: the same sequences as atomic bundles leave both tables equal; a bundle with a refused message changes neither', async () => {
    const sequences = fc.sample(fc.array(commandArb(OFP13_VERSION), { minLength: 12, maxLength: 12 }), { numRuns: 20, seed: 6161 });
    for (const [n, seq] of sequences.entries()) {
      const r = await apply(PAIR13, seq, true);
      expect(r.farm, `bundle ${n}`).to.deep.equal(r.ovs);
      const t = await tables(PAIR13);
      expect(t.farm, `bundle ${n}`).to.deep.equal(t.ovs);
    }
    const before = await tables(PAIR13);
    const refused = await apply(PAIR13, [flowMod({ priority: 77, match: { inPort: 7 } }), flowMod({ priority: 78, match: { inPort: 8 }, instructions: [{ type: 'meter', meterId: 99 }] })], true);
    expect(refused.ovs.ok, 'OVS refuses a bundle naming a missing meter').to.equal(false);
    expect(refused.farm).to.deep.equal(refused.ovs);
    const after = await tables(PAIR13);
    expect(after.ovs).to.deep.equal(before.ovs);
    expect(after.farm).to.deep.equal(before.farm);
  });

  it('OpenFlow13: meters and groups: the same errors and listings; deleting one takes its flows from both tables', async () => {
    await apply(PAIR13, [DELETE_ALL]);
    const meter: SwitchCommand = { type: 'meterMod', command: 'add', flags: 2 | 4 | 8, meterId: 5, bands: [{ type: 'drop', rate: 100, burstSize: 10 }] };
    for (const cmds of [[meter], [meter], [{ ...meter, command: 'modify', meterId: 6 } as SwitchCommand]]) {
      const r = await apply(PAIR13, cmds);
      expect(r.farm, JSON.stringify(cmds[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v))).to.deep.equal(r.ovs);
    }
    const config = await multipart(PAIR13, { kind: 'meterConfig', meterId: 0xffffffff });
    expect(config.farm).to.deep.equal(config.ovs);
    const group: SwitchCommand = { type: 'groupMod', command: 'add', groupType: 'all', groupId: 7, buckets: [{ weight: 0, watchPort: Port.ANY, watchGroup: GROUP_ANY, actions: [{ type: 'output', port: 1 }] }] };
    for (const cmds of [[group], [group], [{ ...group, command: 'modify', groupId: 8 } as SwitchCommand]]) {
      const r = await apply(PAIR13, cmds);
      expect(r.farm).to.deep.equal(r.ovs);
    }
    const desc = await multipart(PAIR13, { kind: 'groupDesc' });
    expect(desc.farm).to.deep.equal(desc.ovs);
    const uses = [
      flowMod({ priority: 20, match: { inPort: 1 }, instructions: [{ type: 'meter', meterId: 5 }, { type: 'applyActions', actions: [{ type: 'output', port: 2 }] }] }),
      flowMod({ priority: 21, match: { inPort: 2 }, instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: 7 }] }] }),
      flowMod({ priority: 22, match: { inPort: 3 }, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 1 }] }] }),
    ];
    expect((await apply(PAIR13, uses)).ovs).to.deep.equal({ ok: true, errors: [] });
    const missing = await apply(PAIR13, [
      flowMod({ priority: 30, match: { inPort: 4 }, instructions: [{ type: 'meter', meterId: 99 }] }),
      flowMod({ priority: 31, match: { inPort: 5 }, instructions: [{ type: 'applyActions', actions: [{ type: 'group', groupId: 99 }] }] }),
    ]);
    expect(missing.ovs.errors, 'OVS refuses a missing meter and a missing group').to.have.length(2);
    expect(missing.farm).to.deep.equal(missing.ovs);
    let t = await tables(PAIR13);
    expect(t.ovs).to.have.length(3);
    expect(t.farm).to.deep.equal(t.ovs);
    const removals: SwitchCommand[] = [
      { ...meter, command: 'delete', bands: [] } as SwitchCommand,
      { ...group, command: 'delete', buckets: [] } as SwitchCommand,
    ];
    const r = await apply(PAIR13, removals);
    expect(r.farm).to.deep.equal(r.ovs);
    t = await tables(PAIR13);
    expect(t.ovs, 'OVS keeps only the flow that used neither').to.have.length(1);
    expect(t.farm).to.deep.equal(t.ovs);
    for (const kind of ['groupFeatures', 'meterFeatures'] as const) {
      const f = await multipart(PAIR13, { kind });
      expect(f.farm, kind).to.deep.equal(f.ovs);
    }
  });

  it('OpenFlow13: ROLE_REQUEST keeps the master election id; a stale one is refused alike', async () => {
    const role = (c: SwitchConnection, r: 'master' | 'slave' | 'equal', generationId: bigint) =>
      c.request({ type: 'roleRequest', role: r, generationId }).then(
        (m) => (m.type === 'roleReply' ? { role: m.role, generationId: m.generationId } : m.type),
        (e: unknown) => (e instanceof ChannelError && e.switchError ? { errType: e.switchError.errType, code: e.switchError.code } : String(e)),
      );
    for (const [r, gen] of [['master', 10n], ['master', 5n], ['slave', 11n], ['equal', 0n]] as const) {
      const a = await both(PAIR13, (c) => role(c, r, gen));
      expect(a.farm, `${r} ${gen}`).to.deep.equal(a.ovs);
    }
  });

  it('OpenFlow10: a packet-out with a buffer id the switch never gave is refused alike', async () => {
    const p = PAIRS[0]!;
    const a = await both(p, async (c) => {
      c.send({ type: 'packetOut', bufferId: 12345, inPort: Port.CONTROLLER, actions: [{ type: 'output', port: 1 }], data: new Uint8Array(0) });
      const b = await c.barrier();
      return b.errors.map((e) => ({ errType: e.errType, code: e.code }));
    });
    expect(a.farm).to.deep.equal(a.ovs);
  });
});
