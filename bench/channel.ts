// Flow-mods per second pushed over the channel to a real Open vSwitch bridge
// (userspace datapath), closed by a barrier, beside `ovs-ofctl --bundle
// add-flows` of the same flows in the same run: the switch's own limit.
//   npx tsx bench/channel.ts [--n 20000,100000] [--rounds 2]
// Takes /tmp/spotlight-ovs.lock itself (re-runs under flock).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { OpenFlowServer, sendBundle, type SwitchConnection } from '../src/channel/index.js';
import { createLogger } from '../src/log.js';
import { encodeMessage } from '../src/openflow/index.js';
import type { FlowMod } from '../src/openflow/message-model.js';
import { addBridge, benchArg, benchUnderOvsLock, sh as ovsSh } from '../test/support/ovs.js';

const BR = 'spchbench';

benchUnderOvsLock('bench/channel.ts');
const arg = benchArg;
const SIZES = arg('n', '20000,100000').split(',').map(Number);
const ROUNDS = Number(arg('rounds', '2'));

const sh = (cmd: string, args: string[]): string => ovsSh(cmd, args, 600_000);

function ip(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

function flowMod(i: number): Omit<FlowMod, 'version' | 'xid'> {
  return {
    type: 'flowMod',
    cookie: BigInt(i),
    cookieMask: 0n,
    tableId: 0,
    command: 'add',
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 1000,
    bufferId: 0xffffffff,
    outPort: 0xffffffff,
    outGroup: 0xffffffff,
    flags: {},
    match: { inPort: 1, ethType: 0x0800, ipv4Dst: ip(i) },
    instructions: [{ type: 'applyActions', actions: [{ type: 'output', port: 2 }] }],
  };
}

function flowCount(): number {
  const out = sh('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-aggregate', BR]);
  const m = /flow_count=(\d+)/.exec(out);
  return m ? Number(m[1]) : -1;
}

function clearFlows(): void {
  sh('ovs-ofctl', ['-O', 'OpenFlow13', 'del-flows', BR]);
}

async function channelRun(conn: SwitchConnection, n: number): Promise<number> {
  const msgs = Array.from({ length: n }, (_, i) => flowMod(i));
  const t0 = performance.now();
  for (const m of msgs) {
    const r = conn.send(m);
    if (!r.ok) throw r.error;
  }
  const b = await conn.barrier(600_000);
  const dt = (performance.now() - t0) / 1000;
  if (b.errors.length) throw new Error(`switch refused ${b.errors.length} flow-mods`);
  const count = flowCount();
  if (count !== n) throw new Error(`switch holds ${count} flows, expected ${n}`);
  return dt;
}

async function channelBundleRun(conn: SwitchConnection, n: number): Promise<number> {
  const msgs = Array.from({ length: n }, (_, i) => flowMod(i));
  const t0 = performance.now();
  const r = await sendBundle(conn, msgs, { atomic: true, ordered: true, timeoutMs: 600_000 });
  const dt = (performance.now() - t0) / 1000;
  if (r.errors.length) throw new Error(`switch refused ${r.errors.length} bundled flow-mods`);
  const count = flowCount();
  if (count !== n) throw new Error(`switch holds ${count} flows, expected ${n}`);
  return dt;
}

function ofctlRun(dir: string, n: number): number {
  const file = join(dir, `flows-${n}.txt`);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`cookie=${i},priority=1000,ip,in_port=1,nw_dst=${ip(i)},actions=output:2`);
  writeFileSync(file, lines.join('\n') + '\n');
  const t0 = performance.now();
  sh('ovs-ofctl', ['-O', 'OpenFlow13', '--bundle', 'add-flows', BR, file]);
  const dt = (performance.now() - t0) / 1000;
  const count = flowCount();
  if (count !== n) throw new Error(`ovs-ofctl left ${count} flows, expected ${n}`);
  return dt;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'spotlight-bench-'));
  const server = new OpenFlowServer({ host: '127.0.0.1', port: 0, logger: createLogger({ level: 'warn' }), limits: { maxOutputBytes: 1 << 30 } });
  const { port } = await server.listen();
  try {
    const ready = new Promise<SwitchConnection>((resolve) => server.once('switchConnected', (ev) => resolve(ev.connection)));
    addBridge({ name: BR, dpid: '00000000005cbe4c', protocols: 'OpenFlow13', internalPorts: 2, controllers: [`tcp:127.0.0.1:${port}`] });
    const conn = await Promise.race([ready, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('bridge did not connect')), 30_000))]);

    const cpu = os.cpus()[0]?.model ?? '?';
    const flowBytes = encodeMessage({ ...flowMod(1), version: 4, xid: 1 } as FlowMod).length;
    console.log('Spotlight channel benchmark');
    console.log(`  date ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} x ${cpu}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`  ${sh('ovs-vsctl', ['--version']).split('\n')[0]}, bridge ${BR} datapath_type=netdev fail_mode=secure, OpenFlow 1.3 over TCP loopback`);
    console.log(`  flow: priority=1000,ip,in_port=1,nw_dst=<unique>,actions=output:2 (${flowBytes} bytes per FLOW_MOD), table 0 empty before each run`);
    console.log(`  channel plain: send() each flow-mod, then barrier() (one switch transaction per flow-mod)`);
    console.log(`  channel bundle: sendBundle() (open, N bundle-adds, commit; atomic+ordered), then barrier()`);
    console.log(`  reference: ovs-ofctl -O OpenFlow13 --bundle add-flows FILE (process start and file parsing included)`);
    console.log(`  rounds per size: ${ROUNDS}, best of each side reported`);
    console.log('');
    let worst = Infinity;
    const rate = (n: number, t: number): string => (n / t).toFixed(0);
    for (const n of SIZES) {
      let bestPlain = Infinity;
      let bestBundle = Infinity;
      let bestOf = Infinity;
      for (let r = 0; r < ROUNDS; r++) {
        clearFlows();
        const plain = await channelRun(conn, n);
        clearFlows();
        const bundled = await channelBundleRun(conn, n);
        clearFlows();
        const of = ofctlRun(tmp, n);
        clearFlows();
        bestPlain = Math.min(bestPlain, plain);
        bestBundle = Math.min(bestBundle, bundled);
        bestOf = Math.min(bestOf, of);
        console.log(
          `  n=${n} round ${r + 1}: channel plain ${rate(n, plain)}/s (${plain.toFixed(3)} s), channel bundle ${rate(n, bundled)}/s (${bundled.toFixed(3)} s), ovs-ofctl --bundle ${rate(n, of)}/s (${of.toFixed(3)} s)`,
        );
      }
      const ratio = bestOf / bestBundle;
      worst = Math.min(worst, ratio);
      console.log(`n=${n}: channel bundle ${rate(n, bestBundle)} flow-mods/s, ovs-ofctl --bundle ${rate(n, bestOf)} flows/s, ratio ${ratio.toFixed(2)} (target >= 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}`);
      const plainRatio = bestOf / bestPlain;
      console.log(
        `n=${n}: channel plain ${rate(n, bestPlain)} flow-mods/s, ratio ${plainRatio.toFixed(2)} to ovs-ofctl --bundle ${plainRatio >= 0.8 ? 'OK' : 'BELOW TARGET'} (no bundle: one switch transaction per flow-mod)`,
      );
    }
    console.log(`socket writes on the channel: ${conn.socketWrites} in all`);
    process.exitCode = worst >= 0.8 ? 0 : 1;
  } finally {
    try {
      sh('ovs-vsctl', ['--timeout=10', '--if-exists', 'del-br', BR]);
    } finally {
      await server.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
