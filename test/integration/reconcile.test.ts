// The reconciler against real Open vSwitch bridges (userspace datapath), one
// on OpenFlow 1.0 and one on 1.3: what ovs-ofctl dump-flows shows after a
// reconcile, zero flow-mods (and unbroken flow durations) on a resync, drift
// repair after ovs-ofctl del-flows, flows of others left alone, a flow OVS
// refuses. Run by hand inside the shared lock:
//   flock /tmp/spotlight-ovs.lock npx mocha --config .mocharc.json --timeout 180000 test/integration/reconcile.test.ts
import { expect } from 'chai';
import { OpenFlowServer, type SwitchConnection } from '../../src/channel/index.js';
import { compile } from '../../src/compiler/compile.js';
import { MeterFlags } from '../../src/openflow/flow-model.js';
import { OFP10_VERSION, OFP13_VERSION, Port, type OfVersion } from '../../src/openflow/wire-values.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import { ReconcileManager } from '../../src/reconcile/manager.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow, type SwitchCommand, type SwitchFlows, type SwitchSession } from '../../src/reconcile/ports.js';
import { GOLDEN } from '../support/flowsim-golden.js';
import { addBridge, ovsStarted as ovsUsable, sh } from '../support/ovs.js';
import { sleep, until } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const OURS = DEFAULT_COOKIE_SPACE.tag;
const BRIDGES = [
  { name: 'sprc10', version: OFP10_VERSION as OfVersion, ofctl: 'OpenFlow10', dpid: '00000000005e1010' },
  { name: 'sprc13', version: OFP13_VERSION as OfVersion, ofctl: 'OpenFlow13', dpid: '00000000005e1313' },
];
type Bridge = (typeof BRIDGES)[number];

/** dump-flows lines: cookie, duration (s), and the rest without counters. */
function dumpFlows(b: Bridge): { cookie: bigint; duration: number; text: string }[] {
  return sh('ovs-ofctl', ['-O', b.ofctl, '--no-names', 'dump-flows', b.name])
    .split('\n')
    .filter((l) => l.includes('cookie='))
    .map((l) => ({
      cookie: BigInt(/cookie=(0x[0-9a-f]+)/.exec(l)![1]!),
      duration: Number(/duration=([\d.]+)s/.exec(l)![1]),
      text: l.replace(/ (duration|n_packets|n_bytes|idle_age|hard_age)=[^ ,]+,?/g, '').trim(),
    }));
}


const out = (port: number) => [{ type: 'applyActions' as const, actions: [{ type: 'output' as const, port }] }];

/** A switch's desired state written the way a compiler might, with forms OVS reports differently: flows, table-miss drops and (OF1.3) the packet-in meter its controller-bound flow names. */
function desiredFor(b: Bridge): SwitchFlows {
  const version = b.version;
  const misses: DesiredFlow[] = (version === OFP13_VERSION ? [0, 1] : [0]).map((t) => ({ stage: 'table-miss', tableId: t, priority: 0, match: {}, instructions: [], cookie: OURS }));
  const meters = version === OFP13_VERSION ? [{ meterId: 1, flags: MeterFlags.PKTPS | MeterFlags.BURST | MeterFlags.STATS, bands: [{ type: 'drop' as const, rate: 100, burstSize: 50 }] }] : [];
  return { dpid: b.dpid, version, flows: [...flowsFor(version), ...misses], groups: [], meters };
}

function flowsFor(version: OfVersion): DesiredFlow[] {
  const c = (n: number) => OURS | BigInt(n);
  const common: DesiredFlow[] = [
    { stage: 'port-security', tableId: 0, priority: 200, match: { inPort: 1, ethSrc: '02:00:00:00:0A:01' }, instructions: version === OFP13_VERSION ? [{ type: 'gotoTable', tableId: 1 }] : out(2), cookie: c(1) },
    { stage: 'arp', tableId: 0, priority: 300, match: { inPort: 1, ethType: 0x0806, arpOp: 1, arpTpa: { value: '10.0.0.77', mask: '255.255.255.0' } }, instructions: [...(version === OFP13_VERSION ? [{ type: 'meter' as const, meterId: 1 }] : []), { type: 'applyActions', actions: [{ type: 'output', port: Port.CONTROLLER }] }], cookie: c(2) },
    { stage: 'drop', tableId: 0, priority: 250, match: { inPort: 2, ethSrc: { value: '02:00:00:00:0b:01', mask: 'ff:ff:ff:ff:ff:ff' } }, instructions: [{ type: 'applyActions', actions: [] }], cookie: c(3) },
    { stage: 'ip', tableId: 0, priority: 150, match: { inPort: 2, ethType: 0x0800, ipv4Src: { value: '10.1.7.9', mask: '255.255.0.0' }, ipProto: 17, udpDst: 67 }, instructions: out(1), cookie: c(4) },
  ];
  if (version === OFP10_VERSION) return [...common, { stage: 'exact', tableId: 0, priority: 5, match: { inPort: 1, ethSrc: '02:00:00:00:00:01', ethDst: '02:00:00:00:00:02', vlanVid: 3, vlanPcp: 1, ethType: 0x0800, ipDscp: 0, ipProto: 6, ipv4Src: '10.0.0.1', ipv4Dst: '10.0.0.2', tcpSrc: 1, tcpDst: 2 }, instructions: out(2), cookie: c(7) }, { stage: 'rewrite', tableId: 0, priority: 120, match: { inPort: 2, ethDst: 'AA:00:00:00:00:01' }, instructions: [{ type: 'applyActions', actions: [{ type: 'setDlDst', mac: '02:00:00:00:00:0F' }, { type: 'stripVlan' }, { type: 'output', port: 1 }] }], cookie: c(5) }];
  return [
    ...common,
    { stage: 'forward', tableId: 1, priority: 100, match: { ethDst: 'AA:00:00:00:00:01', vlanVid: { value: 0x1000, mask: 0x1000 } }, instructions: [{ type: 'applyActions', actions: [{ type: 'popVlan' }, { type: 'setField', field: 'ethDst', value: '02:00:00:00:00:0F' }, { type: 'output', port: 2 }] }], cookie: c(5) },
    { stage: 'untagged', tableId: 1, priority: 80, match: { vlanVid: 0, ethDst: { value: '01:00:00:00:00:00', mask: '01:00:00:00:00:00' }, metadata: { value: 0x1234n, mask: 0xffffn } }, instructions: out(1), cookie: c(8) },
    { stage: 'nd', tableId: 1, priority: 70, match: { ethType: 0x86dd, ipProto: 58, icmpv6Type: 135, ipv6NdTarget: 'FE80::0001', ipv6Src: { value: 'fe80::1:2', mask: 'ffff:ffff:ffff:ffff::' } }, instructions: out(1), cookie: c(9) },
    { stage: 'arp-sha', tableId: 1, priority: 60, match: { ethType: 0x0806, arpSha: '02:00:00:00:0A:01', arpSpa: '10.0.0.1' }, instructions: out(1), cookie: c(10) },
    { stage: 'forward', tableId: 1, priority: 90, match: { ethType: 0x86dd, ipv6Dst: '2001:0DB8:0000:0000:0000:0000:0000:0001' }, instructions: [{ type: 'writeMetadata', metadata: 0x1ffn, mask: 0xffn }, { type: 'applyActions', actions: [{ type: 'output', port: 2 }] }], cookie: c(6) },
  ];
}

/** Records what the reconciler sends, to count flow-mods. */
class Recording implements SwitchSession {
  sent: SwitchCommand[] = [];
  atomic = 0;
  constructor(private readonly inner: ChannelSession) {}
  get dpid() { return this.inner.dpid; }
  get version() { return this.inner.version; }
  get supportsBundles() { return this.inner.supportsBundles; }
  apply(cmds: SwitchCommand[], opts: { atomic: boolean }) {
    this.sent.push(...cmds);
    if (opts.atomic) this.atomic++;
    return this.inner.apply(cmds, opts);
  }
  readFlows() { return this.inner.readFlows(); }
  readObjects() { return this.inner.readObjects(); }
  flowMods() { return this.sent.filter((c) => c.type === 'flowMod').length; }
}

describe('integration: reconciler on real Open vSwitch', function () {
  this.timeout(180_000);
  let server: OpenFlowServer | undefined;
  const conns = new Map<string, SwitchConnection>();

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsUsable()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    const addr = await server.listen();
    server.on('switchConnected', (ev) => conns.set(ev.dpid, ev.connection));
    for (const b of BRIDGES) addBridge({ name: b.name, dpid: b.dpid, protocols: b.ofctl, internalPorts: 2, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    for (const b of BRIDGES) await until(`${b.name} connected`, () => conns.get(b.dpid));
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
    describe(b.ofctl, () => {
      const mk = () => new ReconcileManager({ logger: silentLogger() });
      let firstDurations: Map<bigint, number>;

      it('installs the desired flows, table-miss drops and (OF1.3) the packet-in meter', async () => {
        const conn = conns.get(b.dpid)!;
        const rec = new Recording(new ChannelSession(conn));
        const mgr = mk();
        mgr.connect(rec);
        mgr.publishSets(1, new Map([[b.dpid, desiredFor(b)]]));
        expect(await mgr.waitFor(1, 15_000)).to.equal('realized');
        const flows = dumpFlows(b);
        const expected = desiredFor(b).flows.length;
        expect(flows.length, flows.map((f) => f.text).join('\n')).to.equal(expected);
        expect(mgr.status(b.dpid).failures).to.deep.equal([]);
        if (b.version === OFP13_VERSION) {
          expect(rec.atomic).to.be.greaterThan(0);
          expect(sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-meters', b.name])).to.match(/meter=1 pktps/);
          expect(flows.find((f) => f.text.includes('arp'))!.text).to.include('meter:1');
        }
        firstDurations = new Map(flows.map((f) => [f.cookie, f.duration]));
        mgr.close();
      });

      it('a restarted reconciler reads the table and sends zero flow-mods; durations keep counting', async () => {
        await sleep(1100);
        const rec = new Recording(new ChannelSession(conns.get(b.dpid)!));
        const mgr = mk();
        mgr.connect(rec);
        await mgr.idle();
        mgr.publishSets(1, new Map([[b.dpid, desiredFor(b)]]));
        expect(await mgr.waitFor(1, 15_000)).to.equal('realized');
        await mgr.idle();
        expect(rec.flowMods()).to.equal(0);
        for (const f of dumpFlows(b)) expect(f.duration).to.be.greaterThan((firstDurations.get(f.cookie) ?? 0) + 0.5);
        mgr.close();
      });

      it('repairs drift after ovs-ofctl del-flows and leaves another controller\'s flow alone', async () => {
        const rec = new Recording(new ChannelSession(conns.get(b.dpid)!));
        const mgr = mk();
        mgr.connect(rec);
        mgr.publishSets(2, new Map([[b.dpid, desiredFor(b)]]));
        expect(await mgr.waitFor(2, 15_000)).to.equal('realized');
        const before = dumpFlows(b).map((f) => f.text).sort();
        sh('ovs-ofctl', ['-O', b.ofctl, 'del-flows', b.name]);
        sh('ovs-ofctl', ['-O', b.ofctl, 'add-flow', b.name, 'cookie=0x77,priority=7,in_port=2,actions=output:1']);
        sh('ovs-ofctl', ['-O', b.ofctl, 'add-flow', b.name, 'cookie=0x78,priority=200,in_port=1,dl_src=02:00:00:00:0a:01,actions=drop']);
        const report = await mgr.audit(b.dpid);
        expect(report?.adds).to.equal(before.length - 1);
        const after = dumpFlows(b);
        expect(after.filter((f) => (f.cookie & DEFAULT_COOKIE_SPACE.mask) === OURS).map((f) => f.text).sort()).to.deep.equal(before.filter((t) => !t.includes('cookie=0x5370000000000001,')).sort());
        expect(after.some((f) => f.cookie === 0x77n)).to.equal(true);
        // The slot held by cookie 0x78 is reported, not overwritten.
        expect(after.find((f) => f.cookie === 0x78n)!.text).to.include('actions=drop');
        mgr.close();
        sh('ovs-ofctl', ['-O', b.ofctl, '--strict', 'del-flows', b.name, 'priority=200,in_port=1,dl_src=02:00:00:00:0a:01']);
      });

      it('takes the compiler\'s flows for each example switch in turn, then resyncs each with zero flow-mods', async () => {
        let gen = 100;
        for (const sc of GOLDEN) {
          const res = compile(sc.model, sc.topo(b.version));
          for (const sf of res.switches.values()) {
            gen++;
            const rec = new Recording(new ChannelSession(conns.get(b.dpid)!));
            const mgr = mk();
            mgr.connect(rec);
            mgr.publishSets(gen, new Map([[b.dpid, { ...sf, dpid: b.dpid }]]));
            expect(await mgr.waitFor(gen, 15_000), `${sc.name} ${sf.dpid}`).to.equal('realized');
            expect(mgr.status(b.dpid).failures, `${sc.name} ${sf.dpid}`).to.deep.equal([]);
            const ours = dumpFlows(b).filter((f) => (f.cookie & DEFAULT_COOKIE_SPACE.mask) === OURS);
            expect(ours.length, `${sc.name} ${sf.dpid}`).to.equal(mgr.status(b.dpid).desiredFlows);
            mgr.close();
            const again = new Recording(new ChannelSession(conns.get(b.dpid)!));
            const mgr2 = mk();
            mgr2.connect(again);
            mgr2.publishSets(gen, new Map([[b.dpid, { ...sf, dpid: b.dpid }]]));
            expect(await mgr2.waitFor(gen, 15_000)).to.equal('realized');
            await mgr2.idle();
            expect(again.flowMods(), `${sc.name} ${sf.dpid} resync`).to.equal(0);
            mgr2.close();
          }
        }
      });

      if (b.version === OFP13_VERSION) {
        it('reports a flow OVS refuses and installs the rest', async () => {
          const rec = new Recording(new ChannelSession(conns.get(b.dpid)!));
          const mgr = new ReconcileManager({ logger: silentLogger(), maxAttempts: 2 });
          mgr.connect(rec);
          const bad: DesiredFlow = { stage: 'bad', tableId: 1, priority: 5, match: { inPort: 1 }, instructions: [{ type: 'gotoTable', tableId: 1 }], cookie: OURS | 9n };
          const good: DesiredFlow = { stage: 'good', tableId: 1, priority: 6, match: { inPort: 2 }, instructions: out(1), cookie: OURS | 10n };
          mgr.publishSets(3, new Map([[b.dpid, [bad, good]]]));
          expect(await mgr.waitFor(3, 15_000)).to.equal('realized');
          const failures = mgr.status(b.dpid).failures;
          expect(failures.map((f) => [f.stage, f.gaveUp])).to.deep.equal([['bad', true]]);
          const ours = dumpFlows(b).filter((f) => (f.cookie & DEFAULT_COOKIE_SPACE.mask) === OURS);
          expect(ours.map((f) => f.cookie)).to.deep.equal([OURS | 10n]);
          mgr.close();
        });
      }
    });
  }
});
