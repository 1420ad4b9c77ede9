// Reconciler figures on a real Open vSwitch bridge (userspace datapath), for
// OpenFlow 1.0 and 1.3: the first push of N flows (bundled on OF1.3), the
// resync of a switch holding N flows after a controller restart (read the
// table, diff, and the flow-mods it sent: zero when nothing changed), and one
// changed flow from publish to barrier-confirmed.
//   npx tsx bench/reconcile.ts [--n 20000] [--rounds 2]
// Takes /tmp/spotlight-ovs.lock itself (re-runs under flock).
import os from 'node:os';
import { OpenFlowServer, type SwitchConnection } from '../src/channel/index.js';
import { createLogger } from '../src/log.js';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../src/openflow/wire-values.js';
import { ChannelSession } from '../src/reconcile/channel-session.js';
import { ReconcileManager } from '../src/reconcile/manager.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow, type SwitchCommand, type SwitchSession } from '../src/reconcile/ports.js';
import { addBridge, benchArg, benchUnderOvsLock, sh as ovsSh } from '../test/support/ovs.js';
import { waitFor } from '../test/support/wait.js';

benchUnderOvsLock('bench/reconcile.ts');
const arg = benchArg;
const N = Number(arg('n', '20000'));
const ROUNDS = Number(arg('rounds', '2'));

const sh = (cmd: string, args: string[]): string => ovsSh(cmd, args, 600_000);

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');

function desired(version: OfVersion, n: number, outPort = 2): DesiredFlow[] {
  const flows: DesiredFlow[] = [];
  for (let i = 0; i < n; i++) {
    const table = version === OFP13_VERSION ? i % 3 : 0;
    flows.push({
      stage: 'bench',
      tableId: table,
      priority: 1000 + (i % 5),
      match: { inPort: 1 + (i % 40), ethSrc: `02:00:${hex2(i >> 24)}:${hex2(i >> 16)}:${hex2(i >> 8)}:${hex2(i)}`, ethType: 0x0800, ipv4Src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
      instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: outPort }] }],
      cookie: DEFAULT_COOKIE_SPACE.tag | BigInt(i),
    });
  }
  return flows;
}

class Counting implements SwitchSession {
  flowMods = 0;
  constructor(private readonly inner: ChannelSession) {}
  get dpid() { return this.inner.dpid; }
  get version() { return this.inner.version; }
  get supportsBundles() { return this.inner.supportsBundles; }
  apply(cmds: SwitchCommand[], opts: { atomic: boolean }) {
    this.flowMods += cmds.filter((c) => c.type === 'flowMod').length;
    return this.inner.apply(cmds, opts);
  }
  readFlows() { return this.inner.readFlows(); }
  readObjects() { return this.inner.readObjects(); }
}

const logger = createLogger({ level: 'error' });
const BRIDGES = [
  { name: 'sprcb10', version: OFP10_VERSION as OfVersion, ofctl: 'OpenFlow10', dpid: '00000000005eb010' },
  { name: 'sprcb13', version: OFP13_VERSION as OfVersion, ofctl: 'OpenFlow13', dpid: '00000000005eb013' },
];

async function main(): Promise<void> {
  console.log(`reconcile bench: N=${N} flows, rounds=${ROUNDS}, ${os.cpus().length} cpus, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${sh('ovs-vswitchd', ['--version']).split('\n')[0]}`);
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger, limits: { requestTimeoutMs: 120_000 } });
  const addr = await server.listen();
  const conns = new Map<string, SwitchConnection>();
  server.on('switchConnected', (ev) => conns.set(ev.dpid, ev.connection));
  try {
    for (const b of BRIDGES) {
      addBridge({ name: b.name, dpid: b.dpid, protocols: b.ofctl, controllers: [`tcp:127.0.0.1:${addr.port}`] });
    }
    await waitFor(() => BRIDGES.every((b) => conns.has(b.dpid)), 30_000, 100);
    for (const b of BRIDGES) {
      const conn = conns.get(b.dpid);
      if (!conn) throw new Error(`${b.name} did not connect`);
      const flows = desired(b.version, N);
      for (let round = 1; round <= ROUNDS; round++) {
        sh('ovs-ofctl', ['-O', b.ofctl, 'del-flows', b.name]);
        // First push, from an empty table.
        let s = new Counting(new ChannelSession(conn));
        let mgr = new ReconcileManager({ logger });
        let t0 = performance.now();
        mgr.connect(s);
        mgr.publishSets(1, new Map([[b.dpid, flows]]));
        if ((await mgr.waitFor(1, 600_000)) !== 'realized') throw new Error('first push timed out');
        const push = performance.now() - t0;
        const pushMods = s.flowMods;
        mgr.close();
        // Controller restart: a new reconciler (fresh flow objects, so nothing is
        // remembered from the first push) finds the table as it should be.
        const fresh = desired(b.version, N);
        s = new Counting(new ChannelSession(conn));
        mgr = new ReconcileManager({ logger });
        t0 = performance.now();
        mgr.connect(s);
        mgr.publishSets(1, new Map([[b.dpid, fresh]]));
        if ((await mgr.waitFor(1, 600_000)) !== 'realized') throw new Error('resync timed out');
        const resync = performance.now() - t0;
        const resyncMods = s.flowMods;
        // One changed flow.
        const changed = [...fresh];
        changed[7] = { ...changed[7]!, instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 3 + round }] }] };
        t0 = performance.now();
        mgr.publishSets(2, new Map([[b.dpid, changed]]));
        if ((await mgr.waitFor(2, 600_000)) !== 'realized') throw new Error('change timed out');
        const change = performance.now() - t0;
        const changeMods = s.flowMods - resyncMods;
        mgr.close();
        const onSwitch = sh('ovs-ofctl', ['-O', b.ofctl, 'dump-aggregate', b.name]).match(/flow_count=(\d+)/)?.[1];
        console.log(
          `${b.ofctl} round ${round}: first push ${push.toFixed(0)} ms (${pushMods} flow-mods${b.version === OFP13_VERSION ? ', bundled' : ''}); ` +
            `resync after restart ${resync.toFixed(0)} ms, ${resyncMods} flow-mods; one changed flow ${change.toFixed(0)} ms, ${changeMods} flow-mod(s); switch holds ${onSwitch}`,
        );
      }
    }
  } finally {
    for (const b of BRIDGES) {
      try {
        sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', b.name]);
      } catch {
        /* best effort */
      }
    }
    await server.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
