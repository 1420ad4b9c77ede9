// Hitless reconciling on real packets: two hosts in network namespaces ping
// each other every 10 ms through an Open vSwitch bridge (userspace datapath)
// while Spotlight's reconciler is restarted (it must send nothing) and while
// the forwarding flows are replaced by new ones (make before break). Not one
// echo may be lost. OpenFlow 1.0 (ordered flow-mods) and 1.3 (bundles).
// The window between two flow-mods of one batch is far shorter than 10 ms and
// OVS's datapath cache hides it further, so this shows the outcome on real
// packets; the ordering rule itself is checked on the simulated table
// (test/unit/reconcile/diff.test.ts), which is checked against OVS
// (fakeswitch-vs-ovs.test.ts).
// Run by hand inside the shared lock:
//   flock /tmp/spotlight-ovs.lock npx mocha --config .mocharc.json --timeout 180000 test/integration/reconcile-traffic.test.ts
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { OpenFlowServer, type SwitchConnection } from '../../src/channel/index.js';
import { OFP10_VERSION, OFP13_VERSION, type OfVersion } from '../../src/openflow/wire-values.js';
import { ChannelSession } from '../../src/reconcile/channel-session.js';
import { ReconcileManager } from '../../src/reconcile/manager.js';
import { DEFAULT_COOKIE_SPACE, type DesiredFlow, type SwitchCommand, type SwitchSession } from '../../src/reconcile/ports.js';
import { addBridge, haveCommand, ovsRunning, sh, trySh } from '../support/ovs.js';
import { sleep, waitFor } from '../support/wait.js';
import { silentLogger } from '../support/logs.js';

const OURS = DEFAULT_COOKIE_SPACE.tag;


function ovsUsable(): boolean {
  if (!ovsRunning() || !haveCommand('ping')) return false;
  try {
    sh('ip', ['netns', 'list']);
    return true;
  } catch {
    return false;
  }
}

const out = (port: number) => [{ type: 'applyActions' as const, actions: [{ type: 'output' as const, port }] }];

/** Plain forwarding between ports 1 and 2. */
function flowsBefore(): DesiredFlow[] {
  return [
    { stage: 'forward', tableId: 0, priority: 100, match: { inPort: 1 }, instructions: out(2), cookie: OURS | 1n },
    { stage: 'forward', tableId: 0, priority: 100, match: { inPort: 2 }, instructions: out(1), cookie: OURS | 2n },
  ];
}

/** The same reachability by other flows: per protocol, higher priority, and the old flows gone. */
function flowsAfter(): DesiredFlow[] {
  const f: DesiredFlow[] = [];
  for (const [inp, outp] of [[1, 2], [2, 1]] as const) {
    f.push({ stage: 'forward-ip', tableId: 0, priority: 200, match: { inPort: inp, ethType: 0x0800 }, instructions: out(outp), cookie: OURS | 3n });
    f.push({ stage: 'forward-arp', tableId: 0, priority: 200, match: { inPort: inp, ethType: 0x0806 }, instructions: out(outp), cookie: OURS | 4n });
  }
  return f;
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

const CASES = [
  { v: OFP10_VERSION as OfVersion, tag: '10', ofctl: 'OpenFlow10', dpid: '00000000005ea010' },
  { v: OFP13_VERSION as OfVersion, tag: '13', ofctl: 'OpenFlow13', dpid: '00000000005ea013' },
];

describe('integration: hitless reconcile under a 10 ms ping', function () {
  this.timeout(180_000);
  let server: OpenFlowServer | undefined;
  const conns = new Map<string, SwitchConnection>();
  let port = 0;

  before(async function () {
    if (process.getuid?.() !== 0 || !ovsUsable()) return this.skip();
    server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: silentLogger() });
    port = (await server.listen()).port;
    server.on('switchConnected', (ev) => conns.set(ev.dpid, ev.connection));
  });

  after(async () => {
    for (const c of CASES) cleanup(c.tag);
    await server?.close();
  });

  function cleanup(tag: string): void {
    trySh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', `sprcp${tag}`]);
    for (const h of ['a', 'b']) {
      trySh('ip', ['link', 'del', `sprc${tag}${h}0`]);
      trySh('ip', ['netns', 'del', `sprc${tag}${h}`]);
    }
  }

  for (const c of CASES) {
    it(`${c.ofctl}: restart and flow replacement lose no echo`, async () => {
      cleanup(c.tag);
      const br = `sprcp${c.tag}`;
      addBridge({ name: br, dpid: c.dpid, protocols: c.ofctl });
      ['a', 'b'].forEach((h, i) => {
        const ns = `sprc${c.tag}${h}`;
        sh('ip', ['netns', 'add', ns]);
        sh('ip', ['link', 'add', `sprc${c.tag}${h}0`, 'type', 'veth', 'peer', 'name', `sprc${c.tag}${h}1`]);
        sh('ip', ['link', 'set', `sprc${c.tag}${h}1`, 'netns', ns]);
        sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `10.77.${c.tag}.${i + 1}/24`, 'dev', `sprc${c.tag}${h}1`]);
        sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', `sprc${c.tag}${h}1`, 'up']);
        sh('ip', ['link', 'set', `sprc${c.tag}${h}0`, 'up']);
        sh('ovs-vsctl', ['--timeout=10', 'add-port', br, `sprc${c.tag}${h}0`, '--', 'set', 'interface', `sprc${c.tag}${h}0`, `ofport_request=${i + 1}`]);
      });
      sh('ovs-vsctl', ['--timeout=10', 'set-controller', br, `tcp:127.0.0.1:${port}`]);
      await waitFor(() => conns.has(c.dpid), 20_000, 100);
      const conn = conns.get(c.dpid)!;
      expect(conn, 'bridge connected').to.not.equal(undefined);

      let mgr = new ReconcileManager({ logger: silentLogger() });
      mgr.connect(new ChannelSession(conn));
      mgr.publishSets(1, new Map([[c.dpid, flowsBefore()]]));
      expect(await mgr.waitFor(1, 10_000)).to.equal('realized');
      // Warm up ARP and the datapath before counting.
      sh('ip', ['netns', 'exec', `sprc${c.tag}a`, 'ping', '-c', '3', '-i', '0.2', '-W', '1', `10.77.${c.tag}.2`]);

      const ping = spawn('ip', ['netns', 'exec', `sprc${c.tag}a`, 'ping', '-i', '0.01', '-c', '400', '-W', '1', `10.77.${c.tag}.2`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      ping.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      const done = new Promise<number>((resolve) => ping.on('exit', (code) => resolve(code ?? -1)));

      await sleep(800);
      // A controller restart: a new reconciler reads the table and sends nothing.
      mgr.close();
      const restarted = new Counting(new ChannelSession(conn));
      mgr = new ReconcileManager({ logger: silentLogger() });
      mgr.connect(restarted);
      mgr.publishSets(1, new Map([[c.dpid, flowsBefore()]]));
      expect(await mgr.waitFor(1, 10_000)).to.equal('realized');
      expect(restarted.flowMods).to.equal(0);
      await sleep(800);
      // Replace every forwarding flow with new ones.
      mgr.publishSets(2, new Map([[c.dpid, flowsAfter()]]));
      expect(await mgr.waitFor(2, 10_000)).to.equal('realized');
      expect(restarted.flowMods).to.equal(6);
      await sleep(800);
      // And back again.
      mgr.publishSets(3, new Map([[c.dpid, flowsBefore()]]));
      expect(await mgr.waitFor(3, 10_000)).to.equal('realized');

      await done;
      mgr.close();
      const m = /(\d+) packets transmitted, (\d+) received/.exec(text);
      expect(m, text).to.not.equal(null);
      expect(Number(m![1])).to.equal(400);
      expect(Number(m![2]), text.split('\n').slice(-4).join('\n')).to.equal(400);
      cleanup(c.tag);
    });
  }
});
